"""The Qt side of the open document: undo stack, file path, saved state, Qt signals.

Every change goes through :meth:`DocumentController.push`, which applies the
edit to the :class:`~composer.document.Document` first (so an edit that does not
fit raises before anything is recorded) and then records it on the QUndoStack
as one :class:`EditCommand`. Undo applies the edit's inverse: one generic
command for every kind of edit (see ARCHITECTURE.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from composer.document import Document
from composer.edits import ChangeSet, Edit
from composer.score import Score


class EditCommand(QUndoCommand):
    """One undo step: redo applies ``edit``, undo applies its inverse."""

    def __init__(self, controller: DocumentController, edit: Edit) -> None:
        super().__init__(edit.label)
        self._controller = controller
        self.edit = edit
        self._applied = True  # push() applied it already; QUndoStack calls redo() once on push

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self._controller._apply(self.edit)

    def undo(self) -> None:
        self._controller._apply(self.edit.inverse())


class DocumentController(QObject):
    """Owns the Document and its QUndoStack for one open project."""

    changed = Signal(object)  # ChangeSet of every applied edit, undo and redo included
    score_replaced = Signal()  # a new score was loaded: views reset entirely
    path_changed = Signal(object)  # Path | None
    modified_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = Document()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.document.changed.connect(self.changed.emit)
        self._path: Path | None = None
        self.app_state: dict[str, Any] = {}

    @property
    def score(self) -> Score:
        return self.document.score

    @property
    def revision(self) -> int:
        return self.document.revision

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def push(self, edit: Edit) -> ChangeSet:
        """Apply ``edit`` as one undo step; raises EditError (recording nothing) if it does not fit."""
        changes = self.document.apply(edit)
        self.undo_stack.push(EditCommand(self, edit))
        return changes

    def _clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _apply(self, edit: Edit) -> None:
        self.document.apply(edit)

    def load(self, score: Score, path: Path | None = None, app_state: dict[str, Any] | None = None) -> None:
        """Show a new score (File > New or Open): clears undo history, marks it saved."""
        self.undo_stack.clear()
        self.app_state = dict(app_state or {})
        self.document.reset(score)
        self.set_path(path)
        self.undo_stack.setClean()
        self.score_replaced.emit()

    def set_path(self, path: Path | None) -> None:
        self._path = path
        self.path_changed.emit(path)

    def mark_saved(self, path: Path) -> None:
        self.set_path(path)
        self.undo_stack.setClean()
