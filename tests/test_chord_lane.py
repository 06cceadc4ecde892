"""The chord lane above the piano roll, driven with real mouse and key events."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.annotations import ChordMark
from composer.chord_symbols import FOLLOW_MUSIC
from composer.score import Note, Score, Track
from composer.score_files import load_file
from composer.timing import PPQ
from tests.test_file_ops import FakePrompts
from tests.window_helpers import show_active
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.file_ops import SaveChoice
from ui.mainwindow import MainWindow
from ui.pianoroll.chord_lane import ChordLane
from ui.pianoroll.editor import PianoRollEditor
from ui.settings import Settings

DATA = Path(__file__).parent / "data"
BAR = 4 * PPQ
LEFT = Qt.MouseButton.LeftButton


def _triad(root: int, start: int, length: int) -> list[Note]:
    return [Note.create(root + i, start, length) for i in (0, 4, 7)]


def c_major_score() -> Score:
    """Bars 1-4 of C major chords, plus a drum track that must not count."""
    drums = [Note.create(38, t, PPQ // 2) for t in range(0, 4 * BAR, PPQ)]
    return Score(tracks=(Track.create("Piano", _triad(60, 0, 4 * BAR)), Track.create("Drums", drums, is_drum=True)))


@pytest.fixture
def editor(qtbot: QtBot) -> PianoRollEditor:
    controller = DocumentController()
    state = EditorState()
    roll = PianoRollEditor(controller, state)
    qtbot.addWidget(roll)
    roll.resize(1200, 500)
    with qtbot.waitExposed(roll):
        roll.show()
    controller.load(c_major_score())
    return roll


def x_of(lane: ChordLane, tick: int) -> int:
    """The x a little inside the beat or bar starting at ``tick``."""
    return round(lane._viewport.transform.tick_to_x(tick)) + 6


def double_click(qtbot: QtBot, lane: ChordLane, tick: int) -> None:
    qtbot.mouseDClick(lane, LEFT, pos=QPoint(x_of(lane, tick), lane.height() // 2))
    assert lane.editor is not None and lane.editor.isVisible()


def type_chord(qtbot: QtBot, lane: ChordLane, text: str) -> None:
    assert lane.editor is not None
    qtbot.keyClicks(lane.editor, text)
    qtbot.keyClick(lane.editor, Qt.Key.Key_Return)


def test_typing_a_chord_stores_a_mark_at_its_beat_as_one_undo_step(qtbot: QtBot, editor: PianoRollEditor) -> None:
    lane, controller = editor.chord_lane, editor.controller
    beat_2_1 = BAR  # bar 2, beat 1
    assert lane.cells(beat_2_1, beat_2_1 + 1)[0].symbol == "C"  # detected before
    double_click(qtbot, lane, beat_2_1)
    type_chord(qtbot, lane, "Am7")
    assert lane.editor is None
    assert controller.score.chords == (ChordMark(BAR, "Am7"), ChordMark(BAR + PPQ, FOLLOW_MUSIC))
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Chord Am7 at 2.1"
    shown = lane.cells(BAR - PPQ, BAR + 2 * PPQ)
    assert [(c.symbol, c.typed) for c in shown] == [("C", False), ("Am7", True), ("C", False)]
    controller.undo_stack.undo()
    assert controller.score.chords == ()
    assert lane.cells(BAR, BAR + 1)[0].symbol == "C"


def test_detection_shows_the_chord_of_a_real_bar(qtbot: QtBot, editor: PianoRollEditor) -> None:
    """Bach's chorale BWV 66.6 in F# minor: bar 2 opens on E major (G#3 B3 E4 E5), bar 1 beat 2 is F#m."""
    editor.controller.load(load_file(DATA / "music21" / "bach_bwv66.6.mid").score)
    lane = editor.chord_lane
    cell = lane.cell_at(x_of(lane, BAR))
    assert cell is not None and (cell.start, cell.symbol, cell.typed) == (BAR, "E", False)
    assert lane.cells(PPQ, PPQ + 1)[0].symbol == "F#m"


def test_an_invalid_symbol_is_refused_with_the_reason_and_the_editor_stays(
    qtbot: QtBot, editor: PianoRollEditor
) -> None:
    lane = editor.chord_lane
    double_click(qtbot, lane, 2 * BAR)
    with qtbot.waitSignal(lane.error_shown) as shown:
        type_chord(qtbot, lane, "Hm")
    assert shown.args == ["cannot read 'Hm' as a chord: roots are A–G with # or b"]
    assert lane.editor is not None and lane.editor.isVisible()
    assert lane.editor.toolTip() == lane.last_error == shown.args[0]
    assert editor.controller.score.chords == () and editor.controller.undo_stack.count() == 0
    lane.editor.clear()
    type_chord(qtbot, lane, "Bb/D")  # corrected in place
    assert editor.controller.score.chords == (ChordMark(2 * BAR, "Bb/D"), ChordMark(2 * BAR + PPQ, FOLLOW_MUSIC))
    assert lane.last_error is None


def test_escape_cancels_and_an_empty_entry_or_delete_removes_a_typed_chord(
    qtbot: QtBot, editor: PianoRollEditor
) -> None:
    lane, controller = editor.chord_lane, editor.controller
    double_click(qtbot, lane, PPQ)
    qtbot.keyClicks(lane.editor, "G7")
    qtbot.keyClick(lane.editor, Qt.Key.Key_Escape)
    assert lane.editor is None and controller.score.chords == ()
    double_click(qtbot, lane, PPQ)
    type_chord(qtbot, lane, "G7")
    double_click(qtbot, lane, PPQ)
    assert lane.editor is not None and lane.editor.text() == "G7"  # the typed symbol, ready to change
    lane.editor.clear()
    qtbot.keyClick(lane.editor, Qt.Key.Key_Return)
    assert controller.score.chords == ()
    controller.undo_stack.undo()
    assert controller.score.chords == (ChordMark(PPQ, "G7"), ChordMark(2 * PPQ, FOLLOW_MUSIC))
    qtbot.mouseClick(lane, LEFT, pos=QPoint(x_of(lane, PPQ), 10))
    assert lane.selected == (PPQ, 2 * PPQ)
    qtbot.keyClick(lane, Qt.Key.Key_Delete)
    assert controller.score.chords == ()
    assert controller.undo_stack.undoText() == "Clear chord at 1.2"


def test_typing_on_a_selected_cell_opens_the_editor_and_tab_moves_on(qtbot: QtBot, editor: PianoRollEditor) -> None:
    lane, controller = editor.chord_lane, editor.controller
    qtbot.mouseClick(lane, LEFT, pos=QPoint(x_of(lane, 0), 10))
    qtbot.keyClicks(lane, "F")  # the first key opens the editor with it
    assert lane.editor is not None and lane.editor.text() == "F"
    qtbot.keyClick(lane.editor, Qt.Key.Key_Tab)
    assert lane.editor is not None and lane.selected == (PPQ, 2 * PPQ)
    type_chord(qtbot, lane, "G")
    assert controller.score.chords == (ChordMark(0, "F"), ChordMark(PPQ, "G"), ChordMark(2 * PPQ, FOLLOW_MUSIC))
    qtbot.keyClick(lane, Qt.Key.Key_Right)
    assert lane.selected == (2 * PPQ, 3 * PPQ)


def _choose_from_menu(qtbot: QtBot, text: str) -> None:
    """When the context menu is up, click its entry ``text`` like a user."""

    def click() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        action = next(a for a in menu.actions() if a.text().replace("&", "") == text)
        qtbot.mouseClick(menu, LEFT, pos=menu.actionGeometry(action).center())

    QTimer.singleShot(150, click)


def right_click(lane: ChordLane, tick: int) -> None:
    """What a right-click delivers to a widget (offscreen Qt makes no context-menu event from a test click)."""
    pos = QPoint(x_of(lane, tick), 10)
    QApplication.sendEvent(lane, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, lane.mapToGlobal(pos)))


def test_right_click_menu_switches_to_chords_per_bar(qtbot: QtBot, editor: PianoRollEditor) -> None:
    lane, controller = editor.chord_lane, editor.controller
    controller.push(ed.add_notes(controller.score.tracks[0].id, _triad(62, BAR + 3 * PPQ, PPQ)))
    assert [c.symbol for c in lane.cells(BAR, 2 * BAR)] == ["C", "C", "C", "D7"]  # D over the held C
    with qtbot.waitSignal(lane.per_bar_changed):
        _choose_from_menu(qtbot, "Chords per Bar")
        right_click(lane, BAR)
    assert lane.per_bar
    assert [(c.start, c.end) for c in lane.cells(0, 2 * BAR)] == [(0, BAR), (BAR, 2 * BAR)]
    assert lane.cells(0, 1)[0].symbol == "C"  # the whole bar's chord
    assert len(lane.cells(BAR, 2 * BAR)) == 1
    double_click(qtbot, lane, 2 * BAR + PPQ)  # anywhere in bar 3 edits bar 3
    type_chord(qtbot, lane, "Dm7")
    assert controller.score.chords == (ChordMark(2 * BAR, "Dm7"), ChordMark(3 * BAR, FOLLOW_MUSIC))
    assert controller.undo_stack.undoText() == "Chord Dm7 at 3"
    _choose_from_menu(qtbot, "Chords per Beat")
    right_click(lane, BAR)
    assert not lane.per_bar


def test_detected_chords_follow_note_edits_and_undo(qtbot: QtBot, editor: PianoRollEditor) -> None:
    lane, controller = editor.chord_lane, editor.controller
    lane.repaint()  # fills the cache of the bars in view
    piano = controller.score.tracks[0]
    minor_third = next(n for n in piano.notes if n.pitch == 64)
    assert [c.symbol for c in lane.cells(0, BAR)] == ["C"] * 4
    controller.push(ed.move_notes(controller.score, {piano.id: [minor_third.id]}, 0, -1))  # E -> Eb
    assert [c.symbol for c in lane.cells(0, BAR)] == ["Cm"] * 4
    drums = controller.score.tracks[1]
    controller.push(ed.add_notes(drums.id, [Note.create(61, 0, BAR), Note.create(66, 0, BAR)]))
    assert [c.symbol for c in lane.cells(0, BAR)] == ["Cm"] * 4  # drums never count
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert [c.symbol for c in lane.cells(0, BAR)] == ["C"] * 4


def test_view_toggle_hides_the_lane_and_settings_remember_it(qtbot: QtBot, editor: PianoRollEditor,
                                                              tmp_path: Path) -> None:
    lane = editor.chord_lane
    settings = Settings.at_path(tmp_path / "settings.ini")
    lane.toggle_action.trigger()
    assert not lane.isVisible()
    lane.set_per_bar(True)
    lane.save_settings(settings)
    lane.toggle_action.trigger()
    lane.set_per_bar(False)
    assert lane.isVisible()
    lane.restore_settings(Settings.at_path(tmp_path / "settings.ini"))
    assert not lane.isVisible() and lane.per_bar


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))
    prompts = FakePrompts()
    w = MainWindow(Settings.at_path(tmp_path / "settings.ini"), prompts)
    show_active(qtbot, w)
    yield w
    prompts.choice = SaveChoice.DISCARD


def test_in_the_window_keys_on_the_lane_do_not_reach_the_note_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    """Delete on a chord cell clears the chord, not the selected notes; digits typed are no tool keys."""
    window.controller.load(c_major_score())
    piano = window.controller.score.tracks[0]
    window.state.set_active_track(piano.id)
    window.state.set_selection({n.id for n in piano.notes})
    lane = window.editor.chord_lane
    assert window.actions["show_chord_lane"].isChecked() and lane.isVisible()
    tool = window.state.tool
    double_click(qtbot, lane, BAR)
    type_chord(qtbot, lane, "G13")
    assert window.state.tool == tool
    assert window.controller.score.chords == (ChordMark(BAR, "G13"), ChordMark(BAR + PPQ, FOLLOW_MUSIC))
    qtbot.mouseClick(lane, LEFT, pos=QPoint(x_of(lane, BAR), 10))
    qtbot.keyClick(lane, Qt.Key.Key_Delete)
    assert window.controller.score.chords == ()
    assert len(window.controller.score.tracks[0].notes) == 3  # the selected notes are still there
    window.actions["show_chord_lane"].trigger()
    assert not lane.isVisible()
