"""Assistant latency: fill 4 bars of one track with 8 bars of context each side, on CPU threads.

    python benchmarks/bench_model.py --model PATH/TO/checkpoint --song tests/data/pop909/001.mid [--threads 2]

Prints the median latency for 1 and for 4 candidates, the time until the first bar is
ready, decoding tokens/s and peak RSS, with the goals (4 candidates <= 1.0 s, first
bar <= 250 ms, RSS <= 600 MB) beside.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from measurement import Measurement

from composer.midi_import import read_midi
from composer.region import Region
from models import checkpoint
from models.assistant import Assistant, Options, Result
from models.engine import CellDone, Engine


def one_request(assistant: Assistant, score, region: Region, n: int, seed: int,  # noqa: ANN001
                restyle: str | None = None) -> tuple[float, float, int]:
    """(total seconds, seconds to the first finished bar, tokens written) of one fill request, or
    of a restyle into ``restyle`` (decoded with style guidance: twice the rows)."""
    start = time.perf_counter()
    first = None
    tokens = 0
    options = Options(n=n, seed=seed)
    events = assistant.restyle(score, region, restyle, options=options) if restyle else assistant.fill(
        score, region, options)
    for event in events:
        if isinstance(event, CellDone):
            first = first if first is not None else time.perf_counter() - start
            tokens += 1 + 3 * len(event.notes)  # approximate: positions shared, FILL_END
        elif isinstance(event, Result):
            break
    return time.perf_counter() - start, first or 0.0, tokens


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--song", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    return parser


@dataclass
class ModelRuns:
    rows: list[tuple[int, float, float, float]]  # candidates, median s, median first-bar s, tokens/s
    restyle: float  # median s of a guided restyle of the same bars, 4 candidates
    rss_mb: float
    parameters: float  # millions


def measure_runs(args: argparse.Namespace) -> ModelRuns:
    torch.set_num_threads(args.threads)
    model, vocab, _ = checkpoint.load(args.model)
    assistant = Assistant(Engine(model, vocab), context_bars=8)
    score, _ = read_midi(args.song)
    region = Region((score.tracks[0].id,), 12, 16)
    one_request(assistant, score, region, 1, 0)  # warm-up
    rows = []
    for n in (1, 4):
        results = [one_request(assistant, score, region, n, seed) for seed in range(args.runs)]
        total = statistics.median(r[0] for r in results)
        first = statistics.median(r[1] for r in results)
        rate = statistics.median(r[2] / r[0] for r in results)
        rows.append((n, total, first, rate))
    restyle = statistics.median(one_request(assistant, score, region, 4, seed, "folk")[0] for seed in range(args.runs))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ModelRuns(rows, restyle, rss, model.parameter_count() / 1e6)


def measure(args: argparse.Namespace) -> list[Measurement]:
    """The suite's rows: 1 and 4 candidates, first bar, tokens/s and peak RSS against the goals."""
    runs = measure_runs(args)
    (_, one, one_first, _), (_, four, four_first, rate) = runs.rows
    note = f"fill 4 bars, {args.song.name}, {args.threads} threads, median of {args.runs}"
    return [
        Measurement("fill, 1 candidate", one, "s", note=note),
        Measurement("fill, 4 candidates", four, "s", 1.0, note=note),
        Measurement("first bar ready, 4 candidates", four_first * 1000, "ms", 250.0),
        Measurement("first bar ready, 1 candidate", one_first * 1000, "ms"),
        Measurement("restyle, 4 candidates", runs.restyle, "s", note="the same bars into folk, style guidance"),
        Measurement("decoding speed, 4 candidates", rate, "tokens/s", lower_is_better=False),
        Measurement("peak RSS", runs.rss_mb, "MB", 600.0, note=f"{runs.parameters:.1f}M parameters, {args.model.name}"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    runs = measure_runs(args)
    print(f"{'candidates':>10} {'median s':>9} {'first bar ms':>13} {'tokens/s':>9}")
    for n, total, first, rate in runs.rows:
        print(f"{n:>10} {total:>9.2f} {first * 1000:>13.0f} {rate:>9.0f}")
    print(f"restyle into folk, 4 candidates (style guidance): {runs.restyle:.2f} s median")
    print(f"peak RSS {runs.rss_mb:.0f} MB; goals: 4 candidates <= 1.0 s, first bar <= 250 ms, RSS <= 600 MB; "
          f"{runs.parameters:.1f}M parameters, {args.threads} threads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
