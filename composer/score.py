"""The score: immutable notes, tracks and the score that holds them.

Values never change in place; an edit builds a new score that shares every
untouched track with the old one. That makes snapshots free (a worker thread
gets the score object itself) and undo exact.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from composer.annotations import ChordMark, Take
from composer.timing import Key, KeyMap, TempoMap, TimeSignatureMap

_ids = itertools.count(1)


def new_id() -> int:
    """A process-wide unique id for a note or a track (stable for the session)."""
    return next(_ids)


class Note(NamedTuple):
    """One note. Field order makes tuple order the time order (start, pitch, ...).

    A tuple keeps 100k notes cheap to build and sort; ``id`` is stable across
    edits (a moved note keeps its id) and unique within a process.
    """

    start: int
    pitch: int
    duration: int
    velocity: int
    id: int

    @classmethod
    def create(cls, pitch: int, start: int, duration: int, velocity: int = 96) -> Note:
        """A new note with a fresh id."""
        return cls(start, pitch, duration, velocity, new_id())

    @property
    def end(self) -> int:
        return self.start + self.duration


def note_problem(note: Note) -> str | None:
    """Why ``note`` cannot be in a score, or None when it can."""
    if not 0 <= note.pitch <= 127:
        return f"pitch {note.pitch} is outside 0..127"
    if not 1 <= note.velocity <= 127:
        return f"velocity {note.velocity} is outside 1..127"
    if note.duration < 1:
        return f"duration {note.duration} is not positive"
    if note.start < 0:
        return f"start {note.start} is negative"
    return None


DRUM_CHANNEL = 9
TRACK_COLOURS = ("#4e9af1", "#f1a14e", "#5cc98b", "#e0625c", "#a57be0", "#d4c24a", "#4fc4c9", "#e07bb8")


@dataclass(frozen=True)
class Track:
    """One instrument part. Notes are kept sorted by (start, pitch, ...)."""

    id: int
    name: str = "Track"
    program: int = 0
    is_drum: bool = False
    channel: int = 0
    colour: str = TRACK_COLOURS[0]
    mute: bool = False
    solo: bool = False
    volume: int = 100
    pan: int = 64
    notes: tuple[Note, ...] = field(default=(), repr=False)

    @classmethod
    def create(cls, name: str = "Track", notes: Iterable[Note] = (), **props: object) -> Track:
        """A new track with a fresh id; ``notes`` are sorted for you."""
        return cls(id=new_id(), name=name, notes=tuple(sorted(notes)), **props)  # type: ignore[arg-type]

    def with_notes(self, notes: Iterable[Note]) -> Track:
        return replace(self, notes=tuple(sorted(notes)))

    @cached_property
    def _by_id(self) -> dict[int, Note]:
        return {n.id: n for n in self.notes}

    @cached_property
    def _starts(self) -> list[int]:
        return [n.start for n in self.notes]

    @cached_property
    def _max_duration(self) -> int:
        return max((n.duration for n in self.notes), default=0)

    def note(self, note_id: int) -> Note | None:
        return self._by_id.get(note_id)

    def __contains__(self, note_id: object) -> bool:
        return note_id in self._by_id

    def starting_in(self, start: int, end: int) -> tuple[Note, ...]:
        """Notes whose onset lies in [start, end)."""
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return self.notes[lo:hi]

    def sounding_in(self, start: int, end: int) -> Iterator[Note]:
        """Notes that sound at any tick of [start, end), for drawing and playback."""
        lo = bisect.bisect_left(self._starts, start - self._max_duration)
        hi = bisect.bisect_left(self._starts, end)
        return (n for n in self.notes[lo:hi] if n.end > start)

    @cached_property
    def end_tick(self) -> int:
        """Tick at which the last note ends (0 for an empty track)."""
        return max((n.end for n in self.notes), default=0)


@dataclass(frozen=True)
class Score:
    """A whole piece: tracks plus tempo, time-signature and key maps."""

    tracks: tuple[Track, ...] = ()
    tempo_map: TempoMap = field(default_factory=TempoMap)
    time_signatures: TimeSignatureMap = field(default_factory=TimeSignatureMap)
    key_map: KeyMap = field(default_factory=KeyMap)
    title: str = ""
    chords: tuple[ChordMark, ...] = ()  # in time order, one per tick (see annotations.sorted_marks)
    takes: tuple[Take, ...] = ()  # accepted assistant results, oldest first

    @cached_property
    def _index(self) -> dict[int, int]:
        return {t.id: i for i, t in enumerate(self.tracks)}

    def track(self, track_id: int) -> Track:
        try:
            return self.tracks[self._index[track_id]]
        except KeyError:
            raise KeyError(f"no track with id {track_id}") from None

    def track_index(self, track_id: int) -> int:
        return self._index[track_id]

    def has_track(self, track_id: int) -> bool:
        return track_id in self._index

    def with_track(self, track: Track) -> Score:
        """A new score with the track of the same id replaced by ``track``."""
        i = self._index[track.id]
        return replace(self, tracks=(*self.tracks[:i], track, *self.tracks[i + 1 :]))

    @property
    def key(self) -> Key:
        """The key at the start of the piece."""
        return self.key_map.changes[0].key

    @cached_property
    def end_tick(self) -> int:
        return max((t.end_tick for t in self.tracks), default=0)

    @property
    def bar_count(self) -> int:
        return self.time_signatures.bar_count(self.end_tick)

    @property
    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)

    @property
    def duration_seconds(self) -> float:
        return self.tempo_map.tick_to_seconds(self.end_tick)
