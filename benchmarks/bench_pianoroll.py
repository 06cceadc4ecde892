"""Piano-roll paint speed: a full repaint of a 1600x900 note canvas and a scroll step,
at 1k, 10k and 100k notes in the project.

    python benchmarks/bench_pianoroll.py [--midi-dir DIR] [--runs 60] [--tracks 12]

Scores are built by tiling real songs (default: the POP909 songs in tests/data/pop909):
``--tracks`` tracks (each song's tracks stacked, songs cycled), every track repeated
song after song in time until the project holds the wanted number of notes. The
view is the default zoom (about eight 4/4 bars across) in the middle of the song,
with the first track active and other tracks faded, as a user would see it.

A repaint is the canvas's own paint into an offscreen QImage (what Qt's backing store
does on screen); a scroll step moves the viewport by a tenth of the view and repaints.
Times are medians. The goal is <= 8 ms at 100k notes. A far zoom (the whole song in
view) is shown beside: it draws every note, so it is no longer "only what is visible".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from measurement import Measurement  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from composer.score import Note, Score, Track, new_id  # noqa: E402
from composer.score_files import load_file  # noqa: E402
from ui.document_controller import DocumentController  # noqa: E402
from ui.editor_state import EditorState  # noqa: E402
from ui.pianoroll.canvas import NoteCanvas, PaintStats  # noqa: E402
from ui.pianoroll.transform import RollTransform  # noqa: E402
from ui.pianoroll.viewport import RollViewport  # noqa: E402

WIDTH, HEIGHT = 1600, 900
SIZES = (1_000, 10_000, 100_000)
GOAL_MS = 8.0
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "pop909"


def load_songs(folder: Path) -> list[Score]:
    paths = sorted(folder.glob("*/*.mid")) or sorted(folder.glob("*.mid"))
    if not paths:
        raise SystemExit(f"no .mid files in {folder} or its subfolders")
    return [load_file(p).score for p in paths]


def tiled_score(songs: list[Score], notes: int, tracks: int) -> Score:
    """``tracks`` tracks from the songs' tracks (cycled), each repeated in time, ``notes`` notes in all."""
    sources = [(song, track) for song in songs for track in song.tracks if track.notes]
    parts = [sources[i % len(sources)] for i in range(tracks)]
    built: list[list[Note]] = [[] for _ in parts]
    offsets = [0] * len(parts)
    total = 0
    while total < notes:  # round robin, one song length per track per turn, so tracks grow together
        for i, (song, track) in enumerate(parts):
            take = track.notes[: notes - total]
            built[i].extend(Note(n.start + offsets[i], n.pitch, n.duration, n.velocity, new_id()) for n in take)
            offsets[i] += song.time_signatures.bar_start(song.bar_count)
            total += len(take)
            if total >= notes:
                break
    first = songs[0]
    new_tracks = tuple(
        Track.create(f"{t.name} {i + 1}", ns, colour=t.colour, program=t.program)
        for i, ((_, t), ns) in enumerate(zip(parts, built, strict=True))
    )
    return Score(new_tracks, first.tempo_map, first.time_signatures, first.key_map, "tiled")


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Bench:
    """A 1600x900 canvas on ``score`` painting into an offscreen image."""

    def __init__(self, score: Score) -> None:
        self.controller = DocumentController()
        self.controller.load(score)
        self.state = EditorState()
        self.state.set_active_track(score.tracks[0].id)
        middle = score.end_tick // 2
        start = RollTransform(px_per_tick=0.1, key_height=12.0, left_tick=middle, top=(127 - 88) * 12)
        self.viewport = RollViewport(start)
        self.canvas = NoteCanvas(self.controller, self.state, self.viewport)
        self.canvas.resize(WIDTH, HEIGHT)
        self.image = QImage(WIDTH, HEIGHT, QImage.Format.Format_ARGB32_Premultiplied)
        self.stats = PaintStats()

    def repaint(self) -> None:
        painter = QPainter(self.image)
        self.stats = self.canvas.paint(painter)
        painter.end()

    def scroll_step(self) -> None:
        t = self.viewport.transform
        step = WIDTH / 10 / t.px_per_tick
        left = t.left_tick + step if t.left_tick + step < self.controller.score.end_tick else 0
        self.viewport.set_transform(t.scrolled_to(left_tick=left))
        self.repaint()

    def whole_song(self) -> None:
        """Zoom out so the whole song fits the width (the far-zoom worst case)."""
        t = self.viewport.transform
        px = WIDTH / max(self.controller.score.end_tick, 1)
        self.viewport.set_transform(RollTransform(px, t.key_height, 0.0, t.top))


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--midi-dir", type=Path, default=DEFAULT_DIR, help="folder of .mid songs to tile")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--tracks", type=int, default=12)
    return parser


Row = tuple[int, int, float, float, float, int]  # notes, drawn, repaint ms, scroll ms, whole-song ms, drawn


def measure_rows(args: argparse.Namespace, songs: list[Score]) -> list[Row]:
    rows = []
    for size in SIZES:
        bench = Bench(tiled_score(songs, size, args.tracks))
        bench.repaint()  # warm caches (colours, pens, the tracks' bisect indexes)
        repaint = median_ms(bench.repaint, args.runs)
        drawn = bench.stats.active_notes + bench.stats.other_notes
        scroll = median_ms(bench.scroll_step, args.runs)
        bench.whole_song()
        bench.repaint()
        far = median_ms(bench.repaint, max(args.runs // 6, 3))
        rows.append((size, drawn, repaint, scroll, far, bench.stats.active_notes + bench.stats.other_notes))
    return rows


def measure(args: argparse.Namespace) -> list[Measurement]:
    """The suite's rows: repaint and scroll at 100k notes against the goal, the far zoom beside."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    rows = measure_rows(args, load_songs(args.midi_dir))
    del app
    size, drawn, repaint, scroll, far, far_drawn = rows[-1]
    note = f"{WIDTH}x{HEIGHT} canvas, {args.tracks} tracks, median of {args.runs}, {drawn} notes in view"
    return [
        Measurement(f"piano-roll repaint, {size:,} notes", repaint, "ms", GOAL_MS, note=note),
        Measurement(f"piano-roll scroll step, {size:,} notes", scroll, "ms", GOAL_MS),
        Measurement(f"piano-roll repaint, whole song in view, {size:,} notes", far, "ms",
                    note=f"whole song: {far_drawn:,} notes drawn"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    songs = load_songs(args.midi_dir)
    header = f"{'notes':>8} {'tracks':>6} {'drawn':>6} {'repaint ms':>10} {'scroll ms':>9} {'goal ms':>7}"
    print(f"piano-roll canvas {WIDTH}x{HEIGHT}, median of {args.runs} runs, {len(songs)} songs from {args.midi_dir}")
    print(header + f" {'whole-song ms':>13} {'drawn':>6}")
    for size, drawn, repaint, scroll, far, far_drawn in measure_rows(args, songs):
        goal = f"<={GOAL_MS:g}" if size == SIZES[-1] else ""
        row = f"{size:>8,} {args.tracks:>6} {drawn:>6} {repaint:>10.2f} {scroll:>9.2f} {goal:>7}"
        print(row + f" {far:>13.1f} {far_drawn:>6}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
