"""The arrangement overview: tracks x bars, where the notes are, and the region the assistant works on.

One lane per track (in track-list order), one column per bar (as wide as the bar's
ticks, so a 3/4 bar is narrower than a 4/4 one). A bar with notes shows a block in the
track's colour, darker for sparse bars and brighter for dense ones, with a small sketch
of the pitches if the lane is tall enough.

Speed: only visible bars and lanes are painted, and each (track, bar) is summarised
once (:class:`BarSummaryCache`, which :class:`SketchCache` extends with the drawing of
each bar's sketch); an edit invalidates only the tracks in
``ChangeSet.note_tracks``, because the piano roll edits notes all the time.

Mouse: press and drag over lanes selects a region of tracks x whole bars (on the ruler:
all tracks); a click without a drag makes the lane's track active and keeps the region;
a double-click selects that one bar of that track as the region and emits
``bar_activated`` so the window can show it in the piano roll. Escape clears the region.
The wheel scrolls sideways, Shift+wheel scrolls the lanes, Ctrl+wheel zooms.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QMenu, QToolTip, QWidget

from composer.edits import ChangeSet
from composer.general_midi import instrument_name
from composer.region import Region
from composer.score import Score, Track
from composer.timing import PPQ, TimeSignatureMap
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.tracks.track_list import HEADER_HEIGHT, ROW_HEIGHT

SKETCH_NOTES = 64
"""Notes drawn per bar in the pitch sketch at most (evenly sampled beyond): bounded drawing cost."""
DENSE_NOTES_PER_QUARTER = 4.0
"""Onsets per quarter note drawn at full brightness (sixteenths, or a four-note chord per beat)."""
EXTRA_BARS = 8
"""Empty bars shown after the music, so a region can be selected there for the assistant to fill."""
HEADER_WIDTH = 120
DEFAULT_PX_PER_QUARTER = 14.0
MIN_PX_PER_QUARTER = 2.0
MAX_PX_PER_QUARTER = 120.0
BLOCK_MARGIN = 4  # px between a lane's edge and its bar blocks
SKETCH_MARGIN = 3  # px between a block's edge and its sketch
SKETCH_HEIGHT = ROW_HEIGHT - 2 * BLOCK_MARGIN - 2 * SKETCH_MARGIN
MIN_SKETCH_HEIGHT = 14
"""Sketch height (px) below which it is left out: it would be a smear."""
DENSITY_LEVELS = 12  # block shades: few, so their colours are cached

# Colours match the piano roll's dark canvas (ui/pianoroll/palette.py).
BACKGROUND = QColor("#2a2d33")
ALTERNATE_LANE = QColor("#272a30")
ACTIVE_LANE = QColor("#363b47")
BAR_LINE = QColor("#3d414a")
RULER_BACKGROUND = QColor("#202328")
HEADER_BACKGROUND = QColor("#23262b")
TEXT = QColor("#d6d9de")
DIM_TEXT = QColor("#8a8f99")
SIGNATURE_TEXT = QColor("#e0b050")
REGION_FILL = QColor(255, 255, 255, 38)
REGION_EDGE = QColor("#ffffff")


# --- per-bar summaries (pure: no painting) ---------------------------------------------------


class SketchNote(NamedTuple):
    """A note as the sketch draws it: where it starts and ends in the bar (0..1) and its pitch."""

    start: float
    end: float
    pitch: int


class BarSummary(NamedTuple):
    """What one track plays in one bar, reduced to what the overview draws."""

    onsets: int  # notes starting in the bar
    density: float  # 0..1: onsets per quarter relative to DENSE_NOTES_PER_QUARTER
    sketch: tuple[SketchNote, ...]  # a tiny piano roll of the bar, at most SKETCH_NOTES notes


def summarize_bar(track: Track, start: int, end: int, limit: int = SKETCH_NOTES) -> BarSummary | None:
    """Summarise the notes of ``track`` sounding in ticks [start, end); None for a silent bar.

    A note held over from an earlier bar is sketched but not counted as an onset, so a
    long chord shows as sound without making the bar look busy.
    """
    notes = list(track.sounding_in(start, end))
    if not notes:
        return None
    onsets = sum(1 for n in notes if n.start >= start)
    density = min(1.0, onsets / ((end - start) / PPQ * DENSE_NOTES_PER_QUARTER))
    if len(notes) > limit:
        notes = [notes[i * len(notes) // limit] for i in range(limit)]
    length = end - start
    sketch = tuple(
        SketchNote((max(n.start, start) - start) / length, (min(n.end, end) - start) / length, n.pitch) for n in notes
    )
    return BarSummary(onsets, density, sketch)


def sketch_range(track: Track, min_span: int = 12) -> tuple[int, int]:
    """The pitch span a track's sketches are scaled to: its whole range, at least an octave."""
    if not track.notes:
        return 60 - min_span // 2, 60 + min_span // 2
    low = min(n.pitch for n in track.notes)
    high = max(n.pitch for n in track.notes)
    if high - low < min_span:
        centre = (low + high) // 2
        low, high = centre - min_span // 2, centre + min_span - min_span // 2
    return low, high


class BarSummaryCache:
    """Summaries per (track, bar), computed on first paint and kept until the track's notes change.

    The owner calls :meth:`invalidate` with ``ChangeSet.note_tracks``; a different
    time-signature map (bar lines moved) clears everything by itself.
    """

    def __init__(self) -> None:
        self._bars: dict[int, dict[int, BarSummary | None]] = {}
        self._ranges: dict[int, tuple[int, int]] = {}
        self._sigs: TimeSignatureMap | None = None
        self.computed = 0  # summaries computed so far: tests and benchmarks read it

    def summary(self, track: Track, sigs: TimeSignatureMap, bar: int) -> BarSummary | None:
        if sigs is not self._sigs:
            if sigs != self._sigs:
                self.clear()
            self._sigs = sigs
        bars = self._bars.setdefault(track.id, {})
        if bar not in bars:
            start, end = sigs.bar_range(bar)
            bars[bar] = summarize_bar(track, start, end)
            self.computed += 1
        return bars[bar]

    def pitch_range(self, track: Track) -> tuple[int, int]:
        if track.id not in self._ranges:
            self._ranges[track.id] = sketch_range(track)
        return self._ranges[track.id]

    def is_cached(self, track_id: int, bar: int) -> bool:
        return bar in self._bars.get(track_id, {})

    def invalidate(self, track_ids: Iterable[int]) -> None:
        for track_id in track_ids:
            self._bars.pop(track_id, None)
            self._ranges.pop(track_id, None)

    def clear(self) -> None:
        self._bars.clear()
        self._ranges.clear()


class SketchCache(BarSummaryCache):
    """Bar summaries plus each bar's sketch in unit-square rectangles, invalidated together."""

    def __init__(self) -> None:
        super().__init__()
        self._sketches: dict[int, dict[int, list[QRectF]]] = {}

    def sketch(self, track: Track, sigs: TimeSignatureMap, bar: int) -> list[QRectF]:
        summary = self.summary(track, sigs, bar)
        bars = self._sketches.setdefault(track.id, {})
        if bar not in bars:
            bars[bar] = unit_sketch(summary, self.pitch_range(track)) if summary is not None else []
        return bars[bar]

    def invalidate(self, track_ids: Iterable[int]) -> None:
        track_ids = list(track_ids)
        super().invalidate(track_ids)
        for track_id in track_ids:
            self._sketches.pop(track_id, None)

    def clear(self) -> None:
        super().clear()
        self._sketches.clear()


# --- geometry (pure) -------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewGeometry:
    """Viewport pixels <-> ticks and lanes: the ruler on top, the name column on the left."""

    px_per_tick: float = DEFAULT_PX_PER_QUARTER / PPQ
    scroll_x: int = 0
    scroll_y: int = 0
    header_width: int = HEADER_WIDTH
    ruler_height: int = HEADER_HEIGHT
    lane_height: int = ROW_HEIGHT

    def tick_to_x(self, tick: float) -> float:
        return self.header_width + tick * self.px_per_tick - self.scroll_x

    def x_to_tick(self, x: float) -> float:
        return (x - self.header_width + self.scroll_x) / self.px_per_tick

    def lane_top(self, lane: int) -> int:
        return self.ruler_height + lane * self.lane_height - self.scroll_y

    def lane_at(self, y: float) -> int:
        """The lane under ``y`` (negative above the first; callers check the upper end)."""
        return math.floor((y - self.ruler_height + self.scroll_y) / self.lane_height)

    def bar_at(self, x: float, sigs: TimeSignatureMap) -> int:
        return sigs.bar_at(max(int(self.x_to_tick(x)), 0))

    def visible_bars(self, width: int, sigs: TimeSignatureMap) -> range:
        return range(self.bar_at(self.header_width, sigs), self.bar_at(width - 1, sigs) + 1)

    def visible_lanes(self, height: int, count: int) -> range:
        return range(max(self.lane_at(self.ruler_height), 0), min(self.lane_at(height - 1) + 1, count))

    def cell(self, lane: int, bars: tuple[int, int], sigs: TimeSignatureMap, lanes: int = 1) -> QRectF:
        """The rectangle of ``lanes`` lanes from ``lane`` over bars [first, end)."""
        left = self.tick_to_x(sigs.bar_start(bars[0]))
        right = self.tick_to_x(sigs.bar_start(bars[1]))
        return QRectF(left, self.lane_top(lane), right - left, lanes * self.lane_height)


# --- the region drag gesture -----------------------------------------------------------------


@dataclass
class RegionDrag:
    """A press-drag over lanes (``anchor_lane`` set) or over the ruler (all tracks)."""

    anchor_lane: int | None
    anchor_bar: int
    lane: int
    bar: int
    press: QPoint
    moved: bool = False

    def lanes(self, count: int) -> range:
        if self.anchor_lane is None:
            return range(count)
        low, high = sorted((self.anchor_lane, min(max(self.lane, 0), count - 1)))
        return range(low, high + 1)

    def bars(self) -> tuple[int, int]:
        low, high = sorted((self.anchor_bar, self.bar))
        return low, high + 1

    def region(self, score: Score) -> Region:
        first, end = self.bars()
        return Region(tuple(score.tracks[i].id for i in self.lanes(len(score.tracks))), first, end)


def _runs(indexes: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Contiguous runs (first, count) of sorted lane indexes, to outline a region as few rectangles."""
    start = previous = None
    for i in sorted(indexes):
        if previous is not None and i == previous + 1:
            previous = i
            continue
        if start is not None:
            yield start, previous - start + 1  # type: ignore[operator]
        start = previous = i
    if start is not None:
        yield start, previous - start + 1  # type: ignore[operator]


# --- the widget ------------------------------------------------------------------------------


class ArrangementOverview(QAbstractScrollArea):
    """Tracks x bars with note density and pitch sketches; drag to select the region."""

    bar_activated = Signal(int, int)  # track id, bar: double-clicked, to show that bar in the piano roll
    assistant_requested = Signal(str, bool)  # operation ("fill", "vary", "restyle", "continue"), whole track

    def __init__(self, controller: DocumentController, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = state
        self.cache = SketchCache()
        self.drag: RegionDrag | None = None
        self._px_per_tick = DEFAULT_PX_PER_QUARTER / PPQ
        self._header_width = HEADER_WIDTH
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setMinimumSize(self._header_width + 120, HEADER_HEIGHT + ROW_HEIGHT)
        controller.changed.connect(self._on_changed)
        controller.score_replaced.connect(self._on_score_replaced)
        state.region_changed.connect(self._repaint)
        state.active_track_changed.connect(self._on_active_changed)
        self._update_scroll_ranges()

    # geometry ---------------------------------------------------------------------------------

    def overview_geometry(self) -> OverviewGeometry:
        return OverviewGeometry(
            self._px_per_tick, self.horizontalScrollBar().value(), self.verticalScrollBar().value(), self._header_width
        )

    def set_names_visible(self, visible: bool) -> None:
        """Show or hide the track-name column (hide it when the track list stands beside the lanes)."""
        self._header_width = HEADER_WIDTH if visible else 0
        self._update_scroll_ranges()
        self.viewport().update()

    @property
    def px_per_quarter(self) -> float:
        return self._px_per_tick * PPQ

    def set_px_per_quarter(self, px: float, anchor_x: float | None = None) -> None:
        """Zoom, keeping the tick under ``anchor_x`` (default: the middle of the lanes) in place."""
        px = min(max(px, MIN_PX_PER_QUARTER), MAX_PX_PER_QUARTER)
        if anchor_x is None:
            anchor_x = (self._header_width + self.viewport().width()) / 2
        tick = self.overview_geometry().x_to_tick(anchor_x)
        self._px_per_tick = px / PPQ
        self._update_scroll_ranges()
        self.horizontalScrollBar().setValue(round(tick * self._px_per_tick - (anchor_x - self._header_width)))
        self.viewport().update()

    def cell_rect(self, lane: int, bar: int) -> QRectF:
        """Viewport rectangle of one lane x one bar (for tests and for lining up other widgets)."""
        return self.overview_geometry().cell(lane, (bar, bar + 1), self.controller.score.time_signatures)

    def _update_scroll_ranges(self) -> None:
        score = self.controller.score
        content = score.time_signatures.bar_start(score.bar_count + EXTRA_BARS) * self._px_per_tick
        lanes_width = max(self.viewport().width() - self._header_width, 1)
        lanes_height = max(self.viewport().height() - HEADER_HEIGHT, 1)
        horizontal = self.horizontalScrollBar()
        horizontal.setRange(0, max(math.ceil(content) - lanes_width, 0))
        horizontal.setPageStep(lanes_width)
        horizontal.setSingleStep(max(round(4 * PPQ * self._px_per_tick), 1))
        vertical = self.verticalScrollBar()
        vertical.setRange(0, max(len(score.tracks) * ROW_HEIGHT - lanes_height, 0))
        vertical.setPageStep(lanes_height)
        vertical.setSingleStep(ROW_HEIGHT)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._update_scroll_ranges()

    def scrollContentsBy(self, _dx: int, _dy: int) -> None:  # noqa: N802 (Qt override)
        self.viewport().update()

    # following the document -------------------------------------------------------------------

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.everything or changes.time_signature:
            self.cache.clear()
        else:
            self.cache.invalidate(changes.note_tracks)
        if changes.track_list:
            self._prune_region()
        if changes.note_tracks or changes.track_list or changes.time_signature or changes.everything:
            self._update_scroll_ranges()
        if changes == ChangeSet(note_tracks=changes.note_tracks, note_ids=changes.note_ids):
            self._update_lanes(changes.note_tracks)  # the piano roll's edits: repaint only those lanes
        elif not changes.is_empty:
            self.viewport().update()

    def _update_lanes(self, track_ids: Iterable[int]) -> None:
        score = self.controller.score
        geometry = self.overview_geometry()
        for track_id in track_ids:
            if score.has_track(track_id):
                top = geometry.lane_top(score.track_index(track_id))
                self.viewport().update(0, top, self.viewport().width(), ROW_HEIGHT)

    def _on_score_replaced(self) -> None:
        self.cache.clear()
        self.drag = None
        self._update_scroll_ranges()
        self.horizontalScrollBar().setValue(0)
        self.verticalScrollBar().setValue(0)
        self.viewport().update()

    def _prune_region(self) -> None:
        """Drop removed tracks from the region (and the region if none is left)."""
        region = self.state.region
        score = self.controller.score
        if region is None or all(score.has_track(t) for t in region.track_ids):
            return
        kept = tuple(t for t in region.track_ids if score.has_track(t))
        self.state.set_region(Region(kept, region.start_bar, region.end_bar) if kept else None)

    def _repaint(self, _value: object = None) -> None:
        self.viewport().update()

    def _on_active_changed(self, track_id: int | None) -> None:
        """Highlight the active lane and scroll it into view (it may have been picked in the track list)."""
        score = self.controller.score
        if track_id is not None and score.has_track(track_id):
            top = score.track_index(track_id) * ROW_HEIGHT
            bar = self.verticalScrollBar()
            lanes_height = self.viewport().height() - HEADER_HEIGHT
            bar.setValue(min(max(bar.value(), top + ROW_HEIGHT - lanes_height), top))
        self.viewport().update()

    # mouse and keys ---------------------------------------------------------------------------

    def _cell_at(self, pos: QPointF) -> tuple[int, int]:
        geometry = self.overview_geometry()
        return geometry.lane_at(pos.y()), geometry.bar_at(
            max(pos.x(), self._header_width), self.controller.score.time_signatures
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self.setFocus()
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position()
        lane, bar = self._cell_at(pos)
        tracks = self.controller.score.tracks
        if pos.y() < HEADER_HEIGHT:
            if pos.x() >= self._header_width and tracks:
                self.drag = RegionDrag(None, bar, 0, bar, pos.toPoint())
        elif 0 <= lane < len(tracks):
            if pos.x() < self._header_width:
                self.state.set_active_track(tracks[lane].id)
            else:
                self.drag = RegionDrag(lane, bar, lane, bar, pos.toPoint())
        else:
            self.state.set_region(None)  # a click below the last lane deselects

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self.drag is None:
            return
        pos = event.position()
        self.drag.lane, self.drag.bar = self._cell_at(pos)
        far = (pos.toPoint() - self.drag.press).manhattanLength() >= QApplication.startDragDistance()
        self.drag.moved = self.drag.moved or far
        self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        drag, self.drag = self.drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        score = self.controller.score
        if drag.moved or drag.anchor_lane is None:  # a click on the ruler selects that bar in every track
            self.state.set_region(drag.region(score))
        elif 0 <= drag.anchor_lane < len(score.tracks):
            self.state.set_active_track(score.tracks[drag.anchor_lane].id)
        self.viewport().update()

    def context_menu(self, pos: QPointF) -> QMenu | None:
        """The assistant's operations on the region under ``pos`` (a cell outside it becomes the region)."""
        lane, bar = self._cell_at(pos)
        tracks = self.controller.score.tracks
        if pos.y() < HEADER_HEIGHT or not 0 <= lane < len(tracks):
            return None
        track = tracks[lane].id
        region = self.state.region
        on_name = pos.x() < self._header_width
        if on_name:
            self.state.set_active_track(track)
        elif region is None or track not in region.track_ids or not region.start_bar <= bar < region.end_bar:
            self.state.set_region(Region((track,), bar, bar + 1))
        menu = QMenu(self)
        menu.setObjectName("overview_context_menu")
        for operation, text in (("fill", "Fill"), ("vary", "Vary"), ("restyle", "Restyle"), ("continue", "Continue")):
            action = menu.addAction(f"{text} Region" if operation != "continue" else "Continue After the End")
            action.setObjectName(f"context_{operation}")
            action.setEnabled(not on_name or operation == "continue")
            action.triggered.connect(lambda _=False, o=operation: self.assistant_requested.emit(o, False))
        menu.addSeparator()
        whole = menu.addAction(f"Restyle Whole Track “{tracks[lane].name}”")
        whole.setObjectName("context_restyle_track")
        whole.triggered.connect(lambda _=False, t=track: self._restyle_track(t))
        return menu

    def _restyle_track(self, track_id: int) -> None:
        self.state.set_region(Region((track_id,), 0, max(self.controller.score.bar_count, 1)))
        self.assistant_requested.emit("restyle", True)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        menu = self.context_menu(QPointF(event.pos()))
        if menu is not None:
            menu.exec(event.globalPos())
            menu.deleteLater()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        pos = event.position()
        lane, bar = self._cell_at(pos)
        tracks = self.controller.score.tracks
        if pos.y() < HEADER_HEIGHT or pos.x() < self._header_width or not 0 <= lane < len(tracks):
            return
        self.drag = None
        self.state.set_active_track(tracks[lane].id)
        self.state.set_region(Region((tracks[lane].id,), bar, bar + 1))
        self.bar_activated.emit(tracks[lane].id, bar)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape and (self.drag is not None or self.state.region is not None):
            self.drag = None
            self.state.set_region(None)
            self.viewport().update()
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        dx, dy = event.angleDelta().x(), event.angleDelta().y()
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            self.set_px_per_quarter(self.px_per_quarter * 1.25 ** (dy / 120), event.position().x())
        elif modifiers & Qt.KeyboardModifier.ShiftModifier:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() - round((dy or dx) / 120 * ROW_HEIGHT))
        else:
            bar = self.horizontalScrollBar()
            step = max(self.viewport().width() - self._header_width, 80) / 8
            bar.setValue(bar.value() - round((dx or dy) / 120 * step))
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.ToolTip:
            self._show_tooltip(event)  # type: ignore[arg-type]
            return True
        return super().viewportEvent(event)

    def _show_tooltip(self, event: QHelpEvent) -> None:
        lane, bar = self._cell_at(QPointF(event.pos()))
        score = self.controller.score
        if event.pos().y() < HEADER_HEIGHT or not 0 <= lane < len(score.tracks):
            QToolTip.hideText()
            return
        track = score.tracks[lane]
        summary = self.cache.summary(track, score.time_signatures, bar)
        notes = summary.onsets if summary else 0
        text = f"{track.name} ({instrument_name(track.program, track.is_drum)})\nBar {bar + 1}: {notes} notes"
        QToolTip.showText(event.globalPos(), text, self.viewport())

    # painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self.viewport())
        width, height = self.viewport().width(), self.viewport().height()
        geometry = self.overview_geometry()
        score = self.controller.score
        bars = geometry.visible_bars(width, score.time_signatures)
        dirty = event.rect()
        lanes = geometry.visible_lanes(height, len(score.tracks))
        lanes = range(
            max(lanes.start, geometry.lane_at(dirty.top())), min(lanes.stop, geometry.lane_at(dirty.bottom()) + 1)
        )
        painter.fillRect(0, 0, width, height, BACKGROUND)
        painter.setClipRect(self._header_width, HEADER_HEIGHT, width - self._header_width, height - HEADER_HEIGHT)
        self._paint_lanes(painter, geometry, score, lanes, bars, height)
        self._paint_region(painter, geometry, score)
        painter.setClipRect(self._header_width, 0, width - self._header_width, HEADER_HEIGHT)
        self._paint_ruler(painter, geometry, score, bars)
        if self._header_width:
            painter.setClipRect(0, HEADER_HEIGHT, self._header_width, height - HEADER_HEIGHT)
            self._paint_names(painter, geometry, score, lanes, height)
        painter.setClipping(False)
        painter.fillRect(0, 0, self._header_width, HEADER_HEIGHT, RULER_BACKGROUND)
        painter.setPen(BAR_LINE)
        painter.drawLine(self._header_width - 1, 0, self._header_width - 1, height)
        painter.drawLine(0, HEADER_HEIGHT - 1, width, HEADER_HEIGHT - 1)

    def _paint_lanes(
        self, painter: QPainter, geometry: OverviewGeometry, score: Score, lanes: range, bars: range, height: int
    ) -> None:
        active = self.state.active_track
        for lane in lanes:
            track = score.tracks[lane]
            top = geometry.lane_top(lane)
            background = ACTIVE_LANE if track.id == active else (ALTERNATE_LANE if lane % 2 else BACKGROUND)
            painter.fillRect(QRectF(self._header_width, top, self.viewport().width(), ROW_HEIGHT), background)
        sigs = score.time_signatures
        edges = [geometry.tick_to_x(sigs.bar_start(bar)) for bar in range(bars.start, bars.stop + 1)]
        painter.setPen(BAR_LINE)
        for x in edges[:-1]:
            painter.drawLine(round(x), HEADER_HEIGHT, round(x), height)
        for lane in lanes:
            self._paint_lane_blocks(painter, score.tracks[lane], geometry.lane_top(lane), bars, edges, sigs)

    def _paint_lane_blocks(
        self, painter: QPainter, track: Track, top: int, bars: range, edges: list[float], sigs: TimeSignatureMap
    ) -> None:
        """One rounded block per bar with notes, shaded by density, with its sketch drawn as one scaled drawRects."""
        sketch_pen = QPen(_sketch_colour(track.colour, track.mute), 0)  # cosmetic: at least a pixel at any zoom
        for i, bar in enumerate(bars):
            summary = self.cache.summary(track, sigs, bar)
            if summary is None:
                continue
            block = QRectF(
                edges[i] + 1.5, top + BLOCK_MARGIN, edges[i + 1] - edges[i] - 2.5, ROW_HEIGHT - 2 * BLOCK_MARGIN
            )
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_block_fill(track.colour, track.mute, round(summary.density * DENSITY_LEVELS)))
            painter.drawRoundedRect(block, 2, 2)
            if SKETCH_HEIGHT >= MIN_SKETCH_HEIGHT and block.width() >= 8:
                painter.save()
                painter.translate(block.left() + 2, block.top() + SKETCH_MARGIN)
                painter.scale(block.width() - 4, SKETCH_HEIGHT)
                painter.setPen(sketch_pen)
                painter.setBrush(sketch_pen.color())
                painter.drawRects(self.cache.sketch(track, sigs, bar))
                painter.restore()

    def _paint_region(self, painter: QPainter, geometry: OverviewGeometry, score: Score) -> None:
        """The dragged rectangle while dragging, else the state's region (which other views may set)."""
        if self.drag is not None and self.drag.moved:
            lanes: Iterable[int] = self.drag.lanes(len(score.tracks))
            bars = self.drag.bars()
        elif self.state.region is not None:
            region = self.state.region
            lanes = [score.track_index(t) for t in region.track_ids if score.has_track(t)]
            bars = (region.start_bar, region.end_bar)
        else:
            return
        painter.setPen(QPen(REGION_EDGE, 2))
        painter.setBrush(REGION_FILL)
        for first, count in _runs(lanes):
            painter.drawRect(geometry.cell(first, bars, score.time_signatures, count).adjusted(1, 1, -1, -1))

    def _paint_ruler(self, painter: QPainter, geometry: OverviewGeometry, score: Score, bars: range) -> None:
        sigs = score.time_signatures
        painter.fillRect(QRectF(self._header_width, 0, self.viewport().width(), HEADER_HEIGHT), RULER_BACKGROUND)
        region_bars = self.drag.bars() if self.drag is not None and self.drag.moved else None
        if region_bars is None and self.state.region is not None:
            region_bars = (self.state.region.start_bar, self.state.region.end_bar)
        if region_bars is not None:
            band = geometry.cell(0, region_bars, sigs)
            painter.fillRect(QRectF(band.left(), 0, band.width(), HEADER_HEIGHT), REGION_FILL)
        step = _label_step(4 * PPQ * self._px_per_tick, painter.fontMetrics().horizontalAdvance("000") + 8)
        changes = {c.tick: c for c in sigs}
        small = QFont(painter.font())
        small.setPointSizeF(max(small.pointSizeF() * 0.8, 6))
        for bar in bars:
            start = sigs.bar_start(bar)
            x = round(geometry.tick_to_x(start))
            labelled = bar % step == 0
            painter.setPen(DIM_TEXT if not labelled else TEXT)
            painter.drawLine(x, HEADER_HEIGHT - (10 if labelled else 5), x, HEADER_HEIGHT)
            if labelled:
                painter.drawText(x + 3, 13, str(bar + 1))
            if start in changes:
                painter.save()
                painter.setFont(small)
                painter.setPen(SIGNATURE_TEXT)
                painter.drawText(x + 3, HEADER_HEIGHT - 4, str(changes[start]))
                painter.restore()

    def _paint_names(
        self, painter: QPainter, geometry: OverviewGeometry, score: Score, lanes: range, height: int
    ) -> None:
        painter.fillRect(0, HEADER_HEIGHT, self._header_width, height, HEADER_BACKGROUND)
        metrics = painter.fontMetrics()
        active = self.state.active_track
        for lane in lanes:
            track = score.tracks[lane]
            top = geometry.lane_top(lane)
            if track.id == active:
                painter.fillRect(0, top, self._header_width, ROW_HEIGHT, ACTIVE_LANE)
            painter.fillRect(0, top + 3, 4, ROW_HEIGHT - 6, QColor(track.colour))
            painter.setPen(DIM_TEXT if track.mute else TEXT)
            name = metrics.elidedText(track.name, Qt.TextElideMode.ElideRight, self._header_width - 16)
            painter.drawText(10, top + 4 + metrics.ascent(), name)
            if 2 * metrics.height() + 6 <= ROW_HEIGHT:
                painter.setPen(DIM_TEXT)
                instrument = instrument_name(track.program, track.is_drum)
                painter.drawText(
                    10,
                    top + 6 + metrics.height() + metrics.ascent(),
                    metrics.elidedText(instrument, Qt.TextElideMode.ElideRight, self._header_width - 16),
                )
            painter.setPen(BAR_LINE)
            painter.drawLine(0, top + ROW_HEIGHT - 1, self._header_width, top + ROW_HEIGHT - 1)


def _label_step(bar_px: float, label_px: float) -> int:
    """Label every bar, or every 2nd, 4th, ... so numbers never overlap."""
    step = 1
    while step * bar_px < label_px and step < 1024:
        step *= 2
    return step


@lru_cache(maxsize=1024)
def _block_fill(colour: str, muted: bool, level: int) -> QColor:
    """A bar block's fill: the track colour (greyed when muted), more opaque the denser the bar."""
    fill = _muted(QColor(colour)) if muted else QColor(colour)
    fill.setAlphaF(0.22 + 0.6 * math.sqrt(level / DENSITY_LEVELS))
    return fill


@lru_cache(maxsize=256)
def _sketch_colour(colour: str, muted: bool) -> QColor:
    return (_muted(QColor(colour)) if muted else QColor(colour)).lighter(170)


def _muted(colour: QColor) -> QColor:
    return QColor.fromHsvF(max(colour.hsvHueF(), 0.0), colour.hsvSaturationF() * 0.2, colour.valueF() * 0.7)


def unit_sketch(summary: BarSummary, pitch_range: tuple[int, int]) -> list[QRectF]:
    """A bar's sketch as rectangles in the unit square (x: time in the bar, y: pitch, high at the top).

    Painting scales them to the block, so they are made once per bar, not once per paint.
    Rows are 1.5..3 px tall in a :data:`SKETCH_HEIGHT` px block; the 1 px cosmetic outline
    they are drawn with adds the last pixel and keeps very short notes visible.
    """
    low, high = pitch_range
    row = min(max(SKETCH_HEIGHT / (high - low + 1), 1.5), 3.0)
    step = (SKETCH_HEIGHT - row) / (high - low)
    height = (row - 1) / SKETCH_HEIGHT
    return [
        QRectF(n.start, (SKETCH_HEIGHT - row - (n.pitch - low) * step) / SKETCH_HEIGHT, n.end - n.start, height)
        for n in summary.sketch
    ]
