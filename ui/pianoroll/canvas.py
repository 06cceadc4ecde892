"""The piano roll's note area: one widget that paints only what is visible, in one pass.

No item per note: each paint asks every track for the notes sounding in the visible
ticks (a bisect, :meth:`composer.score.Track.sounding_in`), culls them by the visible
pitch rows, and draws them batched by colour with ``drawRects``. That keeps a repaint
proportional to what is on screen, not to the size of the song (ARCHITECTURE.md,
"paint only what is visible").

Mouse gestures are delegated to the tool objects in :mod:`ui.pianoroll.tools`; keys
go to :class:`ui.editing.NoteEditing`; wheel scrolling and zooming move the shared
:class:`~ui.pianoroll.viewport.RollViewport`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QWidget

from composer.grid import Grid
from composer.score import Note, Score, Track
from composer.timing import TimeSignatureMap
from ui.document_controller import DocumentController
from ui.editing import NoteEditing
from ui.editor_state import EditorState, Tool
from ui.pianoroll import palette
from ui.pianoroll.tools import TOOLS, Gesture, Preview, RollTool
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.viewport import RollViewport

if TYPE_CHECKING:
    import numpy as np

EDGE_PX = 5.0
"""Width of the grab zone at a note's right edge that resizes instead of moving."""
MIN_NOTE_PX = 2.0
"""Notes are drawn (and hit) at least this wide, so a short note at a far zoom stays visible."""
WHEEL_ZOOM_STEP = 1.2
"""Zoom factor per wheel notch (120 units of angle delta)."""
WHEEL_SCROLL_ROWS = 3
"""Pitch rows scrolled per wheel notch."""
WHEEL_SCROLL_FRACTION = 0.1
"""Fraction of the view width scrolled per wheel notch with Shift."""
PLAYHEAD_STRIP_PX = 3
"""Pixels either side of the playhead line repainted when it moves (the line and its antialiasing)."""


@dataclass
class PaintStats:
    """What the last paint drew: lets tests check culling without timing anything."""

    active_notes: int = 0
    other_notes: int = 0
    grid_lines: int = 0


# --- pure geometry -------------------------------------------------------------------------


def grid_lines(
    t: RollTransform, width: float, sigs: TimeSignatureMap, grid: Grid
) -> tuple[list[float], list[float], list[float]]:
    """x positions of the visible bar, beat and snap-grid lines (strongest wins where they meet).

    A level whose lines would lie closer than ``palette.MIN_LINE_SPACING_PX`` is left out;
    bar lines then thin out to every 2nd, 4th, ... bar so a far zoom stays readable.
    """
    start, end = t.visible_ticks(width)
    px = t.px_per_tick
    first = sigs.bar_at(start)
    every = _bar_stride(sigs.at(start).bar_ticks * px)
    bars: list[float] = []
    beats: list[float] = []
    subs: list[float] = []
    bar = first - first % every
    while True:
        bar_start, bar_end = sigs.bar_range(bar)
        if bar_start >= end:
            break
        bars.append(t.tick_to_x(bar_start))
        if every == 1:
            _inner_lines(t, bar_start, bar_end, sigs.at(bar_start).beat_ticks, grid, beats, subs)
        bar += every
    return bars, beats, subs


def _bar_stride(bar_px: float) -> int:
    """Draw every n-th bar line (n a power of two) so bar lines stay legible."""
    every = 1
    while bar_px * every < palette.MIN_LINE_SPACING_PX:
        every *= 2
    return every


def _inner_lines(
    t: RollTransform, bar_start: int, bar_end: int, beat: int, grid: Grid, beats: list[float], subs: list[float]
) -> None:
    """Beat and grid lines inside one bar (grid lines start at the bar line, like the snap)."""
    px = t.px_per_tick
    if beat * px >= palette.MIN_LINE_SPACING_PX:
        beats.extend(t.tick_to_x(tick) for tick in range(bar_start + beat, bar_end, beat))
    step = grid.ticks
    if grid.is_off or step * px < palette.MIN_LINE_SPACING_PX:
        return
    subs.extend(
        t.tick_to_x(tick)
        for tick in range(bar_start + step, bar_end, step)
        if (tick - bar_start) % beat or beat * px < palette.MIN_LINE_SPACING_PX
    )


def note_rects(t: RollTransform, notes: Iterable[Note]) -> list[QRectF]:
    """The notes' rectangles in canvas pixels (a pixel gap between rows; at least MIN_NOTE_PX wide).

    One comprehension with the transform in locals: this is the hot loop of a repaint.
    """
    left, px, key = t.left_tick, t.px_per_tick, t.key_height
    bottom, height = 127 * key - t.top + 0.5, key - 1.0
    return [QRectF((n[0] - left) * px, bottom - n[1] * key, max(n[2] * px, MIN_NOTE_PX), height) for n in notes]


def note_rect(t: RollTransform, note: Note) -> QRectF:
    """One note's rectangle, exactly as :func:`note_rects` paints it."""
    return note_rects(t, (note,))[0]


def _crisp(x: float) -> float:
    """Centre a 1-px line on a pixel so it is sharp, not smeared over two."""
    return round(x) + 0.5


# --- painting ------------------------------------------------------------------------------


class _Frame:
    """The visible window of one paint: transform, size and the visible tick and pitch ranges."""

    def __init__(self, t: RollTransform, width: int, height: int, columns: NoteColumns) -> None:
        self.t = t
        self.width = width
        self.height = height
        self.start, self.end = t.visible_ticks(width)
        self.low, self.high = t.visible_pitches(height)
        self.columns = columns

    def is_dense(self, *tracks: Track) -> bool:
        """So many notes start in view that they are drawn as merged runs (see DENSE_NOTES)."""
        return sum(len(track.starting_in(self.start, self.end)) for track in tracks) > DENSE_NOTES

    def visible(self, track: Track, hidden: frozenset[int] = frozenset()) -> Iterable[Note]:
        low, high = self.low, self.high
        return (n for n in track.sounding_in(self.start, self.end) if low <= n.pitch <= high and n.id not in hidden)

    def visible_columns(self, track: Track, hidden: frozenset[int] = frozenset()) -> np.ndarray:
        """The visible notes of a dense track as numpy rows (see :class:`NoteColumns`)."""
        import numpy as np

        columns = self.columns.of(track)
        columns = columns[: np.searchsorted(columns[:, 0], self.end)]  # notes are sorted by start
        start, pitch = columns[:, 0], columns[:, 1]
        shown = (start + columns[:, 2] > self.start) & (pitch >= self.low) & (pitch <= self.high)
        if hidden:
            shown &= ~np.isin(columns[:, 4], np.fromiter(hidden, np.int64, len(hidden)))
        return columns[shown]


def _paint_backdrop(p: QPainter, f: _Frame, sigs: TimeSignatureMap, grid: Grid) -> int:
    """Pitch rows with their bar, beat and grid lines, and a faint line under every C.

    Returns the number of vertical lines. Full-height 1-px lines are slow to rasterise
    (every pixel lies on another scanline), so the lines are drawn once into a tile one
    row high per row shade, and each visible row is a plain copy of its tile.
    """
    bars, beats, subs = grid_lines(f.t, f.width, sigs, grid)
    t = f.t
    tile_height = math.ceil(t.key_height) + 1
    lines = [
        (pen, [QLineF(_crisp(x), 0, _crisp(x), tile_height) for x in xs])
        for pen, xs in ((palette.GRID_PEN, subs), (palette.BEAT_PEN, beats), (palette.BAR_PEN, bars))
    ]
    ratio = p.device().devicePixelRatio() if p.device() is not None else 1.0
    tiles = {black: _row_tile(black, f.width, tile_height, ratio, lines) for black in (False, True)}
    octave: list[QLineF] = []
    for pitch in range(f.low, f.high + 1):
        top = round(t.pitch_to_y(pitch))
        height = round(t.pitch_to_y(pitch) + t.key_height) - top
        p.drawImage(0, top, tiles[palette.is_black_key(pitch)], 0, 0, -1, round(height * ratio))  # an unscaled copy
        if pitch % 12 == 0 and t.key_height >= 6:
            octave.append(QLineF(0, top + height - 0.5, f.width, top + height - 0.5))
    p.setPen(palette.OCTAVE_PEN)
    p.drawLines(octave)
    return len(bars) + len(beats) + len(subs)


def _row_tile(black: bool, width: int, height: int, ratio: float, lines: list[tuple[QPen, list[QLineF]]]) -> QImage:
    """One pitch row's background with the vertical lines in it (strongest drawn last, on top)."""
    tile = QImage(math.ceil(width * ratio), math.ceil(height * ratio), QImage.Format.Format_ARGB32_Premultiplied)
    tile.setDevicePixelRatio(ratio)
    tile.fill(palette.BLACK_KEY_ROW if black else palette.BACKGROUND)
    painter = QPainter(tile)
    for pen, level in lines:
        painter.setPen(pen)
        painter.drawLines(level)
    painter.end()
    return tile


def _paint_span(p: QPainter, f: _Frame, span: tuple[int, int], fill: QColor, edge: QPen) -> None:
    """A translucent full-height band over ticks [start, end) with its two edges."""
    x0, x1 = f.t.tick_to_x(span[0]), f.t.tick_to_x(span[1])
    if x1 < 0 or x0 > f.width:
        return
    p.fillRect(QRectF(x0, 0, x1 - x0, f.height), fill)
    p.setPen(edge)
    p.drawLines([QLineF(_crisp(x), 0, _crisp(x), f.height) for x in (x0, x1)])


def _paint_overlays(p: QPainter, f: _Frame, score: Score, state: EditorState) -> None:
    """Region selection (when it covers the active track) and loop range, under the notes."""
    region = state.region
    if region is not None and state.active_track in region.track_ids:
        _paint_span(p, f, region.ticks(score), palette.REGION_FILL, palette.REGION_EDGE)
    if state.loop is not None:
        _paint_span(p, f, state.loop, palette.LOOP_FILL, palette.LOOP_EDGE)


def _draw_by_level(p: QPainter, colour: str, rects: list[QRectF], levels: Iterable[int], pen: QPen) -> None:
    """Fill ``rects`` in the track colour at their velocity steps: one drawRects per step."""
    buckets: list[list[QRectF]] = [[] for _ in range(palette.VELOCITY_LEVELS)]
    for rect, level in zip(rects, levels, strict=True):
        buckets[level].append(rect)
    p.setPen(pen)
    for level, group in enumerate(buckets):
        if group:
            p.setBrush(palette.level_fill(colour, level))
            p.drawRects(group)


def _paint_faded(p: QPainter, f: _Frame, tracks: Iterable[Track]) -> int:
    """Every other track's visible notes in one muted colour, one drawRects call."""
    tracks = list(tracks)
    if f.is_dense(*tracks):
        import numpy as np

        columns = np.concatenate([f.visible_columns(track) for track in tracks])
        rects, count = _run_rects(f, columns)[0], len(columns)
    else:
        rects = [r for track in tracks for r in note_rects(f.t, f.visible(track))]
        count = len(rects)
    p.setPen(palette.NO_PEN)
    p.setBrush(palette.FADED_NOTE)
    p.drawRects(rects)
    return count


def _paint_notes(
    p: QPainter, f: _Frame, colour: str, notes: Iterable[Note], selection: frozenset[int], outline: QPen
) -> int:
    """Notes in the track colour, brighter when louder; selected ones outlined."""
    notes = list(notes)
    rects = note_rects(f.t, notes)
    level = palette.velocity_level
    _draw_by_level(p, colour, rects, [level(n[3]) for n in notes], _note_pen(f, outline))
    selected = [r for n, r in zip(notes, rects, strict=True) if n[4] in selection] if selection else []
    if selected:
        p.setPen(palette.SELECTED_PEN)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRects(selected)
    return len(notes)


def _note_pen(f: _Frame, outline: QPen) -> QPen:
    """Outlines only where rows are tall enough for a fill to show inside them."""
    return outline if f.t.key_height >= 6 else palette.NO_PEN


def _paint_active(p: QPainter, f: _Frame, track: Track, hidden: frozenset[int], selection: frozenset[int]) -> int:
    """The active track: note by note, or as merged runs when its notes are dense in view."""
    outline = palette.note_border(track.colour)
    if not f.is_dense(track):
        return _paint_notes(p, f, track.colour, f.visible(track, hidden), selection, outline)
    import numpy as np

    columns = f.visible_columns(track, hidden)
    chosen = np.isin(columns[:, 4], np.fromiter(selection, np.int64, len(selection)))
    for part, pen in ((columns[~chosen], _note_pen(f, outline)), (columns[chosen], palette.SELECTED_PEN)):
        rects, levels = _run_rects(f, part)
        _draw_by_level(p, track.colour, rects, levels, pen)
    return len(columns)


def _paint_preview(p: QPainter, f: _Frame, colour: str, preview: Preview) -> None:
    """The notes of a running drag at their new place, and the rubber band."""
    if preview.notes:
        all_ids = frozenset(n.id for n in preview.notes)
        _paint_notes(p, f, colour, preview.notes, all_ids, palette.PREVIEW_PEN)
    if preview.band is not None:
        p.setPen(palette.RUBBER_BAND_EDGE)
        p.setBrush(palette.RUBBER_BAND_FILL)
        p.drawRect(preview.band)


def _paint_playhead(p: QPainter, f: _Frame, tick: int | None) -> None:
    """The play position as a line across every row, over the notes."""
    if tick is None:
        return
    x = f.t.tick_to_x(tick)
    if -PLAYHEAD_STRIP_PX <= x <= f.width + PLAYHEAD_STRIP_PX:
        p.setPen(palette.PLAYHEAD_PEN)
        p.drawLine(QLineF(x, 0, x, f.height))


def playhead_strip(x: float, height: int) -> QRect:
    """The pixels the playhead line at ``x`` touches: all a move has to repaint, not the whole canvas."""
    return QRect(math.floor(x) - PLAYHEAD_STRIP_PX, 0, 2 * PLAYHEAD_STRIP_PX + 1, height)


# --- far zoom: notes merged into runs ---------------------------------------------------------

DENSE_NOTES = 2000
"""Tracks with more notes than this starting in view are drawn as merged runs per pitch row.

At such a zoom notes are a pixel or two wide and touch each other, so merging them
(with numpy, in pixel space) changes nothing a user can see, and keeps a whole
100k-note song in view as quick to draw as a screenful.
"""


class NoteColumns:
    """Each track's notes as a numpy array of (start, pitch, duration, velocity, id) rows.

    Kept while the track's notes tuple is the same object: scores are immutable, so an
    edit makes a new tuple and the array of that track alone is rebuilt.
    """

    def __init__(self) -> None:
        self._cache: dict[int, tuple[tuple[Note, ...], np.ndarray]] = {}

    def of(self, track: Track) -> np.ndarray:
        hit = self._cache.get(track.id)
        if hit is None or hit[0] is not track.notes:
            import numpy as np

            hit = (track.notes, np.array(track.notes, dtype=np.int64).reshape(-1, 5))
            self._cache[track.id] = hit
        return hit[1]

    def keep_only(self, score: Score) -> None:
        """Forget tracks that left the score."""
        for track_id in [i for i in self._cache if not score.has_track(i)]:
            del self._cache[track_id]


def merged_runs(
    x0: np.ndarray, x1: np.ndarray, rows: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Union of the integer pixel spans [x0, x1) within each row (0 <= x0 < x1).

    Returns (row, x0, x1, largest value) per merged run, rows in order and runs left to
    right. Works on a coverage raster (rows x pixels, a difference array summed along
    each row), so it costs no sort: a zoomed-out song has many notes but few pixels.
    """
    import numpy as np

    if len(x0) == 0:
        return rows[:0], x0[:0], x1[:0], values[:0]
    stride = int(x1.max()) + 2  # the last column of every row stays uncovered: runs never join rows
    size = (int(rows.max()) + 1) * stride
    keys = rows * stride + x0
    diff = np.bincount(keys, minlength=size) - np.bincount(rows * stride + x1, minlength=size)
    covered = (np.cumsum(diff.reshape(-1, stride), axis=1) > 0).ravel()
    edges = np.flatnonzero(np.diff(covered.astype(np.int8), prepend=np.int8(0)))
    starts, ends = edges[0::2], edges[1::2]
    run_rows = starts // stride
    largest = np.zeros(len(starts), dtype=values.dtype)
    np.maximum.at(largest, np.searchsorted(starts, keys, side="right") - 1, values)
    return run_rows, starts - run_rows * stride, ends - run_rows * stride, largest


def _run_rects(f: _Frame, columns: np.ndarray) -> tuple[list[QRectF], list[int]]:
    """Rectangles of the merged runs of ``columns``' notes, and each run's loudest velocity step."""
    import numpy as np

    t = f.t
    start, duration = columns[:, 0], columns[:, 2]
    x = (start - t.left_tick) * t.px_per_tick
    # Both edges rounded half up: the pixels Qt fills for note_rects' rectangles (without antialiasing).
    x0, x1 = np.floor(x + 0.5), np.floor(x + np.maximum(duration * t.px_per_tick, MIN_NOTE_PX) + 0.5)
    limit = f.width + MIN_NOTE_PX
    x0, x1 = np.clip(x0, 0, limit).astype(np.int64), np.clip(x1, 0, limit).astype(np.int64)
    levels = np.clip(columns[:, 3], 0, 127) * palette.VELOCITY_LEVELS // 128
    rows, r0, r1, run_levels = merged_runs(x0, x1, columns[:, 1], levels)
    key = t.key_height
    bottom, height = 127 * key - t.top + 0.5, key - 1.0
    spans = zip(rows.tolist(), r0.tolist(), r1.tolist(), strict=True)
    return [QRectF(a, bottom - pitch * key, b - a, height) for pitch, a, b in spans], run_levels.tolist()


# --- the widget ----------------------------------------------------------------------------


class CanvasOverlay(Protocol):
    """Something painted over the notes, e.g. the assistant's ghost notes (ui.assistant.ghost_layer)."""

    changed: SignalInstance

    def paint(self, p: QPainter, t: RollTransform, width: int, height: int, active_track: int | None) -> None: ...


class NoteCanvas(QWidget):
    """The note area of the piano roll: paints the score, runs the tools, scrolls and zooms."""

    note_auditioned = Signal(int, int)  # pitch, velocity: a note was clicked or drawn

    def __init__(
        self,
        controller: DocumentController,
        state: EditorState,
        viewport: RollViewport,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = state
        self.viewport = viewport
        self.editing = NoteEditing(controller, state)
        self.gesture: Gesture | None = None
        self.last_paint = PaintStats()
        self._columns = NoteColumns()
        self._playhead: int | None = None
        self._overlays: list[CanvasOverlay] = []
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # we fill every pixel
        self.setMinimumSize(100, 60)
        self._connect()

    def _connect(self) -> None:
        c, s = self.controller, self.state
        for signal in (c.changed, s.selection_changed, s.region_changed, s.loop_changed, s.grid_changed):
            signal.connect(self.update)
        c.score_replaced.connect(self._reset)
        s.active_track_changed.connect(self._reset)
        self.viewport.changed.connect(self.update)
        s.tool_changed.connect(self._refresh_cursor)

    # ToolHost ----------------------------------------------------------------------------

    @property
    def transform(self) -> RollTransform:
        return self.viewport.transform

    def active_track(self) -> Track | None:
        track_id, score = self.state.active_track, self.controller.score
        return score.track(track_id) if track_id is not None and score.has_track(track_id) else None

    def note_at(self, pos: QPointF) -> Note | None:
        """The active track's note under ``pos`` (the latest-starting one where notes overlap)."""
        track = self.active_track()
        if track is None:
            return None
        t = self.transform
        pitch = t.y_to_pitch(pos.y())
        x = pos.x()
        tick = t.x_to_tick(x)
        candidates = [
            n for n in track.sounding_in(int(t.x_to_tick(x - MIN_NOTE_PX)), int(tick) + 1) if n.pitch == pitch
        ]
        hits = [n for n, r in zip(candidates, note_rects(t, candidates), strict=True) if r.left() <= x < r.right()]
        return hits[-1] if hits else None

    def on_right_edge(self, note: Note, x: float) -> bool:
        """Is ``x`` in the resize zone at the note's end (narrow notes keep a middle to grab)?"""
        r = note_rect(self.transform, note)
        return x >= r.right() - min(EDGE_PX, r.width() / 3)

    def notes_in_rect(self, rect: QRectF) -> list[Note]:
        """The active track's notes whose rectangles touch ``rect``."""
        track = self.active_track()
        if track is None:
            return []
        t = self.transform
        low, high = t.y_to_pitch(rect.bottom()), t.y_to_pitch(rect.top())
        start, end = t.x_to_tick(rect.left() - MIN_NOTE_PX), t.x_to_tick(rect.right())
        return [
            n
            for n in track.sounding_in(int(start), int(end) + 1)
            if low <= n.pitch <= high and note_rect(t, n).intersects(rect)
        ]

    def audition(self, note: Note) -> None:
        self.note_auditioned.emit(note.pitch, note.velocity)

    # painting -----------------------------------------------------------------------------

    def add_overlay(self, overlay: CanvasOverlay) -> None:
        """Paint ``overlay`` over the notes (under the playhead), repainting when it changes."""
        self._overlays.append(overlay)
        overlay.changed.connect(self.update)

    @property
    def playhead(self) -> int | None:
        return self._playhead

    def set_playhead(self, tick: int | None) -> None:
        """Show the play position (None hides it); only the strips it leaves and enters are repainted,
        so a playhead moving 30 times a second costs a sliver of a full paint."""
        if tick == self._playhead:
            return
        for old_or_new in (self._playhead, tick):
            if old_or_new is not None:
                self.update(playhead_strip(self.transform.tick_to_x(old_or_new), self.height()))
        self._playhead = tick

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            self.last_paint = self.paint(p)
        finally:
            p.end()

    def paint(self, p: QPainter) -> PaintStats:
        """Draw the whole canvas with ``p`` (also used by the benchmark on an offscreen image)."""
        score, state = self.controller.score, self.state
        self._columns.keep_only(score)
        f = _Frame(self.transform, self.width(), self.height(), self._columns)
        stats = PaintStats()
        stats.grid_lines = _paint_backdrop(p, f, score.time_signatures, state.grid)
        _paint_overlays(p, f, score, state)
        active = self.active_track()
        others = [t for t in score.tracks if active is None or t.id != active.id]
        stats.other_notes = _paint_faded(p, f, others)
        preview = self.gesture.preview if self.gesture is not None else Preview()
        if active is not None:
            stats.active_notes = _paint_active(p, f, active, preview.hidden, state.selection)
            _paint_preview(p, f, active.colour, preview)
        for overlay in self._overlays:
            overlay.paint(p, f.t, f.width, f.height, active.id if active is not None else None)
        _paint_playhead(p, f, self._playhead)
        return stats

    # mouse --------------------------------------------------------------------------------

    def _tool_for(self, button: Qt.MouseButton) -> RollTool | None:
        """Left button: the current tool; right button with the draw tool erases (as in most rolls)."""
        if button == Qt.MouseButton.RightButton and self.state.tool is Tool.DRAW:
            return TOOLS[Tool.ERASE]
        return TOOLS[self.state.tool] if button == Qt.MouseButton.LeftButton else None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.gesture is not None:  # a second button during a drag: ignore it
            return
        tool = self._tool_for(event.button())
        if tool is None:
            return
        pos = event.position()
        self.editing.paste_position = self.state.grid.floor(
            self.transform.x_to_tick(pos.x()), self.controller.score.time_signatures
        )
        self.gesture = tool.press(self, pos, event.modifiers())
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.gesture is None:
            self._refresh_cursor(event.position())
            return
        self.gesture.move(event.position(), event.modifiers())
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        gesture, self.gesture = self.gesture, None
        if gesture is not None:
            gesture.release(event.position(), event.modifiers())
            self._refresh_cursor(event.position())
            self.update()

    def cancel_gesture(self) -> bool:
        """Drop the running drag without an edit; True if there was one."""
        gesture, self.gesture = self.gesture, None
        if gesture is None:
            return False
        gesture.cancel()
        self.update()
        return True

    def _refresh_cursor(self, pos: object = None) -> None:
        point = pos if isinstance(pos, QPointF) else QPointF(self.mapFromGlobal(self.cursor().pos()))
        self.setCursor(TOOLS[self.state.tool].cursor(self, point))

    def _reset(self, *_: object) -> None:
        """A new score or a new active track: no drag may survive it."""
        self.cancel_gesture()
        self.update()

    # keys ---------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._handle_key(Qt.Key(event.key()), event.modifiers()):
            super().keyPressEvent(event)

    def _handle_key(self, key: Qt.Key, mods: Qt.KeyboardModifier) -> bool:
        K = Qt.Key
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key == K.Key_Escape:
            if not self.cancel_gesture():
                self.state.set_selection(frozenset())
            return True
        if self.gesture is not None:  # no edits while a drag is previewing another
            return False
        if key in (K.Key_Delete, K.Key_Backspace):
            self.editing.delete()
        elif key in (K.Key_Up, K.Key_Down):
            step = 12 if shift else 1
            self.editing.transpose(step if key == K.Key_Up else -step)
        elif key in (K.Key_Left, K.Key_Right):
            self.editing.nudge(1 if key == K.Key_Right else -1)
        else:
            return self._handle_other_key(key, ctrl)
        return True  # an arrow with nothing selected is still ours: it must not move focus

    def _handle_other_key(self, key: Qt.Key, ctrl: bool) -> bool:
        K = Qt.Key
        if ctrl:
            return key == K.Key_A and self.editing.select_all()
        tool = _TOOL_KEYS.get(key)
        if tool is not None:
            self.state.set_tool(tool)
            return True
        return False

    # wheel: scroll and zoom ---------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        notches = (delta.y() or delta.x()) / 120
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        pos = event.position()
        t, h = self.transform, self.height()
        if ctrl and shift:
            t = t.zoomed_y(WHEEL_ZOOM_STEP**notches, pos.y(), h)
        elif ctrl:
            t = t.zoomed_x(WHEEL_ZOOM_STEP**notches, pos.x())
        elif shift or (delta.x() and not delta.y()):
            t = t.scrolled_to(left_tick=t.x_to_tick(-notches * self.width() * WHEEL_SCROLL_FRACTION), view_height=h)
        else:
            t = t.scrolled_to(top=t.top - notches * WHEEL_SCROLL_ROWS * t.key_height, view_height=h)
        self.viewport.set_transform(t)
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the vertical scroll inside the pitch range when the view grows."""
        super().resizeEvent(event)
        self.viewport.set_transform(self.transform.scrolled_to(view_height=self.height()))


_TOOL_KEYS = {
    Qt.Key.Key_1: Tool.DRAW,
    Qt.Key.Key_D: Tool.DRAW,
    Qt.Key.Key_2: Tool.SELECT,
    Qt.Key.Key_S: Tool.SELECT,
    Qt.Key.Key_3: Tool.ERASE,
    Qt.Key.Key_E: Tool.ERASE,
}
