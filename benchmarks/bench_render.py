"""Offline render speed and timing accuracy of the built-in synth.

    python benchmarks/bench_render.py --song PATH/TO/song.mid [--runs 3]

Prints: render speed of the song (x real time, goal >= 50x) and the onset error of a
rendered click track (a side stick every beat at 120 BPM with a tempo change to 97
BPM halfway, measured from the audio; goal <= 3 ms). Play latency needs a live audio
driver and is measured by the playback benchmark, not here.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from measurement import Measurement

from composer.audio_analysis import onsets
from composer.midi_import import read_midi
from composer.score import Note, Score, Track
from composer.synth import SAMPLE_RATE, render_score
from composer.timing import PPQ, TempoChange, TempoMap, bpm_to_us


def render_speed(path: Path, runs: int) -> tuple[float, float]:
    """(seconds of audio, median x real time) for rendering the whole song."""
    score, _ = read_midi(path)
    times, length = [], 0.0
    for _ in range(runs):
        start = time.perf_counter()
        audio = render_score(score)
        times.append(time.perf_counter() - start)
        length = len(audio) / SAMPLE_RATE
    return length, length / statistics.median(times)


def click_errors(beats: int = 64) -> list[float]:
    """Absolute onset errors (ms) of a click on every beat, through a tempo change."""
    tempo = TempoMap((TempoChange(0, bpm_to_us(120)), TempoChange(beats // 2 * PPQ, bpm_to_us(97))))
    click = Track.create("Click", [Note.create(37, i * PPQ, PPQ // 4, 110) for i in range(beats)], is_drum=True,
                         channel=9)
    score = Score(tracks=(click,), tempo_map=tempo)
    found = onsets(render_score(score))
    expected = [tempo.tick_to_seconds(i * PPQ) for i in range(beats)]
    if len(found) != len(expected):
        raise SystemExit(f"expected {len(expected)} clicks, heard {len(found)}")
    return [abs(f - e) * 1000 for f, e in zip(found, expected, strict=True)]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--song", type=Path, required=True, help="a MIDI file to render (e.g. a POP909 song)")
    parser.add_argument("--runs", type=int, default=3)
    return parser


def measure(args: argparse.Namespace) -> list[Measurement]:
    """The suite's rows: render speed and the click track's onset errors."""
    length, speed = render_speed(args.song, args.runs)
    errors = click_errors()
    return [
        Measurement("offline render speed", speed, "x real time", 50.0, lower_is_better=False,
                    note=f"{args.song.name}, {length:.0f} s of audio, median of {args.runs}"),
        Measurement("click onset error, median", statistics.median(errors), "ms"),
        Measurement(f"click onset error, worst of {len(errors)}", max(errors), "ms", 3.0,
                    note="120 -> 97 BPM halfway"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    length, speed = render_speed(args.song, args.runs)
    errors = click_errors()
    print(f"{'measure':<44} {'value':>10} {'goal':>10}  ok")
    print(f"{f'render speed ({args.song.name}, {length:.0f} s)':<44} {speed:>9.0f}x {'>= 50x':>10}  "
          f"{'yes' if speed >= 50 else 'NO'}")
    worst = max(errors)
    print(f"{'click onset error, median (ms)':<44} {statistics.median(errors):>10.2f} {'':>10}")
    verdict = "yes" if worst <= 3 else "NO"
    print(f"{'click onset error, worst of 64 (ms)':<44} {worst:>10.2f} {'<= 3 ms':>10}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
