"""Project files (``.csproj.json``): the score plus app state, versioned JSON.

The format is documented in ``docs/project-format.md``. Loading is strict: a
project file is ours, so damage is reported as a :class:`ProjectFileError`
naming the faulty field rather than silently repaired. Older versions are
migrated step by step (``_MIGRATIONS``); a newer version is refused with a
message that says which version can read it. Saving is atomic.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from composer.annotations import ChordMark, Take, sorted_marks
from composer.atomic_file import write_atomically
from composer.errors import ProjectFileError
from composer.score import Note, Score, Track, new_id
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

FORMAT_NAME = "composer-studio-project"
FORMAT_VERSION = 3
SUFFIX = ".csproj.json"

Json = dict[str, Any]
# What reading damaged JSON data can raise (a list for an object, NaN or infinity for a number, a
# missing field): each becomes a ProjectFileError naming where it happened.
_DAMAGE = (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError)


@dataclass
class Project:
    """What a project file holds: the score and the app's state (view, loop, takes)."""

    score: Score
    app_state: Json = field(default_factory=dict)


# --- saving ------------------------------------------------------------------------------


def save_project(path: str | os.PathLike[str], project: Project) -> None:
    """Write ``project`` atomically; the previous file survives any failure."""
    write_atomically(path, dumps_project(project).encode("utf-8"))


def dumps_project(project: Project) -> str:
    """The project as JSON text, one note per line so files diff well."""
    doc = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "score": score_to_json(project.score)}
    doc["app_state"] = project.app_state
    rows: list[str] = []
    for track in doc["score"]["tracks"]:
        rows.append(",\n        ".join(json.dumps(list(n)) for n in track["notes"]))
        track["notes"] = f"@@notes{len(rows) - 1}@@"
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    for i, row in enumerate(rows):
        text = text.replace(f'"@@notes{i}@@"', f"[\n        {row}\n      ]" if row else "[]", 1)
    return text + "\n"


def score_to_json(score: Score) -> Json:
    """The score as the plain JSON data of a project file's ``score`` field."""
    return {
        "title": score.title,
        "ppq": PPQ,
        "tempo": [[c.tick, c.us_per_quarter] for c in score.tempo_map],
        "time_signatures": [[c.tick, c.numerator, c.denominator] for c in score.time_signatures],
        "keys": [[c.tick, c.key.fifths, "minor" if c.key.minor else "major"] for c in score.key_map],
        "tracks": [_track_json(t) for t in score.tracks],
        "chords": [[m.tick, m.symbol] for m in score.chords],
        "takes": [_take_json(t, {tr.id: i for i, tr in enumerate(score.tracks)}) for t in score.takes],
    }


def _take_json(take: Take, index_of: dict[int, int]) -> Json:
    """Track ids are per session, so the file names a take's tracks by index (tracks since deleted drop out)."""
    return {
        "operation": take.operation,
        "tracks": [index_of[i] for i in take.track_ids if i in index_of],
        "bars": [take.start_bar, take.end_bar],
        "options": dict(take.options), "seed": take.seed, "model": take.model, "candidate": take.candidate,
        "created": take.created,
    }


def _track_json(track: Track) -> Json:
    return {
        "name": track.name,
        "program": track.program,
        "drum": track.is_drum,
        "channel": track.channel,
        "colour": track.colour,
        "mute": track.mute,
        "solo": track.solo,
        "volume": track.volume,
        "pan": track.pan,
        "notes": [(n.start, n.duration, n.pitch, n.velocity) for n in track.notes],
    }


# --- loading -----------------------------------------------------------------------------


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file of this or an older version."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectFileError(f"cannot read the file ({_reason(exc)})", str(path)) from None
    try:
        return loads_project(text)
    except ProjectFileError as exc:
        raise ProjectFileError(str(exc), str(path)) from None


def loads_project(text: str) -> Project:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"damaged project file: invalid JSON at line {exc.lineno}, column {exc.colno}") from None
    except (ValueError, RecursionError) as exc:  # a number too long to convert, nesting too deep to parse
        raise ProjectFileError(f"damaged project file: {_reason(exc)}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise ProjectFileError("not a Composer Studio project file")
    doc = _migrate(doc)
    reader = _Reader()
    try:
        score = reader.score(doc["score"])
        app_state = doc.get("app_state", {})
        if not isinstance(app_state, dict):
            raise _Bad("app_state", "must be an object")
    except _Bad as exc:
        raise ProjectFileError(f"damaged project file: {exc}") from None
    except _DAMAGE as exc:
        raise ProjectFileError(f"damaged project file: {reader.where}: {_reason(exc)}") from None
    return Project(score, app_state)


def score_from_json(data: Json) -> Score:
    """A score from a project file's ``score`` data (current format); ProjectFileError if invalid."""
    reader = _Reader()
    try:
        return reader.score(data)
    except _Bad as exc:
        raise ProjectFileError(f"invalid score: {exc}") from None
    except _DAMAGE as exc:
        raise ProjectFileError(f"invalid score: {reader.where}: {_reason(exc)}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _migrate(doc: Json) -> Json:
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"damaged project file: bad version {version!r}")
    if version > FORMAT_VERSION:
        raise ProjectFileError(
            f"made by a newer Composer Studio (project format {version}); this version reads formats up to "
            f"{FORMAT_VERSION}: please update the app"
        )
    while version < FORMAT_VERSION:
        try:
            doc = _MIGRATIONS[version](doc)
        except _DAMAGE as exc:
            raise ProjectFileError(f"damaged project file (format {version}): {_reason(exc)}") from None
        version += 1
    return doc


def _from_v1(doc: Json) -> Json:
    """Format 1 (first draft): score fields at the top, notes as objects in the file's own PPQ,
    tempo as BPM, time signatures as "n/d" text, one key name, no track colours or mixer."""
    ppq = int(doc.get("ppq", PPQ))
    if ppq < 1:
        raise ValueError(f"ppq must be positive, not {ppq}")

    def ticks(t: int) -> int:
        return round(int(t) * PPQ / ppq)

    tempo = [[ticks(c["tick"]), bpm_to_us(float(c["bpm"]))] for c in doc.get("tempo", [{"tick": 0, "bpm": 120}])]
    sigs = []
    for c in doc.get("time_signatures", [{"tick": 0, "value": "4/4"}]):
        num, den = str(c["value"]).split("/")
        sigs.append([ticks(c["tick"]), int(num), int(den)])
    key = Key.parse(doc.get("key", "C major"))
    tracks = []
    for t in doc.get("tracks", []):
        notes = []
        for n in t.get("notes", []):
            start, end = ticks(n["start"]), ticks(int(n["start"]) + int(n["duration"]))
            notes.append([start, max(end - start, 1), int(n["pitch"]), int(n.get("velocity", 100))])
        drum = bool(t.get("drum", False))
        tracks.append({"name": t.get("name", "Track"), "program": t.get("program", 0), "drum": drum,
                       "channel": 9 if drum else t.get("channel", 0), "notes": notes})
    score = {"title": doc.get("title", ""), "ppq": PPQ, "tempo": tempo, "time_signatures": sigs,
             "keys": [[0, key.fifths, "minor" if key.minor else "major"]], "tracks": tracks}
    return {"format": FORMAT_NAME, "version": 2, "score": score, "app_state": {}}


def _from_v2(doc: Json) -> Json:
    """Format 2 had no chord symbols and no record of assistant takes."""
    doc["score"].setdefault("chords", [])
    doc["score"].setdefault("takes", [])
    doc["version"] = 3
    return doc


_MIGRATIONS: dict[int, Callable[[Json], Json]] = {1: _from_v1, 2: _from_v2}


class _Bad(ValueError):
    """A field holds a value of the wrong kind; the message names the field."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")


class _Reader:
    """Builds a Score from format-2 JSON, remembering where it is for error messages."""

    def __init__(self) -> None:
        self.where = "score"

    def score(self, s: Json) -> Score:
        self.where = "score"
        ppq = self.integer(s, "ppq", 1, 1 << 20)
        if ppq != PPQ:
            raise _Bad("score.ppq", f"{ppq} is not {PPQ}")
        self.where = "score.tempo"
        tempo = TempoMap(tuple(TempoChange(int(t), int(us)) for t, us in s["tempo"]))
        self.where = "score.time_signatures"
        sigs = TimeSignatureMap(tuple(TimeSignature(int(t), int(n), int(d)) for t, n, d in s["time_signatures"]))
        self.where = "score.keys"
        keys = KeyMap(tuple(KeyChange(int(t), Key(int(f), _mode(m))) for t, f, m in s["keys"]))
        tracks = tuple(self.track(t, i) for i, t in enumerate(s["tracks"]))
        self.where = "score.title"
        title = self.text(s, "title")
        self.where = "score.chords"
        chords = tuple(ChordMark(self.tick(t), self.symbol(sym)) for t, sym in s.get("chords", []))
        if chords != sorted_marks(chords):
            raise _Bad("score.chords", "must be in time order, one per tick")
        takes = tuple(self.take(t, i, tracks) for i, t in enumerate(s.get("takes", [])))
        return Score(tracks, tempo, sigs, keys, title, chords, takes)

    def take(self, t: Json, index: int, tracks: tuple[Track, ...]) -> Take:
        self.where = f"score.takes[{index}]"
        track_ids = tuple(tracks[int(i)].id for i in t["tracks"])
        start, end = (int(b) for b in t["bars"])
        options = t["options"]
        if not isinstance(options, dict) or not all(
            isinstance(v, str | int | float | bool) or v is None for v in options.values()
        ):
            raise _Bad(self.where, "options must map names to plain values")
        return Take(self.text(t, "operation"), track_ids, start, end,
                    tuple(sorted((str(k), v) for k, v in options.items())), int(t["seed"]), self.text(t, "model"),
                    int(t["candidate"]), self.text(t, "created"))

    @staticmethod
    def tick(value: object) -> int:
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"a tick must be a whole number >= 0, not {value!r}")
        return value

    @staticmethod
    def symbol(value: object) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > 32:
            raise ValueError(f"a chord symbol must be short text, not {value!r}")
        return value

    def track(self, t: Json, index: int) -> Track:
        self.where = f"score.tracks[{index}]"
        notes = tuple(sorted(self.note(n, index, i) for i, n in enumerate(t["notes"])))
        return Track(
            id=new_id(),
            name=self.text(t, "name"),
            program=self.integer(t, "program", 0, 127),
            is_drum=bool(t.get("drum", False)),
            channel=self.integer(t, "channel", 0, 15),
            colour=str(t.get("colour", "#4e9af1")),
            mute=bool(t.get("mute", False)),
            solo=bool(t.get("solo", False)),
            volume=self.integer(t, "volume", 0, 127, 100),
            pan=self.integer(t, "pan", 0, 127, 64),
            notes=notes,
        )

    def note(self, n: list[int], track: int, index: int) -> Note:
        start, duration, pitch, velocity = (int(v) for v in n)
        if start < 0 or duration < 1 or not 0 <= pitch <= 127 or not 1 <= velocity <= 127:
            raise _Bad(f"score.tracks[{track}].notes[{index}]", f"invalid note {list(n)}")
        return Note(start, pitch, duration, velocity, new_id())

    def integer(self, d: Json, key: str, lo: int, hi: int, default: int | None = None) -> int:
        value = d.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise _Bad(f"{self.where}.{key}", f"{value!r} is not a whole number in {lo}..{hi}")
        return value

    def text(self, d: Json, key: str) -> str:
        value = d.get(key, "")
        if not isinstance(value, str):
            raise _Bad(f"{self.where}.{key}", f"{value!r} is not text")
        return value


def _mode(mode: str) -> bool:
    if mode not in ("major", "minor"):
        raise ValueError(f"mode {mode!r} is not major or minor")
    return mode == "minor"
