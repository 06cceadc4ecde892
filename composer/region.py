"""A region is a set of tracks x a range of bars: what every AI request is about.

A note belongs to a region when its onset lies inside the region's bars on one of
its tracks. Notes that start earlier and ring into the region are context, not
content: clearing a region never cuts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from composer.edits import Edit, ReplaceNotes, combine
from composer.errors import EditError
from composer.score import Note, Score, Track

NotesByTrack = Mapping[int, Iterable[Note]]


@dataclass(frozen=True)
class Region:
    """Tracks (by id) x bars [start_bar, end_bar), bars 0-based."""

    track_ids: tuple[int, ...]
    start_bar: int
    end_bar: int

    def __post_init__(self) -> None:
        if not self.track_ids:
            raise ValueError("a region needs at least one track")
        if not 0 <= self.start_bar < self.end_bar:
            raise ValueError(f"bad bar range {self.start_bar}..{self.end_bar}")

    @classmethod
    def whole_track(cls, score: Score, track_id: int) -> Region:
        return cls((track_id,), 0, score.bar_count)

    @property
    def bar_count(self) -> int:
        return self.end_bar - self.start_bar

    def ticks(self, score: Score) -> tuple[int, int]:
        """The region's ticks [start, end) under the score's time signatures."""
        sigs = score.time_signatures
        return sigs.bar_start(self.start_bar), sigs.bar_start(self.end_bar)

    def notes(self, score: Score, *, relative: bool = False) -> dict[int, tuple[Note, ...]]:
        """The notes in the region per track; ``relative`` shifts onsets so the region starts at 0."""
        start, end = self.ticks(score)
        out = {}
        for track_id in self.track_ids:
            notes = _track_of(score, track_id).starting_in(start, end)
            out[track_id] = tuple(n._replace(start=n.start - start) for n in notes) if relative else notes
        return out

    def cut(self, score: Score, label: str = "Clear region") -> tuple[Edit, dict[int, tuple[Note, ...]]]:
        """An edit removing the region's notes, and the notes it removes."""
        notes = self.notes(score)
        return combine((ReplaceNotes(t, ns, (), label) for t, ns in notes.items()), label), notes

    def put(
        self,
        score: Score,
        notes: NotesByTrack,
        label: str = "Replace region",
        *,
        relative: bool = False,
        clip: bool = True,
    ) -> Edit:
        """An edit replacing the region's contents by ``notes``, as one undo step.

        Tracks of the region absent from ``notes`` are cleared. Every new note
        must start inside the region; with ``clip`` a note is shortened so it ends
        by the region's end, keeping generated material from spilling over.
        """
        start, end = self.ticks(score)
        unknown = set(notes) - set(self.track_ids)
        if unknown:
            raise EditError(f"{label}: tracks {sorted(unknown)} are not in the region")
        old = self.notes(score)
        edits = []
        for track_id in self.track_ids:
            new = tuple(_placed(n, start, end, relative, clip, label) for n in notes.get(track_id, ()))
            edits.append(ReplaceNotes(track_id, old[track_id], new, label))
        return combine(edits, label)


def _placed(note: Note, start: int, end: int, relative: bool, clip: bool, label: str) -> Note:
    if relative:
        note = note._replace(start=note.start + start)
    if not start <= note.start < end:
        raise EditError(f"{label}: a note at tick {note.start} lies outside the region {start}..{end}")
    if clip and note.end > end:
        note = note._replace(duration=end - note.start)
    return note


def _track_of(score: Score, track_id: int) -> Track:
    if not score.has_track(track_id):
        raise EditError(f"the region names track {track_id}, which is not in the score")
    return score.track(track_id)
