"""Training speed: tokens/s of `composer-train`'s step in fp32 and with bf16 autocast.

    python benchmarks/bench_training.py [--pop909 tests/data/pop909] [--size small] [--steps 12] [--threads 2]

The same real batches (training examples cut from POP909 songs, grouped by length as
`composer-train` groups them) go through its `train_step` (forward, backward, clipping, optimizer)
in both precisions; tokens/s counts the examples' real tokens, not their padding. It says
whether `--bf16` pays on this machine: on a CPU without native bf16 (no avx512_bf16 or
AMX) autocast is emulated and much slower, so that row is skipped there.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import torch
from measurement import Measurement

from composer.project_file import score_from_json
from composer.tokens import Vocabulary
from models import corpus
from models.train import SIZES, batch_tensors, length_grouped, train_step
from models.training_data import SamplerConfig, WindowSampler
from models.transformer import ModelConfig, MusicTransformer

ROOT = Path(__file__).resolve().parent.parent


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pop909", type=Path, default=ROOT / "tests" / "data" / "pop909")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=12, help="timed steps per precision (after 2 warm-up steps)")
    parser.add_argument("--threads", type=int, default=2)
    return parser


def cpu_has_native_bf16() -> bool:
    """avx512_bf16 or AMX in /proc/cpuinfo (Linux); elsewhere assume not."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def real_batches(folder: Path, vocab: Vocabulary, batch: int, count: int) -> list[list[list[int]]]:
    """``count`` length-grouped batches of training examples cut from the songs in ``folder``."""
    pieces = []
    for source in corpus.midi_sources(folder, "pop", "bench"):
        found, _problems = corpus.parse_source(source)
        pieces += [corpus.Piece(p["id"], p["style"], score_from_json(p["score"])) for p in found]
    if not pieces:
        raise SystemExit(f"no MIDI files in {folder}")
    sampler = WindowSampler(pieces, vocab, SamplerConfig())
    rng = random.Random(0)
    out: list[list[list[int]]] = []
    while len(out) < count:
        out += length_grouped(sampler, rng, batch, 4)
    return out[:count]


def tokens_per_second(model: MusicTransformer, batches: list[list[list[int]]], pad: int, bf16: bool) -> float:
    """Real tokens per second over ``batches`` (the first two are warm-up, not timed)."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5)
    rates = []
    for i, examples in enumerate(batches):
        inputs, targets = batch_tensors(examples, pad, torch.device("cpu"))
        started = time.perf_counter()
        train_step(model, optimizer, inputs, targets, pad,
                   torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext())
        if i >= 2:
            rates.append(int((targets != pad).sum()) / (time.perf_counter() - started))
    return statistics.median(rates)


def measure(args: argparse.Namespace) -> list[Measurement]:
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    vocab = Vocabulary()
    batches = real_batches(args.pop909, vocab, args.batch, args.steps + 2)
    config = ModelConfig(vocab_size=len(vocab), max_len=1024, **SIZES[args.size])
    note = f"--size {args.size}, batch {args.batch}, median of {args.steps} steps, {args.threads} threads"
    fp32 = tokens_per_second(MusicTransformer(config), batches, vocab["PAD"], bf16=False)
    rows = [Measurement("training speed, fp32", fp32, "tokens/s", lower_is_better=False, note=note)]
    if cpu_has_native_bf16():
        bf16 = tokens_per_second(MusicTransformer(config), batches, vocab["PAD"], bf16=True)
        rows += [Measurement("training speed, --bf16", bf16, "tokens/s", lower_is_better=False, note=note),
                 Measurement("  --bf16 speed-up", bf16 / fp32, "x", lower_is_better=False)]
    return rows


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    rows = measure(args)
    for m in rows:
        print(f"{m.name:<28} {m.value:>9.1f} {m.unit}")
    if len(rows) == 1:
        print("--bf16 not measured: this CPU has no native bf16 (avx512_bf16 / AMX), where autocast is emulated")
    print(rows[0].note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
