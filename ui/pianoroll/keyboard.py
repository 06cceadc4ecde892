"""The piano keyboard left of the note canvas: a ruler for pitch that can also be played.

Every key row is exactly the canvas row of its pitch (both draw with the shared
:class:`RollTransform`), so a note and its key always line up. The keys are drawn like
a real keyboard strip, but a press always plays the *row* under the pointer, as the
canvas would draw a note there: the highlight shows that row, so what you see is what
sounds.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from composer.pitch import pitch_name
from ui.pianoroll import palette
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.viewport import RollViewport

BLACK_KEY_LENGTH = 0.6
"""Black keys cover this fraction of the strip's width, as on a real keyboard."""

MIN_VELOCITY = 20
"""Velocity of a press at the keyboard's left edge; the right edge plays 127."""

MIN_LABEL_ROW_PX = 9.0
"""C keys are labelled only when their row is at least this tall, so labels stay legible."""

WHEEL_STEP_ROWS = 3
"""Rows scrolled per wheel notch (120 units of angleDelta), as on the canvas."""

ZOOM_PER_NOTCH = 1.2
"""Row zoom per Ctrl+wheel notch, the canvas's wheel zoom step."""


def velocity_for_x(x: float, width: float) -> int:
    """The velocity of a press ``x`` pixels from the left edge: further right is louder."""
    fraction = min(max(x / max(width, 1.0), 0.0), 1.0)
    return round(MIN_VELOCITY + fraction * (127 - MIN_VELOCITY))


def wheel_rows(transform: RollTransform, event: QWheelEvent, view_height: float) -> RollTransform:
    """Plain wheel scrolls pitch rows; Ctrl+wheel zooms them around the pointer (as the canvas does)."""
    notches = event.angleDelta().y() / 120
    if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
        return transform.zoomed_y(ZOOM_PER_NOTCH**notches, event.position().y(), view_height)
    top = transform.top - notches * WHEEL_STEP_ROWS * transform.key_height
    return transform.scrolled_to(top=top, view_height=view_height)


class PianoKeyboard(QWidget):
    """A vertical keyboard strip aligned with the canvas rows; pressing keys emits their pitch."""

    key_pressed = Signal(int, int)  # pitch, velocity
    key_released = Signal(int)  # pitch

    def __init__(self, viewport: RollViewport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._viewport = viewport
        self._hover: int | None = None
        self._pressed: int | None = None
        self.setMouseTracking(True)
        self.setMinimumWidth(40)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        viewport.changed.connect(self._transform_changed)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(64, 400)

    @property
    def hovered_pitch(self) -> int | None:
        return self._hover

    @property
    def pressed_pitch(self) -> int | None:
        """The key held down by the mouse, or None."""
        return self._pressed

    def pitch_at(self, y: float) -> int:
        return self._viewport.transform.y_to_pitch(y)

    # painting ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        t = self._viewport.transform
        low, high = t.visible_pitches(self.height())
        painter = QPainter(self)
        painter.fillRect(self.rect(), palette.WHITE_KEY)
        self._paint_white_key_edges(painter, t, low, high)
        self._paint_black_keys(painter, t, low, high)
        self._paint_highlights(painter, t)
        self._paint_labels(painter, t, low, high)
        painter.setPen(palette.KEY_EDGE)
        painter.drawLine(QPointF(self.width() - 0.5, 0), QPointF(self.width() - 0.5, self.height()))
        painter.end()

    def _paint_white_key_edges(self, painter: QPainter, t: RollTransform, low: int, high: int) -> None:
        """Edges between white keys: at the row line for E|F and B|C, mid-black-key elsewhere."""
        painter.setPen(palette.KEY_EDGE)
        width = self.width()
        black_right = width * BLACK_KEY_LENGTH
        for pitch in range(low, high + 1):
            if pitch % 12 in (4, 11):  # E and B: the key above is white, the edge is a row line
                y = t.pitch_to_y(pitch)
                painter.drawLine(QPointF(0, y), QPointF(width, y))
            elif palette.is_black_key(pitch):
                y = t.pitch_to_y(pitch) + t.key_height / 2
                painter.drawLine(QPointF(black_right, y), QPointF(width, y))

    def _paint_black_keys(self, painter: QPainter, t: RollTransform, low: int, high: int) -> None:
        painter.setPen(palette.NO_PEN)
        painter.setBrush(palette.BLACK_KEY)
        length = self.width() * BLACK_KEY_LENGTH
        for pitch in range(low, high + 1):
            if palette.is_black_key(pitch):
                painter.drawRoundedRect(QRectF(-2, t.pitch_to_y(pitch), length + 2, t.key_height), 2, 2)

    def _paint_highlights(self, painter: QPainter, t: RollTransform) -> None:
        """The pressed row in the key colour, the hovered one faintly: exactly the row that plays."""
        painter.setPen(palette.NO_PEN)
        for pitch, alpha in ((self._hover, 90), (self._pressed, 200)):
            if pitch is not None:
                colour = QColor(palette.KEY_PRESSED)
                colour.setAlpha(alpha)
                painter.fillRect(QRectF(0, t.pitch_to_y(pitch), self.width(), t.key_height), colour)

    def _paint_labels(self, painter: QPainter, t: RollTransform, low: int, high: int) -> None:
        if t.key_height < MIN_LABEL_ROW_PX:
            return
        font = QFont(self.font())
        font.setPixelSize(int(min(t.key_height - 2, 11)))
        painter.setFont(font)
        painter.setPen(palette.KEY_LABEL)
        for pitch in range(low - low % 12, high + 1, 12):
            rect = QRectF(0, t.pitch_to_y(pitch), self.width() - 4, t.key_height)
            painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, pitch_name(pitch))

    # interaction ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._press(self.pitch_at(event.position().y()), event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        pitch = self.pitch_at(event.position().y())
        self._set_hover(pitch)
        if self._pressed is not None and pitch != self._pressed:  # glissando: the next key sounds
            self._release()
            self._press(pitch, event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._release()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._set_hover(None)

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self._release()  # a hidden keyboard gets no release event: never leave a note hanging

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        self._viewport.set_transform(wheel_rows(self._viewport.transform, event, self.height()))
        event.accept()

    def _press(self, pitch: int, x: float) -> None:
        self._pressed = pitch
        self.update()
        self.key_pressed.emit(pitch, velocity_for_x(x, self.width()))

    def _release(self) -> None:
        pitch, self._pressed = self._pressed, None
        if pitch is not None:
            self.update()
            self.key_released.emit(pitch)

    def _set_hover(self, pitch: int | None) -> None:
        if pitch != self._hover:
            self._hover = pitch
            self.update()

    def _transform_changed(self, _transform: RollTransform) -> None:
        self.update()
