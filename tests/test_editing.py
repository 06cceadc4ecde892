"""NoteEditing: the selection commands behind menus and shortcuts, each one undo step.

Copy and paste go through the real system clipboard (Qt's, offscreen), so a copy in
one editor pastes in another, and foreign clipboard content is ignored.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from composer.clipboard import MIME_TYPE
from composer.grid import Grid
from composer.score import Note, Score, Track
from composer.timing import PPQ
from ui.document_controller import DocumentController
from ui.editing import NoteEditing
from ui.editor_state import EditorState


class Setup:
    def __init__(self) -> None:
        self.a = Note.create(60, 10, PPQ - 20, 80)  # slightly off the grid
        self.b = Note.create(64, PPQ + 50, PPQ, 90)
        self.c = Note.create(67, 4 * PPQ, PPQ, 100)
        self.piano = Track.create("Piano", [self.a, self.b, self.c])
        self.bass = Track.create("Bass", [Note.create(40, 0, 4 * PPQ)])
        self.controller = DocumentController()
        self.controller.load(Score(tracks=(self.piano, self.bass)))
        self.original = self.controller.score
        self.state = EditorState()
        self.state.set_active_track(self.piano.id)
        self.editing = NoteEditing(self.controller, self.state)

    def notes(self, track_id: int | None = None) -> tuple[Note, ...]:
        return self.controller.score.track(track_id or self.piano.id).notes

    def note(self, note: Note) -> Note | None:
        return self.controller.score.track(self.piano.id).note(note.id)

    def check_undo_redo(self, label: str, steps: int = 1) -> None:
        stack = self.controller.undo_stack
        assert stack.count() == steps and stack.undoText() == label
        after = self.controller.score
        stack.undo()
        if steps == 1:
            assert self.controller.score == self.original
        stack.redo()
        assert self.controller.score == after


@pytest.fixture
def s(qtbot: QtBot) -> Setup:
    QGuiApplication.clipboard().clear()
    return Setup()


def test_select_all(s: Setup) -> None:
    assert s.editing.select_all()
    assert s.state.selection == {s.a.id, s.b.id, s.c.id}
    s.state.set_active_track(None)
    assert not s.editing.select_all()


def test_delete(s: Setup) -> None:
    s.state.set_selection({s.a.id, s.c.id})
    assert s.editing.delete()
    assert s.notes() == (s.b,)
    assert s.state.selection == frozenset()
    s.check_undo_redo("Delete notes")


def test_nothing_selected_does_nothing(s: Setup) -> None:
    for command in (
        s.editing.delete,
        s.editing.copy,
        s.editing.cut,
        s.editing.duplicate,
        s.editing.quantize,
        lambda: s.editing.transpose(3),
        lambda: s.editing.nudge(1),
        lambda: s.editing.set_velocity(5),
        s.editing.paste,  # the clipboard is empty
    ):
        assert command() is False
    assert s.controller.undo_stack.count() == 0


def test_copy_then_paste_through_the_system_clipboard(s: Setup) -> None:
    s.state.set_selection({s.a.id, s.b.id})
    assert s.editing.copy()
    assert QGuiApplication.clipboard().mimeData().hasFormat(MIME_TYPE)
    assert s.controller.undo_stack.count() == 0  # copying changes nothing
    assert s.editing.paste(at=8 * PPQ)
    pasted = [n for n in s.notes() if n.start >= 8 * PPQ]
    # The clip starts at the grid cell of its first note (tick 0), so offsets keep: 10 and PPQ + 50.
    assert [(n.start, n.pitch, n.duration, n.velocity) for n in pasted] == [
        (8 * PPQ + 10, 60, PPQ - 20, 80),
        (9 * PPQ + 50, 64, PPQ, 90),
    ]
    assert {n.id for n in pasted}.isdisjoint({s.a.id, s.b.id})
    assert s.state.selection == {n.id for n in pasted}
    s.check_undo_redo("Paste")


def test_paste_position_and_other_track(s: Setup) -> None:
    s.state.set_selection({s.c.id})
    s.editing.copy()
    s.state.set_active_track(s.bass.id)
    s.editing.paste_position = 2 * PPQ
    assert s.editing.paste()
    assert [(n.start, n.pitch) for n in s.notes(s.bass.id)] == [(0, 40), (2 * PPQ, 67)]
    s.check_undo_redo("Paste")


def test_a_copy_reaches_a_second_editor(s: Setup) -> None:
    s.state.set_selection({s.b.id})
    s.editing.copy()
    other = Setup()
    assert other.editing.paste(at=0)
    pasted = [n for n in other.notes() if n.id not in {other.a.id, other.b.id, other.c.id}]
    assert [(n.start, n.pitch) for n in pasted] == [(50, 64)]  # offset from its grid cell (PPQ) kept


def test_foreign_or_broken_clipboard_is_ignored(s: Setup) -> None:
    QGuiApplication.clipboard().setText("just some text")
    assert not s.editing.paste()
    data = QMimeData()
    data.setData(MIME_TYPE, json.dumps([[0, 0, 999, 5]]).encode())  # zero length, pitch 999
    QGuiApplication.clipboard().setMimeData(data)
    assert not s.editing.paste()
    data = QMimeData()
    data.setData(MIME_TYPE, b"\xff not json")
    QGuiApplication.clipboard().setMimeData(data)
    assert not s.editing.paste()
    assert s.controller.undo_stack.count() == 0


def test_cut(s: Setup) -> None:
    s.state.set_selection({s.b.id})
    assert s.editing.cut()
    assert s.notes() == (s.a, s.c)
    assert s.state.selection == frozenset()
    s.check_undo_redo("Cut")
    assert s.editing.paste(at=0)
    assert (50, 64) in [(n.start, n.pitch) for n in s.notes()]  # its offset in its grid cell kept


def test_duplicate_places_copy_after_selection_rounded_to_grid(s: Setup) -> None:
    s.state.set_selection({s.a.id, s.b.id})  # spans 10 .. 2*PPQ + 50: 2*PPQ + 40 ticks
    assert s.editing.duplicate()
    step = 2 * PPQ + 120  # rounded up to the 1/16 grid (120 ticks)
    copies = sorted(n for n in s.notes() if n.id not in {s.a.id, s.b.id, s.c.id})
    assert [(n.start, n.pitch) for n in copies] == [(10 + step, 60), (PPQ + 50 + step, 64)]
    assert s.state.selection == {n.id for n in copies}
    s.check_undo_redo("Duplicate")


@pytest.mark.parametrize("semitones", [1, -1, 12, -12])
def test_transpose(s: Setup, semitones: int) -> None:
    s.state.set_selection({s.a.id, s.c.id})
    assert s.editing.transpose(semitones)
    assert s.note(s.a).pitch == 60 + semitones and s.note(s.c).pitch == 67 + semitones
    assert s.note(s.b) == s.b
    s.check_undo_redo("Transpose")


def test_transpose_is_clamped_as_a_group(s: Setup) -> None:
    s.state.set_selection({s.a.id, s.c.id})
    assert s.editing.transpose(100)  # 67 + 60 = 127: the chord keeps its shape
    assert (s.note(s.a).pitch, s.note(s.c).pitch) == (120, 127)


def test_nudge_by_grid_cells(s: Setup) -> None:
    s.state.set_grid(Grid(8))
    s.state.set_selection({s.b.id, s.c.id})
    assert s.editing.nudge(2)
    assert (s.note(s.b).start, s.note(s.c).start) == (PPQ + 50 + 480, 4 * PPQ + 480)
    s.check_undo_redo("Move notes")
    assert s.editing.nudge(-10)  # clamped at tick 0 for the earliest selected note
    assert s.note(s.b).start == 0


def test_quantize_onsets_and_ends(s: Setup) -> None:
    s.state.set_selection({s.a.id, s.b.id})
    assert s.editing.quantize()
    assert (s.note(s.a).start, s.note(s.b).start) == (0, PPQ + 0)  # 50 rounds to 0 on a 120 grid
    assert s.note(s.a).duration == PPQ - 20  # length kept
    s.check_undo_redo("Quantize")
    s.controller.undo_stack.undo()
    assert s.editing.quantize(strength=0.5, ends=True)
    assert s.note(s.b).start == PPQ + 25
    assert (s.note(s.a).start, s.note(s.a).end) == (5, 475)  # both ends pulled halfway to the grid
    s.state.set_grid(Grid.off())
    assert not s.editing.quantize()


def test_set_velocity_clamps(s: Setup) -> None:
    s.state.set_selection({s.a.id, s.b.id})
    assert s.editing.set_velocity(200)
    assert (s.note(s.a).velocity, s.note(s.b).velocity, s.note(s.c).velocity) == (127, 127, 100)
    s.check_undo_redo("Set velocity")


def test_selected_notes_ignore_stale_ids(s: Setup) -> None:
    s.state.set_selection({s.a.id, 123456789})
    assert s.editing.selected_notes() == [s.a]
    assert s.editing.delete()
    assert s.note(s.a) is None
