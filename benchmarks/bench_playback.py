"""Play latency with a real audio driver: from Play to the first audio buffer holding the music.

    python benchmarks/bench_playback.py [--driver pulseaudio] [--runs 20]

Needs a running audio server; on a machine without sound hardware a PulseAudio null
sink works: ``pulseaudio -D --exit-idle-time=-1 -n --load=module-null-sink
--load=module-native-protocol-unix``. The sequencer's clock advances only as the driver
renders audio, so the moment it reaches the first note's time is the moment that note
is in a buffer; the driver's own buffering (period size x periods) is added for the
time to the speaker. Goal: <= 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from measurement import Measurement

from composer.live_playback import START_MARGIN_MS, LivePlayer, PlayRequest
from composer.score import Note, Score, Track


def one_play(player: LivePlayer, score: Score) -> float:
    """Seconds from play() until the sequencer has rendered past the first note."""
    start = time.perf_counter()
    player.play(score, PlayRequest())
    target = player.lib.fluid_sequencer_get_tick(player.seq) + START_MARGIN_MS
    while player.lib.fluid_sequencer_get_tick(player.seq) < target:
        time.sleep(0.0005)
    elapsed = time.perf_counter() - start
    player.stop()
    return elapsed


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driver", default="pulseaudio")
    parser.add_argument("--runs", type=int, default=20)
    return parser


def measure_times(args: argparse.Namespace) -> tuple[list[float], float]:
    """(seconds from play() to the first buffer, per run; the driver's output latency in seconds)."""
    score = Score(tracks=(Track.create("Piano", [Note.create(60, 0, 480)]),))
    player = LivePlayer(driver=args.driver)
    try:
        time.sleep(2.0)  # the driver's stream start-up happens once, when the app opens the device
        times = [one_play(player, score) for _ in range(args.runs)]
    finally:
        player.close()
    return times, player.output_latency


def measure(args: argparse.Namespace) -> list[Measurement]:
    """The suite's rows: Play to the first buffer and to the speaker (needs an audio server)."""
    try:
        times, latency = measure_times(args)
    except Exception as exc:  # no server, no driver: the suite reports it as skipped, with why
        raise SystemExit(f"no {args.driver} audio output here ({type(exc).__name__}: {exc})") from None
    to_buffer = statistics.median(times) * 1000
    note = f"{args.driver}, median of {args.runs}"
    return [
        Measurement("Play -> first buffer with the note", to_buffer, "ms", note=note),
        Measurement("Play -> speaker (+ driver buffering)", to_buffer + latency * 1000, "ms", 50.0,
                    note=f"{latency * 1000:.1f} ms buffering"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    times, latency = measure_times(args)
    to_buffer = statistics.median(times) * 1000
    total = to_buffer + latency * 1000
    print(f"{'measure':<48} {'ms':>8} {'goal':>8}  ok")
    print(f"{'Play -> first buffer with the note (median)':<48} {to_buffer:>8.1f}")
    print(f"{'  worst of ' + str(args.runs):<48} {max(times) * 1000:>8.1f}")
    print(f"{'driver buffering (period x periods)':<48} {latency * 1000:>8.1f}")
    print(f"{'Play -> speaker (median)':<48} {total:>8.1f} {'<= 50':>8}  {'yes' if total <= 50 else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
