"""Loading a project never crashes: any text gives a valid project or a ProjectFileError, nothing else.

Project files are hand-edited, synced, truncated by full disks and written by newer
versions, so the loader is fed random JSON, valid files with fields dropped, replaced
or retyped at random paths (NaN, infinities, huge numbers, wrong nesting), text cut
short, flipped bits and spliced bytes. A project that loads must hold a valid score
and save back to the same content. In the app, File > Open of a damaged project
leaves the open document exactly as it was.
"""

from __future__ import annotations

import json
import math
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.annotations import ChordMark, Take
from composer.errors import ProjectFileError
from composer.midi_import import read_midi
from composer.project_file import FORMAT_NAME, FORMAT_VERSION, Project, dumps_project, load_project, loads_project
from composer.score import Score
from composer.timing import PPQ
from tests.midi_helpers import POP909_FILES
from tests.score_compare import score_content
from tests.strategies import scores

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROJECTS = Path(__file__).parent / "data" / "projects"

# --- what a load must give --------------------------------------------------------------------------------------------


def assert_valid_project(project: Project) -> None:
    """What every loaded project must satisfy, whatever the file held."""
    score = project.score
    assert isinstance(project.app_state, dict)
    for maps in (score.tempo_map, score.time_signatures, score.key_map):
        ticks = [c[0] for c in maps]
        assert ticks[0] == 0 and ticks == sorted(set(ticks))
    assert all(c.us_per_quarter >= 1 for c in score.tempo_map)
    for track in score.tracks:
        assert list(track.notes) == sorted(track.notes)
        assert 0 <= track.channel <= 15 and 0 <= track.program <= 127
        assert 0 <= track.volume <= 127 and 0 <= track.pan <= 127
        assert isinstance(track.name, str) and isinstance(track.colour, str)
        for n in track.notes:
            assert 0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration >= 1 and n.start >= 0, n
    ticks = [m.tick for m in score.chords]
    assert ticks == sorted(set(ticks)) and all(m.tick >= 0 and isinstance(m.symbol, str) for m in score.chords)
    track_ids = {t.id for t in score.tracks}
    for take in score.takes:
        assert set(take.track_ids) <= track_ids
    again = loads_project(dumps_project(project))  # what was loaded can be saved and read back
    assert score_content(again.score) == score_content(score)
    assert again.score.chords == score.chords and len(again.score.takes) == len(score.takes)


def check_text(text: str) -> Project | None:
    """Load ``text``; anything but a valid project or a ProjectFileError fails the test."""
    try:
        project = loads_project(text)
    except ProjectFileError as exc:
        assert str(exc)
        return None
    assert_valid_project(project)
    return project


def check_bytes(data: bytes) -> Project | None:
    """Load ``data`` from a file, as the app does (undecodable bytes included)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzzed.csproj.json"
        path.write_bytes(data)
        try:
            project = load_project(path)
        except ProjectFileError as exc:
            assert str(path) in str(exc)
            return None
    assert_valid_project(project)
    return project


# --- valid files to damage --------------------------------------------------------------------------------------------


def _with_annotations(score: Score) -> Score:
    from dataclasses import replace

    take = Take("restyle", tuple(t.id for t in score.tracks[:2]), 1, 3, (("keep", "harmony"), ("style", "folk"),
                ("temperature", 0.9)), 7, "default:abc123", 1, "2026-11-22T04:00:00+00:00")
    return replace(score, chords=(ChordMark(0, "C"), ChordMark(4 * PPQ, "Am7"), ChordMark(8 * PPQ, "N.C.")),
                   takes=(take,) if score.tracks else ())


@cache
def real_doc() -> dict[str, Any]:
    """The first POP909 song (shortened) as a format-3 project with chords, takes and editor state."""
    score, _ = read_midi(POP909_FILES[0])
    score = score.__class__(tuple(t.with_notes(n for n in t.notes if n.start < 64 * PPQ) for t in score.tracks),
                            score.tempo_map, score.time_signatures, score.key_map, score.title)
    editor = {"active_track": 1, "grid": "1/8T", "loop": [0, 1920],
              "view": {"px_per_tick": 0.1, "key_height": 12.0, "left_tick": 0.0, "top": 300.0}}
    return json.loads(dumps_project(Project(_with_annotations(score), {"editor": editor, "other": [1, 2]})))


@cache
def old_docs() -> list[dict[str, Any]]:
    """Older formats, so the migrations are fuzzed too."""
    return [json.loads(p.read_text()) for p in sorted(PROJECTS.glob("*.csproj.json"))]


JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 2**63, -(2**63), 10**300, 0.5, -1, 0, 1e308, "", "1/16",
                     "major", "minor", "C", "#zzzzzz"]),
    st.text(max_size=12),
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)


def valid_docs() -> st.SearchStrategy[dict[str, Any]]:
    generated = scores(min_tracks=0).map(
        lambda s: json.loads(dumps_project(Project(_with_annotations(s), {"editor": {"active_track": 0}})))
    )
    return st.one_of(st.builds(real_doc), st.sampled_from(range(len(old_docs()))).map(lambda i: old_docs()[i]),
                     generated)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``doc`` (keys of objects, indexes of lists)."""
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:12]):  # long note lists: their first entries stand for the rest
            out += _paths(value, (*prefix, i))
    return out


def _mutate(data: st.DataObject, doc: Any) -> Any:
    """One damage at a random path: drop the field, replace it with random JSON, or retype or re-nest it."""
    doc = json.loads(json.dumps(doc))  # a deep copy; the cached originals stay intact
    path = data.draw(st.sampled_from(_paths(doc)))
    if not path:
        return data.draw(JSON)
    *parents, last = path
    holder = doc
    for key in parents:
        holder = holder[key]
    value = holder[last]
    kind = data.draw(st.sampled_from(["drop", "replace", "text", "wrap", "unwrap", "negate", "huge"]))
    if kind == "drop":
        del holder[last]
    elif kind == "replace":
        holder[last] = data.draw(JSON)
    elif kind == "text":
        holder[last] = json.dumps(value, allow_nan=True)
    elif kind == "wrap":
        holder[last] = data.draw(st.sampled_from([[value], {"value": value}, [value, value]]))
    elif kind == "unwrap" and isinstance(value, list | dict) and value:
        holder[last] = next(iter(value.values())) if isinstance(value, dict) else value[0]
    elif kind == "negate" and isinstance(value, int | float) and not isinstance(value, bool):
        holder[last] = -value - 1
    elif kind == "huge":
        holder[last] = data.draw(st.sampled_from([10**40, -(10**40), 1e300, math.inf, math.nan, 2**31]))
    return doc


# --- the fuzz tests ---------------------------------------------------------------------------------------------------


@FUZZ
@given(JSON)
def test_random_json(doc: Any) -> None:
    check_text(json.dumps(doc, allow_nan=True))


@FUZZ
@given(JSON, st.one_of(st.just(FORMAT_VERSION), st.integers(-2, FORMAT_VERSION + 1), JSON_LEAVES))
def test_random_json_with_our_format_name(score: Any, version: Any) -> None:
    """Past the format check: a random score under a real format name and some version."""
    check_text(json.dumps({"format": FORMAT_NAME, "version": version, "score": score}, allow_nan=True))


@FUZZ
@given(valid_docs(), st.data())
def test_mutated_valid_projects(doc: dict[str, Any], data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        doc = _mutate(data, doc)
    check_text(json.dumps(doc, allow_nan=True))


@FUZZ
@given(st.data())
def test_truncated_flipped_and_spliced_files(data: st.DataObject) -> None:
    raw = bytearray(dumps_project(loads_project(json.dumps(real_doc()))).encode())
    kind = data.draw(st.sampled_from(["truncate", "flip", "splice"]))
    if kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    elif kind == "flip":
        for bit in data.draw(st.lists(st.integers(0, len(raw) * 8 - 1), min_size=1, max_size=8)):
            raw[bit // 8] ^= 1 << (bit % 8)
    else:
        at, cut = data.draw(st.integers(0, len(raw))), data.draw(st.integers(0, 16))
        raw[at : at + cut] = data.draw(st.binary(max_size=16))
    check_bytes(bytes(raw))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # nesting deeper than the JSON parser's recursion
        '{"format": "composer-studio-project", "version": 3, "score": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "1" * 5_000,  # an integer longer than Python converts from text
        '{"format": "composer-studio-project", "version": ' + "9" * 5_000 + "}",
        '{"format": "composer-studio-project", "version": 1e400}',
        '{"format": "composer-studio-project", "version": NaN}',
        "\ufeff" + json.dumps({"format": FORMAT_NAME}),
        "",
        "null",
    ],
    ids=["deep-array", "deep-score", "long-int", "long-version", "inf-version", "nan-version", "bom", "empty", "null"],
)
def test_pathological_texts(text: str) -> None:
    check_text(text)


@pytest.mark.parametrize("path", [("score", "tempo", 0, 1), ("score", "tempo", 0, 0), ("score", "tracks", 0, "notes",
                                  0, 0), ("score", "time_signatures", 0, 1), ("score", "keys", 0, 1),
                                  ("score", "takes", 0, "seed"), ("score", "takes", 0, "bars", 0)])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, 10**400, 1e300, -(10**40)])
def test_non_finite_and_huge_numbers_in_every_numeric_field(path: tuple[Any, ...], value: Any) -> None:
    doc = json.loads(json.dumps(real_doc()))
    holder = doc
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    check_text(json.dumps(doc, allow_nan=True))


def test_the_valid_documents_load() -> None:
    """The fuzzed files start from valid ones (so the checks above can fail)."""
    project = check_text(json.dumps(real_doc()))
    assert project is not None and project.score.note_count > 50 and project.score.takes
    for doc in old_docs():
        assert check_text(json.dumps(doc)) is not None


# --- in the app: a damaged project changes nothing --------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


def _damaged_files() -> list[tuple[str, bytes]]:
    """A few damaged projects of each kind the loader refuses (found by the mutations above)."""
    text = json.dumps(real_doc())
    doc = json.loads(text)
    bad_note = json.loads(text)
    bad_note["score"]["tracks"][1]["notes"][5] = [0, 0, 200, 100]
    newer = json.loads(text)
    newer["version"] = FORMAT_VERSION + 1
    no_tempo = json.loads(text)
    del no_tempo["score"]["tempo"]
    huge = json.loads(text)
    huge["score"]["tempo"][0][1] = math.inf
    return [
        ("truncated", text[: len(text) // 2].encode()),
        ("bad-note", json.dumps(bad_note).encode()),
        ("newer", json.dumps(newer).encode()),
        ("no-tempo", json.dumps(no_tempo).encode()),
        ("infinite-tempo", json.dumps(huge, allow_nan=True).encode()),
        ("deep", b"[" * 100_000),
        ("not-utf8", text.encode()[:200] + b"\xff\xfe" + text.encode()[200:]),
        ("not-ours", json.dumps({"score": doc["score"]}).encode()),
    ]


def test_opening_a_damaged_project_in_the_app_leaves_the_document_untouched(qtbot: QtBot, tmp_path: Path) -> None:
    from tests.test_file_ops import FakePrompts
    from tests.window_helpers import show_active
    from ui.file_ops import SaveChoice
    from ui.mainwindow import MainWindow
    from ui.settings import Settings

    prompts = FakePrompts()
    window = MainWindow(Settings.at_path(tmp_path / "settings.ini"), prompts)
    show_active(qtbot, window)
    try:
        window.file_ops.open_path(POP909_FILES[1], confirm=False)
        qtbot.waitUntil(lambda: not window.file_ops.busy, timeout=20_000)
        controller = window.controller
        score = controller.score
        controller.push(ed.transpose(score, {score.tracks[0].id: [score.tracks[0].notes[0].id]}, 2))
        before, steps, active = controller.score, controller.undo_stack.count(), window.state.active_track
        title = window.windowTitle()
        for name, data in _damaged_files():
            path = tmp_path / f"{name}.csproj.json"
            path.write_bytes(data)
            window.file_ops.open_path(path, confirm=False)
            qtbot.waitUntil(lambda: not window.file_ops.busy, timeout=20_000)
            assert prompts.errors and prompts.errors[-1][0] == "Cannot open file", name
            assert path.name in prompts.errors[-1][1], prompts.errors[-1]
            assert controller.score is before and controller.undo_stack.count() == steps, name
            assert controller.is_modified and window.state.active_track == active and window.windowTitle() == title
        assert len(prompts.errors) == len(_damaged_files())
    finally:
        prompts.choice = SaveChoice.DISCARD


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(editor=JSON, data=st.data())
def test_odd_editor_state_in_a_valid_project_opens_cleanly(qtbot: QtBot, tmp_path: Path, editor: Any,
                                                           data: st.DataObject) -> None:
    """The editor state is restored after the score replaced the document: it must not fail half-way."""
    from tests.test_file_ops import FakePrompts, FakeView
    from ui.document_controller import DocumentController
    from ui.editor_state import EditorState
    from ui.file_ops import FileOps
    from ui.settings import Settings

    doc = json.loads(json.dumps(real_doc()))
    if isinstance(editor, dict) and data.draw(st.booleans()):  # keep the known keys, with odd values
        editor = {**doc["app_state"]["editor"], **editor}
    doc["app_state"]["editor"] = editor
    path = tmp_path / "odd.csproj.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    ops = FileOps(DocumentController(), EditorState(), Settings.at_path(tmp_path / "s.ini"), FakePrompts(), FakeView())
    with qtbot.waitSignal(ops.opened, timeout=20_000):
        ops.open_path(path, confirm=False)
    score = ops.controller.score
    assert score.note_count == real_doc_notes() and ops.state.active_track in {t.id for t in score.tracks}
    loop = ops.state.loop
    assert loop is None or 0 <= loop[0] < loop[1]


@cache
def real_doc_notes() -> int:
    return sum(len(t["notes"]) for t in real_doc()["score"]["tracks"])
