"""The main window driven like a user does: key presses, menu actions, drops, dialogs, closing.

Every window gets a temporary INI settings file and scripted prompts (FakePrompts), so no
test touches the user's settings or opens a modal dialog loop.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from composer.grid import Grid
from composer.midi_import import read_midi
from composer.score import Note, Score, Track
from composer.timing import PPQ
from tests.midi_helpers import POP909_FILES
from tests.test_file_ops import FakePrompts
from tests.window_helpers import show_active
from ui.actions import ACTIONS, MENUS, shortcut_text, shortcuts
from ui.app import demo_path, start
from ui.dialogs.import_report_dialog import ImportReportDialog
from ui.dialogs.meter_dialog import MeterDialog
from ui.dialogs.shortcuts_dialog import ShortcutsDialog
from ui.editor_state import Tool
from ui.file_ops import QtPrompts, SaveChoice
from ui.mainwindow import MainWindow
from ui.playback.transport import TransportState
from ui.settings import AudioOutput, Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


def _show(qtbot: QtBot, window: MainWindow) -> MainWindow:
    show_active(qtbot, window)
    return window


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    settings = Settings.at_path(tmp_path / "settings.ini")
    # FluidSynth's file driver plays in real time into a WAV: the same on every machine, no sound card used.
    settings.audio_output = AudioOutput(driver="file", device=str(tmp_path / "heard.wav"))
    w = _show(qtbot, MainWindow(settings, FakePrompts()))
    yield w
    prompts(w).choice = SaveChoice.DISCARD  # let the teardown close it


def prompts(window: MainWindow) -> FakePrompts:
    assert isinstance(window.file_ops.prompts, FakePrompts)
    return window.file_ops.prompts


def small_score() -> Score:
    notes = [Note.create(60, 0, PPQ), Note.create(64, PPQ, PPQ), Note.create(67, 2 * PPQ, PPQ)]
    return Score(tracks=(Track.create("Lead", notes), Track.create("Bass", [Note.create(36, 0, 4 * PPQ)])))


def load(window: MainWindow, score: Score) -> None:
    window.controller.load(score)
    window.state.set_active_track(score.tracks[0].id)


def open_and_wait(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    window.file_ops.open_path(path)
    qtbot.waitUntil(lambda: not window.file_ops.busy, timeout=20_000)


def key(qtbot: QtBot, window: MainWindow, sequence: str) -> None:
    """Press a key combination with the piano roll focused, as a user would."""
    combo = QKeySequence(sequence)[0]
    window.editor.canvas.setFocus()
    qtbot.keyClick(window.editor.canvas, combo.key(), combo.keyboardModifiers())


def pitches(window: MainWindow) -> list[int]:
    return [n.pitch for n in window.controller.score.tracks[0].notes]


# --- the action table --------------------------------------------------------------------


def test_action_table_is_complete_and_free_of_clashes(qapp: QApplication) -> None:
    ids = [s.id for s in ACTIONS]
    assert len(ids) == len(set(ids))
    assert {s.menu.split("/")[0] for s in ACTIONS} == set(MENUS)
    bound = [seq.toString() for s in ACTIONS if not s.submenu for seq in shortcuts(s)]
    assert len(bound) == len(set(bound)), "two actions share a shortcut"
    expected = {"new": "Ctrl+N", "open": "Ctrl+O", "save": "Ctrl+S", "save_as": "Ctrl+Shift+S", "import": "Ctrl+I",
                "export_midi": "Ctrl+E", "quit": "Ctrl+Q", "undo": "Ctrl+Z", "redo": "Ctrl+Y", "cut": "Ctrl+X",
                "copy": "Ctrl+C", "paste": "Ctrl+V", "duplicate": "Ctrl+D", "delete": "Del", "select_all": "Ctrl+A",
                "quantize": "Q", "zoom_in": "+", "zoom_out": "-", "zoom_fit": "Ctrl+0", "tool_draw": "1",
                "tool_select": "2", "tool_erase": "3", "play": "Space", "shortcuts": "F1", "octave_up": "Ctrl+Up",
                "stop": "Ctrl+Space", "loop": "L", "play_region": "Shift+Space", "export_audio": "Ctrl+Shift+E",
                "preferences": "Ctrl+,"}
    by_id = {s.id: s for s in ACTIONS}
    for action_id, sequence in expected.items():
        assert QKeySequence(sequence) in shortcuts(by_id[action_id]), action_id
    assert QKeySequence("Ctrl+Shift+Z") in shortcuts(by_id["redo"])
    assert QKeySequence("=") in shortcuts(by_id["zoom_in"])


def test_menus_and_toolbar_come_from_the_table(window: MainWindow) -> None:
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == list(MENUS)
    for entry in ACTIONS:
        if entry.submenu:
            continue
        action = window.actions[entry.id]
        menu = window.menus[entry.menu]
        assert action in menu.actions(), entry.id
        assert shortcut_text(entry) == "" or shortcut_text(entry) in action.toolTip()
        assert (action in window.toolbar.actions()) is entry.toolbar
    assert window.actions["transpose_up"].text().endswith("\tUp")  # the canvas's key, shown in the menu
    snap = window.menus["Tools/Snap"].actions()
    assert sum(1 for a in snap if not a.isSeparator()) == len([s for s in ACTIONS if s.group == "snap"])


# --- keys ----------------------------------------------------------------------------------


def test_undo_redo_keys_change_the_score(qtbot: QtBot, window: MainWindow) -> None:
    load(window, small_score())
    key(qtbot, window, "Ctrl+A")
    assert len(window.state.selection) == 3
    key(qtbot, window, "Ctrl+Up")
    assert pitches(window) == [72, 76, 79]
    assert window.actions["undo"].text() == "Undo Transpose"  # the stack's own action, labelled by the step
    key(qtbot, window, "Ctrl+Z")
    assert pitches(window) == [60, 64, 67]
    key(qtbot, window, "Ctrl+Y")
    assert pitches(window) == [72, 76, 79]
    key(qtbot, window, "Ctrl+Z")
    key(qtbot, window, "Ctrl+Shift+Z")
    assert pitches(window) == [72, 76, 79]
    assert window.isWindowModified() and window.status.file.text().endswith("(modified)")


def test_edit_keys_delete_duplicate_and_quantize(qtbot: QtBot, window: MainWindow) -> None:
    score = small_score()
    lead = score.tracks[0]
    load(window, score.with_track(lead.with_notes([*lead.notes[:2], lead.notes[2]._replace(start=2 * PPQ + 50)])))
    key(qtbot, window, "Ctrl+A")
    key(qtbot, window, "Q")
    assert [n.start for n in window.controller.score.tracks[0].notes] == [0, PPQ, 2 * PPQ]
    key(qtbot, window, "Ctrl+D")
    assert len(window.controller.score.tracks[0].notes) == 6
    key(qtbot, window, "Del")
    assert len(window.controller.score.tracks[0].notes) == 3
    assert window.controller.undo_stack.count() == 3
    assert not window.actions["delete"].isEnabled()  # nothing selected any more


def test_copy_and_paste_where_the_user_clicked(qtbot: QtBot, window: MainWindow) -> None:
    load(window, small_score())
    window.resize(1400, 900)
    key(qtbot, window, "2")  # the select tool: a click in an empty place only sets where Paste goes
    key(qtbot, window, "Ctrl+A")
    key(qtbot, window, "Ctrl+C")
    assert window.actions["paste"].isEnabled()
    canvas = window.editor.canvas
    t = canvas.transform
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(t.tick_to_x(4 * PPQ + 30)), 5))
    key(qtbot, window, "Ctrl+V")
    starts = [n.start for n in window.controller.score.tracks[0].notes]
    assert starts == [0, PPQ, 2 * PPQ, 4 * PPQ, 5 * PPQ, 6 * PPQ]
    assert len(window.state.selection) == 3  # the pasted notes
    window.actions["nudge_right"].trigger()  # Edit > Move Right (the canvas's Right key)
    window.actions["transpose_down"].trigger()
    lead = window.controller.score.tracks[0]
    assert [(n.start, n.pitch) for n in lead.notes if n.id in window.state.selection] == [
        (4 * PPQ + 120, 59), (5 * PPQ + 120, 63), (6 * PPQ + 120, 66)]
    assert window.controller.undo_stack.count() == 3


def test_tool_and_snap_follow_keys_menus_and_state(qtbot: QtBot, window: MainWindow) -> None:
    key(qtbot, window, "3")
    assert window.state.tool is Tool.ERASE and window.actions["tool_erase"].isChecked()
    assert window.status.tool.text() == "Erase tool"
    window.actions["snap_1/8T"].trigger()
    assert window.state.grid == Grid(8, triplet=True) and window.status.grid.text() == "Snap 1/8T"
    window.state.set_tool(Tool.SELECT)  # changed elsewhere (the canvas): the menu follows
    assert window.actions["tool_select"].isChecked() and not window.actions["tool_erase"].isChecked()


def test_space_plays_and_pauses(qtbot: QtBot, window: MainWindow) -> None:
    load(window, small_score())
    qtbot.waitUntil(lambda: window.transport.state is TransportState.STOPPED, timeout=5000)
    key(qtbot, window, "Space")
    assert window.transport.state is TransportState.PLAYING and window.actions["play"].isChecked()
    key(qtbot, window, "Space")
    assert window.transport.state is TransportState.PAUSED and not window.actions["play"].isChecked()
    assert window.controller.undo_stack.count() == 0


def test_zoom_keys_move_the_roll(qtbot: QtBot, window: MainWindow) -> None:
    load(window, small_score())
    before = window.editor.viewport.transform.px_per_tick
    key(qtbot, window, "+")
    assert window.editor.viewport.transform.px_per_tick > before
    key(qtbot, window, "-")
    key(qtbot, window, "-")
    assert window.editor.viewport.transform.px_per_tick < before


# --- dialogs and panels --------------------------------------------------------------------


def test_meter_dialog_from_the_song_menu_is_one_history_step(qtbot: QtBot, window: MainWindow) -> None:
    load(window, small_score())
    window.actions["meter"].trigger()
    dialog = window.findChild(MeterDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.tempo.add_button, Qt.MouseButton.LeftButton)
    dialog.tempo.table.item(1, 1).setText("90")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert len(window.controller.score.tempo_map) == 2
    assert window.history.labels() == ["Opened", "Edit tempo and meter"]
    view = window.history.view
    first = view.visualRect(view.model().index(0, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)  # back to "Opened"
    assert len(window.controller.score.tempo_map) == 1 and not window.isWindowModified()


def test_f1_lists_every_action_and_its_keys(qtbot: QtBot, window: MainWindow) -> None:
    key(qtbot, window, "F1")
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    rows = {(command, keys) for _menu, command, keys in dialog.rows()}
    expected = {(s.plain_text, shortcut_text(s)) for s in ACTIONS if not s.submenu}
    assert rows == expected
    qtbot.keyClicks(dialog.filter, "undo")
    assert [r[1] for r in dialog.rows(visible_only=True)] == ["Undo"]


def test_status_bar_counts_and_pointer(qtbot: QtBot, window: MainWindow) -> None:
    load(window, small_score())
    assert window.status.counts.text() == "1 bars · 2 tracks · 4 notes"
    canvas = window.editor.canvas
    qtbot.mouseMove(canvas, QPoint(5, canvas.height() // 2))
    assert window.status.pointer.text().startswith("Bar 1.1.")


def test_double_click_in_overview_opens_the_bar(qtbot: QtBot, window: MainWindow) -> None:
    load(window, small_score())
    window.resize(1400, 900)
    bass = window.controller.score.tracks[1]
    cell = window.overview.cell_rect(1, 0).center().toPoint()
    qtbot.mouseDClick(window.overview.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert window.state.active_track == bass.id
    assert window.editor.viewport.transform.left_tick == 0


# --- files through the window --------------------------------------------------------------


def test_open_action_loads_and_titles_the_window(qtbot: QtBot, window: MainWindow) -> None:
    assert window.windowTitle() == "Untitled[*] — Composer Studio"
    prompts(window).paths.append(POP909_FILES[0])
    window.actions["open"].trigger()
    assert window.status.busy.isVisible() and window.status.busy_label.text() == f"Opening {POP909_FILES[0].name}…"
    qtbot.waitUntil(lambda: not window.file_ops.busy, timeout=20_000)
    assert not window.status.busy.isVisible()
    expected, _ = read_midi(POP909_FILES[0])
    assert [t.name for t in window.controller.score.tracks] == [t.name for t in expected.tracks]
    assert window.windowTitle() == f"{POP909_FILES[0].name}[*] — Composer Studio"
    assert window.status.counts.text().endswith(f"{expected.note_count:,} notes")
    window.refresh_recent_menu()
    entries = [a for a in window.menus["File/Open Recent"].actions() if a.text().startswith("&")]
    assert len(entries) == 1 and POP909_FILES[0].name in entries[0].text()


def test_project_remembers_the_zoom(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    load(window, small_score())
    key(qtbot, window, "+")
    zoom = window.editor.viewport.transform
    prompts(window).paths.append(tmp_path / "z.csproj.json")
    key(qtbot, window, "Ctrl+S")
    assert (tmp_path / "z.csproj.json").is_file() and window.windowTitle().startswith("z.csproj.json")
    key(qtbot, window, "-")
    open_and_wait(qtbot, window, tmp_path / "z.csproj.json")
    assert window.editor.viewport.transform.px_per_tick == pytest.approx(zoom.px_per_tick)


def _drop(window: MainWindow, path: Path) -> tuple[bool, bool]:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(200, 200), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    drop = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_drop_a_midi_file_opens_it_after_the_prompt(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    load(window, small_score())
    key(qtbot, window, "Ctrl+A")
    key(qtbot, window, "Ctrl+Up")  # modified: a drop must ask first
    before = window.controller.score
    prompts(window).choice = SaveChoice.CANCEL
    assert _drop(window, POP909_FILES[1]) == (True, True)
    qtbot.waitUntil(lambda: len(prompts(window).asked_save) == 1)
    assert window.controller.score is before and not window.file_ops.busy
    prompts(window).choice = SaveChoice.DISCARD
    _drop(window, POP909_FILES[1])
    qtbot.waitUntil(lambda: window.file_ops.source == POP909_FILES[1], timeout=20_000)
    assert window.controller.score.note_count == read_midi(POP909_FILES[1])[0].note_count
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    assert _drop(window, text) == (False, False)


def test_close_asks_about_unsaved_changes(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    load(window, small_score())
    key(qtbot, window, "Ctrl+A")
    key(qtbot, window, "Del")
    prompts(window).choice = SaveChoice.CANCEL
    assert not window.close()
    assert window.isVisible() and prompts(window).asked_save == ["Untitled"]
    prompts(window).choice = SaveChoice.DISCARD
    assert window.close()
    assert not window.isVisible()
    assert Settings.at_path(tmp_path / "settings.ini").window_geometry is not None  # layout saved on close


def test_layout_grid_and_panels_are_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings.at_path(tmp_path / "settings.ini")
    first = _show(qtbot, MainWindow(settings, FakePrompts()))
    first.actions["show_history"].trigger()
    first.actions["snap_1/32"].trigger()
    first.resize(700, 500)  # within the offscreen screen, which restoreGeometry clamps to
    assert not first.history_dock.isVisible()
    assert first.close()
    second = MainWindow(Settings.at_path(tmp_path / "settings.ini"), FakePrompts())
    second.restore_settings()  # before show, as the app does
    _show(qtbot, second)
    assert second.state.grid == Grid(32) and second.actions["snap_1/32"].isChecked()
    assert not second.history_dock.isVisible() and not second.actions["show_history"].isChecked()
    assert second.tracks_dock.isVisible()
    assert (second.width(), second.height()) == (700, 500)


# --- start-up ------------------------------------------------------------------------------


def test_start_opens_the_demo_or_the_given_file(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings.at_path(tmp_path / "settings.ini")
    _app, window = start(["composer-studio"], settings, FakePrompts())
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.controller.score.note_count > 0, timeout=20_000)
    assert window.file_ops.source == demo_path() and settings.first_start_done
    assert settings.recent_files == []  # the demo is not a recent file
    _app, other = start(["composer-studio", str(POP909_FILES[2])], settings, FakePrompts())
    qtbot.addWidget(other)
    qtbot.waitUntil(lambda: other.file_ops.source == POP909_FILES[2], timeout=20_000)
    assert other.controller.score.note_count == read_midi(POP909_FILES[2])[0].note_count


def test_start_up_imports_no_torch_no_music21_no_pyqtgraph() -> None:
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'; import ui.app, ui.mainwindow; "
        "print(sorted(m for m in ('torch', 'music21', 'pyqtgraph') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_real_prompts_show_qt_dialogs(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """QtPrompts, which the app uses, with the modal calls intercepted."""
    parent = QWidget()
    qtbot.addWidget(parent)
    real = QtPrompts(parent)
    shown: list[tuple[str, ...]] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, title, text: shown.append((title, text)))
    real.error("Cannot open file", "x.mid: not a MIDI file")
    assert shown == [("Cannot open file", "x.mid: not a MIDI file")]
    for button, choice in ((QMessageBox.StandardButton.Save, SaveChoice.SAVE),
                           (QMessageBox.StandardButton.Discard, SaveChoice.DISCARD),
                           (QMessageBox.StandardButton.Cancel, SaveChoice.CANCEL)):
        monkeypatch.setattr(QMessageBox, "exec", lambda _box, b=button: b.value)
        assert real.ask_save_changes("song.mid") is choice
    reports: list[list[str]] = []
    monkeypatch.setattr(ImportReportDialog, "exec", lambda dialog: reports.append(dialog.lines()) or 0)
    real.import_report("002.mid", ["1 x overlapping same-pitch notes: shortened"])
    assert reports == [["1 x overlapping same-pitch notes: shortened"]]
