"""Read MusicXML (``.musicxml``, ``.xml`` and compressed ``.mxl``) into a :class:`Score`.

music21 does the parsing; this module maps its stream tree onto the editor's model.
music21 takes about half a second to import, so it is imported inside
:func:`read_musicxml`, never when this module is imported.

Decisions, each visible in the result or the report:

- Notes are taken as written: repeats, volte and D.C./D.S. are *not* expanded (a
  repeated section appears once), because the editor edits the notation's bars, not
  a performance of them.
- Tied notes are merged into one note (what music21's ``stripTies`` does, in one pass).
- Grace notes have no written duration and are left out (counted in the report).
- A pickup (anacrusis) bar is padded to a full bar: all music moves right by the
  missing beats, so the pickup ends bar 1 and every later bar line of the notation
  falls on a bar line of the time-signature map (a bar-based editor needs that).
- The staves of one part (a piano's two staves) become one track, as one MusicXML
  ``<part>`` is one instrument.
- Time and key signatures come from the first part (MusicXML repeats them in every
  part); tempo comes from every metronome mark or ``<sound tempo>`` of the score.
  Modes other than minor keep their key signature and are stored as major.
- Unpitched notes take their GM drum key from the instrument music21 attaches to the
  note or part. music21 keeps one instrument per part, so a kit written as one part
  with several ``<score-instrument>`` sounds plays every note on the first sound.
- Velocity is the note's own MusicXML ``dynamics`` value when it has one, else 80;
  dynamics marks (p, f) are not turned into velocities yet.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from composer.errors import MusicXmlError
from composer.import_report import ImportReport
from composer.score import DRUM_CHANNEL, TRACK_COLOURS, Note, Score, Track
from composer.timing import (
    PPQ,
    Key,
    KeyChange,
    KeyMap,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
    bpm_to_us,
)

SUFFIXES = (".musicxml", ".xml", ".mxl")
DEFAULT_VELOCITY = 80
DEFAULT_DRUM_PITCH = 38  # GM acoustic snare, for an unpitched note whose sound music21 could not name


def read_musicxml(path: str | os.PathLike[str]) -> tuple[Score, ImportReport]:
    """Read a MusicXML file; raise :class:`MusicXmlError` when it is unreadable or has no notes."""
    path = Path(path)
    where = str(path)
    if path.suffix.lower() not in SUFFIXES:
        raise MusicXmlError(f"not a MusicXML file name (expected {', '.join(SUFFIXES)})", where)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MusicXmlError(f"cannot open file: {exc.strerror or exc}", where) from exc
    if size == 0:
        raise MusicXmlError("file is empty", where)

    report = ImportReport(source=where)
    parsed = _parse(path, report)
    try:
        score = _ScoreBuilder(parsed, path, report).build()
    except MusicXmlError:
        raise
    except Exception as exc:  # a file music21 parsed but cannot walk is still the file's fault, not a crash
        raise MusicXmlError(f"cannot interpret MusicXML ({type(exc).__name__}: {exc})", where) from exc
    return score, report


def score_from_music21(parsed: Any, source: str) -> tuple[Score, ImportReport]:
    """A Score from an already parsed music21 score (e.g. one tune of an ABC book in the corpus
    builder); MusicXmlError when it holds no notes or cannot be walked."""
    report = ImportReport(source=source)
    try:
        return _ScoreBuilder(parsed, Path(source), report).build(), report
    except MusicXmlError:
        raise
    except Exception as exc:  # same rule as read_musicxml: a bad piece is an error, not a crash
        raise MusicXmlError(f"cannot interpret the piece ({type(exc).__name__}: {exc})", source) from exc


def _parse(path: Path, report: ImportReport) -> Any:
    """music21's parse, with every failure turned into one clear error."""
    import music21  # slow import: only when a file is actually read

    try:
        parsed = music21.converter.parse(str(path), format="musicxml", forceSource=True, storePickle=False)
    except Exception as exc:  # music21 and ElementTree raise many unrelated types for bad input
        raise MusicXmlError(f"not readable as MusicXML ({type(exc).__name__}: {exc})", str(path)) from exc
    if isinstance(parsed, music21.stream.Opus):
        scores = list(parsed.scores)
        if not scores:
            raise MusicXmlError("no notes", str(path))
        if len(scores) > 1:
            report.ignore("further pieces in the file (the first is read)", len(scores) - 1)
        parsed = scores[0]
    return parsed


class _ScoreBuilder:
    """Walks one parsed music21 score and builds the editor's :class:`Score`."""

    def __init__(self, parsed: Any, path: Path, report: ImportReport) -> None:
        import music21

        self.m21 = music21
        self.parsed = parsed
        self.path = path
        self.report = report
        parts = list(parsed.parts)
        self.parts = parts if parts else [parsed]
        self.shift_ql = self._pickup_padding()

    def build(self) -> Score:
        tracks = self._tracks()
        if not any(t.notes for t in tracks):
            raise MusicXmlError("no notes", str(self.path))
        return Score(
            tracks=tuple(tracks),
            tempo_map=self._tempo_map(),
            time_signatures=self._time_signatures(),
            key_map=self._key_map(),
            title=self._title(),
        )

    # -- time ----------------------------------------------------------------------

    def _tick(self, offset: Any) -> int:
        """Ticks of a quarter-length offset in the flattened part, after the pickup padding."""
        return round((float(offset) + self.shift_ql) * PPQ)

    def _map_tick(self, offset: Any) -> int:
        """Like :meth:`_tick`, but a change written at the very start belongs to tick 0 (the padded bar)."""
        return 0 if float(offset) <= 0 else self._tick(offset)

    def _pickup_padding(self) -> float:
        """Quarter lengths missing from a short first bar (a pickup), 0 when the first bar is full."""
        measures = self.parts[0].getElementsByClass(self.m21.stream.Measure)
        if not measures:
            return 0.0
        first = measures[0]
        padding = float(first.paddingLeft or 0)
        if padding <= 0:
            try:
                padding = float(first.barDuration.quarterLength - first.duration.quarterLength)
            except Exception:  # no time signature in context: treat the bar as full
                padding = 0.0
            # Only a first bar shorter than its signature is a pickup; and only while it has music in it.
            if padding <= 0 or first.duration.quarterLength <= 0:
                padding = 0.0
        return padding

    # -- tracks ----------------------------------------------------------------------

    def _part_groups(self) -> list[list[Any]]:
        """Parts grouped so the staves (PartStaff) of one instrument form one group."""
        staff_groups = {}
        for group in self.parsed.getElementsByClass(self.m21.layout.StaffGroup):
            members = list(group.getSpannedElements())
            if len(members) > 1 and all(isinstance(m, self.m21.stream.PartStaff) for m in members):
                for member in members:
                    staff_groups.setdefault(id(member), id(group))
        groups: dict[int, list[Any]] = {}
        for part in self.parts:
            groups.setdefault(staff_groups.get(id(part), id(part)), []).append(part)
        return list(groups.values())

    def _tracks(self) -> list[Track]:
        channels = itertools.cycle([c for c in range(16) if c != DRUM_CHANNEL])
        tracks = []
        for index, group in enumerate(self._part_groups()):
            instrument = self._instrument(group[0])
            notes = [n for part in group for n in self._notes(part)]
            is_drum = self._is_drum(instrument, group)
            program = 0 if is_drum else _program(instrument)
            tracks.append(
                Track.create(
                    self._track_name(group[0], instrument, index),
                    notes,
                    program=program,
                    is_drum=is_drum,
                    channel=DRUM_CHANNEL if is_drum else next(channels),
                    colour=TRACK_COLOURS[index % len(TRACK_COLOURS)],
                )
            )
        return tracks

    def _instrument(self, part: Any) -> Any:
        instruments = list(part.recurse().getElementsByClass(self.m21.instrument.Instrument))
        programs = {i.midiProgram for i in instruments if i.midiProgram is not None}
        if len(programs) > 1:
            self.report.ignore("instrument changes within a part (first instrument kept)", len(programs) - 1)
        return instruments[0] if instruments else None

    def _is_drum(self, instrument: Any, group: list[Any]) -> bool:
        if isinstance(instrument, self.m21.instrument.UnpitchedPercussion):
            return True
        if instrument is not None and instrument.midiChannel == DRUM_CHANNEL:
            return True
        unpitched = (self.m21.note.Unpitched, self.m21.percussion.PercussionChord)
        return any(isinstance(n, unpitched) for part in group for n in part.recurse().notes)

    @staticmethod
    def _track_name(part: Any, instrument: Any, index: int) -> str:
        for name in (part.partName, instrument.partName if instrument else None, _instrument_name(instrument)):
            if name and str(name).strip():
                return str(name).strip()
        return f"Part {index + 1}"

    def _notes(self, part: Any) -> Iterator[Note]:
        """The part's notes with ties merged, in one pass (music21's stripTies takes seconds on a quartet)."""
        merged: list[list[int]] = []  # [start, end, pitch, velocity]
        open_ties: dict[int, list[int]] = {}  # pitch -> the note a tie from it would extend
        for element in part.flatten().notes:
            if element.duration.isGrace:
                self.report.ignore("grace notes")
                continue
            start = self._tick(element.offset)
            end = self._tick(element.offset + element.duration.quarterLength)
            for pitch, velocity, tie in self._sounds(element):
                held = open_ties.pop(pitch, None) if tie in ("stop", "continue") else None
                if held is not None and held[1] == start:
                    held[1] = end
                    note = held
                else:
                    note = [start, end, pitch, velocity]
                    merged.append(note)
                if tie in ("start", "continue"):
                    open_ties[pitch] = note
        for start, end, pitch, velocity in merged:
            if not 0 <= pitch <= 127:
                self.report.repair("pitch out of MIDI range", "note dropped", f"pitch {pitch} at tick {start}")
                continue
            if end <= start:
                self.report.repair("zero-length note", "lengthened to one tick", f"tick {start}")
                end = start + 1
            yield Note.create(pitch, start, end - start, velocity)

    def _sounds(self, element: Any) -> Iterable[tuple[int, int, str | None]]:
        """(MIDI pitch, velocity, tie type) of each sounding note of a note, chord or unpitched note."""
        if isinstance(element, self.m21.note.Unpitched):
            return [(self._drum_pitch(element), _velocity(element), _tie(element))]
        if isinstance(element, self.m21.percussion.PercussionChord):
            return [s for member in element.notes for s in self._sounds(member)]
        if isinstance(element, self.m21.chord.Chord):
            return [(m.pitch.midi, _velocity(m, element), _tie(m) or _tie(element)) for m in element.notes]
        return [(element.pitch.midi, _velocity(element), _tie(element))]

    def _drum_pitch(self, element: Any) -> int:
        """GM drum key of an unpitched note, from the instrument music21 attached to it or to its part."""
        instrument = element.storedInstrument
        if not isinstance(instrument, self.m21.instrument.UnpitchedPercussion):
            instrument = element.getContextByClass(self.m21.instrument.UnpitchedPercussion)
        if instrument is not None and instrument.percMapPitch is not None:
            return int(instrument.percMapPitch)
        self.report.repair("unpitched note with unknown drum sound", f"played as GM key {DEFAULT_DRUM_PITCH}")
        return DEFAULT_DRUM_PITCH

    # -- maps -------------------------------------------------------------------------

    def _tempo_map(self) -> TempoMap:
        changes: dict[int, int] = {}
        try:
            boundaries = self.parsed.metronomeMarkBoundaries()
        except Exception:  # music21 fails on some degenerate scores; the default tempo is a safe answer
            boundaries = []
        for start, end, mark in boundaries:
            if end <= start and len(boundaries) > 1:
                continue  # a mark superseded at the same offset
            bpm = mark.getQuarterBPM()
            if bpm is None or not math.isfinite(bpm) or bpm <= 0:
                self.report.repair("tempo mark without a usable number", "ignored", str(mark))
                continue
            changes[self._map_tick(start)] = bpm_to_us(bpm)
        if 0 not in changes:
            changes[0] = TempoMap().changes[0].us_per_quarter
        return TempoMap(tuple(_dedupe(TempoChange(t, us) for t, us in sorted(changes.items()))))

    def _time_signatures(self) -> TimeSignatureMap:
        changes: dict[int, TimeSignature] = {}
        for sig in self.parts[0].flatten().getElementsByClass(self.m21.meter.TimeSignature):
            tick = self._map_tick(sig.offset)
            candidate = TimeSignature(tick, int(sig.numerator), int(sig.denominator))
            try:
                TimeSignatureMap((candidate._replace(tick=0),))
            except ValueError as exc:
                self.report.repair("unsupported time signature", "ignored", f"{sig.ratioString}: {exc}")
                continue
            changes[tick] = candidate
        if 0 not in changes:
            changes[0] = TimeSignatureMap().changes[0]
        return TimeSignatureMap(tuple(_dedupe(changes[t] for t in sorted(changes))))

    def _key_map(self) -> KeyMap:
        changes: dict[int, KeyChange] = {}
        for sig in self.parts[0].flatten().getElementsByClass(self.m21.key.KeySignature):
            sharps = sig.sharps
            if sharps is None or not -7 <= sharps <= 7:
                self.report.repair("unsupported key signature", "ignored", str(sig))
                continue
            tick = self._map_tick(sig.offset)
            changes[tick] = KeyChange(tick, Key(int(sharps), getattr(sig, "mode", None) == "minor"))
        if 0 not in changes:
            changes[0] = KeyMap().changes[0]
        return KeyMap(tuple(_dedupe(changes[t] for t in sorted(changes))))

    def _title(self) -> str:
        md = self.parsed.metadata
        if md is None:
            return ""
        # music21 fills an absent movement title with the file name; that is not a title.
        for value in (md.title, md.movementName):
            if value and str(value) != self.path.name:
                return str(value).strip()
        return ""


def _dedupe(changes: Iterable[Any]) -> Iterator[Any]:
    """Drop changes that repeat the value in effect (music21 repeats them in every part and system)."""
    previous = None
    for change in changes:
        value = change[1:]
        if value != previous:
            yield change
        previous = value


def _tie(element: Any) -> str | None:
    """The tie type ("start", "continue", "stop") or None."""
    return element.tie.type if element.tie is not None else None


def _velocity(*elements: Any) -> int:
    """The first explicitly set velocity among ``elements`` (a chord member, then its chord), else the default."""
    for element in elements:
        volume = element.volume
        if volume is not None and volume.velocity is not None:
            return min(max(int(volume.velocity), 1), 127)
    return DEFAULT_VELOCITY


def _program(instrument: Any) -> int:
    program = instrument.midiProgram if instrument is not None else None
    return program if isinstance(program, int) and 0 <= program <= 127 else 0


def _instrument_name(instrument: Any) -> str | None:
    return instrument.instrumentName if instrument is not None else None
