"""Invertible edits: every change to a score is a value with a label.

``edit.apply(score)`` returns the new score and a :class:`ChangeSet`;
``edit.inverse()`` is the edit that takes the new score back to the old one,
exactly. Edits record the concrete values they replace (the notes before and
after, the property values before and after), never a recipe such as "+2
semitones", so an inverse can never drift through clamping or rounding.

Applying checks that the score still holds what the edit expects, and raises
:class:`EditError` otherwise; since scores are immutable, a failed edit leaves
nothing half-applied.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

from composer.annotations import ChordMark, Take, sorted_marks
from composer.errors import EditError
from composer.score import DRUM_CHANNEL, Note, Score, Track, note_problem
from composer.timing import (
    Key,
    KeyChange,
    KeyMap,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
    bpm_to_us,
)

NoteSelection = Mapping[int, Collection[int]]
"""Selected notes: track id -> note ids."""


@dataclass(frozen=True)
class ChangeSet:
    """What an edit touched, so views repaint and caches invalidate only that."""

    note_tracks: frozenset[int] = frozenset()  # tracks whose notes changed
    note_ids: frozenset[int] = frozenset()  # notes added, removed or modified
    track_props: frozenset[int] = frozenset()  # tracks whose properties changed
    track_list: bool = False  # tracks added, removed or reordered
    tempo: bool = False
    time_signature: bool = False
    key: bool = False
    meta: bool = False  # title and other metadata
    chords: bool = False  # the chord symbols
    takes: bool = False  # the record of accepted assistant takes
    everything: bool = False  # a new score was loaded

    def __or__(self, other: ChangeSet) -> ChangeSet:
        return ChangeSet(
            self.note_tracks | other.note_tracks,
            self.note_ids | other.note_ids,
            self.track_props | other.track_props,
            *(getattr(self, f.name) or getattr(other, f.name) for f in fields(self)[3:]),
        )

    @property
    def is_empty(self) -> bool:
        return self == ChangeSet()


class Edit(Protocol):
    """An invertible change to a score."""

    @property
    def label(self) -> str: ...

    def apply(self, score: Score) -> tuple[Score, ChangeSet]: ...

    def inverse(self) -> Edit: ...


# --- notes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplaceNotes:
    """Remove some notes of one track and add others.

    One edit covers add, delete, paste, move, resize, velocity, transpose,
    quantize and every AI operation: a modified note is removed in its old form
    and added in its new form under the same id.
    """

    track_id: int
    removed: tuple[Note, ...]
    added: tuple[Note, ...]
    label: str = "Edit notes"

    def apply(self, score: Score) -> tuple[Score, ChangeSet]:
        track = _track(score, self.track_id)
        for note in self.removed:
            if track.note(note.id) != note:
                raise EditError(f"{self.label}: note {note.id} is not in track {track.name!r} as expected")
        removed_ids = {n.id for n in self.removed}
        kept = [n for n in track.notes if n.id not in removed_ids]
        _check_added(self.added, track, removed_ids, self.label)
        notes = kept + list(self.added)
        changes = ChangeSet(note_tracks=frozenset({track.id}), note_ids=frozenset(removed_ids | _ids(self.added)))
        return score.with_track(track.with_notes(notes)), changes

    def inverse(self) -> ReplaceNotes:
        return ReplaceNotes(self.track_id, self.added, self.removed, self.label)


def _check_added(added: tuple[Note, ...], track: Track, removed_ids: set[int], label: str) -> None:
    seen: set[int] = set()
    for note in added:
        problem = note_problem(note)
        if problem:
            raise EditError(f"{label}: {problem}")
        if note.id in seen or (note.id in track and note.id not in removed_ids):
            raise EditError(f"{label}: note id {note.id} is already in track {track.name!r}")
        seen.add(note.id)


def _ids(notes: Iterable[Note]) -> set[int]:
    return {n.id for n in notes}


def _track(score: Score, track_id: int) -> Track:
    if not score.has_track(track_id):
        raise EditError(f"there is no track with id {track_id}")
    return score.track(track_id)


@dataclass(frozen=True)
class CompoundEdit:
    """Several edits applied in order as one undo step."""

    edits: tuple[Edit, ...]
    label: str

    def apply(self, score: Score) -> tuple[Score, ChangeSet]:
        changes = ChangeSet()
        for edit in self.edits:
            score, more = edit.apply(score)
            changes = changes | more
        return score, changes

    def inverse(self) -> CompoundEdit:
        return CompoundEdit(tuple(e.inverse() for e in reversed(self.edits)), self.label)


def combine(edits: Iterable[Edit], label: str) -> Edit:
    """One edit for several; a single edit is returned as it is, relabelled."""
    items = tuple(edits)
    if len(items) == 1 and isinstance(items[0], ReplaceNotes):
        return replace(items[0], label=label)
    return CompoundEdit(items, label)


def add_notes(track_id: int, notes: Iterable[Note], label: str = "Add notes") -> ReplaceNotes:
    return ReplaceNotes(track_id, (), tuple(notes), label)


def remove_notes(score: Score, selection: NoteSelection, label: str = "Delete notes") -> Edit:
    return _map_selection(score, selection, None, label)


def _selected(score: Score, selection: NoteSelection) -> dict[int, list[Note]]:
    out: dict[int, list[Note]] = {}
    for track_id, ids in selection.items():
        track = _track(score, track_id)
        notes = [n for n in (track.note(i) for i in ids) if n is not None]
        if len(notes) != len(set(ids)):
            raise EditError(f"some selected notes are no longer in track {track.name!r}")
        out[track_id] = notes
    return out


def _map_selection(
    score: Score, selection: NoteSelection, change: Callable[[Note], Note] | None, label: str
) -> Edit:
    """Replace each selected note by ``change(note)`` (or delete it when change is None)."""
    edits = []
    for track_id, notes in _selected(score, selection).items():
        new = () if change is None else tuple(change(n) for n in notes)
        edits.append(ReplaceNotes(track_id, tuple(notes), new, label))
    return combine(edits, label)


def move_notes(
    score: Score, selection: NoteSelection, ticks: int = 0, semitones: int = 0, label: str = "Move notes"
) -> Edit:
    """Shift notes in time and pitch; the shift is clamped as a group so shapes keep."""
    notes = [n for ns in _selected(score, selection).values() for n in ns]
    if notes:
        ticks = max(ticks, -min(n.start for n in notes))
        semitones = min(max(semitones, -min(n.pitch for n in notes)), 127 - max(n.pitch for n in notes))
    return _map_selection(
        score, selection, lambda n: n._replace(start=n.start + ticks, pitch=n.pitch + semitones), label
    )


def transpose(score: Score, selection: NoteSelection, semitones: int) -> Edit:
    return move_notes(score, selection, 0, semitones, "Transpose")


def resize_notes(score: Score, selection: NoteSelection, ticks: int, *, from_start: bool = False) -> Edit:
    """Lengthen (or shorten) notes at the end, or at the start keeping the end."""

    def resize(n: Note) -> Note:
        if from_start:
            start = min(max(n.start - ticks, 0), n.end - 1)
            return n._replace(start=start, duration=n.end - start)
        return n._replace(duration=max(n.duration + ticks, 1))

    return _map_selection(score, selection, resize, "Resize notes")


def set_velocity(
    score: Score, selection: NoteSelection, velocity: int | Callable[[Note], int], label: str = "Set velocity"
) -> Edit:
    """Set velocities to one value, or to a function of each note (scale, ramp)."""

    def change(n: Note) -> Note:
        v = velocity(n) if callable(velocity) else velocity
        return n._replace(velocity=min(max(int(v), 1), 127))

    return _map_selection(score, selection, change, label)


def quantize(
    score: Score, selection: NoteSelection, grid: int, strength: float = 1.0, *, ends: bool = False
) -> Edit:
    """Pull onsets (and optionally ends) toward the nearest grid line by ``strength`` (0..1)."""
    if grid < 1:
        raise ValueError(f"quantize grid must be at least one tick, not {grid}")
    strength = min(max(strength, 0.0), 1.0)

    def snap(tick: int) -> int:
        target = round(tick / grid) * grid
        return round(tick + (target - tick) * strength)

    def change(n: Note) -> Note:
        start = snap(n.start)
        end = snap(n.end) if ends else start + n.duration
        return n._replace(start=start, duration=max(end - start, 1))

    return _map_selection(score, selection, change, "Quantize")


# --- tracks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsertTrack:
    index: int
    track: Track
    label: str = "Add track"

    def apply(self, score: Score) -> tuple[Score, ChangeSet]:
        if score.has_track(self.track.id):
            raise EditError(f"{self.label}: track {self.track.name!r} is already in the score")
        if not 0 <= self.index <= len(score.tracks):
            raise EditError(f"{self.label}: position {self.index} is outside the track list")
        tracks = (*score.tracks[: self.index], self.track, *score.tracks[self.index :])
        return replace(score, tracks=tracks), ChangeSet(track_list=True, note_tracks=frozenset({self.track.id}))

    def inverse(self) -> RemoveTrack:
        return RemoveTrack(self.index, self.track, self.label)


@dataclass(frozen=True)
class RemoveTrack:
    index: int
    track: Track
    label: str = "Remove track"

    def apply(self, score: Score) -> tuple[Score, ChangeSet]:
        if not 0 <= self.index < len(score.tracks) or score.tracks[self.index] != self.track:
            raise EditError(f"{self.label}: track {self.track.name!r} is not where expected")
        tracks = (*score.tracks[: self.index], *score.tracks[self.index + 1 :])
        return replace(score, tracks=tracks), ChangeSet(track_list=True, note_tracks=frozenset({self.track.id}))

    def inverse(self) -> InsertTrack:
        return InsertTrack(self.index, self.track, self.label)


@dataclass(frozen=True)
class MoveTrack:
    old_index: int
    new_index: int
    label: str = "Move track"

    def apply(self, score: Score) -> tuple[Score, ChangeSet]:
        n = len(score.tracks)
        if not (0 <= self.old_index < n and 0 <= self.new_index < n):
            raise EditError(f"{self.label}: position outside the track list")
        tracks = list(score.tracks)
        tracks.insert(self.new_index, tracks.pop(self.old_index))
        return replace(score, tracks=tuple(tracks)), ChangeSet(track_list=True)

    def inverse(self) -> MoveTrack:
        return MoveTrack(self.new_index, self.old_index, self.label)


def add_track(score: Score, track: Track, index: int | None = None) -> InsertTrack:
    return InsertTrack(len(score.tracks) if index is None else index, track)


def remove_track(score: Score, track_id: int) -> RemoveTrack:
    track = _track(score, track_id)
    return RemoveTrack(score.track_index(track_id), track)


TRACK_PROPERTIES: dict[str, Callable[[Any], bool]] = {
    "name": lambda v: isinstance(v, str),
    "program": lambda v: isinstance(v, int) and 0 <= v <= 127,
    "is_drum": lambda v: isinstance(v, bool),
    "channel": lambda v: isinstance(v, int) and 0 <= v <= 15,
    "colour": lambda v: isinstance(v, str) and len(v) == 7 and v.startswith("#"),
    "mute": lambda v: isinstance(v, bool),
    "solo": lambda v: isinstance(v, bool),
    "volume": lambda v: isinstance(v, int) and 0 <= v <= 127,
    "pan": lambda v: isinstance(v, int) and 0 <= v <= 127,
}


@dataclass(frozen=True)
class SetTrackProperties:
    """Change named properties of one track (name, program, mute, ...)."""

    track_id: int
    before: tuple[tuple[str, Any], ...]
    after: tuple[tuple[str, Any], ...]
    label: str = "Track properties"

    def apply(self, score: Score) -> tuple[Score, ChangeSet]:
        track = _track(score, self.track_id)
        for name, value in self.before:
            if getattr(track, name) != value:
                raise EditError(f"{self.label}: track {track.name!r} {name} changed meanwhile")
        new = replace(track, **dict(self.after))
        return score.with_track(new), ChangeSet(track_props=frozenset({track.id}))

    def inverse(self) -> SetTrackProperties:
        return SetTrackProperties(self.track_id, self.after, self.before, self.label)


def set_track_properties(score: Score, track_id: int, label: str = "", **props: Any) -> SetTrackProperties:
    """Validated property change; a drum track moves to the drum channel."""
    track = _track(score, track_id)
    for name, value in props.items():
        check = TRACK_PROPERTIES.get(name)
        if check is None:
            raise EditError(f"tracks have no property {name!r}")
        if not check(value):
            raise EditError(f"{value!r} is not a valid track {name}")
    if props.get("is_drum"):
        props.setdefault("channel", DRUM_CHANNEL)
    before = tuple((k, getattr(track, k)) for k in props)
    label = label or ("Rename track" if set(props) == {"name"} else f"Set {', '.join(props)}")
    return SetTrackProperties(track_id, before, tuple(props.items()), label)


# --- score-wide values -------------------------------------------------------------------

_SCORE_FIELDS = {
    "tempo_map": ChangeSet(tempo=True),
    "time_signatures": ChangeSet(time_signature=True),
    "key_map": ChangeSet(key=True),
    "title": ChangeSet(meta=True),
    "chords": ChangeSet(chords=True),
    "takes": ChangeSet(takes=True),
}


@dataclass(frozen=True)
class SetScoreField:
    """Replace one score-wide value: the tempo map, time signatures, key map or title."""

    name: str
    before: Any
    after: Any
    label: str

    def apply(self, score: Score) -> tuple[Score, ChangeSet]:
        if getattr(score, self.name) != self.before:
            raise EditError(f"{self.label}: the {self.name.replace('_', ' ')} changed meanwhile")
        return replace(score, **{self.name: self.after}), _SCORE_FIELDS[self.name]

    def inverse(self) -> SetScoreField:
        return SetScoreField(self.name, self.after, self.before, self.label)


def _set_field(score: Score, name: str, build: Callable[[], Any], label: str) -> SetScoreField:
    """An edit to the value ``build()`` makes; its ValueError becomes an EditError."""
    try:
        value = build()
    except ValueError as exc:
        raise EditError(f"{label}: {exc}") from None
    return SetScoreField(name, getattr(score, name), value, label)


def set_tempo(score: Score, tick: int, bpm: float) -> SetScoreField:
    change = lambda: score.tempo_map.with_change(TempoChange(tick, bpm_to_us(bpm)))  # noqa: E731
    return _set_field(score, "tempo_map", change, "Set tempo")


def set_chords(score: Score, marks: Iterable[ChordMark], label: str = "Edit chords") -> SetScoreField:
    """Replace every chord symbol; marks are sorted and one per tick."""
    return SetScoreField("chords", score.chords, sorted_marks(list(marks)), label)


def record_take(score: Score, take: Take) -> SetScoreField:
    """Add ``take`` to the record of accepted takes (combine with the notes it wrote)."""
    return SetScoreField("takes", score.takes, (*score.takes, take), "Record take")


def remove_tempo(score: Score, tick: int) -> SetScoreField:
    return _set_field(score, "tempo_map", lambda: score.tempo_map.without_change(tick), "Remove tempo change")


def set_time_signature(score: Score, bar: int, numerator: int, denominator: int) -> SetScoreField:
    """A new time signature from the start of ``bar``; notes keep their ticks."""
    sigs = score.time_signatures
    change = lambda: sigs.with_change(TimeSignature(sigs.bar_start(bar), numerator, denominator))  # noqa: E731
    return _set_field(score, "time_signatures", change, "Set time signature")


def remove_time_signature(score: Score, tick: int) -> SetScoreField:
    change = lambda: score.time_signatures.without_change(tick)  # noqa: E731
    return _set_field(score, "time_signatures", change, "Remove time signature")


def set_key(score: Score, tick: int, key: Key) -> SetScoreField:
    return _set_field(score, "key_map", lambda: score.key_map.with_change(KeyChange(tick, key)), "Set key")


def remove_key(score: Score, tick: int) -> SetScoreField:
    return _set_field(score, "key_map", lambda: score.key_map.without_change(tick), "Remove key change")


def set_title(score: Score, title: str) -> SetScoreField:
    return _set_field(score, "title", lambda: title, "Set title")


def set_maps(
    score: Score,
    tempo_map: TempoMap | None = None,
    time_signatures: TimeSignatureMap | None = None,
    key_map: KeyMap | None = None,
) -> Edit:
    """Replace whole maps at once (e.g. from a tempo dialog) as one undo step."""
    edits: list[Edit] = []
    for name, value in (("tempo_map", tempo_map), ("time_signatures", time_signatures), ("key_map", key_map)):
        if value is not None:
            edits.append(SetScoreField(name, getattr(score, name), value, "Edit tempo and meter"))
    return CompoundEdit(tuple(edits), "Edit tempo and meter")


__all__ = [
    "ChangeSet",
    "CompoundEdit",
    "Edit",
    "InsertTrack",
    "MoveTrack",
    "NoteSelection",
    "RemoveTrack",
    "ReplaceNotes",
    "SetScoreField",
    "SetTrackProperties",
    "add_notes",
    "add_track",
    "combine",
    "move_notes",
    "quantize",
    "remove_key",
    "remove_notes",
    "remove_tempo",
    "remove_time_signature",
    "remove_track",
    "resize_notes",
    "set_key",
    "set_maps",
    "set_tempo",
    "set_time_signature",
    "set_title",
    "set_track_properties",
    "set_velocity",
    "transpose",
]
