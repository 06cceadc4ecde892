"""The tempo / time-signature / key dialog: real clicks and typing, one undo step per OK."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QDialogButtonBox
from pytestqt.qtbot import QtBot

from composer.score import Note, Score, Track
from composer.timing import (
    PPQ,
    Key,
    KeyChange,
    KeyMap,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
    bpm_to_us,
)
from ui.dialogs.meter_dialog import ChangeTable, MeterDialog, MeterError, format_position, parse_position
from ui.dialogs.title_dialog import TitleDialog
from ui.document_controller import DocumentController

BAR = 4 * PPQ


def _controller(score: Score | None = None) -> DocumentController:
    controller = DocumentController()
    controller.load(score or Score(tracks=(Track.create("Piano", [Note.create(60, 0, PPQ)]),)))
    return controller


def _dialog(qtbot: QtBot, controller: DocumentController) -> MeterDialog:
    dialog = MeterDialog(controller)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):  # typed keys go to the focused cell editor of the active window
        dialog.show()
        dialog.activateWindow()
    return dialog


def _type_into_cell(qtbot: QtBot, table: ChangeTable, row: int, column: int, text: str) -> None:
    """Edit a cell as a user does: open its editor, select all, type, press Enter."""
    grid = table.table
    already_open = grid.state() == QAbstractItemView.State.EditingState and grid.currentColumn() == column
    if not (already_open and grid.currentRow() == row):  # Add opens the new row's position for typing
        grid.setCurrentCell(row, column)
        grid.editItem(grid.item(row, column))
    editor = QApplication.focusWidget()
    assert editor is not None and editor is not grid
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.item(row, column).text() == text)  # the delegate commits on a queued call
    assert table.window().isVisible()  # Enter committed the cell; it did not press OK


def _click_ok(qtbot: QtBot, dialog: MeterDialog) -> None:
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def test_add_tempo_change_is_one_undo_step(qtbot: QtBot) -> None:
    controller = _controller()
    before = controller.score
    dialog = _dialog(qtbot, controller)
    qtbot.mouseClick(dialog.tempo.add_button, Qt.MouseButton.LeftButton)
    assert dialog.tempo.table.rowCount() == 2
    _type_into_cell(qtbot, dialog.tempo, 1, 0, "5.3")
    _type_into_cell(qtbot, dialog.tempo, 1, 1, "90")
    assert dialog.ok_button.isEnabled(), dialog.error.text()
    _click_ok(qtbot, dialog)
    assert not dialog.isVisible()
    tempo = controller.score.tempo_map
    assert tempo.changes == (TempoChange(0, bpm_to_us(120)), TempoChange(4 * BAR + 2 * PPQ, bpm_to_us(90)))
    stack = controller.undo_stack
    assert stack.count() == 1 and stack.undoText() == "Edit tempo and meter"
    stack.undo()
    assert controller.score == before
    stack.redo()
    assert controller.score.tempo_map == tempo


def test_meter_key_and_tempo_together_use_the_new_meter(qtbot: QtBot) -> None:
    controller = _controller()
    dialog = _dialog(qtbot, controller)
    qtbot.mouseClick(dialog.meter.add_button, Qt.MouseButton.LeftButton)
    _type_into_cell(qtbot, dialog.meter, 1, 0, "3")
    _type_into_cell(qtbot, dialog.meter, 1, 1, "3/4")
    qtbot.mouseClick(dialog.tempo.add_button, Qt.MouseButton.LeftButton)
    _type_into_cell(qtbot, dialog.tempo, 1, 0, "4.2")  # bar 4 is the second 3/4 bar
    qtbot.mouseClick(dialog.keys.add_button, Qt.MouseButton.LeftButton)
    _type_into_cell(qtbot, dialog.keys, 1, 0, "3.1")
    box = dialog.keys.table.cellWidget(1, 1)
    assert isinstance(box, QComboBox)
    box.setCurrentIndex(box.findText("C minor", Qt.MatchFlag.MatchStartsWith))
    _click_ok(qtbot, dialog)
    score = controller.score
    assert score.time_signatures.changes == (TimeSignature(0, 4, 4), TimeSignature(2 * BAR, 3, 4))
    assert score.tempo_map.changes[1].tick == 2 * BAR + 3 * PPQ + PPQ
    assert score.key_map.changes == (KeyChange(0, Key()), KeyChange(2 * BAR, Key(-3, True)))
    assert controller.undo_stack.count() == 1


@pytest.mark.parametrize(
    ("table", "column", "text", "message"),
    [
        ("tempo", 1, "fast", "is not a tempo in BPM"),
        ("tempo", 1, "2000", "outside 10 to 999"),
        ("tempo", 0, "2.5", "bar 2 has 4 beats"),
        ("tempo", 0, "1.1", "rows 1 and 2 are at the same position"),
        ("tempo", 0, "x", "is not a position like 5.1"),
        ("meter", 1, "3/5", "the lower number must be one of"),
        ("meter", 0, "0", "is not a bar number"),
    ],
)
def test_invalid_entries_disable_ok_with_a_clear_message(
    qtbot: QtBot, table: str, column: int, text: str, message: str
) -> None:
    controller = _controller()
    dialog = _dialog(qtbot, controller)
    changes: ChangeTable = getattr(dialog, table)
    qtbot.mouseClick(changes.add_button, Qt.MouseButton.LeftButton)
    _type_into_cell(qtbot, changes, 1, column, text)
    assert not dialog.ok_button.isEnabled()
    assert message in dialog.error.text()
    assert "row 2" in dialog.error.text() or "rows 1 and 2" in dialog.error.text()
    dialog.ok_button.click()  # a disabled button does nothing; accept() would refuse as well
    dialog.accept()
    assert controller.undo_stack.count() == 0


def test_untouched_dialog_changes_nothing_even_between_beats(qtbot: QtBot) -> None:
    """An imported tempo change at an odd tick and a mid-bar meter change survive OK exactly."""
    score = Score(
        tracks=(Track.create("Piano"),),
        tempo_map=TempoMap((TempoChange(0, 612_345), TempoChange(BAR + 77, 480_000))),
        time_signatures=TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(1000, 3, 4))),
        key_map=KeyMap((KeyChange(0, Key(2)),)),
    )
    controller = _controller(score)
    dialog = _dialog(qtbot, controller)
    assert dialog.tempo.table.item(1, 0).text() == format_position(BAR + 77, score.time_signatures)
    _click_ok(qtbot, dialog)
    assert controller.undo_stack.count() == 0 and controller.score == score


def test_first_row_stays_and_others_can_be_removed(qtbot: QtBot) -> None:
    controller = _controller()
    dialog = _dialog(qtbot, controller)
    table = dialog.tempo.table
    table.setCurrentCell(0, 1)
    assert not dialog.tempo.remove_button.isEnabled()
    assert not table.item(0, 0).flags() & Qt.ItemFlag.ItemIsEditable
    qtbot.mouseClick(dialog.tempo.add_button, Qt.MouseButton.LeftButton)
    table.setCurrentCell(1, 1)
    qtbot.mouseClick(dialog.tempo.remove_button, Qt.MouseButton.LeftButton)
    assert table.rowCount() == 1


def test_cancel_pushes_nothing(qtbot: QtBot) -> None:
    controller = _controller()
    dialog = _dialog(qtbot, controller)
    qtbot.mouseClick(dialog.tempo.add_button, Qt.MouseButton.LeftButton)
    cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert controller.undo_stack.count() == 0


def test_positions_round_trip() -> None:
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(2 * BAR, 6, 8)))
    for tick in (0, PPQ, 2 * BAR, 2 * BAR + 240 * 3, 2 * BAR + 3 * 240 + 17):
        assert parse_position(format_position(tick, sigs), sigs) == tick
    assert parse_position("3", sigs) == 2 * BAR
    with pytest.raises(MeterError, match="bar 3 has 6 beats"):
        parse_position("3.7", sigs)


def test_title_dialog_sets_the_title_in_one_step(qtbot: QtBot) -> None:
    controller = _controller()
    dialog = TitleDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.edit, "Night Drive")
    qtbot.keyClick(dialog.edit, Qt.Key.Key_Return)
    assert controller.score.title == "Night Drive"
    assert controller.undo_stack.count() == 1 and controller.undo_stack.undoText() == "Set title"
    controller.undo_stack.undo()
    assert controller.score.title == ""
