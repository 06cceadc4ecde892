"""The velocity lane under the note canvas: one stem per note of the active track, editable.

Two gestures, each a small object that turns pointer positions into a preview
(note id -> velocity) without touching the score: a stem drag shifts one note, or every
selected note when the grabbed one is selected, by the same amount; a line drag (Alt or
the right button) sets every note under the dragged span to the value on the line, for
ramps and crescendos. The release pushes the preview as one "Set velocity" edit; Escape
drops it. Only notes starting in the visible ticks are painted or hit-tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QWidget

from composer import edits as ed
from composer.score import Note, Track
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.pianoroll import palette
from ui.pianoroll.ruler import wheel_time
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.viewport import RollViewport

TOP_MARGIN = 8.0  # room above velocity 127 for its handle
BOTTOM_MARGIN = 3.0
HANDLE_RADIUS = 3.5
GRAB_PX = 6.0
"""How near (horizontally) a stem a press grabs it."""
GUIDE_VELOCITIES = (32, 64, 96, 127)


def clamp_velocity(value: float) -> int:
    return min(max(round(value), 1), 127)


@dataclass(frozen=True)
class VelocityScale:
    """Velocity <-> y in a lane ``height`` pixels high (127 at the top)."""

    height: float

    @property
    def px_per_velocity(self) -> float:
        return max(self.height - TOP_MARGIN - BOTTOM_MARGIN, 1.0) / 127

    def y(self, velocity: float) -> float:
        return self.height - BOTTOM_MARGIN - velocity * self.px_per_velocity

    def velocity(self, y: float) -> int:
        return clamp_velocity((self.height - BOTTOM_MARGIN - y) / self.px_per_velocity)


def ramp(notes: tuple[Note, ...], start: tuple[float, int], end: tuple[float, int]) -> dict[int, int]:
    """Velocities along the line from (tick, velocity) ``start`` to ``end`` for notes starting under it."""
    (t0, v0), (t1, v1) = start, end
    lo, hi = min(t0, t1), max(t0, t1)
    out = {}
    for note in notes:
        if lo <= note.start <= hi:
            fraction = (note.start - t0) / (t1 - t0) if t1 != t0 else 1.0  # a vertical line: its end wins
            out[note.id] = clamp_velocity(v0 + (v1 - v0) * fraction)
    return out


@dataclass
class StemDrag:
    """Drag one stem vertically; the notes in ``notes`` (it, or the selection) move by the same delta."""

    notes: tuple[Note, ...]
    press_y: float

    def preview(self, _x: float, y: float, transform: RollTransform, scale: VelocityScale) -> dict[int, int]:
        delta = round((self.press_y - y) / scale.px_per_velocity)
        return {n.id: clamp_velocity(n.velocity + delta) for n in self.notes}


@dataclass
class LineDrag:
    """Draw a line: notes whose start lies under the dragged span take the line's velocity there."""

    track: Track
    start: tuple[float, int]  # (tick, velocity) at the press
    end: tuple[float, int] = field(init=False)

    def __post_init__(self) -> None:
        self.end = self.start

    def preview(self, x: float, y: float, transform: RollTransform, scale: VelocityScale) -> dict[int, int]:
        self.end = (max(transform.x_to_tick(x), 0.0), scale.velocity(y))
        lo, hi = sorted((self.start[0], self.end[0]))
        return ramp(self.track.starting_in(int(lo), int(hi) + 1), self.start, self.end)


Gesture = StemDrag | LineDrag


DENSE_SPACING_PX = 4.0
"""When stems would stand closer than this on average, one line per pixel column shows the loudest."""


@dataclass(frozen=True)
class LanePaintStats:
    """What the last paint drew, so tests check culling without timing anything."""

    stems: int = 0  # notes in view (each a stem, or part of a skyline column)
    skyline: bool = False  # zoomed out: one bar per pixel column instead of one stem per note


@dataclass(frozen=True)
class VisibleStems:
    """The stems in view as parallel arrays: x (pixels), velocity (preview applied), selected."""

    x: np.ndarray
    velocity: np.ndarray
    selected: np.ndarray


class StemColumns:
    """One track version's notes as numpy columns, so a paint is a slice, not a Python loop.

    Built once per edit of the track (tracks are immutable values); every paint after that
    costs a binary search and a few vector operations, whatever the zoom.
    """

    def __init__(self, track: Track) -> None:
        count = len(track.notes)
        self.track = track
        self.starts = np.fromiter((n.start for n in track.notes), np.int64, count)
        self.velocities = np.fromiter((n.velocity for n in track.notes), np.int64, count)
        self.ids = np.fromiter((n.id for n in track.notes), np.int64, count)
        self._selection: frozenset[int] = frozenset()
        self._selected = np.zeros(count, bool)

    def visible(
        self, start: int, end: int, t: RollTransform, preview: dict[int, int], selection: frozenset[int]
    ) -> VisibleStems:
        """Stems of the notes starting in [start, end)."""
        lo, hi = np.searchsorted(self.starts, (start, end))
        ids = self.ids[lo:hi]
        velocity = self.velocities[lo:hi]
        if preview:
            velocity = _with_preview(ids, velocity, preview)
        x = np.floor((self.starts[lo:hi] - t.left_tick) * t.px_per_tick).astype(np.int64)
        return VisibleStems(x, velocity, self._selected_in(selection, lo, hi))

    def _selected_in(self, selection: frozenset[int], lo: int, hi: int) -> np.ndarray:
        """The selection mask of notes lo..hi; a whole-track mask is kept while the selection stays."""
        if hi - lo < 2000:  # few notes in view: a set lookup each is cheaper than a vector search
            return np.fromiter((i in selection for i in self.ids[lo:hi].tolist()), bool, hi - lo)
        if selection is not self._selection:
            self._selection = selection
            self._selected = _selected_mask(self.ids, selection)
        return self._selected[lo:hi]


def _selected_mask(ids: np.ndarray, selection: frozenset[int]) -> np.ndarray:
    if not selection:
        return np.zeros(len(ids), bool)
    return np.isin(ids, np.fromiter(selection, np.int64, len(selection)))


def _with_preview(ids: np.ndarray, velocity: np.ndarray, preview: dict[int, int]) -> np.ndarray:
    """``velocity`` with the previewed notes' values put in."""
    out = velocity.copy()
    order = np.argsort(ids)
    wanted = np.fromiter(preview.keys(), np.int64, len(preview))
    values = np.fromiter(preview.values(), np.int64, len(preview))
    pos = np.minimum(np.searchsorted(ids[order], wanted), max(len(ids) - 1, 0))
    found = ids[order][pos] == wanted if len(ids) else np.zeros(len(wanted), bool)
    out[order[pos[found]]] = values[found]
    return out


def column_peaks(x: np.ndarray, velocity: np.ndarray, width: int) -> np.ndarray:
    """The loudest velocity per pixel column 0..width-1 (0 where no stem stands)."""
    peaks = np.zeros(width, np.int64)
    inside = (x >= 0) & (x < width)
    np.maximum.at(peaks, x[inside], velocity[inside])
    return peaks


@dataclass(frozen=True)
class _StemStyle:
    dim: QColor
    bright: QColor
    scale: VelocityScale


def _mix(colour: QColor, background: QColor, amount: float) -> QColor:
    """``colour`` shown at ``amount`` opacity over ``background``, as one opaque colour.

    Opaque pens keep batched line drawing fast; translucent ones are several times slower.
    """
    return QColor.fromRgbF(
        *(amount * a + (1 - amount) * b for a, b in zip(colour.getRgbF()[:3], background.getRgbF()[:3], strict=True))
    )


def _dot_pen(colour: QColor, diameter: float) -> QPen:
    """A pen whose points are round dots: a whole batch of handles in one drawPoints call."""
    pen = QPen(colour, diameter)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


def _paint_each(painter: QPainter, stems: VisibleStems, style: _StemStyle) -> None:
    """One stem and one round handle per note, batched into a few draw calls per colour."""
    bottom = style.scale.y(0)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for selected in (False, True):  # selected stems last, on top
        chosen = stems.selected if selected else ~stems.selected
        if not chosen.any():
            continue
        colour = style.bright if selected else style.dim
        xs = (stems.x[chosen] + 0.5).tolist()
        ys = [style.scale.y(v) for v in stems.velocity[chosen].tolist()]
        painter.setPen(QPen(colour, 2.0 if selected else 1.0))
        painter.drawLines([QLineF(x, bottom, x, y) for x, y in zip(xs, ys, strict=True)])
        handles = QPolygonF([QPointF(x, y) for x, y in zip(xs, ys, strict=True)])
        if selected:  # a white ring round selected handles
            painter.setPen(_dot_pen(palette.SELECTED_PEN.color(), 2 * HANDLE_RADIUS + 2))
            painter.drawPoints(handles)
        painter.setPen(_dot_pen(colour, 2 * HANDLE_RADIUS))
        painter.drawPoints(handles)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def skyline(stems: VisibleStems, scale: VelocityScale, width: int, colours: tuple[int, int]) -> np.ndarray:
    """Zoomed far out: per pixel column, a bar up to its loudest note, selected notes on top.

    Returned as a height x width array of 0xAARRGGBB pixels (``colours``: dim, bright), built
    with a few vector operations: at 100k notes that is far cheaper than thousands of lines.
    """
    height = int(scale.height)
    image = np.zeros((height, width), np.uint32)
    bottom = min(int(scale.y(0)), height - 1)
    rows = np.arange(bottom + 1)[:, None]
    layers = [(stems.x, stems.velocity, colours[0])]
    if stems.selected.any():
        layers.append((stems.x[stems.selected], stems.velocity[stems.selected], colours[1]))
    for x, velocity, colour in layers:
        peaks = column_peaks(x, velocity, width)
        tops = np.where(peaks > 0, np.round(scale.y(peaks)), height).astype(np.int64)  # empty columns: none
        image[: bottom + 1][rows >= tops[None, :]] = colour
    return image


def _paint_skyline(painter: QPainter, stems: VisibleStems, style: _StemStyle, width: int) -> None:
    pixels = skyline(stems, style.scale, width, (style.dim.rgba(), style.bright.rgba()))
    image = QImage(pixels.data, width, pixels.shape[0], 4 * width, QImage.Format.Format_ARGB32)
    painter.drawImage(0, 0, image)  # drawn while ``pixels`` is alive: the image borrows its buffer


def _is_escape(event: QEvent) -> bool:
    kinds = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
    return event.type() in kinds and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape


class VelocityLane(QWidget):
    """Stems with handles for the active track's visible notes; drag to edit velocities."""

    def __init__(
        self,
        controller: DocumentController,
        state: EditorState,
        viewport: RollViewport,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._state = state
        self._viewport = viewport
        self._gesture: Gesture | None = None
        self._button = Qt.MouseButton.NoButton  # the button that started the gesture; its release ends it
        self._preview: dict[int, int] = {}
        self._hover: int | None = None  # note id under the pointer
        self._columns: StemColumns | None = None
        self.paint_stats = LanePaintStats()
        self.setMinimumHeight(48)
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.PreventContextMenu)  # the right button draws lines
        viewport.changed.connect(self._repaint)
        controller.changed.connect(self._score_changed)
        controller.score_replaced.connect(self._score_changed)
        state.active_track_changed.connect(self._score_changed)
        state.selection_changed.connect(self.update)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(800, 96)

    # what is shown ----------------------------------------------------------------------

    @property
    def preview(self) -> dict[int, int]:
        """Velocities the drag in progress would set (note id -> velocity); empty when idle."""
        return dict(self._preview)

    @property
    def hovered_note(self) -> Note | None:
        track = self._track()
        return track.note(self._hover) if track is not None and self._hover is not None else None

    def _track(self) -> Track | None:
        track_id = self._state.active_track
        score = self._controller.score
        return score.track(track_id) if track_id is not None and score.has_track(track_id) else None

    def _scale(self) -> VelocityScale:
        return VelocityScale(self.height())

    def _velocity(self, note: Note) -> int:
        return self._preview.get(note.id, note.velocity)

    # painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), palette.LANE_BACKGROUND)
        scale = self._scale()
        self._paint_guides(painter, scale)
        track = self._track()
        if track is not None:
            self._paint_stems(painter, track, scale)
            self._paint_line(painter, scale)
            self._paint_value(painter, track, scale)
        painter.setPen(palette.BAR_PEN)
        painter.drawLine(QPointF(0, 0.5), QPointF(self.width(), 0.5))
        painter.end()

    def _paint_guides(self, painter: QPainter, scale: VelocityScale) -> None:
        painter.setPen(palette.LANE_GUIDE_PEN)
        for velocity in GUIDE_VELOCITIES:
            y = round(scale.y(velocity)) + 0.5
            painter.drawLine(QPointF(0, y), QPointF(self.width(), y))

    def _paint_stems(self, painter: QPainter, track: Track, scale: VelocityScale) -> None:
        t = self._viewport.transform
        start = max(int(t.x_to_tick(-HANDLE_RADIUS - 1)), 0)
        end = int(t.x_to_tick(self.width() + HANDLE_RADIUS + 1)) + 1
        stems = self._columns_of(track).visible(start, end, t, self._preview, self._state.selection)
        dense = len(stems.x) * DENSE_SPACING_PX > self.width()
        self.paint_stats = LanePaintStats(len(stems.x), dense)
        if len(stems.x) == 0:
            return
        colour = QColor(track.colour)
        dim = _mix(colour, palette.LANE_BACKGROUND, 0.45) if self._state.selection else colour  # the rest steps back
        style = _StemStyle(dim, colour.lighter(135), scale)
        if dense:
            _paint_skyline(painter, stems, style, self.width())
        else:
            _paint_each(painter, stems, style)

    def _columns_of(self, track: Track) -> StemColumns:
        """The arrays of the active track, rebuilt only when the track changed (tracks are immutable)."""
        if self._columns is None or self._columns.track is not track:
            self._columns = StemColumns(track)
        return self._columns

    def _paint_line(self, painter: QPainter, scale: VelocityScale) -> None:
        gesture = self._gesture
        if not isinstance(gesture, LineDrag):
            return
        t = self._viewport.transform
        pen = QPen(palette.PREVIEW_PEN)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        (t0, v0), (t1, v1) = gesture.start, gesture.end
        painter.drawLine(QPointF(t.tick_to_x(t0), scale.y(v0)), QPointF(t.tick_to_x(t1), scale.y(v1)))

    def _paint_value(self, painter: QPainter, track: Track, scale: VelocityScale) -> None:
        """The hovered (or dragged) note's velocity as a small label beside its handle."""
        note = track.note(self._hover) if self._hover is not None else None
        if note is None:
            return
        text = str(self._velocity(note))
        font = QFont(self.font())
        font.setPixelSize(10)
        painter.setFont(font)
        x = self._viewport.transform.tick_to_x(note.start) + HANDLE_RADIUS + 3
        y = min(max(scale.y(self._velocity(note)) - 7, 1), self.height() - 15)
        rect = QRectF(x, y, painter.fontMetrics().horizontalAdvance(text) + 6, 14)
        painter.setPen(palette.NO_PEN)
        painter.setBrush(QColor(0, 0, 0, 170))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(palette.RULER_TEXT)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    # hit testing ------------------------------------------------------------------------

    def note_at(self, x: float, y: float) -> Note | None:
        """The note whose stem is nearest ``x`` (within GRAB_PX); among a chord's stems, the nearest handle."""
        track = self._track()
        if track is None:
            return None
        t = self._viewport.transform
        scale = self._scale()
        start = int(t.x_to_tick(x - GRAB_PX))
        near = track.starting_in(max(start, 0), int(t.x_to_tick(x + GRAB_PX)) + 1)
        candidates = [n for n in near if abs(t.tick_to_x(n.start) - x) <= GRAB_PX]
        if not candidates:
            return None
        return min(candidates, key=lambda n: (round(abs(t.tick_to_x(n.start) - x) / 2), abs(scale.y(n.velocity) - y)))

    # interaction ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        track = self._track()
        if track is None or self._gesture is not None:
            return
        pos = event.position()
        line = event.button() == Qt.MouseButton.RightButton or (
            event.button() == Qt.MouseButton.LeftButton and event.modifiers() & Qt.KeyboardModifier.AltModifier
        )
        if line:
            tick = max(self._viewport.transform.x_to_tick(pos.x()), 0.0)
            self._gesture = LineDrag(track, (tick, self._scale().velocity(pos.y())))
        elif event.button() == Qt.MouseButton.LeftButton:
            note = self.note_at(pos.x(), pos.y())
            if note is None:
                return
            self._hover = note.id
            self._gesture = StemDrag(self._group(track, note), pos.y())
        else:
            return
        self._button = event.button()
        QApplication.instance().installEventFilter(self)  # Escape cancels, wherever the focus is
        self._update_preview(pos.x(), pos.y())

    def _group(self, track: Track, note: Note) -> tuple[Note, ...]:
        """The grabbed note, or all selected notes when it is one of them."""
        selected = self._state.selection
        if note.id not in selected:
            return (note,)
        return tuple(n for n in (track.note(i) for i in selected) if n is not None)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        pos = event.position()
        if self._gesture is not None:
            self._update_preview(pos.x(), pos.y())
            return
        note = self.note_at(pos.x(), pos.y())
        hover = note.id if note is not None else None
        if hover != self._hover:
            self._hover = hover
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._gesture is None or event.button() != self._button:
            return
        self._update_preview(event.position().x(), event.position().y())
        preview = self._preview
        self._end_gesture()
        self._commit(preview)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """While dragging, Escape cancels the drag (and no Escape shortcut fires)."""
        if self._gesture is not None and _is_escape(event):
            if event.type() == QEvent.Type.KeyPress:
                self._end_gesture()
            event.accept()
            return True
        return super().eventFilter(watched, event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        """As on the ruler: the lane has no pitch axis, so the wheel moves time."""
        self._viewport.set_transform(wheel_time(self._viewport.transform, event, self.width()))
        event.accept()

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        """A hidden lane gets no release: drop a drag here, so its Escape filter never outlives it."""
        self._end_gesture()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        if self._gesture is None and self._hover is not None:
            self._hover = None
            self.update()

    def _update_preview(self, x: float, y: float) -> None:
        assert self._gesture is not None
        self._preview = self._gesture.preview(x, y, self._viewport.transform, self._scale())
        self.update()

    def _end_gesture(self) -> None:
        """Drop the gesture and its preview (Escape, release, or the score changed under it)."""
        if self._gesture is not None:
            QApplication.instance().removeEventFilter(self)
        self._gesture = None
        self._preview = {}
        self.update()

    def _commit(self, preview: dict[int, int]) -> None:
        """Push the previewed velocities that differ from the score as one undo step."""
        track = self._track()
        if track is None:
            return
        changed = [i for i, v in preview.items() if (n := track.note(i)) is not None and n.velocity != v]
        if changed:
            edit = ed.set_velocity(self._controller.score, {track.id: changed}, lambda n: preview[n.id])
            self._controller.push(edit)

    def _score_changed(self, *_args: object) -> None:
        """An undo, a load or another track under a drag would make its preview lie: drop it."""
        self._end_gesture()
        self._hover = None

    def _repaint(self, *_args: object) -> None:
        self.update()
