"""Piano-roll tools driven by real mouse events on a shown NoteCanvas of known size and transform.

Every drag must push exactly one labelled undo step on release (undo restores the
score, redo re-applies it), Escape must cancel with no edit, and a click without a
drag must only select.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from composer.grid import Grid
from composer.score import Note, Score, Track
from composer.timing import PPQ
from ui.document_controller import DocumentController
from ui.editor_state import EditorState, Tool
from ui.pianoroll.canvas import NoteCanvas
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.viewport import RollViewport

# 0.1 px per tick: a quarter note is 48 px, a 1/16 cell 12 px. Rows are 10 px; pitch 72 is the top row.
PX_PER_TICK = 0.1
KEY = 10
TOP_PITCH = 72
LEFT = Qt.MouseButton.LeftButton
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier
Mods = Qt.KeyboardModifier


def at(tick: float, pitch: int) -> QPoint:
    """The canvas pixel at ``tick`` in the middle of ``pitch``'s row."""
    return QPoint(round(tick * PX_PER_TICK), (TOP_PITCH - pitch) * KEY + KEY // 2)


class Roll:
    """A shown canvas on a one-track score, plus helpers to read the result."""

    def __init__(self, qtbot: QtBot, notes: list[Note], tool: Tool) -> None:
        self.notes = notes
        self.track = Track.create("Piano", notes)
        self.controller = DocumentController()
        self.controller.load(Score(tracks=(self.track,)))
        self.original = self.controller.score
        self.state = EditorState()
        self.state.set_active_track(self.track.id)
        self.state.set_tool(tool)
        top = (127 - TOP_PITCH) * KEY
        self.viewport = RollViewport(RollTransform(px_per_tick=PX_PER_TICK, key_height=KEY, top=top))
        self.canvas = NoteCanvas(self.controller, self.state, self.viewport)
        self.canvas.resize(800, 400)
        qtbot.addWidget(self.canvas)
        self.canvas.show()
        qtbot.waitExposed(self.canvas)
        self.qtbot = qtbot

    @property
    def score_notes(self) -> tuple[Note, ...]:
        return self.controller.score.track(self.track.id).notes

    def note(self, note_id: int) -> Note | None:
        return self.controller.score.track(self.track.id).note(note_id)

    def drag(self, start: QPoint, end: QPoint, press_mods: Mods = NONE, release_mods: Mods = NONE) -> None:
        """Press, move in a few steps (real move events), release."""
        self.qtbot.mousePress(self.canvas, LEFT, press_mods, start)
        for i in range(1, 5):
            self.qtbot.mouseMove(self.canvas, start + (end - start) * (i / 4))
        self.qtbot.mouseRelease(self.canvas, LEFT, release_mods, end)

    def move_with(self, pos: QPoint, mods: Qt.KeyboardModifier) -> None:
        """A move event with modifiers held (QTest's mouseMove always sends none)."""
        global_pos = QPointF(self.canvas.mapToGlobal(pos))
        event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), global_pos, Qt.MouseButton.NoButton, LEFT, mods)
        QApplication.sendEvent(self.canvas, event)

    def assert_one_step(self, label: str) -> Score:
        """Exactly one undo step with ``label``; undo restores the original, redo re-applies."""
        stack = self.controller.undo_stack
        assert stack.count() == 1
        assert stack.undoText() == label
        after = self.controller.score
        stack.undo()
        assert self.controller.score == self.original
        stack.redo()
        assert self.controller.score == after
        return after


def _notes() -> list[Note]:
    return [
        Note.create(60, 0, PPQ, 80),  # bar 1, beat 1, C4
        Note.create(64, PPQ, PPQ, 90),  # beat 2, E4
        Note.create(67, 2 * PPQ, PPQ, 100),  # beat 3, G4
    ]


@pytest.fixture
def notes() -> list[Note]:
    return _notes()


# --- draw ----------------------------------------------------------------------------------


def test_draw_click_adds_note_at_grid_cell(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.DRAW)
    roll.state.new_note_length = 240
    roll.state.new_note_velocity = 70
    with qtbot.waitSignal(roll.canvas.note_auditioned) as blocker:
        qtbot.mouseClick(roll.canvas, LEFT, NONE, at(4 * PPQ + 130, 62))  # inside the 2nd 1/16 of beat 5
    assert blocker.args == [62, 70]
    added = [n for n in roll.score_notes if n.id not in {m.id for m in notes}]
    assert [(n.start, n.pitch, n.duration, n.velocity) for n in added] == [(4 * PPQ + 120, 62, 240, 70)]
    assert roll.state.selection == {added[0].id}
    after = roll.assert_one_step("Add note")
    assert len(after.tracks[0].notes) == 4


def test_draw_drag_sets_length_with_snap_and_remembers_it(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.DRAW)
    roll.drag(at(4 * PPQ + 10, 55), at(5 * PPQ + 250, 55))  # end snaps to the nearest 1/16: 5*PPQ + 240
    new = [n for n in roll.score_notes if n.pitch == 55]
    assert [(n.start, n.duration) for n in new] == [(4 * PPQ, PPQ + 240)]
    roll.assert_one_step("Add note")
    assert roll.state.new_note_length == PPQ + 240
    qtbot.mouseClick(roll.canvas, LEFT, NONE, at(8 * PPQ + 5, 50))  # the next click uses the remembered length
    assert [n.duration for n in roll.score_notes if n.pitch == 50] == [PPQ + 240]


def test_draw_drag_with_shift_bypasses_snap(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.DRAW)
    roll.drag(at(4 * PPQ, 55), at(5 * PPQ + 250, 55), release_mods=SHIFT)
    (new,) = [n for n in roll.score_notes if n.pitch == 55]
    assert new.duration == 730  # 5*480+250 - 4*480, to the pixel (0.1 px per tick: 10 ticks)


def test_draw_click_on_note_selects_without_edit_and_drag_moves_it(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.DRAW)
    qtbot.mouseClick(roll.canvas, LEFT, NONE, at(PPQ + 100, 64))
    assert roll.state.selection == {notes[1].id}
    assert roll.controller.undo_stack.count() == 0 and roll.controller.score == roll.original
    roll.drag(at(PPQ + 100, 64), at(3 * PPQ + 100, 66))
    assert roll.note(notes[1].id)[:3] == (3 * PPQ, 66, PPQ)
    roll.assert_one_step("Move notes")


def test_right_click_with_draw_tool_erases(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.DRAW)
    qtbot.mouseClick(roll.canvas, Qt.MouseButton.RightButton, NONE, at(100, 60))
    assert roll.note(notes[0].id) is None
    roll.assert_one_step("Delete notes")


def test_draw_with_no_active_track_does_nothing(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.DRAW)
    roll.state.set_active_track(None)
    roll.drag(at(4 * PPQ, 55), at(6 * PPQ, 55))
    assert roll.controller.undo_stack.count() == 0


# --- select: clicks --------------------------------------------------------------------------


def test_click_shift_click_and_ctrl_click(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    a, b, c = (n.id for n in notes)
    qtbot.mouseClick(roll.canvas, LEFT, NONE, at(100, 60))
    assert roll.state.selection == {a}
    qtbot.mouseClick(roll.canvas, LEFT, SHIFT, at(PPQ + 100, 64))
    assert roll.state.selection == {a, b}
    qtbot.mouseClick(roll.canvas, LEFT, CTRL, at(2 * PPQ + 100, 67))
    assert roll.state.selection == {a, b, c}
    qtbot.mouseClick(roll.canvas, LEFT, CTRL, at(100, 60))  # Ctrl toggles off
    assert roll.state.selection == {b, c}
    qtbot.mouseClick(roll.canvas, LEFT, NONE, at(PPQ + 100, 64))  # plain click on a selected note: only it
    assert roll.state.selection == {b}
    qtbot.mouseClick(roll.canvas, LEFT, NONE, at(6 * PPQ, 40))  # empty space clears
    assert roll.state.selection == frozenset()
    assert roll.controller.undo_stack.count() == 0 and roll.controller.score == roll.original


# --- select: move and resize -----------------------------------------------------------------


def test_drag_moves_all_selected_with_snap_and_pitch(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    roll.state.set_selection({notes[0].id, notes[1].id})
    start, end = at(PPQ + 100, 64), at(PPQ + 100 + 2 * PPQ + 50, 66)  # +2 beats (+50 ticks: snapped away), +2
    qtbot.mousePress(roll.canvas, LEFT, NONE, start)
    qtbot.mouseMove(roll.canvas, end)
    preview = roll.canvas.gesture.preview
    assert {n.id for n in preview.notes} == preview.hidden == {notes[0].id, notes[1].id}
    assert roll.controller.score == roll.original  # only a preview while dragging
    qtbot.mouseRelease(roll.canvas, LEFT, NONE, end)
    assert roll.note(notes[0].id)[:2] == (2 * PPQ, 62)
    assert roll.note(notes[1].id)[:2] == (3 * PPQ, 66)
    assert roll.note(notes[2].id) == notes[2]
    roll.assert_one_step("Move notes")
    assert roll.canvas.gesture is None


def test_drag_that_snaps_back_to_the_start_pushes_nothing(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    roll.drag(at(100, 60), at(100 + 40, 60))  # 4 px: a drag, but 40 ticks snap back to tick 0
    assert roll.controller.undo_stack.count() == 0 and roll.controller.score == roll.original
    assert roll.state.selection == {notes[0].id}


def test_shift_during_drag_bypasses_snap(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    start, end = at(100, 60), at(100 + 730, 60)
    qtbot.mousePress(roll.canvas, LEFT, NONE, start)
    roll.move_with(end, SHIFT)
    assert roll.canvas.gesture.preview.notes[0].start == 730
    roll.move_with(end, NONE)  # Shift let go: snaps again (730 -> 720, the nearest 1/16)
    assert roll.canvas.gesture.preview.notes[0].start == 720
    qtbot.mouseRelease(roll.canvas, LEFT, SHIFT, end)
    assert roll.note(notes[0].id).start == 730
    roll.assert_one_step("Move notes")


def test_move_is_clamped_at_tick_zero_and_pitch_range(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    roll.drag(at(PPQ + 100, 64), at(0, 64))  # grabbed note to tick 0 ... but the group stays whole
    assert roll.note(notes[1].id).start == 0
    roll.state.set_selection({n.id for n in notes})
    roll.drag(at(100, 60), at(0, 64))  # every note already starts at >= 0; first is at 0: no time shift
    assert roll.note(notes[0].id)[:2] == (0, 64)


def test_drag_right_edge_resizes_all_selected(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    roll.state.set_selection({notes[0].id, notes[2].id})
    edge = QPoint(round(PPQ * PX_PER_TICK) - 2, at(0, 60).y())  # 2 px inside the end of note 0
    assert roll.canvas.on_right_edge(notes[0], edge.x())
    roll.drag(edge, edge + QPoint(round(250 * PX_PER_TICK), 0))  # +250 ticks: end snaps to +240
    assert roll.note(notes[0].id).duration == PPQ + 240
    assert roll.note(notes[2].id).duration == PPQ + 240
    assert roll.note(notes[1].id) == notes[1]
    roll.assert_one_step("Resize notes")
    assert roll.state.new_note_length == PPQ + 240


def test_resize_never_goes_below_one_grid_cell(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    edge = QPoint(round(PPQ * PX_PER_TICK) - 2, at(0, 60).y())
    roll.drag(edge, QPoint(0, edge.y()))
    assert roll.note(notes[0].id).duration == Grid(16).ticks


def test_press_release_on_note_without_movement_only_selects(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    roll.drag(at(100, 60), at(100, 60) + QPoint(1, 1))  # below the drag threshold
    assert roll.state.selection == {notes[0].id}
    assert roll.controller.undo_stack.count() == 0 and roll.controller.score == roll.original


def test_escape_cancels_a_drag_with_no_edit(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    qtbot.mousePress(roll.canvas, LEFT, NONE, at(100, 60))
    qtbot.mouseMove(roll.canvas, at(3 * PPQ, 50))
    assert roll.canvas.gesture.preview.notes
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Escape)
    assert roll.canvas.gesture is None
    qtbot.mouseMove(roll.canvas, at(4 * PPQ, 50))
    qtbot.mouseRelease(roll.canvas, LEFT, NONE, at(4 * PPQ, 50))
    assert roll.controller.undo_stack.count() == 0 and roll.controller.score == roll.original
    assert roll.state.selection == {notes[0].id}  # Escape during a drag keeps the selection


# --- rubber band ---------------------------------------------------------------------------


def test_rubber_band_selects_touched_notes_and_shift_adds(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    a, b, c = (n.id for n in notes)
    start, end = at(PPQ - 100, 58), at(PPQ + 10, 65)  # touches note a's tail and note b's head
    qtbot.mousePress(roll.canvas, LEFT, NONE, start)
    qtbot.mouseMove(roll.canvas, end)
    assert roll.canvas.gesture.preview.band is not None
    assert roll.state.selection == {a, b}  # live while dragging
    qtbot.mouseRelease(roll.canvas, LEFT, NONE, end)
    assert roll.state.selection == {a, b}
    roll.drag(at(2 * PPQ + 300, 70), at(2 * PPQ + 400, 66), press_mods=SHIFT)
    assert roll.state.selection == {a, b, c}
    roll.drag(at(2 * PPQ + 300, 70), at(2 * PPQ + 400, 66))  # without Shift it replaces
    assert roll.state.selection == {c}
    assert roll.controller.undo_stack.count() == 0


def test_rubber_band_escape_restores_selection(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    roll.state.set_selection({notes[2].id})
    qtbot.mousePress(roll.canvas, LEFT, NONE, at(PPQ - 100, 58))
    qtbot.mouseMove(roll.canvas, at(PPQ + 10, 65))
    assert roll.state.selection == {notes[0].id, notes[1].id}
    qtbot.keyClick(roll.canvas, Qt.Key.Key_Escape)
    assert roll.state.selection == {notes[2].id}
    assert roll.canvas.gesture is None


# --- erase ---------------------------------------------------------------------------------


def test_erase_drag_deletes_swept_notes_in_one_step(qtbot: QtBot) -> None:
    row = [Note.create(60, i * 240, 120) for i in range(6)] + [Note.create(62, 0, 480)]
    roll = Roll(qtbot, row, Tool.ERASE)
    roll.state.set_selection({row[1].id, row[-1].id})
    qtbot.mousePress(roll.canvas, LEFT, NONE, at(10, 60))
    qtbot.mouseMove(roll.canvas, at(3 * 240 + 10, 60))  # one fast move over 4 notes and 3 gaps
    assert roll.canvas.gesture.preview.hidden == {n.id for n in row[:4]}
    qtbot.mouseRelease(roll.canvas, LEFT, NONE, at(3 * 240 + 10, 60))
    assert [n.id for n in roll.score_notes] == [row[-1].id, row[4].id, row[5].id]
    assert roll.state.selection == {row[-1].id}
    roll.assert_one_step("Delete notes")


def test_erase_click_on_empty_space_pushes_nothing(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.ERASE)
    qtbot.mouseClick(roll.canvas, LEFT, NONE, at(6 * PPQ, 50))
    assert roll.controller.undo_stack.count() == 0


# --- cursor and audition -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "empty"),
    [(Tool.DRAW, Qt.CursorShape.CrossCursor), (Tool.SELECT, Qt.CursorShape.ArrowCursor)],
)
def test_cursor_follows_tool_and_hover(qtbot: QtBot, notes: list[Note], tool: Tool, empty: Qt.CursorShape) -> None:
    roll = Roll(qtbot, notes, tool)
    qtbot.mouseMove(roll.canvas, at(6 * PPQ, 50))
    assert roll.canvas.cursor().shape() == empty
    qtbot.mouseMove(roll.canvas, at(100, 60))
    assert roll.canvas.cursor().shape() == Qt.CursorShape.SizeAllCursor
    qtbot.mouseMove(roll.canvas, at(PPQ - 15, 60))  # 1.5 px from the end
    assert roll.canvas.cursor().shape() == Qt.CursorShape.SizeHorCursor


def test_clicking_a_note_auditions_its_pitch(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    with qtbot.waitSignal(roll.canvas.note_auditioned) as blocker:
        qtbot.mouseClick(roll.canvas, LEFT, NONE, at(2 * PPQ + 100, 67))
    assert blocker.args == [67, 100]


def test_dragging_a_note_up_auditions_each_new_pitch(qtbot: QtBot, notes: list[Note]) -> None:
    roll = Roll(qtbot, notes, Tool.SELECT)
    heard: list[tuple[int, int]] = []
    roll.canvas.note_auditioned.connect(lambda pitch, velocity: heard.append((pitch, velocity)))
    start = at(PPQ + 100, 64)
    qtbot.mousePress(roll.canvas, LEFT, NONE, start)
    for pitch in (64, 65, 66, 66, 67):  # sideways first (no new pitch), then three rows up
        qtbot.mouseMove(roll.canvas, QPoint(start.x() + 6, at(0, pitch).y()))
    qtbot.mouseRelease(roll.canvas, LEFT, NONE, QPoint(start.x() + 6, at(0, 67).y()))
    assert heard == [(64, 90), (65, 90), (66, 90), (67, 90)]  # the press, then each row once
    assert roll.note(notes[1].id).pitch == 67
