"""The bar/beat ruler above the note canvas: where you are in the piece, and the loop range.

What to draw is decided by pure functions (:func:`bar_marks`, :func:`beat_marks`,
:func:`change_marks`) over the time-signature and tempo maps, so bar numbering through
meter changes and bars cut short, and the thinning of labels when zoomed out, are
tested without pixels. The widget only lays those marks out with the shared transform.

Interaction: a drag sets the loop (snapped to the grid; Shift bypasses), dragging a loop
edge moves that edge, a click without a drag asks to play from there, and a double-click
on the loop band clears the loop. Escape during a drag puts the loop back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QWidget

from composer.edits import ChangeSet
from composer.score import Score
from composer.timing import TempoMap, TimeSignature, TimeSignatureMap
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.pianoroll import palette
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.viewport import RollViewport

RULER_HEIGHT = 36
BAR_ROW = 17  # bar numbers above this y, tempo and meter markers below
LABEL_GAP_PX = 8.0
"""Least space between the end of one label and the start of the next."""
BEAT_LABEL_MIN_PX = 40.0
"""Beats are numbered ("3.2") only this far apart, so bar numbers stay the landmarks."""
EDGE_GRAB_PX = 5.0
"""How near a loop edge a press grabs that edge."""
WHEEL_SCROLL_FRACTION = 0.1
"""Fraction of the width scrolled per wheel notch, as Shift+wheel on the canvas."""
ZOOM_PER_NOTCH = 1.2
"""Time zoom per Ctrl+wheel notch, the canvas's wheel zoom step."""

TextWidth = Callable[[str], float]


def _approx_width(text: str) -> float:
    return 7.0 * len(text)


class BarMark(NamedTuple):
    tick: int
    bar: int  # 0-based
    label: str | None  # the 1-based bar number, where there is room for it


class BeatMark(NamedTuple):
    tick: int
    label: str | None  # "bar.beat" when zoomed in far enough to read it


def _power_of_two_at_least(value: float) -> int:
    step = 1
    while step < value:
        step *= 2
    return step


def _signatures_in(sigs: TimeSignatureMap, start: int, end: int) -> list[tuple[TimeSignature, int, int]]:
    """(signature, from tick, to tick) for each stretch of [start, end) under one signature."""
    changes = list(sigs)
    out = []
    for i, sig in enumerate(changes):
        until = changes[i + 1].tick if i + 1 < len(changes) else end
        lo, hi = max(sig.tick, start), min(until, end)
        if lo < hi:
            out.append((sig, lo, hi))
    return out


def _bars_in(sigs: TimeSignatureMap, start: int, end: int, every: int = 1) -> list[tuple[int, int]]:
    """(bar, start tick) of every ``every``-th bar line up to ``end``, from the one at or before ``start``."""
    first = sigs.bar_at(max(start, 0))
    bar = first - first % every
    out = []
    while (tick := sigs.bar_start(bar)) < end:
        out.append((bar, tick))
        bar += every
    return out


def _labels_fit(bars: list[tuple[int, int]], px_per_tick: float, text_width: TextWidth, gap: float) -> bool:
    return all(
        (b_tick - a_tick) * px_per_tick >= text_width(str(a_bar + 1)) + gap
        for (a_bar, a_tick), (_, b_tick) in zip(bars, bars[1:], strict=False)
    )


def bar_marks(
    sigs: TimeSignatureMap,
    start: int,
    end: int,
    px_per_tick: float,
    text_width: TextWidth = _approx_width,
    gap: float = LABEL_GAP_PX,
) -> list[BarMark]:
    """Bar lines in view, with numbers on every 1st, 2nd, 4th, 8th... bar, so that no two overlap.

    Labelled bars are multiples of the step (1, 5, 9, ... for 4), so the same bars keep their
    labels while scrolling. Zoomed far out, only every 2nd, 4th... bar line is listed (lines
    closer than MIN_LINE_SPACING_PX would only grey the strip), so the work stays bounded by
    the width, not by the length of the song.
    """
    start = max(start, 0)
    narrowest = min(sig.bar_ticks for sig, _, _ in _signatures_in(sigs, start, max(end, start + 1))) * px_per_tick
    widest_label = text_width(str(sigs.bar_at(max(end - 1, start)) + 1)) + gap
    line_step = _power_of_two_at_least(palette.MIN_LINE_SPACING_PX / narrowest)
    step = max(_power_of_two_at_least(widest_label / narrowest), line_step)
    # The estimate assumes whole bars; a bar cut short by a change may need a wider step.
    bars = _bars_in(sigs, start, end, line_step)
    while True:
        labelled = [(b, t) for b, t in bars if b % step == 0]
        if len(labelled) <= 1 or _labels_fit(labelled, px_per_tick, text_width, gap):
            break
        step *= 2
    return [BarMark(t, b, str(b + 1) if b % step == 0 else None) for b, t in bars]


def beat_marks(
    sigs: TimeSignatureMap,
    start: int,
    end: int,
    px_per_tick: float,
    min_spacing: float = palette.MIN_LINE_SPACING_PX,
    text_width: TextWidth = _approx_width,
    gap: float = LABEL_GAP_PX,
) -> list[BeatMark]:
    """Beats inside the bars in view (bar lines excluded), where they are at least ``min_spacing`` apart."""
    out: list[BeatMark] = []
    for sig, lo, hi in _signatures_in(sigs, max(start, 0), end):
        beat = sig.beat_ticks
        room = beat * px_per_tick
        if room < min_spacing:
            continue  # skipped without visiting its bars: zoomed out, a long song costs nothing
        for bar, bar_tick in _bars_in(sigs, lo, hi):
            bar_end = sigs.bar_start(bar + 1)
            for index, tick in enumerate(range(bar_tick + beat, bar_end, beat), start=2):
                if start <= tick < end:
                    label = f"{bar + 1}.{index}"
                    roomy = room >= max(text_width(label) + gap, BEAT_LABEL_MIN_PX) and bar_end - tick >= beat
                    out.append(BeatMark(tick, label if roomy else None))
    return out


def _bpm_text(bpm: float) -> str:
    rounded = round(bpm)
    return f"♩={rounded}" if abs(bpm - rounded) < 0.05 else f"♩={bpm:.1f}"


def change_marks(tempo_map: TempoMap, sigs: TimeSignatureMap, start: int, end: int) -> list[tuple[int, str]]:
    """(tick, text) of each meter and tempo change in [start, end); both at one tick share one mark."""
    texts: dict[int, list[str]] = {}
    for sig in sigs:
        if start <= sig.tick < end:
            texts.setdefault(sig.tick, []).insert(0, str(sig))
    for change in tempo_map:
        if start <= change.tick < end:
            texts.setdefault(change.tick, []).append(_bpm_text(change.bpm))
    return [(tick, " ".join(parts)) for tick, parts in sorted(texts.items())]


def fitting(
    marks: list[tuple[int, str]], px_per_tick: float, text_width: TextWidth, gap: float = LABEL_GAP_PX
) -> list[tuple[int, str]]:
    """The marks that can be drawn left to right without overlapping the one before (greedy)."""
    out: list[tuple[int, str]] = []
    free_from = float("-inf")
    for tick, text in marks:
        x = tick * px_per_tick
        if x >= free_from:
            out.append((tick, text))
            free_from = x + text_width(text) + gap
    return out


def wheel_time(transform: RollTransform, event: QWheelEvent, width: float) -> RollTransform:
    """Wheel scrolls time (a strip with no pitch axis); Ctrl+wheel zooms time around the pointer."""
    notches = (event.angleDelta().y() or event.angleDelta().x()) / 120
    if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
        return transform.zoomed_x(ZOOM_PER_NOTCH**notches, event.position().x())
    return transform.scrolled_to(left_tick=transform.x_to_tick(-notches * width * WHEEL_SCROLL_FRACTION))


@dataclass
class _LoopDrag:
    """One press on the ruler: becomes a loop drag once it moves, or stays a click."""

    anchor: int  # the loop edge that stays put (the snapped press tick for a new loop)
    original: tuple[int, int] | None  # restored by Escape
    press_x: float
    press_tick: int
    started: bool = False


class Ruler(QWidget):
    """Bar numbers, beats, meter and tempo changes, the loop band and the playhead."""

    position_clicked = Signal(int)  # tick (snapped like the loop): a click without a drag asks to play from here

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
        self._playhead: int | None = None
        self._drag: _LoopDrag | None = None
        self.setFixedHeight(RULER_HEIGHT)
        self.setMouseTracking(True)
        viewport.changed.connect(self._repaint)
        controller.changed.connect(self._score_changed)
        controller.score_replaced.connect(self.update)
        state.loop_changed.connect(self._repaint)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(800, RULER_HEIGHT)

    @property
    def playhead(self) -> int | None:
        return self._playhead

    def set_playhead(self, tick: int | None) -> None:
        """Show the play position (None hides it); the transport calls this as it plays."""
        if tick != self._playhead:
            self._playhead = tick
            self.update()

    def _repaint(self, *_args: object) -> None:
        self.update()

    def _score_changed(self, changes: ChangeSet) -> None:
        if changes.tempo or changes.time_signature or changes.everything:
            self.update()

    # painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        t = self._viewport.transform
        score = self._controller.score
        painter = QPainter(self)
        painter.fillRect(self.rect(), palette.RULER_BACKGROUND)
        self._paint_loop(painter, t)
        start, end = t.visible_ticks(self.width())
        self._paint_beats(painter, t, score.time_signatures, start, end)
        self._paint_bars(painter, t, score.time_signatures, start, end)
        self._paint_changes(painter, t, score, start, end)
        self._paint_playhead(painter, t)
        painter.setPen(palette.BAR_PEN)
        painter.drawLine(QPointF(0, self.height() - 0.5), QPointF(self.width(), self.height() - 0.5))
        painter.end()

    def _font(self, pixels: int, bold: bool = False) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(pixels)
        font.setBold(bold)
        return font

    def _paint_loop(self, painter: QPainter, t: RollTransform) -> None:
        loop = self._state.loop
        if loop is None:
            return
        x0, x1 = t.tick_to_x(loop[0]), t.tick_to_x(loop[1])
        band = QColor(palette.LOOP_FILL)
        band.setAlpha(70)  # the canvas tints lightly; the ruler is where the loop is handled
        painter.fillRect(QRectF(x0, 0, x1 - x0, self.height()), band)
        painter.fillRect(QRectF(x0, 0, x1 - x0, 3), palette.LOOP_EDGE.color())
        painter.setPen(palette.LOOP_EDGE)
        for x in (x0, x1):
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def _paint_bars(self, painter: QPainter, t: RollTransform, sigs: TimeSignatureMap, start: int, end: int) -> None:
        font = self._font(11, bold=True)
        metrics = QFontMetricsF(font)
        painter.setFont(font)
        h = self.height()
        last_x = float("-inf")
        lines: list[QLineF] = []
        labels: list[tuple[float, str]] = []
        for mark in bar_marks(sigs, start, end, t.px_per_tick, metrics.horizontalAdvance):
            x = round(t.tick_to_x(mark.tick)) + 0.5
            if mark.label is None and x - last_x < palette.MIN_LINE_SPACING_PX:
                continue  # a bar cut very short: its line would merge with the next
            last_x = x
            lines.append(QLineF(x, 0 if mark.label else h - 12, x, h))
            if mark.label:
                labels.append((x + 4, mark.label))
        painter.setPen(palette.RULER_TICK_PEN)
        painter.drawLines(lines)
        painter.setPen(palette.RULER_TEXT)
        for x, label in labels:
            painter.drawText(QPointF(x, BAR_ROW - 4), label)

    def _paint_beats(self, painter: QPainter, t: RollTransform, sigs: TimeSignatureMap, start: int, end: int) -> None:
        font = self._font(9)
        metrics = QFontMetricsF(font)
        painter.setFont(font)
        h = self.height()
        dim = QColor(palette.RULER_TEXT)
        dim.setAlpha(110)
        for mark in beat_marks(sigs, start, end, t.px_per_tick, text_width=metrics.horizontalAdvance):
            x = round(t.tick_to_x(mark.tick)) + 0.5
            painter.setPen(palette.RULER_TICK_PEN)
            painter.drawLine(QPointF(x, h - 5), QPointF(x, h))
            if mark.label:
                painter.setPen(dim)
                painter.drawText(QPointF(x + 3, BAR_ROW - 5), mark.label)

    def _paint_changes(self, painter: QPainter, t: RollTransform, score: Score, start: int, end: int) -> None:
        font = self._font(10)
        metrics = QFontMetricsF(font)
        painter.setFont(font)
        # Start a little left of the view so a mark whose tick just scrolled off stays readable.
        lead = int(80 / t.px_per_tick)
        marks = change_marks(score.tempo_map, score.time_signatures, max(start - lead, 0), end)
        for tick, text in fitting(marks, t.px_per_tick, metrics.horizontalAdvance):
            x = round(t.tick_to_x(tick)) + 0.5
            painter.setPen(palette.RULER_MARKER_PEN)
            painter.drawLine(QPointF(x, BAR_ROW + 1), QPointF(x, self.height() - 6))
            painter.setPen(palette.RULER_MARKER_PEN.color())
            painter.drawText(QPointF(x + 3, BAR_ROW + 12), text)

    def _paint_playhead(self, painter: QPainter, t: RollTransform) -> None:
        if self._playhead is None:
            return
        x = t.tick_to_x(self._playhead)
        painter.setPen(palette.PLAYHEAD_PEN)
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.setBrush(palette.PLAYHEAD_PEN.color())
        painter.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)]))

    # interaction ------------------------------------------------------------------------

    def _tick_at(self, x: float, modifiers: Qt.KeyboardModifier) -> int:
        """The tick under ``x``, snapped to the grid unless Shift is held."""
        tick = max(self._viewport.transform.x_to_tick(x), 0.0)
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            return round(tick)
        return self._state.grid.snap(tick, self._controller.score.time_signatures)

    def _edge_under(self, x: float) -> int | None:
        """The loop edge tick within grabbing distance of ``x``, if any (the nearer one wins)."""
        loop = self._state.loop
        if loop is None:
            return None
        t = self._viewport.transform
        distances = [(abs(t.tick_to_x(edge) - x), edge) for edge in loop]
        distance, edge = min(distances)
        return edge if distance <= EDGE_GRAB_PX else None

    def _in_loop(self, x: float) -> bool:
        loop = self._state.loop
        if loop is None:
            return False
        t = self._viewport.transform
        return t.tick_to_x(loop[0]) - EDGE_GRAB_PX <= x <= t.tick_to_x(loop[1]) + EDGE_GRAB_PX

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton or self._drag is not None:
            return
        x = event.position().x()
        tick = self._tick_at(x, event.modifiers())
        loop = self._state.loop
        edge = self._edge_under(x)
        anchor = tick if edge is None or loop is None else (loop[1] if edge == loop[0] else loop[0])
        self._drag = _LoopDrag(anchor, loop, x, tick)
        QApplication.instance().installEventFilter(self)  # Escape cancels, wherever the focus is

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        x = event.position().x()
        drag = self._drag
        if drag is None:
            edge = self._edge_under(x)
            self.setCursor(Qt.CursorShape.SizeHorCursor if edge is not None else Qt.CursorShape.ArrowCursor)
            return
        if not drag.started and abs(x - drag.press_x) < QApplication.startDragDistance():
            return
        drag.started = True
        moving = self._tick_at(x, event.modifiers())
        self._state.set_loop((min(drag.anchor, moving), max(drag.anchor, moving)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton or self._drag is None:
            return
        self.mouseMoveEvent(event)  # the release position (and Shift then) is where the loop ends
        drag = self._finish()
        if not drag.started:
            self.position_clicked.emit(drag.press_tick)
        elif self._state.loop is None:  # dragged to nothing: keep the loop there was
            self._state.set_loop(drag.original)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._drag is not None:
            self._finish()  # some event sources send a press before the double-click: not a gesture
        if event.button() == Qt.MouseButton.LeftButton and self._in_loop(event.position().x()):
            self._state.set_loop(None)
        else:
            self.mousePressEvent(event)  # a fast second click elsewhere is just another click

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        """A hidden ruler gets no release: end a drag here, so its Escape filter never outlives it."""
        if self._drag is not None:
            self._state.set_loop(self._finish().original)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """While dragging, Escape puts the loop back (and no Escape shortcut fires)."""
        kinds = (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
        if (
            self._drag is not None
            and event.type() in kinds
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            if event.type() == QEvent.Type.KeyPress:
                original = self._finish().original
                self._state.set_loop(original)
            event.accept()
            return True
        return super().eventFilter(watched, event)

    def _finish(self) -> _LoopDrag:
        """End the gesture in progress (the callers check there is one)."""
        drag = self._drag
        assert drag is not None
        self._drag = None
        QApplication.instance().removeEventFilter(self)
        return drag

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        self._viewport.set_transform(wheel_time(self._viewport.transform, event, self.width()))
        event.accept()
