"""The chord lane between the ruler and the note canvas: one chord per beat (or per bar), editable.

Chords detected from the pitched tracks are drawn muted; chords the user typed (``score.chords``)
strong, on a tinted cell. Equal neighbours inside a bar share one label, so "C C C C" reads "C".
Select a cell with a click; double-click it, press Enter or just start typing to open an inline
editor; Enter applies the symbol as one undo step (:func:`composer.edits.set_chords`), a symbol
that cannot be read keeps the editor open and says why, an empty entry or Delete hands the cell
back to detection, Escape cancels. Tab applies and moves on to the next cell. The right-click
menu switches between chords per beat and per bar.

Detection is the costly part, so the detected chords are cached per bar and mode, and a change
drops only the bars whose pitched notes it touched (the time signature or a drum flag drops all);
typed marks are laid over the cache at paint time. Only the bars in view are computed or painted.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QContextMenuEvent,
    QFocusEvent,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QStatusTipEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QToolTip, QWidget

from composer.chord_symbols import (
    NO_CHORD,
    ChordCell,
    bar_spans,
    beat_spans,
    detect_span,
    parse_chord,
    typed_over,
    with_cell_chord,
)
from composer.edits import ChangeSet, set_chords
from composer.harmony import Chord
from composer.score import Score
from ui.document_controller import DocumentController
from ui.pianoroll import palette
from ui.pianoroll.ruler import wheel_time
from ui.pianoroll.viewport import RollViewport
from ui.settings import Settings

SETTINGS_NAME = "chord_lane"
"""Its visibility is kept like a panel's, under this name."""
LANE_HEIGHT = 24
TEXT_PX = 12
PAD_PX = 4.0
"""Space between a cell's left edge and its label."""
MIN_LABEL_BAR_PX = 14.0
"""Bars narrower than this get no labels (and their chords are not even detected)."""
MIN_BEAT_LABEL_PX = 24.0
"""Beats narrower than this are shown per bar (editing still picks the beat under the pointer)."""
EDITOR_MIN_WIDTH = 96
MAX_SYMBOL_LENGTH = 32
"""What the project file accepts for one chord symbol."""

LANE_FILL = QColor("#1c1e22")
DETECTED_TEXT = QColor("#8e95a1")
TYPED_TEXT = QColor("#ffe08a")
TYPED_FILL = QColor(255, 214, 102, 38)
TYPED_EDGE = QColor(255, 214, 102, 120)
UNREADABLE_TEXT = QColor("#ff8a80")
SELECTED_PEN = QPen(QColor("#ffffff"), 1.5)
CELL_EDGE_PEN = palette.BEAT_PEN
EDITOR_STYLE = "QLineEdit { background: #2e3138; color: #ffffff; border: 1px solid #ffd166; padding: 0 3px; }"
EDITOR_ERROR_STYLE = "QLineEdit { background: #3a2326; color: #ffffff; border: 1px solid #ff6b6b; padding: 0 3px; }"


def merged_blocks(cells: list[ChordCell]) -> list[tuple[ChordCell, int]]:
    """Runs of neighbouring cells that show the same thing, as (first cell, end tick of the run)."""
    out: list[tuple[ChordCell, int]] = []
    for cell in cells:
        if out and out[-1][1] == cell.start and (out[-1][0].symbol, out[-1][0].typed) == (cell.symbol, cell.typed):
            out[-1] = (out[-1][0], cell.end)
        else:
            out.append((cell, cell.end))
    return out


def label_text(symbol: str, room: float, metrics: QFontMetricsF) -> str:
    """``symbol`` if it fits in ``room`` pixels, else elided keeping at least two characters, else ""."""
    if not symbol or metrics.horizontalAdvance(symbol) <= room:
        return symbol
    shown = metrics.elidedText(symbol, Qt.TextElideMode.ElideRight, room)
    return shown if len(shown.rstrip("…")) >= 2 and shown.endswith("…") else ""


def _is_no_chord(symbol: str) -> bool:
    try:
        return parse_chord(symbol) is None
    except ValueError:
        return False


def _is_key(event: QEvent, *keys: Qt.Key) -> bool:
    return isinstance(event, QKeyEvent) and Qt.Key(event.key()) in keys


class _ChordEditor(QLineEdit):
    """The inline editor: Enter applies, Escape cancels, Tab applies and moves on; focus loss cancels."""

    def __init__(self, lane: ChordLane) -> None:
        super().__init__(lane)
        self._lane = lane
        self.setObjectName("chord_editor")
        self.setMaxLength(MAX_SYMBOL_LENGTH)
        self.setFrame(False)
        self.setStyleSheet(EDITOR_STYLE)
        self.textEdited.connect(lambda _text: lane.show_error(None))

    def event(self, event: QEvent) -> bool:
        keys = (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        if event.type() == QEvent.Type.ShortcutOverride and _is_key(event, *keys):
            event.accept()  # ours, not a window shortcut's (Delete deletes notes there)
            return True
        if event.type() == QEvent.Type.KeyPress and _is_key(event, Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self._lane.commit(step=-1 if _is_key(event, Qt.Key.Key_Backtab) else 1)
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._lane.commit()
        elif event.key() == Qt.Key.Key_Escape:
            self._lane.cancel()
        else:
            super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:  # a tooltip or menu is not leaving
            self._lane.cancel(refocus=False)


class ChordLane(QWidget):
    """Chords per beat or bar over the shared viewport; typed chords are edited in place."""

    per_bar_changed = Signal(bool)
    error_shown = Signal(str)  # a symbol that could not be read, with the reason

    def __init__(self, controller: DocumentController, viewport: RollViewport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chord_lane")
        self._controller = controller
        self._viewport = viewport
        self._score = controller.score
        self._per_bar = False
        self._detected: dict[tuple[int, bool], tuple[Chord | None, ...]] = {}
        self._selected: tuple[int, int] | None = None
        self._editor: _ChordEditor | None = None
        self._editing: tuple[int, int] | None = None
        self.last_error: str | None = None
        self.setFixedHeight(LANE_HEIGHT)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._build_actions()
        viewport.changed.connect(self._view_moved)
        controller.changed.connect(self._score_changed)
        controller.score_replaced.connect(self._score_replaced)

    def _build_actions(self) -> None:
        self.toggle_action = QAction("&Chord Lane", self)
        self.toggle_action.setCheckable(True)
        self.toggle_action.setChecked(True)
        self.toggle_action.toggled.connect(self._toggled)
        group = QActionGroup(self)
        self.per_beat_action = QAction("Chords per &Beat", group)
        self.per_bar_action = QAction("Chords per B&ar", group)
        for action, per_bar in ((self.per_beat_action, False), (self.per_bar_action, True)):
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, value=per_bar: self.set_per_bar(value))
        self.per_beat_action.setChecked(True)
        self.clear_action = QAction("&Clear Typed Chord", self)
        self.clear_action.triggered.connect(self.clear_selected)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(800, LANE_HEIGHT)

    # state ---------------------------------------------------------------------------------

    @property
    def per_bar(self) -> bool:
        return self._per_bar

    def set_per_bar(self, per_bar: bool) -> None:
        """Show one chord per bar (True) or per beat; typing then edits a whole bar or one beat."""
        if per_bar == self._per_bar:
            return
        self.cancel(refocus=False)
        self._per_bar = per_bar
        self._selected = None
        (self.per_bar_action if per_bar else self.per_beat_action).setChecked(True)
        self.update()
        self.per_bar_changed.emit(per_bar)

    def set_shown(self, shown: bool) -> None:
        self.toggle_action.setChecked(shown)

    def restore_settings(self, settings: Settings) -> None:
        """Shown or hidden, per beat or per bar, as the user left it."""
        self.set_shown(settings.panel_visible(SETTINGS_NAME))
        self.set_per_bar(settings.chord_lane_per_bar)

    def save_settings(self, settings: Settings) -> None:
        settings.set_panel_visible(SETTINGS_NAME, self.toggle_action.isChecked())
        settings.chord_lane_per_bar = self._per_bar

    def _toggled(self, shown: bool) -> None:
        if not shown:
            self.cancel(refocus=False)
        self.setVisible(shown)

    @property
    def selected(self) -> tuple[int, int] | None:
        """[start, end) ticks of the selected cell."""
        return self._selected

    @property
    def editor(self) -> QLineEdit | None:
        """The inline editor while one is open."""
        return self._editor

    # cells ---------------------------------------------------------------------------------

    def cells(self, start: int, end: int, per_bar: bool | None = None) -> list[ChordCell]:
        """What the lane holds for the beats (or bars) starting in [start, end); ``per_bar`` None: the lane's mode."""
        per_bar = self._per_bar if per_bar is None else per_bar
        score = self._controller.score
        spans = (bar_spans if per_bar else beat_spans)(score.time_signatures, start, end)
        return typed_over(score.chords, spans, lambda lo, hi: self._detected_chord(lo, hi, per_bar))

    def _bar_cells(self, bar: int, per_bar: bool | None = None) -> list[ChordCell]:
        return self.cells(*self._controller.score.time_signatures.bar_range(bar), per_bar=per_bar)

    def _detected_chord(self, start: int, end: int, per_bar: bool) -> Chord | None:
        score = self._controller.score
        sigs = score.time_signatures
        bar = sigs.bar_at(start)
        key = (bar, per_bar)
        if key not in self._detected:
            bar_range = sigs.bar_range(bar)
            spans = [bar_range] if per_bar else beat_spans(sigs, *bar_range)
            self._detected[key] = tuple(detect_span(score, lo, hi) for lo, hi in spans)
        lo = sigs.bar_start(bar)
        index = 0 if per_bar else (start - lo) // sigs.at(lo).beat_ticks
        chords = self._detected[key]
        return chords[index] if index < len(chords) else None

    def cell_at(self, x: float) -> ChordCell | None:
        """The cell under ``x`` (widget pixels)."""
        tick = self._viewport.transform.x_to_tick(x)
        if tick < 0:
            return None
        sigs = self._controller.score.time_signatures
        for cell in self._bar_cells(sigs.bar_at(int(tick))):
            if cell.start <= tick < cell.end:
                return cell
        return None

    def cell_rect(self, start: int, end: int) -> QRectF:
        t = self._viewport.transform
        x0, x1 = round(t.tick_to_x(start)), round(t.tick_to_x(end))
        return QRectF(x0, 0, x1 - x0, self.height())

    def _cell(self, span: tuple[int, int]) -> ChordCell:
        return self.cells(span[0], span[0] + 1)[0]

    # cache ---------------------------------------------------------------------------------

    def _score_changed(self, changes: ChangeSet) -> None:
        old, new = self._score, self._controller.score
        self._score = new
        if changes.everything or changes.time_signature or self._drum_flag_changed(old, new, changes):
            self._detected.clear()
            self._selected = None if changes.time_signature or changes.everything else self._selected
        else:
            self._drop_bars(self._touched_bars(old, new, changes))
        if changes.everything or changes.time_signature:
            self.cancel(refocus=False)
        self.update()

    def _score_replaced(self) -> None:
        self._score = self._controller.score
        self._detected.clear()
        self._selected = None
        self.cancel(refocus=False)
        self.update()

    @staticmethod
    def _drum_flag_changed(old: Score, new: Score, changes: ChangeSet) -> bool:
        return any(
            old.has_track(i) and new.has_track(i) and old.track(i).is_drum != new.track(i).is_drum
            for i in changes.track_props
        )

    @staticmethod
    def _touched_bars(old: Score, new: Score, changes: ChangeSet) -> set[int]:
        """Bars where a pitched note was added, removed or changed (before or after the edit)."""
        bars: set[int] = set()
        sigs = new.time_signatures
        for track_id in changes.note_tracks:
            for score in (old, new):
                if not score.has_track(track_id) or score.track(track_id).is_drum:
                    continue
                track = score.track(track_id)
                notes = (
                    (track.note(i) for i in changes.note_ids)
                    if changes.note_ids and old.has_track(track_id) and new.has_track(track_id)
                    else iter(track.notes)  # a track added or removed: all its notes
                )
                for note in notes:
                    if note is not None:
                        bars.update(range(sigs.bar_at(note.start), sigs.bar_at(note.end - 1) + 1))
        return bars

    def _drop_bars(self, bars: set[int]) -> None:
        for key in [k for k in self._detected if k[0] in bars]:
            del self._detected[key]

    def _view_moved(self, *_: object) -> None:
        if self._editor is not None and self._editing is not None:
            self._place_editor(*self._editing)
        self.update()

    # painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), LANE_FILL)
        t = self._viewport.transform
        sigs = self._controller.score.time_signatures
        start, end = t.visible_ticks(self.width())
        if end > 0:
            bars = range(sigs.bar_at(max(start, 0)), sigs.bar_at(max(end - 1, 0)) + 1)
            blocks = merged_blocks(self._shown_cells(bars))
            self._paint_blocks(painter, blocks)
            self._paint_bar_lines(painter, bars)
            self._paint_labels(painter, blocks)  # last: a label running past a bar line stays whole
        self._paint_selection(painter)
        painter.setPen(palette.BAR_PEN)
        painter.drawLine(QPointF(0, self.height() - 0.5), QPointF(self.width(), self.height() - 0.5))
        painter.end()

    def _shown_cells(self, bars: range) -> list[ChordCell]:
        """The cells of ``bars`` as painted: per bar where beats are too narrow to read, and only the
        typed chords (no detection at all) in bars too narrow for any label."""
        sigs = self._controller.score.time_signatures
        px = self._viewport.transform.px_per_tick
        out: list[ChordCell] = []
        for bar in bars:
            lo, hi = sigs.bar_range(bar)
            if (hi - lo) * px < MIN_LABEL_BAR_PX:
                out += typed_over(self._controller.score.chords, [(lo, hi)], lambda _lo, _hi: None)
            else:
                out += self._bar_cells(bar, self._per_bar or sigs.at(lo).beat_ticks * px < MIN_BEAT_LABEL_PX)
        return out

    def _font(self, bold: bool) -> QFont:
        font = QFont(self.font())
        font.setPixelSize(TEXT_PX)
        font.setBold(bold)
        return font

    def _paint_bar_lines(self, painter: QPainter, bars: range) -> None:
        t = self._viewport.transform
        sigs = self._controller.score.time_signatures
        painter.setPen(palette.BAR_PEN)
        last_x = float("-inf")
        for bar in bars:
            x = round(t.tick_to_x(sigs.bar_start(bar))) + 0.5
            if x - last_x >= palette.MIN_LINE_SPACING_PX:
                painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
                last_x = x

    def _paint_blocks(self, painter: QPainter, blocks: list[tuple[ChordCell, int]]) -> None:
        """Each run of equal cells once: typed ones tinted, a faint edge where the chord changes."""
        for first, end in blocks:
            rect = self.cell_rect(first.start, end)
            if first.typed:
                painter.fillRect(rect.adjusted(1, 2, 0, -3), TYPED_FILL)
                painter.fillRect(QRectF(rect.left() + 1, rect.bottom() - 3, rect.width() - 1, 2), TYPED_EDGE)
            painter.setPen(CELL_EDGE_PEN)
            painter.drawLine(QPointF(rect.left() + 0.5, 3), QPointF(rect.left() + 0.5, self.height() - 4))

    def _paint_labels(self, painter: QPainter, blocks: list[tuple[ChordCell, int]]) -> None:
        """Each run's label at its start, or at the left edge of the view for a run that began before it."""
        fonts = (self._font(bold=False), self._font(bold=True))
        for first, end in blocks:
            rect = self.cell_rect(first.start, end)
            visible = QRectF(max(rect.left(), 0.0), 0, rect.right() - max(rect.left(), 0.0), self.height())
            self._paint_label(painter, visible, first, fonts[first.typed])

    def _paint_label(self, painter: QPainter, rect: QRectF, cell: ChordCell, font: QFont) -> None:
        text = label_text(cell.symbol, rect.width() - 2 * PAD_PX + 2, QFontMetricsF(font))
        if not text:
            return
        colour = DETECTED_TEXT
        if cell.typed:
            colour = TYPED_TEXT if cell.chord is not None or _is_no_chord(cell.symbol) else UNREADABLE_TEXT
        painter.setFont(font)
        painter.setPen(colour)
        text_rect = rect.adjusted(PAD_PX, 0, -PAD_PX + 2, -2)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_selection(self, painter: QPainter) -> None:
        if self._selected is None:
            return
        rect = self.cell_rect(*self._selected).adjusted(1, 1, -1, -2)
        pen = QPen(SELECTED_PEN)
        if not self.hasFocus():
            pen.setColor(QColor(255, 255, 255, 130))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(rect)

    # mouse ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self.select_at(event.position().x())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self.select_at(event.position().x())
            self.open_editor()

    def select_at(self, x: float) -> None:
        cell = self.cell_at(x)
        self._selected = (cell.start, cell.end) if cell is not None else None
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.update()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt override)
        self.select_at(event.pos().x())
        menu = self.context_menu()
        menu.exec(event.globalPos())

    def context_menu(self) -> QMenu:
        """Per beat or per bar, clear the selected typed chord, hide the lane."""
        menu = QMenu(self)
        menu.setObjectName("chord_lane_menu")
        menu.addAction(self.per_beat_action)
        menu.addAction(self.per_bar_action)
        menu.addSeparator()
        self.clear_action.setEnabled(self._selected is not None and self._cell(self._selected).typed)
        menu.addAction(self.clear_action)
        menu.addAction(self.toggle_action)
        return menu

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        self._viewport.set_transform(wheel_time(self._viewport.transform, event, self.width()))
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._selected is not None and self._owns_key(event):
            event.accept()  # Delete, arrows and typing belong to the selected cell, not to the window's notes
            return True
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            self._show_tip(event)
            return True
        return super().event(event)

    @staticmethod
    def _owns_key(event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent):
            return False
        keys = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2,
                Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Escape)
        if Qt.Key(event.key()) in keys:
            return True
        plain = not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
        return plain and event.text().isprintable() and bool(event.text().strip())

    def _show_tip(self, event: QHelpEvent) -> None:
        cell = self.cell_at(event.pos().x())
        if cell is None:
            QToolTip.hideText()
            return
        position = self._controller.score.time_signatures.position(cell.start)
        where = f"Bar {position.bar + 1}" + ("" if self._per_bar else f", beat {position.beat + 1}")
        if cell.typed:
            what = f"{cell.symbol} (typed)" if cell.chord is not None or _is_no_chord(cell.symbol) \
                else f"{cell.symbol} (not a chord the assistant can follow)"
        else:
            what = f"{cell.symbol or 'no chord'} (detected from the music)"
        QToolTip.showText(event.globalPos(), f"{where}: {what}\nDouble-click or type to change", self)

    # keys ----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        key = event.key()
        if self._selected is None:
            super().keyPressEvent(event)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
            self.open_editor()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.clear_selected()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self.move_selection(-1 if key == Qt.Key.Key_Left else 1)
        elif key == Qt.Key.Key_Escape:
            self._selected = None
            self.update()
        elif self._owns_key(event):
            self.open_editor(initial=event.text())
        else:
            super().keyPressEvent(event)

    def move_selection(self, step: int) -> None:
        """Select the next (+1) or previous (-1) cell, scrolling it into view."""
        if self._selected is None:
            return
        start, end = self._selected
        if step > 0:
            target = self.cells(end, end + 1)
        elif start > 0:
            sigs = self._controller.score.time_signatures
            target = [c for c in self._bar_cells(sigs.bar_at(start - 1)) if c.end == start]
        else:
            target = []
        if target:
            self._selected = (target[0].start, target[0].end)
            self._scroll_into_view(*self._selected)
            self.update()

    def _scroll_into_view(self, start: int, end: int) -> None:
        t = self._viewport.transform
        left, right = t.tick_to_x(start), t.tick_to_x(end)
        if left < 0 or right > self.width():
            margin = self.width() / 4
            self._viewport.set_transform(t.scrolled_to(left_tick=t.x_to_tick(left - margin)))

    def clear_selected(self) -> None:
        """Hand the selected cell back to detection (Delete): one undo step if it was typed."""
        if self._selected is not None:
            self._apply(*self._selected, None)

    # the inline editor ---------------------------------------------------------------------

    def open_editor(self, initial: str | None = None) -> None:
        """Edit the selected cell: its typed symbol, or ``initial`` (a key typed on the lane)."""
        if self._selected is None:
            return
        self.cancel(refocus=False)
        cell = self._cell(self._selected)
        editor = _ChordEditor(self)
        self._editor, self._editing = editor, self._selected
        editor.setPlaceholderText(cell.symbol if not cell.typed else "")
        editor.setFont(self._font(bold=True))
        if initial is not None:
            editor.setText(initial)
        elif cell.typed:
            editor.setText(cell.symbol)
            editor.selectAll()
        self._place_editor(*self._selected)
        editor.show()
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_error(None)

    def _place_editor(self, start: int, end: int) -> None:
        assert self._editor is not None
        rect = self.cell_rect(start, end)
        width = max(int(rect.width()), EDITOR_MIN_WIDTH)
        x = min(max(int(rect.left()), 0), max(self.width() - width, 0))
        self._editor.setGeometry(x, 1, width, self.height() - 2)

    def commit(self, step: int = 0) -> bool:
        """Apply the editor's symbol to its cell (empty: back to detection); False if it cannot be read.

        ``step`` +1 or -1 then opens the editor on the next or previous cell (Tab, Shift+Tab).
        """
        if self._editor is None or self._editing is None:
            return False
        text = self._editor.text().strip()
        symbol: str | None = None
        if text:
            try:
                chord = parse_chord(text)
            except ValueError as exc:
                self.show_error(str(exc))
                return False
            symbol = NO_CHORD if chord is None else text[0].upper() + text[1:]
        start, end = self._editing
        self.cancel()
        self._apply(start, end, symbol)
        if step:
            self.move_selection(step)
            self.open_editor()
        return True

    def cancel(self, refocus: bool = True) -> None:
        """Close the inline editor without applying it (Escape)."""
        editor, self._editor, self._editing = self._editor, None, None
        if editor is None:
            return
        editor.hide()
        editor.deleteLater()
        self.show_error(None)
        if refocus:
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.update()

    def show_error(self, message: str | None) -> None:
        """Say why a symbol was refused (tooltip at the editor and the status bar), or clear it."""
        self.last_error = message
        editor = self._editor
        if editor is not None:
            editor.setToolTip(message or "")
            editor.setStyleSheet(EDITOR_ERROR_STYLE if message else EDITOR_STYLE)
        if message is None:
            return
        if editor is not None:
            QToolTip.showText(editor.mapToGlobal(QPoint(0, editor.height())), message, editor)
        QApplication.sendEvent(self, QStatusTipEvent(message))  # the main window shows it in its status bar
        self.error_shown.emit(message)

    def _apply(self, start: int, end: int, symbol: str | None) -> None:
        score = self._controller.score
        marks = with_cell_chord(score.chords, start, end, symbol)
        if marks == score.chords:
            return
        position = score.time_signatures.position(start)
        where = f"{position.bar + 1}" + ("" if self._per_bar else f".{position.beat + 1}")
        label = f"Chord {symbol} at {where}" if symbol is not None else f"Clear chord at {where}"
        self._controller.push(set_chords(score, marks, label))
