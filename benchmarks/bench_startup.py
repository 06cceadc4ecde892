"""Start-up and large-file speed of the desktop app, each in a fresh Python process.

    python benchmarks/bench_startup.py [--runs 5] [--notes 100000]

1. Cold start: from spawning ``python`` to the first paint of the main window, and to
   the first paint of the piano roll with the bundled demo song loaded (the song is
   read on the worker thread, so the window shows before it). Median over ``--runs``
   fresh processes, with the child's CPU time beside (wall time grows on a busy machine);
   the child also reports whether torch or music21 were imported.
2. Open a ``--notes`` MIDI file (POP909 songs from tests/data tiled one after another,
   written with composer.midi_export.write_midi) into a shown window: from the open
   command to the piano roll painted with it. Median over ``--runs`` opens.

Uses the Qt platform of the environment (set DISPLAY for X11/Xvfb, or
QT_QPA_PLATFORM=offscreen). Settings go to a temporary INI file, never the user's.
Goals: cold start <= 1.5 s, 100k-note open <= 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench_io import tiled_score
from measurement import Measurement

from composer.midi_export import write_midi

ROOT = Path(__file__).resolve().parent.parent
POP909 = ROOT / "tests" / "data" / "pop909"
COLD_START_GOAL_S = 1.5
OPEN_GOAL_S = 2.0

# Runs in the child: prints "<event> <seconds since the child's first line>" lines.
CHILD_COMMON = r"""
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from ui.app import start
from ui.settings import Settings

class Painted(QObject):
    '''Calls ``then`` once the paint pass that painted ``widget`` is over.'''
    def __init__(self, widget, then):
        super().__init__()
        self.widget, self.then, self.armed = widget, then, True
    def eventFilter(self, obj, event):
        if self.armed and obj is self.widget and event.type() == QEvent.Type.Paint:
            self.armed = False
            QTimer.singleShot(0, self.then)
        return False
"""

CHILD_COLD = CHILD_COMMON + r"""
def report(what):
    print(what, flush=True)

app, window = start(["composer-studio"], Settings.at_path(sys.argv[1]))
shown = Painted(window, lambda: report("visible"))
app.installEventFilter(shown)
demo = Painted(window.editor.canvas, None)
demo.armed = False
def demo_drawn():
    report("demo")
    report("imported " + ",".join(m for m in ("torch", "music21") if m in sys.modules))
    os._exit(0)
demo.then = demo_drawn
window.controller.score_replaced.connect(lambda: setattr(demo, "armed", True))
app.installEventFilter(demo)
app.exec()
"""

CHILD_OPEN = CHILD_COMMON + r"""
path, runs = sys.argv[2], int(sys.argv[3])
app, window = start(["composer-studio", "--"], Settings.at_path(sys.argv[1]))
window.resize(1600, 1000)
times = []
painted = Painted(window.editor.canvas, None)
painted.armed = False
app.installEventFilter(painted)

timing = []  # the start time of the open being timed (the demo's load is not timed)

def open_once():
    timing[:] = [time.perf_counter()]
    window.file_ops.open_path(path, confirm=False)

def drawn():
    times.append(time.perf_counter() - timing.pop())
    print(f"open {times[-1]:.4f} notes={window.controller.score.note_count}", flush=True)
    if len(times) == runs:
        os._exit(0)
    QTimer.singleShot(50, open_once)

painted.then = drawn
window.controller.score_replaced.connect(lambda: setattr(painted, "armed", bool(timing)))
QTimer.singleShot(1000, open_once)  # after the demo, which start() opened
app.exec()
"""


def child(code: str, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    # An installed app has its bytecode compiled (pip does it at install time); a machine that sets
    # PYTHONDONTWRITEBYTECODE would make every start recompile ~100 modules (~0.3 s here). The first run
    # writes the cache, so it is shown apart (in brackets) from the median.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def cold_start(settings: Path) -> tuple[float, float, float, str]:
    """Seconds from spawn to the window painted and to the demo painted, the child's CPU seconds
    (user + system: what the start-up costs, whatever else the machine is busy with), modules imported."""
    started = time.perf_counter()
    process = child(CHILD_COLD, str(settings))
    assert process.stdout is not None
    marks: dict[str, float] = {}
    imported = "?"
    for line in process.stdout:
        word, _, rest = line.strip().partition(" ")
        marks[word] = time.perf_counter() - started
        if word == "imported":
            imported = rest or "none"
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if "visible" not in marks or "demo" not in marks:
        raise SystemExit(f"start-up child failed (exit {process.returncode})")
    return marks["visible"], marks["demo"], usage.ru_utime + usage.ru_stime, imported


def large_file(folder: Path, notes: int) -> tuple[Path, int]:
    score = tiled_score(sorted(POP909.glob("*.mid")), notes)
    path = folder / f"tiled_{score.note_count}.mid"
    write_midi(score, path)
    return path, score.note_count


def open_times(settings: Path, path: Path, runs: int) -> list[float]:
    process = child(CHILD_OPEN, str(settings), str(path), str(runs))
    out, _ = process.communicate(timeout=300)
    times = [float(line.split()[1]) for line in out.splitlines() if line.startswith("open ")]
    if len(times) != runs:
        raise SystemExit(f"open child failed (exit {process.returncode}): {out}")
    return times


def row(label: str, seconds: float, goal: float) -> str:
    verdict = "ok" if seconds <= goal else "SLOW"
    return f"{label:<44} {seconds * 1000:>9.0f} ms   goal <= {goal * 1000:.0f} ms   {verdict}"


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--notes", type=int, default=100_000)
    return parser


@dataclass
class StartupRuns:
    starts: list[tuple[float, float, float, str]]  # per run: window, demo, CPU seconds, heavy modules
    opens: list[float]
    notes: int
    platform: str

    @property
    def imported(self) -> set[str]:
        return {s[3] for s in self.starts}


def measure_runs(args: argparse.Namespace) -> StartupRuns:
    platform = os.environ.get("QT_QPA_PLATFORM") or ("xcb" if os.environ.get("DISPLAY") else "offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = folder / "settings.ini"
        starts = [cold_start(settings) for _ in range(args.runs)]
        path, notes = large_file(folder, args.notes)
        opens = open_times(settings, path, args.runs)
    return StartupRuns(starts, opens, notes, platform)


def measure(args: argparse.Namespace) -> list[Measurement]:
    """The suite's rows: cold start (window, demo song, CPU time), opening a large file, heavy imports."""
    runs = measure_runs(args)
    imported = {name for names in runs.imported for name in names.split(",")} - {"none"}
    return [
        Measurement("cold start to a painted window", statistics.median(s[0] for s in runs.starts), "s",
                    COLD_START_GOAL_S, note=f"Qt {runs.platform}, median of {args.runs} fresh processes"),
        Measurement("cold start to the demo song painted", statistics.median(s[1] for s in runs.starts), "s",
                    COLD_START_GOAL_S),
        Measurement("  CPU time of that start-up (user + system)", statistics.median(s[2] for s in runs.starts), "s"),
        Measurement(f"open a {runs.notes:,}-note MIDI file to a painted roll", statistics.median(runs.opens), "s",
                    OPEN_GOAL_S),
        Measurement("music21 imported by the demo's first paint", float("music21" in imported), "(1 = yes)", 0),
        Measurement("torch imported by the demo's first paint", float("torch" in imported), "(1 = yes)",
                    note="torch is the assistant's: its worker thread loads the model once the window shows"),
    ]


def main(argv: list[str] | None = None) -> None:
    args = make_parser().parse_args(argv)
    runs = measure_runs(args)
    load = os.getloadavg()[0]
    print(f"Qt platform: {runs.platform}; {args.runs} runs each, medians (first run in brackets); "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    visible = [s[0] for s in runs.starts]
    demo = [s[1] for s in runs.starts]
    cpu = [s[2] for s in runs.starts]
    opens = runs.opens
    print(row("cold start to a painted window", statistics.median(visible), COLD_START_GOAL_S),
          f"[{visible[0] * 1000:.0f}]")
    print(row("cold start to the demo song painted", statistics.median(demo), COLD_START_GOAL_S),
          f"[{demo[0] * 1000:.0f}]")
    print(row("  CPU time of that start-up (user + system)", statistics.median(cpu), COLD_START_GOAL_S),
          f"[{cpu[0] * 1000:.0f}]")
    print(row(f"open a {runs.notes:,}-note MIDI file to a painted roll", statistics.median(opens), OPEN_GOAL_S),
          f"[{opens[0] * 1000:.0f}]")
    print(f"heavy modules imported at start-up: {', '.join(sorted(runs.imported))}")
    if "music21" in runs.imported:  # torch is the assistant worker's, imported once the window shows
        raise SystemExit("music21 was imported at start-up")


if __name__ == "__main__":
    main()
