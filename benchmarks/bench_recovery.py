"""Crash-recovery saves of a 100,000-note song: what the GUI thread pays, and what it feels.

    python benchmarks/bench_recovery.py [--notes 100000] [--runs 5]

A recovery save snapshots the immutable Score on the GUI thread and writes the project
file on the RecoveryManager's worker thread. Printed per run: the time save() takes on
the GUI thread (goal <= 16 ms: less than one frame), how long the copy takes to reach the
disk, and the longest gap between ticks of a 2 ms timer on the GUI thread meanwhile (the
stall a user could notice while the writer holds the GIL; goal <= 50 ms). Needs the project
installed (``pip install -e .``); runs with QT_QPA_PLATFORM=offscreen, no display needed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from measurement import Measurement  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from composer import edits as ed  # noqa: E402
from composer.score import Note, Score, Track  # noqa: E402
from ui.document_controller import DocumentController  # noqa: E402
from ui.recovery import RecoveryManager  # noqa: E402

GUI_GOAL_MS = 16.0
STALL_GOAL_MS = 50.0


def big_document(notes: int) -> DocumentController:
    controller = DocumentController()
    track = Track.create("Big", [Note.create(36 + i % 48, i * 120, 120) for i in range(notes)])
    controller.load(Score(tracks=(track,)))
    controller.push(ed.add_notes(controller.score.tracks[0].id, [Note.create(30, 0, 120)]))  # modified
    return controller


def one_save(manager: RecoveryManager) -> tuple[float, float, float]:
    """(GUI-thread ms, ms until written, worst timer gap ms) for one recovery save."""
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(tick)
    timer.start()
    loop = QEventLoop()
    QTimer.singleShot(50, loop.quit)  # the timer settles
    loop.exec()
    gaps.clear()
    last[0] = time.perf_counter()
    written: list[float] = []
    loop = QEventLoop()
    manager.saved.connect(lambda _path: (written.append(time.perf_counter()), loop.quit()))
    started = time.perf_counter()
    manager.save()
    gui = time.perf_counter() - started
    QTimer.singleShot(30_000, loop.quit)
    loop.exec()
    timer.stop()
    manager.saved.disconnect()
    if not written:
        raise RuntimeError("the recovery copy was not written within 30 s")
    return gui * 1e3, (written[0] - started) * 1e3, max(gaps, default=0.0) * 1e3


def measure_runs(args: argparse.Namespace) -> list[tuple[float, float, float]]:
    _app = QApplication.instance() or QApplication(sys.argv[:1])
    controller = big_document(args.notes)
    with tempfile.TemporaryDirectory() as folder:
        manager = RecoveryManager(controller, dict, lambda: None, Path(folder), interval_ms=3_600_000)
        try:
            return [one_save(manager) for _ in range(args.runs)]
        finally:
            manager.close()


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=100_000, help="notes in the song")
    parser.add_argument("--runs", type=int, default=5, help="saves to time (medians and the worst stall are shown)")
    return parser


def measure(args: argparse.Namespace) -> list[Measurement]:
    """The suite's rows (python -m benchmarks)."""
    runs = measure_runs(args)
    note = f"{args.notes:,} notes, {args.runs} saves"
    return [
        Measurement("recovery save, GUI thread (median)", statistics.median(r[0] for r in runs), "ms", GUI_GOAL_MS,
                    note=note),
        Measurement("recovery save, written after (median)", statistics.median(r[1] for r in runs), "ms", note=note),
        Measurement("recovery save, worst GUI stall", max(r[2] for r in runs), "ms", STALL_GOAL_MS,
                    note="longest gap of a 2 ms timer while the worker writes"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    print(f"{'run':>4} {'GUI thread ms':>14} {'written after ms':>17} {'worst stall ms':>15}")
    for number, (gui, written, stall) in enumerate(measure_runs(args), 1):
        print(f"{number:>4} {gui:>14.2f} {written:>17.0f} {stall:>15.1f}")
    print(f"goals: GUI thread <= {GUI_GOAL_MS:.0f} ms, worst stall <= {STALL_GOAL_MS:.0f} ms ({args.notes:,} notes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
