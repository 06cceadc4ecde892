"""Playback in the main window, driven by keys and mouse: transport, playhead, audition, export, preferences.

Each window plays through FluidSynth's real-time file driver into a WAV in the test's folder
(set through the settings, as a user would choose an output), so no sound card is needed or used.
"""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, Qt
from PySide6.QtGui import QColor, QKeySequence, QPaintEvent
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from composer.region import Region
from composer.score import Note, Score, Track
from composer.synth import TAIL_SECONDS, default_soundfont
from composer.timing import PPQ
from tests.test_file_ops import FakePrompts
from tests.window_helpers import show_active
from ui.dialogs.preferences_dialog import DEFAULT_DRIVER, PreferencesDialog
from ui.editor_state import Tool
from ui.file_ops import QtPrompts, SaveChoice
from ui.mainwindow import MainWindow
from ui.pianoroll import palette
from ui.pianoroll.editor import paged_to_playhead
from ui.pianoroll.transform import RollTransform
from ui.playback.transport import TransportState
from ui.settings import AudioOutput, Settings

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
BAR = 4 * PPQ
PIANO_PROGRAM = 4  # an electric piano: auditions must use the active track's instrument
SONG_BARS = 16  # at 120 BPM: 32 s, longer than any test plays
TICKS_PER_SECOND = 2 * PPQ  # 120 BPM


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


def song(bars: int = SONG_BARS) -> Score:
    """Quarter notes on every beat, a C major scale going round, on an electric piano."""
    notes = [Note.create(60 + (i % 8), i * PPQ, PPQ // 2, 90) for i in range(bars * 4)]
    return Score(tracks=(Track.create("Keys", notes, program=PIANO_PROGRAM),))


def make_window(qtbot: QtBot, tmp_path: Path, driver: str = "file") -> MainWindow:
    settings = Settings.at_path(tmp_path / "settings.ini")
    device = str(tmp_path / "heard.wav") if driver == "file" else None
    settings.audio_output = AudioOutput(driver=driver, device=device)
    window = MainWindow(settings, FakePrompts())
    show_active(qtbot, window)
    return window


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    w = make_window(qtbot, tmp_path)
    qtbot.waitUntil(lambda: w.transport.state is TransportState.STOPPED, timeout=5000)
    score = song()
    w.controller.load(score)
    w.state.set_active_track(score.tracks[0].id)
    yield w
    prompts(w).choice = SaveChoice.DISCARD


def prompts(window: MainWindow) -> FakePrompts:
    assert isinstance(window.file_ops.prompts, FakePrompts)
    return window.file_ops.prompts


def key(qtbot: QtBot, window: MainWindow, sequence: str) -> None:
    """Press a key combination with the piano roll focused, as a user would."""
    combo = QKeySequence(sequence)[0]
    window.editor.canvas.setFocus()
    qtbot.keyClick(window.editor.canvas, combo.key(), combo.keyboardModifiers())


def ruler_x(window: MainWindow, tick: int) -> int:
    return round(window.editor.viewport.transform.tick_to_x(tick))


def click_ruler(qtbot: QtBot, window: MainWindow, tick: int) -> None:
    qtbot.mouseClick(window.editor.ruler, LEFT, NONE, QPoint(ruler_x(window, tick), 10))


def drag_ruler(qtbot: QtBot, window: MainWindow, start: int, end: int) -> None:
    ruler = window.editor.ruler
    qtbot.mousePress(ruler, LEFT, NONE, QPoint(ruler_x(window, start), 10))
    for fraction in (0.25, 0.5, 1.0):
        qtbot.mouseMove(ruler, QPoint(ruler_x(window, round(start + (end - start) * fraction)), 10))
    qtbot.mouseRelease(ruler, LEFT, NONE, QPoint(ruler_x(window, end), 10))


def record_positions(window: MainWindow) -> list[int]:
    seen: list[int] = []
    window.transport.position_changed.connect(seen.append)
    return seen


# --- transport ------------------------------------------------------------------------------


def test_space_plays_and_pauses_and_the_playhead_moves(qtbot: QtBot, window: MainWindow) -> None:
    editor, transport = window.editor, window.transport
    key(qtbot, window, "Space")
    assert transport.state is TransportState.PLAYING and window.actions["play"].isChecked()
    qtbot.waitUntil(lambda: transport.position > 3 * PPQ, timeout=5000)  # into beat 4
    assert editor.ruler.playhead == transport.position == editor.canvas.playhead
    assert window.transport_controls.position_label.text() in {"1.4", "2.1"}
    key(qtbot, window, "Space")
    assert transport.state is TransportState.PAUSED and not window.actions["play"].isChecked()
    paused_at = transport.position
    qtbot.wait(200)
    assert transport.position == paused_at and editor.ruler.playhead == paused_at
    key(qtbot, window, "Space")  # resumes where it paused
    qtbot.waitUntil(lambda: transport.position > paused_at + PPQ // 2, timeout=5000)
    key(qtbot, window, "Space")


def test_stop_returns_to_the_start_then_to_the_beginning(qtbot: QtBot, window: MainWindow) -> None:
    transport = window.transport
    click_ruler(qtbot, window, BAR)  # bar 2: where playing starts
    assert transport.position == BAR and window.editor.ruler.playhead == BAR
    assert window.transport_controls.position_label.text() == "2.1"
    key(qtbot, window, "Space")
    qtbot.waitUntil(lambda: transport.position > BAR + PPQ, timeout=5000)
    key(qtbot, window, "Ctrl+Space")
    assert transport.state is TransportState.STOPPED and transport.position == BAR
    assert window.editor.canvas.playhead == BAR and not window.actions["play"].isChecked()
    key(qtbot, window, "Ctrl+Space")  # stopped already: back to the beginning
    assert transport.position == 0 and window.transport_controls.position_label.text() == "1.1"


def test_a_ruler_click_while_playing_plays_from_there(qtbot: QtBot, window: MainWindow) -> None:
    transport = window.transport
    key(qtbot, window, "Space")
    qtbot.waitUntil(lambda: transport.position > PPQ, timeout=5000)
    click_ruler(qtbot, window, 3 * BAR)
    assert transport.state is TransportState.PLAYING
    qtbot.waitUntil(lambda: transport.position > 3 * BAR + PPQ // 4, timeout=5000)
    assert transport.position < 3 * BAR + 2 * PPQ  # it jumped there, it did not run there
    key(qtbot, window, "Ctrl+Space")
    assert transport.position == 3 * BAR


def test_loop_toggle_with_a_ruler_loop_keeps_the_playhead_inside(qtbot: QtBot, window: MainWindow) -> None:
    transport, loop = window.transport, window.actions["loop"]
    drag_ruler(qtbot, window, 2 * PPQ, 4 * PPQ)  # one second, looped
    assert window.state.loop == (2 * PPQ, 4 * PPQ)
    assert loop.isChecked() and transport.loop_enabled
    key(qtbot, window, "L")
    assert not loop.isChecked() and not transport.loop_enabled
    key(qtbot, window, "L")
    assert loop.isChecked() and transport.loop_enabled
    seen = record_positions(window)
    key(qtbot, window, "Space")
    qtbot.wait(1600)
    assert transport.state is TransportState.PLAYING
    assert seen and all(2 * PPQ <= p < 4 * PPQ + PPQ // 4 for p in seen)
    assert any(b < a for a, b in zip(seen, seen[1:], strict=False))  # it wrapped round
    key(qtbot, window, "L")  # loop off while playing: it plays on past the range
    qtbot.waitUntil(lambda: transport.position > 4 * PPQ + PPQ // 2, timeout=5000)
    key(qtbot, window, "Ctrl+Space")


def test_play_region_loops_the_overview_selection(qtbot: QtBot, window: MainWindow) -> None:
    assert not window.actions["play_region"].isEnabled()
    track = window.controller.score.tracks[0]
    window.state.set_region(Region((track.id,), 2, 3))  # bar 3, as a drag in the overview sets it
    assert window.actions["play_region"].isEnabled()
    window.actions["loop"].setChecked(False)
    seen = record_positions(window)
    key(qtbot, window, "Shift+Space")
    assert window.state.loop == (2 * BAR, 3 * BAR) and window.actions["loop"].isChecked()
    assert window.transport.state is TransportState.PLAYING
    qtbot.wait(700)
    assert seen and all(2 * BAR <= p < 3 * BAR + PPQ // 4 for p in seen)
    key(qtbot, window, "Space")


def test_metronome_and_count_in_are_transport_options(qtbot: QtBot, window: MainWindow) -> None:
    transport = window.transport
    window.actions["metronome"].trigger()
    window.actions["count_in"].trigger()
    assert transport.metronome and transport.count_in_bars == 1
    seen = record_positions(window)
    key(qtbot, window, "Space")
    qtbot.wait(500)  # one 4/4 bar of count-in at 120 BPM lasts 2 s: the playhead waits at the start
    assert transport.state is TransportState.PLAYING and set(seen) <= {0}
    key(qtbot, window, "Ctrl+Space")
    window.actions["metronome"].trigger()
    window.actions["count_in"].trigger()
    assert not transport.metronome and transport.count_in_bars == 0


# --- the playhead on the canvas -------------------------------------------------------------


def _playhead_columns(window: MainWindow, x: int) -> list[int]:
    """Columns near ``x`` whose pixels down the canvas are all the playhead colour."""
    image = window.editor.canvas.grab().toImage()
    colour = palette.PLAYHEAD_PEN.color().rgb()
    rows = range(5, image.height() - 5, max(image.height() // 12, 1))
    return [c for c in range(x - 2, x + 3) if all(QColor(image.pixel(c, y)).rgb() == colour for y in rows)]


class PaintRecorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.regions: list[list[tuple[int, int]]] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if isinstance(event, QPaintEvent):
            self.regions.append([(r.x(), r.width()) for r in event.region()])
        return False


def test_canvas_paints_the_playhead_and_repaints_only_its_strips(qtbot: QtBot, window: MainWindow) -> None:
    canvas, t = window.editor.canvas, window.editor.viewport.transform
    click_ruler(qtbot, window, 2 * BAR)
    x = round(t.tick_to_x(2 * BAR))
    assert _playhead_columns(window, x)  # a full-height line in the playhead colour at the tick
    assert not _playhead_columns(window, round(t.tick_to_x(BAR)))
    recorder = PaintRecorder()
    canvas.installEventFilter(recorder)
    qtbot.wait(50)  # nothing pending
    recorder.regions.clear()
    canvas.set_playhead(2 * BAR + PPQ)
    qtbot.waitUntil(lambda: bool(recorder.regions))
    widths = [w for region in recorder.regions for _x, w in region]
    assert sum(widths) <= 2 * 7 < canvas.width()  # two thin strips, not the whole canvas
    assert _playhead_columns(window, round(t.tick_to_x(2 * BAR + PPQ)))
    assert not _playhead_columns(window, x)


def test_the_view_pages_after_the_playhead(qtbot: QtBot, window: MainWindow) -> None:
    canvas, viewport = window.editor.canvas, window.editor.viewport
    width = canvas.width()
    viewport.set_transform(RollTransform(px_per_tick=width / (2 * PPQ * 2), key_height=12, top=500))  # 2 s across
    end = int(viewport.transform.x_to_tick(width))
    click_ruler(qtbot, window, end - PPQ // 2)  # a quarter second before the right edge
    key(qtbot, window, "Space")
    qtbot.waitUntil(lambda: viewport.transform.left_tick > 0, timeout=5000)
    t = viewport.transform
    assert 0 <= t.tick_to_x(window.transport.position) < width * 0.2  # the new page starts at the playhead
    key(qtbot, window, "Ctrl+Space")


def test_page_turn_rules() -> None:
    t = RollTransform(px_per_tick=0.1)  # 1000 px show ticks 0..10000
    assert paged_to_playhead(t, 1000, 9900, 9950) is None  # still in view
    paged = paged_to_playhead(t, 1000, 9950, 10_050)
    assert paged is not None and 0 < paged.tick_to_x(10_050) < 100
    back = paged_to_playhead(paged, 1000, 10_500, 2000)  # a loop wrapped round: page back to it
    assert back is not None and 0 <= back.tick_to_x(2000) < 100
    assert paged_to_playhead(t, 1000, 20_000, 20_100) is None  # the user scrolled away: leave the view


# --- audition -------------------------------------------------------------------------------


def test_keyboard_drawing_and_moving_audition_with_the_tracks_instrument(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    heard: list[tuple[int, int, bool]] = []
    player = window.transport.player
    assert player is not None
    monkeypatch.setattr(player, "audition", lambda pitch, _vel, program, drum: heard.append((pitch, program, drum)))
    editor = window.editor
    t = editor.viewport.transform
    editor.viewport.set_transform(t.scrolled_to(top=t.pitch_to_y(80) + t.top, view_height=editor.canvas.height()))
    t = editor.viewport.transform

    def row(pitch: int) -> int:
        return round(t.pitch_to_y(pitch) + t.key_height / 2)

    qtbot.mousePress(editor.keyboard, LEFT, NONE, QPoint(40, row(72)))
    qtbot.mouseRelease(editor.keyboard, LEFT, NONE, QPoint(40, row(72)))
    assert heard == [(72, PIANO_PROGRAM, False)]
    window.state.set_tool(Tool.DRAW)
    free = round(t.tick_to_x(BAR + PPQ // 4))  # beside the notes, in an empty place
    qtbot.mouseClick(editor.canvas, LEFT, NONE, QPoint(free, row(75)))  # draw a note
    assert heard[-1] == (75, PIANO_PROGRAM, False)
    drawn = next(n for n in window.controller.score.tracks[0].notes if n.pitch == 75)
    grab = QPoint(round(t.tick_to_x(drawn.start + drawn.duration // 2)), row(75))
    qtbot.mousePress(editor.canvas, LEFT, NONE, grab)  # start moving it: heard at once
    assert heard[-1] == (75, PIANO_PROGRAM, False)
    for pitch in (76, 77):
        qtbot.mouseMove(editor.canvas, QPoint(grab.x() + 1, row(pitch)))
    qtbot.mouseRelease(editor.canvas, LEFT, NONE, QPoint(grab.x() + 1, row(77)))
    assert [h[0] for h in heard] == [72, 75, 75, 76, 77]


# --- export audio ---------------------------------------------------------------------------


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def test_export_audio_writes_the_song_or_the_loop(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    short = song(bars=2)  # 4 s
    window.controller.load(short)
    ask = prompts(window)
    ask.paths.append(tmp_path / "song")  # the .wav is added
    with qtbot.waitSignal(window.audio_export.finished, timeout=30_000) as done:
        key(qtbot, window, "Ctrl+Shift+E")
    assert done.args == [tmp_path / "song.wav"]
    expected = short.tempo_map.tick_to_seconds(short.end_tick) + TAIL_SECONDS
    assert _wav_seconds(tmp_path / "song.wav") == pytest.approx(expected, abs=0.01)
    assert ask.asked_choices == []  # no loop: nothing to ask
    window.state.set_loop((BAR, BAR + 3 * PPQ))  # 1.5 s
    ask.choices.append(1)
    ask.paths.append(tmp_path / "loop.wav")
    with qtbot.waitSignal(window.audio_export.finished, timeout=30_000):
        window.actions["export_audio"].trigger()
    assert ask.asked_choices[0][1] == ["Whole Song", "Loop Range (2.1.0 to 2.4.0)"]
    assert _wav_seconds(tmp_path / "loop.wav") == pytest.approx(1.5 + TAIL_SECONDS, abs=0.01)
    assert window.statusBar().currentMessage().startswith("Exported loop.wav")


def test_a_cancelled_export_leaves_no_file(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.controller.load(song(bars=300))  # ten minutes: seconds to render
    target = tmp_path / "long.wav"
    prompts(window).paths.append(target)
    window.actions["export_audio"].trigger()
    qtbot.waitUntil(lambda: window.audio_export.dialog is not None and window.audio_export.dialog.isVisible(),
                    timeout=10_000)
    dialog = window.audio_export.dialog
    cancel = dialog.findChild(QPushButton)
    with qtbot.waitSignal(window.audio_export.finished, timeout=10_000) as done:
        qtbot.mouseClick(cancel, LEFT)
    assert done.args == [None] and not target.exists()
    assert list(tmp_path.glob("*.wav.*")) == []  # no temporary file left either
    assert window.statusBar().currentMessage() == "Audio export cancelled"


def test_an_export_that_cannot_be_written_says_why(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    window.controller.load(song(bars=1))
    prompts(window).paths.append(tmp_path / "no-such-folder" / "x.wav")
    with qtbot.waitSignal(window.audio_export.finished, timeout=30_000):
        window.actions["export_audio"].trigger()
    (title, text), = prompts(window).errors
    assert title == "Cannot export audio" and "no-such-folder" in text


# --- no audio, preferences ------------------------------------------------------------------


def test_unavailable_audio_says_why_and_editing_goes_on(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot, tmp_path, driver="no-such-driver")
    qtbot.waitUntil(lambda: window.transport.state is TransportState.UNAVAILABLE, timeout=5000)
    message = window.statusBar().currentMessage()
    assert message.startswith("Playback is unavailable: no audio output") and "no-such-driver" in message
    score = song(bars=1)
    window.controller.load(score)
    window.state.set_active_track(score.tracks[0].id)
    key(qtbot, window, "Space")
    assert window.transport.state is TransportState.UNAVAILABLE and not window.actions["play"].isChecked()
    assert "no-such-driver" in window.actions["play"].toolTip()
    key(qtbot, window, "Ctrl+A")
    key(qtbot, window, "Ctrl+Up")  # editing still works
    assert [n.pitch for n in window.controller.score.tracks[0].notes][:2] == [72, 73]
    prompts(window).choice = SaveChoice.DISCARD


def test_preferences_store_the_output_and_reopen_the_transport(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    key(qtbot, window, "Ctrl+,")
    dialog = window.findChild(PreferencesDialog)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.soundfont.text() == "" and default_soundfont().name in dialog.soundfont.placeholderText()
    assert dialog.driver.currentText() == "file"
    copy = tmp_path / "my font.sf2"
    shutil.copyfile(default_soundfont(), copy)
    prompts(window).paths.append(copy)
    qtbot.mouseClick(dialog.browse_button, LEFT)
    assert dialog.soundfont.text() == str(copy) and dialog.ok_button.isEnabled()
    dialog.soundfont.setText(str(tmp_path / "missing.sf2"))
    assert not dialog.ok_button.isEnabled() and dialog.problem.text() == "No such file"
    dialog.soundfont.setText(str(copy))
    dialog.device.clear()
    qtbot.keyClicks(dialog.device, str(tmp_path / "second.wav"))
    opened: list[TransportState] = []
    window.transport.state_changed.connect(opened.append)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert window.settings.audio_output == AudioOutput(copy, "file", str(tmp_path / "second.wav"))
    qtbot.waitUntil(lambda: window.transport.state is TransportState.STOPPED, timeout=5000)
    assert opened[0] is TransportState.OPENING  # it was opened again, with the new output
    qtbot.waitUntil((tmp_path / "second.wav").exists, timeout=5000)
    with qtbot.waitActive(window):  # the dialog is gone: the window takes the keys again
        window.activateWindow()
    key(qtbot, window, "Space")
    assert window.transport.state is TransportState.PLAYING
    key(qtbot, window, "Space")


def test_preferences_default_driver_is_none(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = PreferencesDialog(AudioOutput(driver="alsa", device="hw:1"), lambda *_: None, parent)
    assert dialog.output() == AudioOutput(None, "alsa", "hw:1")
    dialog.driver.setCurrentText(DEFAULT_DRIVER)
    dialog.device.clear()
    assert dialog.output() == AudioOutput()
    dialog.soundfont.setText("notes.txt")
    assert not dialog.ok_button.isEnabled()


def test_real_prompts_choose_with_a_message_box(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    real = QtPrompts(parent)
    for index, text in enumerate(("Whole", "Loop")):
        monkeypatch.setattr(QMessageBox, "exec", lambda box, t=text: next(b for b in box.buttons() if b.text() == t)
                            .click())
        assert real.choose("Export Audio", "Which?", ["Whole", "Loop"]) == index
    monkeypatch.setattr(QMessageBox, "exec", lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    assert real.choose("Export Audio", "Which?", ["Whole", "Loop"]) is None
