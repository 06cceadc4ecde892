"""The track list panel, driven with real mouse and key events: every change is one undo step."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.score import DRUM_CHANNEL, TRACK_COLOURS, Note, Score, Track
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.tracks import ROW_HEIGHT, TrackListPanel, TrackRow, free_channel, new_track
from ui.tracks.track_list import pan_text

LEFT = Qt.MouseButton.LeftButton
Env = tuple[DocumentController, EditorState, TrackListPanel]


def _score() -> Score:
    piano = Track.create("Piano", [Note.create(60, 0, 480), Note.create(64, 480, 480)], channel=0)
    bass = Track.create("Bass", program=33, channel=1, colour=TRACK_COLOURS[1])
    drums = Track.create("Kit", [Note.create(36, 0, 120)], is_drum=True, channel=DRUM_CHANNEL, colour=TRACK_COLOURS[2])
    return Score(tracks=(piano, bass, drums))


@pytest.fixture
def env(qtbot: QtBot) -> Env:
    controller = DocumentController()
    controller.load(_score())
    state = EditorState()
    panel = TrackListPanel(controller, state)
    qtbot.addWidget(panel)
    panel.resize(380, 420)
    with qtbot.waitExposed(panel):
        panel.show()
    return controller, state, panel


def _names(controller: DocumentController) -> list[str]:
    return [t.name for t in controller.score.tracks]


def _undo_redo_check(controller: DocumentController, before: Score, label: str) -> None:
    """The last step has ``label``; undo gives ``before`` back exactly and redo the result again."""
    after = controller.score
    assert controller.undo_stack.undoText() == label
    controller.undo_stack.undo()
    assert controller.score == before
    controller.undo_stack.redo()
    assert controller.score == after


def _row_background(row: TrackRow) -> QPoint:
    """A point on the row itself (the right margin), not on one of its controls."""
    return QPoint(row.width() - 3, ROW_HEIGHT // 2)


# --- pure helpers ------------------------------------------------------------------------------


def test_free_channel_skips_drums_and_used_channels() -> None:
    score = _score()
    assert free_channel(score) == 2
    assert free_channel(score, score.tracks[1].id) == 1  # its own channel counts as free
    crowded = Score(tracks=tuple(Track.create(channel=c) for c in range(16)))
    assert free_channel(crowded) != DRUM_CHANNEL


def test_new_track_defaults() -> None:
    score = _score()
    track = new_track(score)
    assert (track.name, track.program, track.is_drum, track.channel) == ("Track 4", 0, False, 2)
    assert track.colour == TRACK_COLOURS[3]  # the first colour no track uses
    assert pan_text(64) == "C" and pan_text(60) == "L4" and pan_text(127) == "R63"


# --- rows and the active track -------------------------------------------------------------------


def test_rows_show_tracks_and_clicks_set_active(env: Env, qtbot: QtBot) -> None:
    controller, state, panel = env
    rows = panel.rows()
    assert [r.name.label.text() for r in rows] == ["Piano", "Bass", "Kit"]
    assert [r.instrument.full_text() for r in rows] == ["Acoustic Grand Piano", "Electric Bass (finger)", "Drums"]
    assert state.active_track == controller.score.tracks[0].id  # the panel picks one when none is set
    qtbot.mouseClick(rows[2].name.label, LEFT)
    assert state.active_track == controller.score.tracks[2].id
    assert [r.is_active for r in rows] == [False, False, True]
    qtbot.mouseClick(rows[1].mute, LEFT)  # a press on a control activates its row too
    assert state.active_track == controller.score.tracks[1].id
    assert [r.is_active for r in rows] == [False, True, False]


def test_property_change_refreshes_only_its_row(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    controller, _state, panel = env
    shown: list[int] = []
    original = TrackRow.show_track
    monkeypatch.setattr(TrackRow, "show_track", lambda self, t: (shown.append(t.id), original(self, t)))
    bass = controller.score.tracks[1]
    controller.push(ed.set_track_properties(controller.score, bass.id, name="Low end"))
    assert shown == [bass.id]
    assert panel.row(bass.id).name.label.text() == "Low end"


# --- add, remove, move ---------------------------------------------------------------------------


def test_add_track_after_active_with_undo(env: Env, qtbot: QtBot) -> None:
    controller, state, panel = env
    before = controller.score
    old_rows = panel.rows()
    qtbot.mouseClick(panel.add_button, LEFT)
    assert _names(controller) == ["Piano", "Track 4", "Bass", "Kit"]
    added = controller.score.tracks[1]
    assert added.channel not in {0, 1, DRUM_CHANNEL} and not added.is_drum and added.program == 0
    assert state.active_track == added.id and panel.row(added.id).is_active
    assert all(r in panel.rows() for r in old_rows)  # existing rows are kept, not rebuilt
    assert controller.undo_stack.count() == 1
    _undo_redo_check(controller, before, "Add track")
    assert [r.track_id for r in panel.rows()] == [t.id for t in controller.score.tracks]


def test_remove_track_confirms_when_it_has_notes(env: Env, qtbot: QtBot) -> None:
    controller, state, panel = env
    asked: list[str] = []
    panel.confirm = lambda _parent, _title, text: asked.append(text) or False
    before = controller.score
    qtbot.mouseClick(panel.remove_button, LEFT)  # Piano has notes: asked, refused
    assert len(asked) == 1 and "2 notes" in asked[0] and controller.score == before
    panel.confirm = lambda *_: True
    qtbot.mouseClick(panel.remove_button, LEFT)
    assert _names(controller) == ["Bass", "Kit"] and len(panel.rows()) == 2
    assert state.active_track == controller.score.tracks[0].id  # the neighbour becomes active
    _undo_redo_check(controller, before, "Remove track")
    controller.undo_stack.undo()
    assert len(panel.rows()) == 3


def test_empty_track_is_removed_without_asking(env: Env, qtbot: QtBot) -> None:
    controller, state, panel = env
    panel.confirm = lambda *_: pytest.fail("an empty track needs no confirmation")
    qtbot.mouseClick(panel.row(controller.score.tracks[1].id).name.label, LEFT)
    qtbot.mouseClick(panel.remove_button, LEFT)
    assert _names(controller) == ["Piano", "Kit"]
    assert state.active_track == controller.score.tracks[1].id


def test_move_up_and_down(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    before = controller.score
    qtbot.mouseClick(panel.rows()[1].name.label, LEFT)
    qtbot.mouseClick(panel.up_button, LEFT)
    assert _names(controller) == ["Bass", "Piano", "Kit"]
    assert [r.name.label.text() for r in panel.rows()] == ["Bass", "Piano", "Kit"]
    assert not panel.up_button.isEnabled()
    _undo_redo_check(controller, before, "Move track up")
    qtbot.mouseClick(panel.down_button, LEFT)
    qtbot.mouseClick(panel.down_button, LEFT)
    assert _names(controller) == ["Piano", "Kit", "Bass"] and not panel.down_button.isEnabled()
    assert controller.undo_stack.count() == 3


@pytest.mark.parametrize(
    ("source", "target_y", "expected"), [(0, 2.8, ["Bass", "Kit", "Piano"]), (2, 0.2, ["Kit", "Piano", "Bass"])]
)
def test_drag_row_reorders(env: Env, qtbot: QtBot, source: int, target_y: float, expected: list[str]) -> None:
    controller, _state, panel = env
    before = controller.score
    row = panel.rows()[source]
    start = _row_background(row)
    qtbot.mousePress(row, LEFT, pos=start)
    for step in range(1, 6):  # in row coordinates: the row grabs the mouse while the button is down
        y = start.y() + (target_y * ROW_HEIGHT - (source * ROW_HEIGHT + start.y())) * step / 5
        qtbot.mouseMove(row, QPoint(start.x(), round(y)))
    qtbot.mouseRelease(row, LEFT, pos=QPoint(start.x(), round(y)))
    assert _names(controller) == expected
    assert controller.undo_stack.count() == 1
    _undo_redo_check(controller, before, "Move track")


def test_short_drag_does_not_move(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    row = panel.rows()[0]
    start = _row_background(row)
    qtbot.mousePress(row, LEFT, pos=start)
    qtbot.mouseMove(row, start + QPoint(0, 8))
    qtbot.mouseRelease(row, LEFT, pos=start + QPoint(0, 8))
    assert controller.undo_stack.count() == 0


# --- rename --------------------------------------------------------------------------------------


def test_rename_inline_enter_commits(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    before = controller.score
    row = panel.rows()[1]
    qtbot.mouseDClick(row.name.label, LEFT)
    assert row.name.is_editing and row.name.editor.isVisible()
    assert row.name.editor.selectedText() == "Bass"
    qtbot.keyClicks(row.name.editor, "Synth bass")
    qtbot.keyClick(row.name.editor, Qt.Key.Key_Return)
    assert not row.name.is_editing and row.name.label.text() == "Synth bass"
    assert controller.score.tracks[1].name == "Synth bass" and controller.undo_stack.count() == 1
    _undo_redo_check(controller, before, "Rename track")
    controller.undo_stack.undo()
    assert row.name.label.text() == "Bass"


def test_rename_escape_cancels(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    row = panel.rows()[0]
    qtbot.mouseClick(row.name.label, LEFT)
    qtbot.keyClick(row, Qt.Key.Key_F2)  # F2 renames the active track too
    assert row.name.is_editing
    qtbot.keyClicks(row.name.editor, "Nope")
    qtbot.keyClick(row.name.editor, Qt.Key.Key_Escape)
    assert not row.name.is_editing and row.name.label.text() == "Piano"
    assert controller.undo_stack.count() == 0


# --- instrument ----------------------------------------------------------------------------------


def _pick_by_click(panel: TrackListPanel, qtbot: QtBot, text: str) -> None:
    """Filter the open picker by ``text`` and click the first item shown."""
    picker = panel.instrument_picker
    assert picker is not None and picker.isVisible()
    qtbot.keyClicks(picker.search, text)
    item = next(i for i in picker.choice_items() if not i.isHidden() and text.lower() in i.text(0).lower())
    rect = picker.tree.visualItemRect(item)
    assert rect.isValid(), "the matching item is shown"
    qtbot.mouseClick(picker.tree.viewport(), LEFT, pos=rect.center())


def test_instrument_picker_by_keyboard(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    before = controller.score
    row = panel.rows()[0]
    qtbot.mouseClick(row.instrument, LEFT)
    picker = panel.instrument_picker
    assert picker is not None and picker.isVisible()
    assert len(picker.choice_items()) == 129  # 128 programs and Drums
    qtbot.keyClicks(picker.search, "cello")
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    assert not picker.isVisible()
    assert controller.score.tracks[0].program == 42 and row.instrument.full_text() == "Cello"
    assert controller.undo_stack.count() == 1
    _undo_redo_check(controller, before, "Set instrument: Cello")


def test_instrument_picker_arrow_keys(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    qtbot.mouseClick(panel.rows()[0].instrument, LEFT)
    picker = panel.instrument_picker
    assert picker is not None
    qtbot.keyClicks(picker.search, "bass")
    assert picker.tree.currentItem().text(0).strip() == "33  Acoustic Bass"  # Enter would take the first match
    qtbot.keyClick(picker.search, Qt.Key.Key_Down)  # into the list
    qtbot.keyClick(picker.tree, Qt.Key.Key_Down)
    qtbot.keyClick(picker.tree, Qt.Key.Key_Return)
    assert controller.score.tracks[0].program == 33 and controller.undo_stack.count() == 1  # Electric Bass (finger)


def test_drums_go_to_channel_ten_and_back(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    before = controller.score
    row = panel.rows()[0]
    qtbot.mouseClick(row.instrument, LEFT)
    _pick_by_click(panel, qtbot, "Drums")
    piano = controller.score.tracks[0]
    assert piano.is_drum and piano.channel == DRUM_CHANNEL and row.instrument.full_text() == "Drums"
    qtbot.mouseClick(row.instrument, LEFT)
    _pick_by_click(panel, qtbot, "Violin")
    piano = controller.score.tracks[0]
    assert not piano.is_drum and piano.program == 40
    assert piano.channel not in {DRUM_CHANNEL, 1}  # off the drum channel, not the bass's channel
    assert controller.undo_stack.count() == 2
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert controller.score == before


def test_choosing_the_current_instrument_is_no_edit(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    qtbot.mouseClick(panel.rows()[1].instrument, LEFT)
    _pick_by_click(panel, qtbot, "Electric Bass (finger)")
    assert controller.undo_stack.count() == 0


# --- colour, mute, solo --------------------------------------------------------------------------


def test_colour_swatch(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    before = controller.score
    row = panel.rows()[1]
    panel.choose_colour = lambda _current, _parent: None  # cancelled
    qtbot.mouseClick(row.swatch, LEFT)
    assert controller.undo_stack.count() == 0
    panel.choose_colour = lambda current, _parent: QColor("#123456") if current.name() == TRACK_COLOURS[1] else None
    qtbot.mouseClick(row.swatch, LEFT)
    assert controller.score.tracks[1].colour == "#123456" and row.swatch.colour().name() == "#123456"
    _undo_redo_check(controller, before, "Set track colour")


@pytest.mark.parametrize(("button", "prop", "label"), [("mute", "mute", "Mute track"), ("solo", "solo", "Solo track")])
def test_mute_and_solo_one_step_each(env: Env, qtbot: QtBot, button: str, prop: str, label: str) -> None:
    controller, _state, panel = env
    before = controller.score
    row = panel.rows()[1]
    qtbot.mouseClick(getattr(row, button), LEFT)
    assert getattr(controller.score.tracks[1], prop) is True and getattr(row, button).isChecked()
    assert controller.undo_stack.count() == 1
    _undo_redo_check(controller, before, label)
    controller.undo_stack.undo()
    assert not getattr(row, button).isChecked()  # the button follows undo
    controller.undo_stack.redo()
    qtbot.mouseClick(getattr(row, button), LEFT)
    assert getattr(controller.score.tracks[1], prop) is False and controller.undo_stack.count() == 2


# --- volume and pan ------------------------------------------------------------------------------


def _handle_centre(slider: QSlider) -> QPoint:
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider
    )
    return rect.center()


@pytest.mark.parametrize(("prop", "start_value", "shown"), [("volume", 100, str), ("pan", 64, pan_text)])
def test_slider_drag_is_one_step(
    env: Env, qtbot: QtBot, prop: str, start_value: int, shown: Callable[[int], str]
) -> None:
    controller, _state, panel = env
    before = controller.score
    control = getattr(panel.rows()[1], prop)
    slider = control.slider
    start = _handle_centre(slider)
    qtbot.mousePress(slider, LEFT, pos=start)
    for dx in range(-3, -40, -3):  # many pixels, many values
        qtbot.mouseMove(slider, start + QPoint(dx, 0))
        assert control.value_label.text() == shown(slider.value())  # the value shows while dragging
    assert slider.value() < start_value - 5
    assert getattr(controller.score.tracks[1], prop) == start_value and controller.undo_stack.count() == 0
    qtbot.mouseRelease(slider, LEFT, pos=start + QPoint(-39, 0))
    assert getattr(controller.score.tracks[1], prop) == slider.value()
    assert controller.undo_stack.count() == 1
    _undo_redo_check(controller, before, f"Set {prop}")
    controller.undo_stack.undo()
    assert slider.value() == start_value and control.value_label.text() == shown(start_value)


def test_slider_keys_settle_into_one_step(env: Env, qtbot: QtBot) -> None:
    controller, _state, panel = env
    slider = panel.rows()[0].volume.slider
    qtbot.mouseClick(slider, LEFT, pos=_handle_centre(slider))  # focus without moving
    for _ in range(5):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert controller.undo_stack.count() == 0
    qtbot.waitUntil(lambda: controller.undo_stack.count() == 1, timeout=2000)
    assert controller.score.tracks[0].volume == 105
    qtbot.wait(500)
    assert controller.undo_stack.count() == 1


# --- whole-score changes -------------------------------------------------------------------------


def test_new_score_reuses_rows_for_its_tracks(env: Env, qtbot: QtBot) -> None:
    controller, state, panel = env
    fresh = Score(tracks=(Track.create("Solo"), Track.create("Duet", mute=True)))
    controller.load(fresh)
    rows = panel.rows()
    assert [r.name.label.text() for r in rows] == ["Solo", "Duet"] and rows[1].mute.isChecked()
    assert state.active_track == fresh.tracks[0].id
    qtbot.mouseClick(rows[1].mute, LEFT)  # a reused row acts on its new track
    assert controller.score.tracks[1].mute is False and state.active_track == fresh.tracks[1].id
    qtbot.mouseDClick(rows[0].name.label, LEFT)
    controller.load(_score())  # a file opened while renaming: the editor closes, nothing is renamed
    assert not panel.rows()[0].name.is_editing and _names(controller) == ["Piano", "Bass", "Kit"]


def test_many_tracks(qtbot: QtBot) -> None:
    controller = DocumentController()
    controller.load(Score(tracks=tuple(Track.create(f"T{i}", channel=i % 9) for i in range(64))))
    state = EditorState()
    panel = TrackListPanel(controller, state)
    qtbot.addWidget(panel)
    panel.resize(380, 600)
    with qtbot.waitExposed(panel):
        panel.show()
    assert len(panel.rows()) == 64
    state.set_active_track(controller.score.tracks[-1].id)
    qtbot.mouseClick(panel.add_button, LEFT)
    assert len(panel.rows()) == 65 and panel.rows()[-1].name.label.text() == "Track 65"
    bar = panel.vertical_scroll_bar()
    assert bar.value() == bar.maximum() > 0  # scrolled to the new row at the end
    state.set_active_track(controller.score.tracks[0].id)  # picked elsewhere, e.g. in the overview
    assert bar.value() == 0
