"""Copy, paste and duplicate of notes, as plain values the editor keeps on a clipboard.

A clip stores notes relative to its own start, so it pastes anywhere, into any
track; pasted notes get fresh ids so they never collide with the originals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from composer.edits import ReplaceNotes
from composer.score import Note, new_id

MIME_TYPE = "application/x-composer-studio-notes"


@dataclass(frozen=True)
class NoteClip:
    """Notes with onsets relative to ``origin`` (0 = the clip's start)."""

    notes: tuple[Note, ...]
    span: int  # ticks from the clip's start to its last note's end

    @classmethod
    def of(cls, notes: Iterable[Note], origin: int | None = None) -> NoteClip:
        """A clip of ``notes``; ``origin`` (default: the first onset) becomes offset 0."""
        items = sorted(notes)
        if not items:
            return cls((), 0)
        start = items[0].start if origin is None else min(origin, items[0].start)
        moved = tuple(n._replace(start=n.start - start) for n in items)
        return cls(moved, max(n.end for n in moved))

    def __bool__(self) -> bool:
        return bool(self.notes)

    def placed(self, at: int) -> tuple[Note, ...]:
        """The clip's notes starting at tick ``at``, each with a fresh id."""
        return tuple(n._replace(start=n.start + at, id=new_id()) for n in self.notes)

    def to_json(self) -> list[list[int]]:
        return [[n.start, n.duration, n.pitch, n.velocity] for n in self.notes]

    @classmethod
    def from_json(cls, rows: list[list[int]]) -> NoteClip:
        """Rebuild a clip from another window's clipboard; invalid rows raise ValueError."""
        notes = []
        for row in rows:
            start, duration, pitch, velocity = (int(v) for v in row)
            if start < 0 or duration < 1 or not 0 <= pitch <= 127 or not 1 <= velocity <= 127:
                raise ValueError(f"invalid note {row}")
            notes.append(Note(start, pitch, duration, velocity, 0))
        return cls.of(notes, 0)


def paste(clip: NoteClip, track_id: int, at: int, label: str = "Paste") -> ReplaceNotes:
    """An edit adding the clip's notes to a track from tick ``at``."""
    return ReplaceNotes(track_id, (), clip.placed(at), label)


def duplicate(notes: Iterable[Note], track_id: int, step: int) -> ReplaceNotes:
    """An edit adding a copy of ``notes`` ``step`` ticks later (the caller picks the step:
    the selection's length rounded up to the grid or to whole bars)."""
    items = tuple(notes)
    copies = tuple(n._replace(start=n.start + step, id=new_id()) for n in items)
    return ReplaceNotes(track_id, (), copies, "Duplicate")
