"""Undo and redo through QUndoStack apply each edit and its inverse; bad edits record nothing."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.errors import EditError
from composer.score import Note, Score, Track
from ui.document_controller import DocumentController


def _controller() -> tuple[DocumentController, Score]:
    track = Track.create("Piano", [Note.create(60, 0, 480), Note.create(64, 480, 480)])
    score = Score(tracks=(track,))
    controller = DocumentController()
    controller.load(score)
    return controller, score


def test_push_undo_redo(qtbot: QtBot) -> None:
    controller, original = _controller()
    track = original.tracks[0]
    seen: list[ed.ChangeSet] = []
    controller.changed.connect(seen.append)
    with qtbot.waitSignal(controller.modified_changed):
        controller.push(ed.transpose(original, {track.id: [track.notes[0].id]}, 5))
    after = controller.score
    assert after.tracks[0].notes[0].pitch == 65 and controller.is_modified
    assert controller.undo_stack.undoText() == "Transpose"
    controller.undo_stack.undo()
    assert controller.score == original and not controller.is_modified
    controller.undo_stack.redo()
    assert controller.score == after
    assert len(seen) == 3 and controller.revision == 4  # load, push, undo, redo


def test_bad_edit_records_nothing(qtbot: QtBot) -> None:
    controller, original = _controller()
    with pytest.raises(EditError):
        controller.push(ed.add_notes(original.tracks[0].id, [Note.create(60, 0, 0)]))
    assert controller.undo_stack.count() == 0 and controller.score == original


def test_load_clears_history_and_marks_saved(qtbot: QtBot, tmp_path) -> None:  # noqa: ANN001
    controller, original = _controller()
    controller.push(ed.set_title(original, "x"))
    with qtbot.waitSignal(controller.score_replaced):
        controller.load(Score(), tmp_path / "a.csproj.json")
    assert controller.undo_stack.count() == 0 and not controller.is_modified
    assert controller.path == tmp_path / "a.csproj.json"
    controller.push(ed.set_title(controller.score, "y"))
    controller.mark_saved(tmp_path / "b.csproj.json")
    assert not controller.is_modified
