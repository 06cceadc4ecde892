"""The open document: the current score, a revision counter and change notifications.

Views never own state: they read ``document.score`` and listen to ``changed``.
The Qt layer re-emits :attr:`Document.changed` as a Qt signal; undo is a generic
QUndoCommand that applies an edit and later its inverse through this class.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from composer.edits import ChangeSet, Edit
from composer.score import Score

T = TypeVar("T")


class Signal(Generic[T]):
    """A minimal synchronous observer list (no Qt in the domain layer)."""

    def __init__(self) -> None:
        self._slots: list[Callable[[T], None]] = []

    def connect(self, slot: Callable[[T], None]) -> None:
        self._slots.append(slot)

    def disconnect(self, slot: Callable[[T], None]) -> None:
        self._slots.remove(slot)

    def emit(self, value: T) -> None:
        for slot in list(self._slots):
            slot(value)


class Document:
    """Owns the score of one open piece; every change goes through :meth:`apply`.

    ``revision`` grows by one with every applied edit (undo included), so a worker
    holding a snapshot can tell whether its result is stale.
    """

    def __init__(self, score: Score | None = None) -> None:
        self._score = score if score is not None else Score()
        self._revision = 0
        self.changed: Signal[ChangeSet] = Signal()

    @property
    def score(self) -> Score:
        return self._score

    @property
    def revision(self) -> int:
        return self._revision

    def apply(self, edit: Edit) -> ChangeSet:
        """Apply ``edit``; raises EditError (and changes nothing) if it does not fit."""
        score, changes = edit.apply(self._score)
        self._score = score
        self._revision += 1
        self.changed.emit(changes)
        return changes

    def reset(self, score: Score) -> None:
        """Replace the whole score (a file was opened); not an undoable edit."""
        self._score = score
        self._revision += 1
        self.changed.emit(ChangeSet(everything=True))
