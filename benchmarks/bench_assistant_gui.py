"""The GUI while the assistant works: event-loop stalls and click-to-first-ghost-bar, with the song playing.

    python benchmarks/bench_assistant_gui.py [--model CHECKPOINT] [--song FILE] [--runs 3] [--threads N]

Opens the real main window (offscreen unless --show), plays the song through FluidSynth
(the "file" driver into a scratch WAV unless --driver names a real one), selects 4 bars of
the first track and clicks Fill with 4 candidates, as a user would. A 5 ms QTimer on the GUI
thread measures how late each of its ticks comes: the longest lateness while the
candidates are written is the longest stall of the event loop. The first ghost bar is
the first paint of the piano roll with ghost notes in its layer. Also printed: the time to all
candidates, how long Cancel takes to stop the worker, and the longest stall while the model
loads (torch's import). Goals: stall <= 50 ms, first ghost bar <= 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from measurement import Measurement

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SONG = ROOT / "resources" / "demo" / "demo.mid"
TICK_MS = 5
STALL_GOAL_MS = 50.0
FIRST_GHOST_GOAL_MS = 300.0


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="checkpoint (path without suffix); default: shipped")
    parser.add_argument("--song", type=Path, default=DEFAULT_SONG)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads of the worker (default: torch's)")
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--bars", default="5-8", help="the region's bars FIRST-LAST (1-based)")
    parser.add_argument("--driver", default="file", help="FluidSynth audio driver for playback")
    parser.add_argument("--show", action="store_true", help="use the real display instead of offscreen")
    return parser


class StallMeter:
    """A TICK_MS timer on the GUI thread; the worst lateness of a tick is the worst stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer  # noqa: PLC0415

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.worst = 0.0
        self.lates: list[float] = []

    def start(self) -> None:
        self.reset()
        self.timer.start()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0
        self.lates = []

    def _tick(self) -> None:
        now = time.perf_counter()
        late = (now - self.last) * 1000 - TICK_MS
        self.last = now
        self.lates.append(late)
        self.worst = max(self.worst, late)


@dataclass
class Run:
    stall_ms: float
    p99_ms: float
    first_ghost_ms: float
    total_s: float
    click_ms: float  # the click's own handling on the GUI thread (part of the stall)


def wait(condition: object, timeout: float) -> bool:
    """Run the real event loop (exec, as the app does) until ``condition()`` holds or ``timeout`` s pass."""
    from PySide6.QtCore import QEventLoop, QTimer  # noqa: PLC0415

    loop = QEventLoop()
    end = time.perf_counter() + timeout
    poll = QTimer()
    poll.setInterval(10)

    def check() -> None:
        if condition() or time.perf_counter() >= end:  # type: ignore[operator]
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    if not condition():  # type: ignore[operator]
        loop.exec()
    poll.stop()
    return bool(condition())  # type: ignore[operator]


def measure_runs(args: argparse.Namespace) -> tuple[list[Run], list[float], float, float, str]:
    """(runs, cancel latencies in ms, longest stall while loading, longest while only playing (ms), device)."""
    if not args.show:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPoint, Qt  # noqa: PLC0415
    from PySide6.QtTest import QTest  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from composer.region import Region  # noqa: PLC0415
    from composer.score_files import load_file  # noqa: PLC0415
    from ui.assistant.service import ServiceState  # noqa: PLC0415
    from ui.mainwindow import MainWindow  # noqa: PLC0415
    from ui.playback.transport import TransportState  # noqa: PLC0415
    from ui.settings import AudioOutput, Settings  # noqa: PLC0415

    _app = QApplication.instance() or QApplication([])  # kept referenced while the window lives
    scratch = Path(tempfile.mkdtemp(prefix="bench-assistant-"))
    settings = Settings.at_path(scratch / "settings.ini")
    settings.audio_output = AudioOutput(driver=args.driver, device=str(scratch / "heard.wav")
                                        if args.driver == "file" else None)
    if args.model is not None:
        settings.assistant_model = args.model
    window = MainWindow(settings)
    window.assistant_service.threads = args.threads
    meter = StallMeter()
    meter.start()
    window.show()
    if not wait(lambda: window.assistant_service.state in (ServiceState.READY, ServiceState.ERROR), 300):
        raise SystemExit("the model did not load in 300 s")
    load_stall = meter.worst
    if window.assistant_service.state is ServiceState.ERROR:
        raise SystemExit(f"the model did not load: {window.assistant_service.detail}")
    device = window.assistant_service.info.device if window.assistant_service.info else "?"
    window.controller.load(load_file(args.song).score)
    score = window.controller.score
    first, _, last = args.bars.partition("-")
    region = Region((score.tracks[0].id,), int(first) - 1, int(last or first))
    window.state.set_active_track(score.tracks[0].id)
    window.state.set_region(region)
    window.show_bar(score.tracks[0].id, region.start_bar)
    panel = window.assistant
    panel.count.setValue(args.candidates)
    wait(lambda: window.transport.state is not TransportState.OPENING, 20)
    playing = window.transport.play()

    canvas = window.editor.canvas
    ghost_seen: list[float] = []
    paint = canvas.paint

    def watched_paint(p: object) -> object:
        stats = paint(p)
        if not window.ghosts.is_empty and not ghost_seen:  # this paint drew the first ghost bar
            ghost_seen.append(time.perf_counter())
        return stats

    canvas.paint = watched_paint  # type: ignore[method-assign]
    button = panel.operation_buttons["fill"]
    runs: list[Run] = []
    cancels: list[float] = []
    for _ in range(args.runs + 1):  # the first run warms up (caches, allocator)
        ghost_seen.clear()
        wait(lambda: False, 0.3)
        meter.reset()
        clicked = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5))
        click_ms = (time.perf_counter() - clicked) * 1000
        done = wait(lambda: panel.candidates is not None and panel.candidates.finished, 300)
        total = time.perf_counter() - clicked
        if not done:
            raise SystemExit("the request did not finish in 300 s")
        wait(lambda: bool(ghost_seen), 2)
        lates = sorted(meter.lates)
        p99 = lates[int(0.99 * (len(lates) - 1))] if lates else 0.0
        first_ghost = (ghost_seen[0] - clicked) * 1000 if ghost_seen else float("nan")
        runs.append(Run(meter.worst, p99, first_ghost, total, click_ms))
        panel.reject_all()
        # Cancel: start again, cancel right after the first bar, time until the worker is idle.
        QTest.mouseClick(button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5))
        wait(lambda: bool(panel.candidates and panel.candidates.progress() > 0), 300)
        pressed = time.perf_counter()
        QTest.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5))
        window.assistant_service.wait_idle(10)
        cancels.append((time.perf_counter() - pressed) * 1000)
    meter.reset()  # the same time with the song playing and no request: what the assistant adds is the difference
    wait(lambda: False, statistics.median(r.total_s for r in runs[1:]))
    baseline = meter.worst
    window.transport.stop()
    if not playing:
        print(f"note: playback did not start ({window.transport.reason})", file=sys.stderr)
    window.assistant_service.shutdown()
    window.transport.close()
    window.hide()
    return runs[1:], cancels[1:], load_stall, baseline, device


def measure(args: argparse.Namespace) -> list[Measurement]:
    runs, cancels, load_stall, baseline, device = measure_runs(args)
    note = f"{args.candidates} candidates x 4 bars, {args.song.name}, playing, {device}, {len(runs)} runs"
    return [
        Measurement("GUI stall while generating (worst)", max(r.stall_ms for r in runs), "ms", STALL_GOAL_MS,
                    note=note),
        Measurement("GUI stall while generating (p99 tick)", statistics.median(r.p99_ms for r in runs), "ms"),
        Measurement("GUI stall, song playing, no request (worst)", baseline, "ms", note="the baseline"),
        Measurement("click -> first ghost bar (median)", statistics.median(r.first_ghost_ms for r in runs), "ms",
                    FIRST_GHOST_GOAL_MS),
        Measurement("the click's own GUI work (median)", statistics.median(r.click_ms for r in runs), "ms"),
        Measurement("click -> all candidates (median)", statistics.median(r.total_s for r in runs), "s"),
        Measurement("Cancel -> worker stopped (worst)", max(cancels), "ms", 100.0),
        Measurement("GUI stall while the model loads", load_stall, "ms", note="torch import on the worker"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    rows = measure(args)
    print(f"{'measure':<42} {'value':>9} {'unit':<4} {'goal':>8}  ok")
    for m in rows:
        goal = f"<= {m.goal:g}" if m.goal is not None else ""
        ok = "" if m.meets_goal is None else "yes" if m.meets_goal else "NO"
        print(f"{m.name:<42} {m.value:>9.1f} {m.unit:<4} {goal:>8}  {ok}")
    print(rows[0].note, f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
