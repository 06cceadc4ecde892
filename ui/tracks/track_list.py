"""The track list: one row per track with colour, name, instrument, mute, solo, volume and pan.

Rows are small widgets kept per track id: a property change refreshes one row, a track
added, removed or moved creates, deletes or re-lays out only the rows concerned, so 64
tracks stay responsive. Rows never edit the score: they emit what the user asked for and
the panel turns it into one edit pushed through the controller (so every change is one
undo step; a slider drag commits once, on release).

Rows are :data:`ROW_HEIGHT` tall under a :data:`HEADER_HEIGHT` button bar; the
arrangement overview uses the same two numbers so its lanes line up with these rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QColorDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QScrollBar,
    QSizePolicy,
    QSlider,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from composer.edits import ChangeSet, Edit, MoveTrack, add_track, remove_track, set_track_properties
from composer.errors import EditError
from composer.general_midi import instrument_name
from composer.score import TRACK_COLOURS, Score, Track
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.tracks.instrument_picker import InstrumentPicker, free_channel, instrument_edit

HEADER_HEIGHT = 30
"""Height of the button bar above the rows (and of the overview's bar ruler)."""
ROW_HEIGHT = 50
"""Height of one track row (and of one overview lane)."""

DEFAULT_VOLUME = 100
CENTRE_PAN = 64
SLIDER_COMMIT_DELAY_MS = 400  # keyboard and wheel changes settle into one edit

ColourChooser = Callable[[QColor, QWidget], QColor | None]
Confirmer = Callable[[QWidget, str, str], bool]


# --- pure helpers ----------------------------------------------------------------------------


def new_track(score: Score) -> Track:
    """A track to add: "Track N" (unused name), the least-used colour, a free channel, GM piano."""
    names = {t.name for t in score.tracks}
    number = len(score.tracks) + 1
    while f"Track {number}" in names:
        number += 1
    uses = Counter(t.colour for t in score.tracks)
    colour = min(TRACK_COLOURS, key=lambda c: uses[c])  # min keeps the first of equals
    return Track.create(f"Track {number}", program=0, channel=free_channel(score), colour=colour)


def pan_text(pan: int) -> str:
    """Pan as mixers show it: C for centre, L/R and the distance from it."""
    if pan == CENTRE_PAN:
        return "C"
    return f"L{CENTRE_PAN - pan}" if pan < CENTRE_PAN else f"R{pan - CENTRE_PAN}"


def _ask_colour(current: QColor, parent: QWidget) -> QColor | None:
    colour = QColorDialog.getColor(current, parent, "Track colour")
    return colour if colour.isValid() else None


def _ask_confirm(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes


# --- row parts -------------------------------------------------------------------------------


class ColourSwatch(QAbstractButton):
    """The track's colour as a bar at the row's left edge; a click asks for a new one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._colour = QColor(TRACK_COLOURS[0])
        self.setFixedWidth(12)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Track colour: click to change")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_colour(self, colour: str) -> None:
        self._colour = QColor(colour)
        self.update()

    def colour(self) -> QColor:
        return QColor(self._colour)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(12, ROW_HEIGHT - 6)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        colour = self._colour.lighter(125) if self.underMouse() else self._colour
        painter.fillRect(self.rect().adjusted(2, 0, -2, 0), colour)


class _NameEditor(QLineEdit):
    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)


class NameField(QWidget):
    """The track name; a double-click edits it in place (Enter or leaving commits, Escape cancels)."""

    renamed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name = ""
        self._editing = False
        self.label = QLabel(self)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setToolTip("Double-click to rename")
        self.editor = _NameEditor(self)
        self._stack = QStackedLayout(self)
        self._stack.setContentsMargins(0, 0, 0, 0)
        self._stack.addWidget(self.label)
        self._stack.addWidget(self.editor)
        self.editor.returnPressed.connect(self._commit)
        self.editor.editingFinished.connect(self._commit)  # focus left the editor
        self.editor.cancelled.connect(self._finish)

    @property
    def is_editing(self) -> bool:
        return self._editing

    def set_name(self, name: str) -> None:
        self._name = name
        self._show_label_text()

    def begin_edit(self) -> None:
        self._editing = True
        self.editor.setText(self._name)
        self._stack.setCurrentWidget(self.editor)
        self.editor.setFocus()
        self.editor.selectAll()

    def _commit(self) -> None:
        if not self._editing:  # Enter already committed; this is the focus-out that follows
            return
        text = self.editor.text().strip()
        self._finish()
        if text and text != self._name:
            self.renamed.emit(text)

    def cancel_edit(self) -> None:
        if self._editing:
            self._finish()

    def _finish(self) -> None:
        self._editing = False
        self._stack.setCurrentWidget(self.label)

    def _show_label_text(self) -> None:
        width = max(self.label.width(), 20)
        self.label.setText(self.label.fontMetrics().elidedText(self._name, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._show_label_text()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton and not self._editing:
            self.begin_edit()
        else:
            super().mouseDoubleClickEvent(event)


class _ElidedButton(QToolButton):
    """A flat button whose text shortens with "..." instead of widening the row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._elide()

    def full_text(self) -> str:
        return self._full

    def _elide(self) -> None:
        width = max(self.width() - 12, 20)
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._elide()


class _Slider(QSlider):
    """A slider that lets the wheel scroll the track list unless it has focus, and resets on double-click."""

    reset = Signal()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self.reset.emit()


class ValueSlider(QWidget):
    """A 0..127 slider with its value shown beside it; emits ``committed`` once per gesture.

    A drag commits on release; keyboard and wheel steps commit after a short pause, so
    holding an arrow key is one undo step too. A double-click resets to ``default``.
    """

    committed = Signal(int)

    def __init__(self, what: str, default: int, text: Callable[[int], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        self._default = default
        self._value = default  # the value the score has (last shown or committed)
        self.slider = _Slider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 127)
        self.slider.setPageStep(8)
        self.slider.setValue(default)
        self.slider.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.slider.setToolTip(f"{what} (double-click resets)")
        self.value_label = QLabel(text(default), self)
        self.value_label.setFixedWidth(self.value_label.fontMetrics().horizontalAdvance("R63") + 4)
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.slider)
        layout.addWidget(self.value_label)
        self._timer = QTimer(self, singleShot=True, interval=SLIDER_COMMIT_DELAY_MS)
        self._timer.timeout.connect(self._commit)
        self.slider.valueChanged.connect(self._moved)
        self.slider.sliderReleased.connect(self._commit)
        self.slider.reset.connect(self._reset)

    @property
    def value(self) -> int:
        return self.slider.value()

    def set_value(self, value: int) -> None:
        """Show the score's value, unless the user is dragging (their drag wins until release)."""
        self._value = value
        if self.slider.isSliderDown() or self._timer.isActive():
            return
        self.slider.blockSignals(True)
        self.slider.setValue(value)
        self.slider.blockSignals(False)
        self.value_label.setText(self._text(value))

    def cancel(self) -> None:
        """Forget a keyboard change not yet committed."""
        self._timer.stop()

    def _moved(self, value: int) -> None:
        self.value_label.setText(self._text(value))
        if not self.slider.isSliderDown():
            self._timer.start()

    def _reset(self) -> None:
        self.slider.setValue(self._default)
        self._commit()

    def _commit(self) -> None:
        self._timer.stop()
        value = self.slider.value()
        if value != self._value:
            self._value = value
            self.committed.emit(value)


def _toggle(text: str, name: str, tip: str, parent: QWidget) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setObjectName(name)
    button.setCheckable(True)
    button.setFixedSize(24, 20)
    button.setToolTip(tip)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


# --- one row ---------------------------------------------------------------------------------


class TrackRow(QWidget):
    """One track's controls. Emits requests with the track id; the panel makes the edits."""

    activated = Signal(int)
    rename_requested = Signal(int, str)
    colour_clicked = Signal(int)
    instrument_clicked = Signal(int)
    toggled = Signal(int, str, bool)  # "mute" or "solo"
    value_committed = Signal(int, str, int)  # "volume" or "pan"
    drag_moved = Signal(int, QPoint)  # global position while dragging the row to reorder
    drag_finished = Signal(int, QPoint)

    def __init__(self, track: Track, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.track_id = track.id
        self._active = False
        self._press: QPoint | None = None
        self._dragging = False
        self.setFixedHeight(ROW_HEIGHT)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._build()
        self.show_track(track)

    def _build(self) -> None:
        self.swatch = ColourSwatch(self)
        self.name = NameField(self)
        self.mute = _toggle("M", "mute", "Mute", self)
        self.solo = _toggle("S", "solo", "Solo", self)
        self.instrument = _ElidedButton(self)
        self.volume = ValueSlider("Volume", DEFAULT_VOLUME, str, self)
        self.pan = ValueSlider("Pan", CENTRE_PAN, pan_text, self)
        self.volume.setFixedWidth(92)
        self.pan.setFixedWidth(72)
        top = QHBoxLayout()
        top.setSpacing(3)
        top.addWidget(self.name, 1)
        top.addWidget(self.mute)
        top.addWidget(self.solo)
        bottom = QHBoxLayout()
        bottom.setSpacing(4)
        bottom.addWidget(self.instrument, 1)
        bottom.addWidget(self.volume)
        bottom.addWidget(self.pan)
        lines = QVBoxLayout()
        lines.setSpacing(2)
        lines.addLayout(top)
        lines.addLayout(bottom)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 3, 6, 3)
        layout.setSpacing(4)
        layout.addWidget(self.swatch)
        layout.addLayout(lines, 1)
        self._connect()

    def _connect(self) -> None:
        # Signals carry self.track_id read at emit time: a row can be reused for another track.
        for button in (self.swatch, self.mute, self.solo, self.instrument):  # a press on the name reaches the row
            button.pressed.connect(lambda: self.activated.emit(self.track_id))
        for control in (self.volume, self.pan):
            control.slider.actionTriggered.connect(lambda _action: self.activated.emit(self.track_id))
        self.swatch.clicked.connect(lambda: self.colour_clicked.emit(self.track_id))
        self.name.renamed.connect(lambda text: self.rename_requested.emit(self.track_id, text))
        self.instrument.clicked.connect(lambda: self.instrument_clicked.emit(self.track_id))
        self.mute.clicked.connect(lambda on: self.toggled.emit(self.track_id, "mute", on))
        self.solo.clicked.connect(lambda on: self.toggled.emit(self.track_id, "solo", on))
        self.volume.committed.connect(lambda v: self.value_committed.emit(self.track_id, "volume", v))
        self.pan.committed.connect(lambda v: self.value_committed.emit(self.track_id, "pan", v))

    def reuse_for(self, track: Track) -> None:
        """Show another track (rows are recycled when a score is replaced, which is faster than new widgets)."""
        self.name.cancel_edit()
        self.volume.cancel()
        self.pan.cancel()
        self.track_id = track.id
        self.show_track(track)

    def show_track(self, track: Track) -> None:
        """Show the score's values (called after every edit of this track, undo included)."""
        self.swatch.set_colour(track.colour)
        self.name.set_name(track.name)
        self.name.label.setEnabled(not track.mute)  # a muted track's name greys out
        self.mute.setChecked(track.mute)
        self.solo.setChecked(track.solo)
        self.instrument.set_full_text(instrument_name(track.program, track.is_drum))
        self.instrument.setToolTip(f"Channel {track.channel + 1}: click to choose the instrument")
        self.volume.set_value(track.volume)
        self.pan.set_value(track.pan)

    def set_active(self, active: bool) -> None:
        if active != self._active:
            self._active = active
            self.update()

    @property
    def is_active(self) -> bool:
        return self._active

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        palette = self.palette()
        if self._active:
            fill = QColor(palette.highlight().color())
            fill.setAlpha(70)
            painter.fillRect(self.rect(), fill)
        painter.setPen(palette.mid().color())
        painter.drawLine(0, self.height() - 1, self.width(), self.height() - 1)

    # pressing activates; dragging the row (not a control) reorders ----------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.activated.emit(self.track_id)
            event.accept()  # the row takes the mouse: a drag from here reorders
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._press is None:
            return
        pos = event.position().toPoint()
        if not self._dragging and (pos - self._press).manhattanLength() >= QApplication.startDragDistance():
            self._dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        if self._dragging:
            self.drag_moved.emit(self.track_id, self.mapToGlobal(pos))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if self._dragging:
            self.unsetCursor()
            self.drag_finished.emit(self.track_id, self.mapToGlobal(event.position().toPoint()))
        self._press = None
        self._dragging = False


# --- the panel -------------------------------------------------------------------------------

_STYLE = """
QToolButton#mute:checked { background: #d0843a; color: black; border-radius: 3px; }
QToolButton#solo:checked { background: #d8c23c; color: black; border-radius: 3px; }
"""


class TrackListPanel(QWidget):
    """The track list with Add, Remove, Up and Down; rows follow the score, edits go through the controller.

    ``choose_colour`` and ``confirm`` are the dialogs it asks; replace them to script it.
    ``message`` carries a text for the status bar when an edit cannot be made.
    """

    message = Signal(str)

    def __init__(self, controller: DocumentController, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = state
        self.choose_colour: ColourChooser = _ask_colour
        self.confirm: Confirmer = _ask_confirm
        self.instrument_picker: InstrumentPicker | None = None
        self._rows: dict[int, TrackRow] = {}
        self._order: list[int] = []
        self._active_index = 0  # where the active track was, to pick a neighbour when it goes
        self.setStyleSheet(_STYLE)
        self._build()
        controller.changed.connect(self._on_changed)
        controller.score_replaced.connect(self._on_score_replaced)
        state.active_track_changed.connect(self._on_active_changed)
        self._sync_rows()

    def _build(self) -> None:
        bar = QWidget(self)
        bar.setFixedHeight(HEADER_HEIGHT)
        buttons = QHBoxLayout(bar)
        buttons.setContentsMargins(4, 2, 4, 2)
        buttons.setSpacing(2)
        self.add_button = self._button("+ Add", "Add a track after the active one", self.add_track, bar)
        self.remove_button = self._button("Remove", "Remove the active track", self.remove_active_track, bar)
        self.up_button = self._button("\u2191", "Move the active track up", lambda: self.move_active_track(-1), bar)
        self.down_button = self._button("\u2193", "Move the active track down", lambda: self.move_active_track(1), bar)
        for button in (self.add_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.up_button)
        buttons.addWidget(self.down_button)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._container = QWidget()
        self._rows_layout = QVBoxLayout(self._container)
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(0)
        self._rows_layout.addStretch(1)
        self.scroll_area.setWidget(self._container)
        self._drop_line = QFrame(self._container)
        self._drop_line.setFixedHeight(3)
        self._drop_line.setStyleSheet("background: palette(highlight);")
        self._drop_line.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.scroll_area, 1)
        self.setMinimumWidth(280)

    @staticmethod
    def _button(text: str, tip: str, slot: Callable[[], object], parent: QWidget) -> QToolButton:
        button = QToolButton(parent)
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    # public -----------------------------------------------------------------------------------

    def rows(self) -> list[TrackRow]:
        """The rows in track order."""
        return [self._rows[tid] for tid in self._order]

    def row(self, track_id: int) -> TrackRow:
        return self._rows[track_id]

    def vertical_scroll_bar(self) -> QScrollBar:
        """The rows' scroll bar, to link with the overview's lanes so both scroll together."""
        return self.scroll_area.verticalScrollBar()

    def add_track(self) -> None:
        """Add a new track after the active one (or at the end) and make it active."""
        score = self.controller.score
        track = new_track(score)
        index = self._active_position()
        if self._push(add_track(score, track, len(score.tracks) if index is None else index + 1)):
            self.state.set_active_track(track.id)

    def remove_active_track(self) -> None:
        """Remove the active track, asking first when it holds notes."""
        score = self.controller.score
        index = self._active_position()
        if index is None:
            return
        track = score.tracks[index]
        question = f"Remove track \u201c{track.name}\u201d and its {len(track.notes)} notes?"
        if track.notes and not self.confirm(self, "Remove track", question):
            return
        self._push(remove_track(score, track.id))

    def move_active_track(self, delta: int) -> None:
        """Move the active track ``delta`` places up (negative) or down."""
        index = self._active_position()
        if index is None:
            return
        target = index + delta
        if 0 <= target < len(self.controller.score.tracks):
            self._push(MoveTrack(index, target, "Move track up" if delta < 0 else "Move track down"))

    def rename_active_track(self) -> None:
        """Start the inline name editor of the active track (F2)."""
        if self.state.active_track in self._rows:
            self._rows[self.state.active_track].name.begin_edit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_F2:
            self.rename_active_track()
        else:
            super().keyPressEvent(event)

    # following the document -------------------------------------------------------------------

    def _on_changed(self, changes: ChangeSet) -> None:
        if changes.everything or changes.track_list:
            self._sync_rows()
            return
        score = self.controller.score
        for track_id in changes.track_props:
            if track_id in self._rows and score.has_track(track_id):
                self._rows[track_id].show_track(score.track(track_id))

    def _on_score_replaced(self) -> None:
        self._active_index = 0
        self._sync_rows()

    def _sync_rows(self) -> None:
        """Match the rows to the score's tracks: rows of gone tracks serve new ones, the rest are deleted."""
        score = self.controller.score
        order = [t.id for t in score.tracks]
        kept = set(order)
        spare = [self._rows.pop(t) for t in self._order if t not in kept]
        for track in score.tracks:
            if track.id in self._rows:
                self._rows[track.id].show_track(track)
            elif spare:
                self._rows[track.id] = spare.pop(0)
                self._rows[track.id].reuse_for(track)
            else:
                self._rows[track.id] = self._make_row(track)
        for row in spare:
            self._rows_layout.removeWidget(row)
            row.deleteLater()
        if order != self._order:
            self._lay_out(order)
        self._keep_active_track()
        self._show_active()

    def _lay_out(self, order: list[int]) -> None:
        rows = [self._rows[track_id] for track_id in order]
        for row in rows:
            self._rows_layout.removeWidget(row)
        for i, row in enumerate(rows):
            self._rows_layout.insertWidget(i, row)
            row.show()  # now, not when the layout gets to it: a new row can be scrolled to at once
        self._order = order

    def _make_row(self, track: Track) -> TrackRow:
        row = TrackRow(track, self._container)
        row.activated.connect(self.state.set_active_track)
        row.rename_requested.connect(lambda tid, name: self._set(tid, "Rename track", name=name))
        row.colour_clicked.connect(self._choose_colour)
        row.instrument_clicked.connect(self._open_instrument_picker)
        row.toggled.connect(self._toggle)
        row.value_committed.connect(lambda tid, prop, v: self._set(tid, f"Set {prop}", **{prop: v}))
        row.drag_moved.connect(self._drag_moved)
        row.drag_finished.connect(self._drag_finished)
        return row

    def _keep_active_track(self) -> None:
        """The active track was removed (or none was set): make its neighbour active."""
        tracks = self.controller.score.tracks
        if self.state.active_track is not None and self.state.active_track in self._rows:
            return
        self.state.set_active_track(tracks[min(self._active_index, len(tracks) - 1)].id if tracks else None)

    def _on_active_changed(self, track_id: int | None) -> None:
        """Highlight the new active row and scroll to it (it may have been picked in another view)."""
        self._show_active()
        if track_id is not None:
            self._reveal(track_id)

    def _show_active(self) -> None:
        active = self.state.active_track
        for track_id, row in self._rows.items():
            row.set_active(track_id == active)
        index = self._active_position()
        if index is not None:
            self._active_index = index
        count = len(self._order)
        self.remove_button.setEnabled(index is not None)
        self.up_button.setEnabled(index is not None and index > 0)
        self.down_button.setEnabled(index is not None and index < count - 1)

    def _active_position(self) -> int | None:
        score = self.controller.score
        active = self.state.active_track
        return score.track_index(active) if active is not None and score.has_track(active) else None

    def _reveal(self, track_id: int) -> None:
        if track_id in self._rows and self.isVisible():
            # Lay out a just-added row now (the scroll area would on its next event) so it can be reached.
            height = max(self._rows_layout.sizeHint().height(), self.scroll_area.viewport().height())
            self._container.resize(self.scroll_area.viewport().width(), height)
            self._rows_layout.activate()
            self.scroll_area.ensureWidgetVisible(self._rows[track_id], 0, 0)

    # edits ------------------------------------------------------------------------------------

    def _push(self, edit: Edit | None) -> bool:
        """Push one edit; an edit that no longer fits is reported and the rows reshow the score."""
        if edit is None:
            return False
        try:
            self.controller.push(edit)
        except EditError as exc:
            self.message.emit(str(exc))
            self._sync_rows()
            return False
        return True

    def _set(self, track_id: int, label: str, **props: object) -> None:
        score = self.controller.score
        if score.has_track(track_id):
            self._push(set_track_properties(score, track_id, label, **props))

    def _toggle(self, track_id: int, prop: str, on: bool) -> None:
        verb = {"mute": ("Mute", "Unmute"), "solo": ("Solo", "Unsolo")}[prop][0 if on else 1]
        self._set(track_id, f"{verb} track", **{prop: on})

    def _choose_colour(self, track_id: int) -> None:
        score = self.controller.score
        if not score.has_track(track_id):
            return
        colour = self.choose_colour(QColor(score.track(track_id).colour), self)
        if colour is not None and colour.name() != score.track(track_id).colour:
            self._set(track_id, "Set track colour", colour=colour.name())

    def _open_instrument_picker(self, track_id: int) -> None:
        track = self.controller.score.track(track_id)
        picker = InstrumentPicker(track.program, track.is_drum, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(lambda program, drum: self._set_instrument(track_id, program, drum))
        button = self._rows[track_id].instrument
        picker.popup(button.mapToGlobal(QPoint(0, button.height())))
        self.instrument_picker = picker

    def _set_instrument(self, track_id: int, program: int, is_drum: bool) -> None:
        score = self.controller.score
        if score.has_track(track_id):
            self._push(instrument_edit(score, track_id, program, is_drum))

    # drag a row to reorder --------------------------------------------------------------------

    def _drop_slot(self, global_pos: QPoint) -> int:
        """The gap (0..track count) nearest the pointer, in the rows' coordinates."""
        y = self._container.mapFromGlobal(global_pos).y()
        return min(max(round(y / ROW_HEIGHT), 0), len(self._order))

    def _drag_moved(self, _track_id: int, global_pos: QPoint) -> None:
        self._autoscroll(global_pos)
        slot = self._drop_slot(global_pos)
        self._drop_line.setGeometry(0, slot * ROW_HEIGHT - 1, self._container.width(), 3)
        self._drop_line.show()
        self._drop_line.raise_()

    def _autoscroll(self, global_pos: QPoint) -> None:
        y = self.scroll_area.viewport().mapFromGlobal(global_pos).y()
        bar = self.scroll_area.verticalScrollBar()
        if y < ROW_HEIGHT // 2:
            bar.setValue(bar.value() - ROW_HEIGHT // 4)
        elif y > self.scroll_area.viewport().height() - ROW_HEIGHT // 2:
            bar.setValue(bar.value() + ROW_HEIGHT // 4)

    def _drag_finished(self, track_id: int, global_pos: QPoint) -> None:
        self._drop_line.hide()
        if track_id not in self._order:
            return
        old = self._order.index(track_id)
        slot = self._drop_slot(global_pos)
        new = slot - 1 if slot > old else slot
        if new != old:
            self._push(MoveTrack(old, new, "Move track"))
