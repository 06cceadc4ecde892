"""Standard MIDI File import: bytes in, a :class:`Score` and an :class:`ImportReport` out.

Import is defensive (see ARCHITECTURE.md): any input either raises one
:class:`MidiFileError` saying why it is unreadable, or yields a valid score plus a
report of every repair. Our own parser (:mod:`composer.smf`) rather than mido or
pretty_midi gives full control over those repairs and keeps a 100k-note file well
under a second.

Tracks are split per (track chunk, channel, program at the note-on), as DAWs and
pretty_midi do, so a type-0 file opens as one track per instrument.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from composer.errors import MidiFileError
from composer.general_midi import program_name
from composer.import_report import ImportReport
from composer.score import DRUM_CHANNEL, TRACK_COLOURS, Note, Score, Track, new_id
from composer.smf import (
    META,
    META_END_OF_TRACK,
    META_KEY_SIGNATURE,
    META_TEMPO,
    META_TIME_SIGNATURE,
    META_TRACK_NAME,
    Division,
    Event,
    parse_smf,
)
from composer.timing import (
    DEFAULT_US_PER_QUARTER,
    PPQ,
    Key,
    KeyChange,
    KeyMap,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
)

MIN_NOTE_TICKS = PPQ // 8
"""Length given to zero-length notes (drum hits often are): a 32nd note."""
MAX_NOTE_TICKS = 64 * 4 * PPQ
"""Longest note kept: 64 bars of 4/4. Longer ones are stuck notes, not music."""
MAX_TICK = 2**31
MAX_SECONDS = 24 * 3600
"""Events past MAX_TICK or MAX_SECONDS are dropped: no piece is that long, a corrupt delta time is."""

CC_VOLUME = 7
CC_PAN = 10

_CONTROLLER_NAMES = {
    0: "bank select", 1: "modulation", 11: "expression", 32: "bank select LSB", 64: "sustain pedal",
    91: "reverb", 93: "chorus", 121: "reset controllers", 123: "all notes off",
}  # fmt: skip
_META_NAMES = {
    0x01: "text events", 0x02: "copyright notices", 0x04: "instrument names", 0x05: "lyrics",
    0x06: "markers", 0x07: "cue points", 0x20: "channel prefixes", 0x21: "port numbers",
    0x54: "SMPTE offsets", 0x7F: "sequencer-specific events",
}  # fmt: skip
_CHANNEL_EVENT_NAMES = {0xA0: "polyphonic aftertouch events", 0xD0: "channel aftertouch events", 0xE0: "pitch bends"}

RawNote = tuple[int, int, int, int]
"""(start, pitch, end, velocity) in the file's ticks, before rescaling and repairs."""
_Change = TypeVar("_Change", bound=tuple[int, Any])


def read_midi(
    path_or_bytes: str | os.PathLike[str] | bytes | bytearray | memoryview, *, source: str = ""
) -> tuple[Score, ImportReport]:
    """Read a MIDI file from a path or from its bytes.

    ``source`` names the input in messages (defaults to the path). Raises
    :class:`MidiFileError` for unreadable input and nothing else, whatever the bytes.
    """
    data, label = _load(path_or_bytes, source)
    report = ImportReport(source=label)
    try:
        return _read(data, report, label), report
    except MidiFileError:
        raise
    except Exception as exc:  # last resort: a bug must still surface as a file error, not a crash
        raise MidiFileError(f"the file could not be read ({type(exc).__name__}: {exc})", label or None) from exc


def _load(path_or_bytes: str | os.PathLike[str] | bytes | bytearray | memoryview, source: str) -> tuple[bytes, str]:
    if isinstance(path_or_bytes, bytes | bytearray | memoryview):
        return bytes(path_or_bytes), source
    try:
        label = source or os.fspath(path_or_bytes)
        with open(path_or_bytes, "rb") as f:
            return f.read(), label
    except OSError as exc:
        raise MidiFileError(f"cannot open the file ({exc.strerror or exc})", source or str(path_or_bytes)) from exc
    except (TypeError, ValueError) as exc:
        raise MidiFileError(f"not a usable path ({exc})", source or None) from exc


def _read(data: bytes, report: ImportReport, label: str) -> Score:
    midi = parse_smf(data, report, label)
    _check_format(midi.format, report)
    timebase = _Timebase.of(midi.division, report)
    chunks = [_ChunkReader(i, timebase, report).read(events) for i, events in enumerate(midi.tracks)]
    late = _Counter()
    tempo_map, limit = _tempo_map(chunks, timebase, late, report)
    time_signatures = _time_signatures(chunks, timebase, limit, late, report)
    key_map = _key_map(chunks, timebase, limit, late, report)
    tracks = _tracks(chunks, timebase, limit, late, report)
    if late.count:
        report.repair("events past the time limit", "dropped them (24 hours or tick 2**31)", late.example, late.count)
    first = chunks[0]
    title = first.name if midi.format != 0 and not first.has_channel_events else ""
    return Score(tuple(tracks), tempo_map, time_signatures, key_map, title or "")


def _check_format(fmt: int, report: ImportReport) -> None:
    if fmt == 2:
        report.repair("format 2 file", "read its independent sequences as parallel tracks")
    elif fmt > 2:
        report.repair("unknown file format", "read it as format 1", f"format {fmt}")


class _Timebase(NamedTuple):
    """Maps file ticks to ours: ``round(tick * num / den)``; ``beat`` is a quarter in file ticks."""

    num: int
    den: int
    beat: int
    smpte: bool = False

    @classmethod
    def of(cls, division: Division, report: ImportReport) -> _Timebase:
        if division.is_smpte:
            # 29 means 30 drop-frame, which runs at 29.97 frames per second.
            frames = (2997, 100) if division.fps == 29 else (division.fps, 1)
            report.repair(
                "SMPTE time division",
                f"converted to {PPQ} ticks per quarter at a fixed 120 BPM",
                f"{division.fps} fps x {division.subframes} subframes",
            )
            # At 120 BPM a quarter lasts half a second: ticks = seconds * 2 * PPQ.
            num, den = 2 * PPQ * frames[1], frames[0] * division.subframes
        else:
            if division.ppq != PPQ:
                report.repair("tick resolution rescaled", f"rescaled to {PPQ} ticks per quarter", f"{division.ppq} PPQ")
            num, den = PPQ, division.ppq
        return cls(num, den, max(1, (den * PPQ + num // 2) // num), division.is_smpte)

    @property
    def is_identity(self) -> bool:
        return self.num == self.den

    def to_ticks(self, tick: int) -> int:
        return (tick * self.num + self.den // 2) // self.den


@dataclass
class _Counter:
    """How often a repair happened, and the first place it did (for the report)."""

    count: int = 0
    example: str = ""

    def add(self, n: int, example: str) -> None:
        if n and not self.count:
            self.example = example
        self.count += n


@dataclass
class _Chunk:
    """What one track chunk holds, in file ticks, once its events are paired."""

    index: int
    name: str | None = None
    groups: dict[tuple[int, int], list[RawNote]] = field(default_factory=dict)
    first_channel: int | None = None
    programs: list[int] = field(default_factory=lambda: [0] * 16)
    volumes: dict[int, int] = field(default_factory=dict)
    pans: dict[int, int] = field(default_factory=dict)
    tempos: list[tuple[int, bytes]] = field(default_factory=list)
    signatures: list[tuple[int, bytes]] = field(default_factory=list)
    keys: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def has_channel_events(self) -> bool:
        return bool(self.groups) or self.first_channel is not None


class _ChunkReader:
    """Pairs note-ons with note-offs in one chunk and collects everything else it keeps."""

    def __init__(self, index: int, timebase: _Timebase, report: ImportReport) -> None:
        self.chunk = _Chunk(index)
        self.timebase = timebase
        self.report = report
        self.current: list[list[RawNote] | None] = [None] * 16  # note list per channel for its current program
        self.ignored: dict[str, int] = {}

    def read(self, events: list[Event]) -> _Chunk:
        """One pass over the events; the note path is inlined because it is nearly all of them."""
        groups = self.chunk.groups
        programs = self.chunk.programs
        current = self.current
        other = self._other
        sounding: dict[int, tuple[int, int, list[RawNote], bool]] = {}
        overlaps = _Counter()
        duplicates = _Counter()
        orphans = _Counter()
        spare_offs: dict[int, int] = {}  # note-offs owed to notes an overlap or duplicate already ended
        for tick, status, a, b in events:
            hi = status & 0xF0
            if hi == 0x90 and b:
                channel = status & 0x0F
                key = channel << 7 | a
                target = current[channel]
                if target is None:
                    target = current[channel] = groups.setdefault((channel, programs[channel]), [])
                earlier = sounding.get(key)
                if earlier is None:
                    sounding[key] = (tick, b, target, False)
                elif earlier[0] == tick:
                    duplicates.add(1, self._where(a, tick))
                    spare_offs[key] = spare_offs.get(key, 0) + 1
                    if b > earlier[1]:
                        sounding[key] = (tick, b, earlier[2], earlier[3])
                else:
                    overlaps.add(1, self._where(a, tick))
                    spare_offs[key] = spare_offs.get(key, 0) + 1
                    earlier[2].append((earlier[0], a, tick, earlier[1]))
                    sounding[key] = (tick, b, target, True)
            elif hi == 0x80 or hi == 0x90:
                key = (status & 0x0F) << 7 | a
                started = sounding.pop(key, None)
                if started is None:
                    if spare_offs.get(key):
                        spare_offs[key] -= 1  # the off of a note already ended: part of that repair
                    else:
                        orphans.add(1, self._where(a, tick))
                    continue
                start, velocity, target, replaced = started
                if replaced and start == tick:
                    # "on, on, off" at one tick: the off belonged to the note the second on replaced.
                    sounding[key] = (start, velocity, target, False)
                    overlaps.count -= 1
                    spare_offs[key] -= 1
                    continue
                target.append((start, a, tick, velocity))
            else:
                other(tick, status, a, b)
        self._finish(sounding, events[-1][0] if events else 0)
        self._report(overlaps, duplicates, orphans)
        return self.chunk

    def _where(self, pitch: int, tick: int) -> str:
        return f"track {self.chunk.index + 1}, pitch {pitch}, tick {self.timebase.to_ticks(tick)}"

    def _finish(self, sounding: dict[int, tuple[int, int, list[RawNote], bool]], last_tick: int) -> None:
        """End notes still sounding at the chunk's last event, or after one beat if that is their onset."""
        unended = _Counter()
        for key, (start, velocity, target, _) in sounding.items():
            pitch = key & 0x7F
            unended.add(1, self._where(pitch, start))
            target.append((start, pitch, last_tick if last_tick > start else start + self.timebase.beat, velocity))
        if unended.count:
            action = "ended it at the end of its track (or after one beat)"
            self.report.repair("note-on without note-off", action, unended.example, unended.count)

    def _report(self, overlaps: _Counter, duplicates: _Counter, orphans: _Counter) -> None:
        _report_overlaps(self.report, overlaps, duplicates)
        if orphans.count:
            self.report.repair("note-off without note-on", "ignored it", orphans.example, orphans.count)
        for what, n in self.ignored.items():
            self.report.ignore(what, n)

    def _ignore(self, what: str) -> None:
        self.ignored[what] = self.ignored.get(what, 0) + 1

    def _other(self, tick: int, status: int, a: int, b: int | bytes) -> None:
        """Every event but notes: programs, volume, pan, meta; the rest is counted as ignored."""
        hi = status & 0xF0
        if hi == 0xF0:
            if status == META:
                self._meta(tick, a, b)
            else:
                self._ignore("SysEx messages")
            return
        channel = status & 0x0F
        chunk = self.chunk
        if chunk.first_channel is None:
            chunk.first_channel = channel
        if hi == 0xC0:
            chunk.programs[channel] = a
            self.current[channel] = None
        elif hi == 0xB0 and a in (CC_VOLUME, CC_PAN):
            found = chunk.volumes if a == CC_VOLUME else chunk.pans
            if channel in found:
                self._ignore(f"{'volume (CC7)' if a == CC_VOLUME else 'pan (CC10)'} changes after the first")
            else:
                found[channel] = b
        elif hi == 0xB0:
            self._ignore(f"{_CONTROLLER_NAMES.get(a, 'controller')} (CC{a}) events")
        else:
            self._ignore(_CHANNEL_EVENT_NAMES[hi])

    def _meta(self, tick: int, kind: int, payload: bytes) -> None:
        chunk = self.chunk
        if kind == META_TRACK_NAME:
            if chunk.name is not None:
                self._ignore("extra track names")
            else:
                chunk.name = _text(payload)
        elif kind == META_TEMPO:
            chunk.tempos.append((tick, payload))
        elif kind == META_TIME_SIGNATURE:
            chunk.signatures.append((tick, payload))
        elif kind == META_KEY_SIGNATURE:
            chunk.keys.append((tick, payload))
        elif kind != META_END_OF_TRACK:
            self._ignore(_META_NAMES.get(kind, "other meta events"))


def _report_overlaps(report: ImportReport, overlaps: _Counter, duplicates: _Counter) -> None:
    if overlaps.count:
        action = "ended the earlier note where the next one starts"
        report.repair("overlapping same-pitch notes", action, overlaps.example, overlaps.count)
    if duplicates.count:
        action = "kept the loudest of the notes of one pitch that start together"
        report.repair("duplicate notes", action, duplicates.example, duplicates.count)


def _text(payload: bytes) -> str:
    """Meta text as UTF-8 (what we write), else Latin-1 (what old files use), C-string NULs dropped."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        text = payload.decode("latin-1")
    return text.rstrip("\x00")


def _merged(per_chunk: list[list[tuple[int, bytes]]], timebase: _Timebase) -> list[tuple[int, bytes]]:
    """Meta events from every chunk in tick order (our ticks); at one tick the later chunk comes last."""
    merged = [(timebase.to_ticks(tick), payload) for events in per_chunk for tick, payload in events]
    merged.sort(key=lambda e: e[0])
    return merged


def _malformed(report: ImportReport, what: str, tick: int) -> None:
    report.repair("malformed meta events", "ignored them", f"{what} at tick {tick}")


def _tempo_map(chunks: list[_Chunk], timebase: _Timebase, late: _Counter, report: ImportReport) -> tuple[TempoMap, int]:
    """Tempo changes from all chunks (120 BPM until the first) and the last tick kept (24 hours in)."""
    events = _merged([c.tempos for c in chunks], timebase)
    if timebase.smpte and events:
        report.ignore("tempo events in an SMPTE-timed file", len(events))
        events = []
    changes = {0: DEFAULT_US_PER_QUARTER}
    for tick, payload in events:
        if len(payload) < 3:
            _malformed(report, "tempo", tick)
            continue
        us = int.from_bytes(payload[:3], "big")
        if us == 0:
            report.repair("invalid tempo", "replaced 0 microseconds per quarter with 120 BPM", f"tick {tick}")
            us = DEFAULT_US_PER_QUARTER
        changes[tick] = us
    kept = _until(sorted(changes.items()), MAX_TICK, late)
    limit = min(MAX_TICK, int(TempoMap(tuple(TempoChange(*c) for c in kept)).seconds_to_tick(MAX_SECONDS)))
    return TempoMap(tuple(TempoChange(*c) for c in _until(kept, limit, late))), limit


def _until(changes: list[_Change], limit: int, late: _Counter) -> list[_Change]:
    """``changes`` (sorted by tick) up to ``limit``; the later ones are counted as dropped."""
    kept = [c for c in changes if c[0] <= limit]
    late.add(len(changes) - len(kept), f"tick {changes[len(kept)][0]}" if len(kept) < len(changes) else "")
    return kept


def _time_signatures(
    chunks: list[_Chunk], timebase: _Timebase, limit: int, late: _Counter, report: ImportReport
) -> TimeSignatureMap:
    """Time signatures from all chunks, 4/4 until the first; a 0 numerator or a huge denominator is repaired."""
    changes: dict[int, tuple[int, int]] = {0: (4, 4)}
    for tick, payload in _merged([c.signatures for c in chunks], timebase):
        if len(payload) < 2:
            _malformed(report, "time signature", tick)
            continue
        numerator, exponent = payload[0], payload[1]
        if numerator == 0 or exponent > 6:
            report.repair("invalid time signature", "replaced the bad part with 4/4's", f"{numerator}/2**{exponent}")
            numerator, exponent = numerator or 4, exponent if exponent <= 6 else 2
        changes[tick] = (numerator, 1 << exponent)
    kept = _until(sorted(changes.items()), limit, late)
    return TimeSignatureMap(tuple(TimeSignature(tick, n, d) for tick, (n, d) in kept))


def _key_map(chunks: list[_Chunk], timebase: _Timebase, limit: int, late: _Counter, report: ImportReport) -> KeyMap:
    """Key signatures from all chunks, C major until the first; out-of-range fields are repaired."""
    changes: dict[int, Key] = {0: Key()}
    for tick, payload in _merged([c.keys for c in chunks], timebase):
        if len(payload) < 2:
            _malformed(report, "key signature", tick)
            continue
        fifths = payload[0] - 256 if payload[0] > 127 else payload[0]
        mode = payload[1]
        if not -7 <= fifths <= 7 or mode > 1:
            report.repair("invalid key signature", "replaced the bad part with C major's", f"sf={fifths} mi={mode}")
            fifths, mode = fifths if -7 <= fifths <= 7 else 0, mode if mode <= 1 else 0
        changes[tick] = Key(fifths, mode == 1)
    return KeyMap(tuple(KeyChange(*c) for c in _until(sorted(changes.items()), limit, late)))


def _tracks(chunks: list[_Chunk], timebase: _Timebase, limit: int, late: _Counter, report: ImportReport) -> list[Track]:
    """One track per (chunk, channel, program) with notes; one empty track for a chunk with only settings."""
    fixes = _NoteFixes()
    tracks: list[Track] = []
    for chunk in chunks:
        groups = sorted(chunk.groups.items(), key=lambda g: g[0][0])
        if not groups and chunk.first_channel is not None:
            groups = [((chunk.first_channel, chunk.programs[chunk.first_channel]), [])]
        names = _track_names(chunk.name, [key for key, _ in groups])
        for ((channel, program), raw), name in zip(groups, names, strict=True):
            notes = fixes.notes(raw, timebase, limit, late)
            tracks.append(
                Track.create(
                    name,
                    notes,
                    program=program,
                    is_drum=channel == DRUM_CHANNEL,
                    channel=channel,
                    colour=TRACK_COLOURS[len(tracks) % len(TRACK_COLOURS)],
                    volume=chunk.volumes.get(channel, 100),
                    pan=chunk.pans.get(channel, 64),
                )
            )
    fixes.report_to(report)
    return tracks


def _label(channel: int, program: int) -> str:
    return "Drums" if channel == DRUM_CHANNEL else program_name(program)


def _track_names(chunk_name: str | None, keys: list[tuple[int, int]]) -> list[str]:
    """Names for the tracks a chunk splits into: the chunk's name, told apart by instrument if needed."""
    labels = [_label(channel, program) for channel, program in keys]
    chunk_name = chunk_name if chunk_name and chunk_name.strip() else None
    if len(keys) == 1:
        return [chunk_name or labels[0]]
    for extra in (lambda ch, _: f"channel {ch + 1}", lambda _, p: f"program {p + 1}"):
        if len(set(labels)) == len(labels):
            break
        labels = [f"{label}, {extra(ch, p)}" for label, (ch, p) in zip(labels, keys, strict=True)]
    return [f"{chunk_name} - {label}" if chunk_name else label for label in labels]


@dataclass
class _NoteFixes:
    """Turns raw notes into Notes in our ticks, counting the length repairs over all tracks."""

    zero: _Counter = field(default_factory=_Counter)
    long: _Counter = field(default_factory=_Counter)
    overlaps: _Counter = field(default_factory=_Counter)
    duplicates: _Counter = field(default_factory=_Counter)

    def notes(self, raw: list[RawNote], timebase: _Timebase, limit: int, late: _Counter) -> list[Note]:
        """Rescaled, length-repaired notes, sorted; the inner loop runs once per note of the file."""
        num, den = timebase.num, timebase.den
        half = den // 2
        scale = not timebase.is_identity
        nid = new_id
        make = tuple.__new__  # skips NamedTuple's Python-level __new__: twice as fast per note
        zeros = self.zero.count
        out: list[Note] = []
        append = out.append
        for start, pitch, end, velocity in raw:
            if scale:
                start = (start * num + half) // den
                end = (end * num + half) // den
            if start > limit:
                late.add(1, f"pitch {pitch} at tick {start}")
                continue
            duration = end - start
            if duration <= 0:
                self.zero.add(1, f"pitch {pitch} at tick {start}")
                duration = MIN_NOTE_TICKS
            elif duration > MAX_NOTE_TICKS:
                self.long.add(1, f"pitch {pitch} at tick {start}")
                duration = MAX_NOTE_TICKS
            append(make(Note, (start, pitch, duration, velocity, nid())))
        out.sort()
        # Only a lengthened zero-length note can reach into the next one of its pitch.
        return self._separate(out) if self.zero.count > zeros else out

    def _separate(self, notes: list[Note]) -> list[Note]:
        """End each note where the next of its pitch starts; of notes starting together keep the longest."""
        out: list[Note] = []
        dropped: set[int] = set()
        last: dict[int, int] = {}
        for note in notes:
            i = last.get(note.pitch)
            if i is not None and out[i].start == note.start:
                self.duplicates.add(1, f"pitch {note.pitch} at tick {note.start}")
                dropped.add(i)
            elif i is not None and out[i].end > note.start:
                self.overlaps.add(1, f"pitch {note.pitch} at tick {note.start}")
                out[i] = out[i]._replace(duration=note.start - out[i].start)
            last[note.pitch] = len(out)
            out.append(note)
        return [note for i, note in enumerate(out) if i not in dropped] if dropped else out

    def report_to(self, report: ImportReport) -> None:
        if self.zero.count:
            action = f"gave them {MIN_NOTE_TICKS} ticks (a 32nd note)"
            report.repair("zero-length notes", action, self.zero.example, self.zero.count)
        if self.long.count:
            action = f"cut them to 64 bars of 4/4 ({MAX_NOTE_TICKS} ticks)"
            report.repair("overly long notes", action, self.long.example, self.long.count)
        _report_overlaps(report, self.overlaps, self.duplicates)
