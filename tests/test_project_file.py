"""Project files: exact round trip, atomic save, clear errors, migration from format 1."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from composer.annotations import ChordMark, Take
from composer.errors import ProjectFileError
from composer.project_file import FORMAT_VERSION, Project, dumps_project, load_project, loads_project, save_project
from composer.score import Note, Score, Track
from composer.timing import PPQ, Key, TempoChange, TimeSignature
from tests.score_compare import score_content
from tests.strategies import scores

DATA = Path(__file__).parent / "data" / "projects"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scores())
def test_round_trip_keeps_everything(score: Score) -> None:
    state = {"loop": [0, 4], "zoom": 1.5, "takes": [{"op": "fill", "seed": 7}]}
    project = loads_project(dumps_project(Project(score, state)))
    assert score_content(project.score) == score_content(score)
    assert project.app_state == state


def test_file_has_one_note_per_line_and_is_plain_json(tmp_path: Path) -> None:
    track = Track.create("Piano", [Note.create(60, 0, PPQ), Note.create(64, PPQ, PPQ)])
    path = tmp_path / "song.csproj.json"
    save_project(path, Project(Score(tracks=(track, Track.create("Empty")))))
    text = path.read_text()
    assert "        [0, 480, 60, 96],\n        [480, 480, 64, 96]\n" in text
    doc = json.loads(text)
    assert doc["version"] == FORMAT_VERSION and doc["score"]["tracks"][1]["notes"] == []


def test_atomic_save_keeps_the_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "song.csproj.json"
    save_project(path, Project(Score(title="old")))
    before = path.read_bytes()

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        save_project(path, Project(Score(title="new")))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["song.csproj.json"]  # no temp file left behind


def test_newer_version_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "future.csproj.json"
    path.write_text(json.dumps({"format": "composer-studio-project", "version": FORMAT_VERSION + 1, "score": {}}))
    with pytest.raises(ProjectFileError, match="newer Composer Studio .* please update"):
        load_project(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "invalid JSON at line 1"),
        ('{"format": "composer-studio-project", "version": 2, "score": {', "invalid JSON"),
        ("[1, 2]", "not a Composer Studio project"),
        ('{"format": "other"}', "not a Composer Studio project"),
        ('{"format": "composer-studio-project", "version": "two"}', "bad version"),
        ('{"format": "composer-studio-project", "version": 2}', "missing 'score'"),
    ],
)
def test_damaged_files_raise_one_typed_error(text: str, message: str) -> None:
    with pytest.raises(ProjectFileError, match=message):
        loads_project(text)


def _valid_doc() -> dict:
    track = Track.create("Piano", [Note.create(60, 0, PPQ)])
    return json.loads(dumps_project(Project(Score(tracks=(track,)))))


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("score", "tracks", 0, "notes", 0), [0, 0, 60, 90], r"tracks\[0\]\.notes\[0\]: invalid note"),
        (("score", "tracks", 0, "notes", 0), [0, 10, 200, 90], "invalid note"),
        (("score", "tracks", 0, "program"), 300, r"tracks\[0\]\.program: 300 is not a whole number in 0..127"),
        (("score", "tracks", 0, "name"), 5, "name: 5 is not text"),
        (("score", "tempo"), [[5, 500000]], "score.tempo: TempoMap needs a change at tick 0"),
        (("score", "keys"), [[0, 9, "major"]], "score.keys"),
        (("score", "time_signatures"), [[0, 4]], "score.time_signatures"),
        (("score", "ppq"), 96, "score.ppq: 96 is not 480"),
        (("app_state",), [1], "app_state: must be an object"),
    ],
)
def test_bad_fields_are_named_in_the_error(path: tuple, value: object, message: str) -> None:
    doc = _valid_doc()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ProjectFileError, match=message):
        loads_project(json.dumps(doc))


def test_unreadable_path_gives_a_project_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="cannot read the file"):
        load_project(tmp_path / "missing.csproj.json")
    binary = tmp_path / "binary.csproj.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProjectFileError, match=str(binary)):
        load_project(binary)


def test_format_1_migrates() -> None:
    project = load_project(DATA / "v1_example.csproj.json")
    score = project.score
    assert score.title == "Format 1 example"
    assert list(score.tempo_map) == [TempoChange(0, 666_667), TempoChange(3840, 500_000)]
    assert list(score.time_signatures) == [TimeSignature(0, 3, 4), TimeSignature(2880, 6, 8)]
    assert score.key == Key(1, True)
    flute, kit = score.tracks
    assert [(n.start, n.duration, n.pitch, n.velocity) for n in flute.notes] == [
        (0, 480, 76, 90),
        (480, 240, 78, 100),
        (720, 1, 79, 100),  # half a tick at PPQ 960 still lasts one tick
    ]
    assert flute.program == 73 and not flute.is_drum
    assert kit.is_drum and kit.channel == 9 and kit.notes[0].velocity == 110
    resaved = loads_project(dumps_project(project))
    assert score_content(resaved.score) == score_content(score)


def test_damaged_format_1_is_a_project_error() -> None:
    doc = json.loads((DATA / "v1_example.csproj.json").read_text())
    doc["time_signatures"] = [{"tick": 0, "value": "three four"}]
    with pytest.raises(ProjectFileError, match="format 1"):
        loads_project(json.dumps(doc))


def test_saved_file_gets_normal_permissions(tmp_path: Path) -> None:
    path = tmp_path / "song.csproj.json"
    umask = os.umask(0o022)
    try:
        save_project(path, Project(Score()))
        assert path.stat().st_mode & 0o777 == 0o644
        path.chmod(0o600)
        save_project(path, Project(Score(title="again")))
        assert path.stat().st_mode & 0o777 == 0o600  # an existing file keeps its permissions
    finally:
        os.umask(umask)


def test_format_2_migrates_with_no_chords_or_takes() -> None:
    project = load_project(DATA / "v2_example.csproj.json")
    assert project.score.title == "Format 2 example"
    assert project.score.chords == () and project.score.takes == ()
    assert [n.pitch for n in project.score.tracks[0].notes] == [60, 64]
    assert project.app_state == {"view": {"left_tick": 0}}


def test_chords_and_takes_round_trip() -> None:
    take = Take("restyle", (3,), 4, 8, (("keep", "harmony"), ("style", "folk"), ("temperature", 0.9)), 42,
                "default@abc123", 2, "2026-11-22T04:30:00+00:00")
    score = Score(tracks=(Track(id=3, name="Lead"),), chords=(ChordMark(0, "C"), ChordMark(1920, "Am7")),
                  takes=(take,))
    loaded = loads_project(dumps_project(Project(score, {}))).score
    assert loaded.chords == score.chords
    assert loaded.takes == (replace(take, track_ids=(loaded.tracks[0].id,)),)  # ids are per session
    assert loaded.takes[0].option("style") == "folk"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("chords", [[480, "C"], [0, "G"]], "time order"),
    ("chords", [[0, ""]], "chord symbol"),
    ("chords", [[-5, "C"]], "tick"),
    ("takes", [{"operation": "fill"}], "takes\\[0\\]"),
    ("takes", [{"operation": "fill", "tracks": [], "bars": [0, 1], "options": {"a": [1]}, "seed": 1,
                "model": "m", "candidate": 0, "created": ""}], "options"),
])
def test_bad_chords_and_takes_are_named(field: str, value: object, message: str) -> None:
    doc = json.loads(dumps_project(Project(Score(), {})))
    doc["score"][field] = value
    with pytest.raises(ProjectFileError, match=message):
        loads_project(json.dumps(doc))
