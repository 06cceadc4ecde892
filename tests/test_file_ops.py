"""File commands end to end: worker-thread open, errors that change nothing, save, export, recent.

Dialogs are answered by :class:`FakePrompts` (FileOps takes its prompts as an argument),
so no modal loop runs; settings live in a temporary INI file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.grid import Grid
from composer.midi_import import read_midi
from composer.project_file import load_project
from composer.score import Note, Score, Track
from composer.timing import PPQ
from tests.midi_helpers import POP909_FILES, midi, off, on, track
from tests.score_compare import score_content
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.file_ops import FileOps, SaveChoice, base_name, can_open
from ui.settings import Settings

MUSICXML = Path(__file__).parent / "data" / "musicxml" / "bach_bwv66.6.mxl"


@dataclass
class FakePrompts:
    """Answers every question from its fields and records what was asked."""

    paths: list[Path | None] = field(default_factory=list)  # answers to open/save path questions, in order
    choice: SaveChoice = SaveChoice.CANCEL
    errors: list[tuple[str, str]] = field(default_factory=list)
    reports: list[tuple[str, list[str]]] = field(default_factory=list)
    asked_save: list[str] = field(default_factory=list)
    suggested: list[Path] = field(default_factory=list)
    choices: list[int | None] = field(default_factory=list)  # answers to choose(), in order
    asked_choices: list[tuple[str, list[str]]] = field(default_factory=list)

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def ask_save_changes(self, name: str) -> SaveChoice:
        self.asked_save.append(name)
        return self.choice

    def open_path(self, caption: str, directory: Path | None, filters: str) -> Path | None:
        return self.paths.pop(0)

    def save_path(self, caption: str, suggested: Path, filters: str) -> Path | None:
        self.suggested.append(suggested)
        return self.paths.pop(0)

    def import_report(self, name: str, lines: list[str]) -> None:
        self.reports.append((name, lines))

    def choose(self, title: str, text: str, options: list[str]) -> int | None:
        self.asked_choices.append((text, options))
        return self.choices.pop(0)


@dataclass
class FakeView:
    view: dict[str, float] = field(default_factory=lambda: {"px_per_tick": 0.1, "key_height": 12.0,
                                                            "left_tick": 0.0, "top": 0.0})

    def view_state(self) -> dict[str, float]:
        return dict(self.view)

    def restore_view_state(self, view: dict[str, float]) -> None:
        self.view = dict(view)


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


@pytest.fixture
def ops(qtbot: QtBot, tmp_path: Path) -> FileOps:
    controller = DocumentController()
    state = EditorState()
    settings = Settings.at_path(tmp_path / "settings.ini")
    piano = Track.create("Piano", [Note.create(60, 0, PPQ), Note.create(64, PPQ, PPQ)])
    controller.load(Score(tracks=(piano,)))
    state.set_active_track(piano.id)
    return FileOps(controller, state, settings, FakePrompts(), FakeView())


def _prompts(ops: FileOps) -> FakePrompts:
    assert isinstance(ops.prompts, FakePrompts)
    return ops.prompts


def open_and_wait(qtbot: QtBot, ops: FileOps, path: Path, confirm: bool = True) -> bool:
    started = ops.open_path(path, confirm=confirm)
    qtbot.waitUntil(lambda: not ops.busy, timeout=20_000)
    return started


def _modify(ops: FileOps) -> None:
    score = ops.controller.score
    ops.controller.push(ed.transpose(score, {score.tracks[0].id: [score.tracks[0].notes[0].id]}, 2))


def test_open_midi_on_the_worker_thread(qtbot: QtBot, ops: FileOps) -> None:
    busy: list[bool] = []
    ops.busy_changed.connect(lambda b, _text: busy.append(b))
    with qtbot.waitSignal(ops.opened, timeout=20_000) as opened:
        assert ops.open_path(POP909_FILES[0])
        assert ops.busy  # the call returned before the file was read
    assert busy == [True, False] and opened.args == [POP909_FILES[0]]
    expected, _ = read_midi(POP909_FILES[0])
    score = ops.controller.score
    assert score_content(score) == score_content(expected)
    assert ops.controller.path is None and ops.source == POP909_FILES[0]  # an import: Save asks where
    assert ops.state.active_track == score.tracks[0].id
    assert ops.display_name == POP909_FILES[0].name and not ops.controller.is_modified
    assert ops.controller.undo_stack.count() == 0
    assert ops.settings.recent_files == [POP909_FILES[0].resolve()]
    assert _prompts(ops).errors == [] and _prompts(ops).reports == []  # only ignored pedal events: no dialog


def test_open_musicxml(qtbot: QtBot, ops: FileOps) -> None:
    open_and_wait(qtbot, ops, MUSICXML)
    assert len(ops.controller.score.tracks) == 4 and ops.controller.score.note_count > 100


@pytest.mark.parametrize("content", [b"not a midi file at all", b"MThd\x00\x00\x00\x06\x00\x01"])
def test_unreadable_file_shows_why_and_changes_nothing(
    qtbot: QtBot, ops: FileOps, tmp_path: Path, content: bytes
) -> None:
    _modify(ops)
    before, steps, active = ops.controller.score, ops.controller.undo_stack.count(), ops.state.active_track
    bad = tmp_path / "broken.mid"
    bad.write_bytes(content)
    open_and_wait(qtbot, ops, bad, confirm=False)
    ((title, text),) = _prompts(ops).errors
    assert title == "Cannot open file" and "broken.mid" in text and len(text) > len(str(bad)) + 5
    assert ops.controller.score is before and ops.controller.undo_stack.count() == steps
    assert ops.controller.is_modified and ops.state.active_track == active
    assert ops.settings.recent_files == []


def test_import_report_is_shown_when_the_importer_repaired_something(
    qtbot: QtBot, ops: FileOps, tmp_path: Path
) -> None:
    path = tmp_path / "zero.mid"
    path.write_bytes(midi(track(on(0, 60), off(0, 60), on(480, 62), off(480, 62))))
    open_and_wait(qtbot, ops, path)
    ((name, lines),) = _prompts(ops).reports
    assert name == "zero.mid" and any("zero-length" in line for line in lines)


def test_a_newer_request_wins(qtbot: QtBot, ops: FileOps) -> None:
    opened: list[Path] = []
    ops.opened.connect(opened.append)
    ops.open_path(POP909_FILES[0])
    ops.open_path(POP909_FILES[1])
    qtbot.waitUntil(lambda: not ops.busy, timeout=20_000)
    assert opened == [POP909_FILES[1]]
    assert ops.controller.score.note_count == read_midi(POP909_FILES[1])[0].note_count


def test_save_then_reopen_keeps_score_and_editor_state(qtbot: QtBot, ops: FileOps, tmp_path: Path) -> None:
    open_and_wait(qtbot, ops, POP909_FILES[0])
    score = ops.controller.score
    ops.state.set_active_track(score.tracks[2].id)
    ops.state.set_grid(Grid(8, triplet=True))
    ops.state.set_loop((PPQ * 4, PPQ * 12))
    assert isinstance(ops.view, FakeView)
    ops.view.view = {"px_per_tick": 0.25, "key_height": 9.0, "left_tick": 960.0, "top": 300.0}
    ops.controller.app_state = {"takes": ["kept by other features"]}
    target = tmp_path / "song"  # no suffix typed: the project suffix is added
    _prompts(ops).paths.append(target)
    assert ops.save()  # an import has no project path yet: Save asks where
    saved = tmp_path / "song.csproj.json"
    assert ops.controller.path == saved and not ops.controller.is_modified and saved.is_file()
    assert _prompts(ops).suggested[0].name == "001.csproj.json"

    ops.state.set_grid(Grid(4))
    ops.state.set_loop(None)
    ops.view.view = {}
    _modify(ops)
    _prompts(ops).choice = SaveChoice.DISCARD
    open_and_wait(qtbot, ops, saved)
    assert score_content(ops.controller.score) == score_content(score)
    assert ops.controller.path == saved and ops.display_name == "song.csproj.json"
    assert ops.state.active_track == ops.controller.score.tracks[2].id
    assert ops.state.grid == Grid(8, triplet=True) and ops.state.loop == (PPQ * 4, PPQ * 12)
    assert ops.view.view == {"px_per_tick": 0.25, "key_height": 9.0, "left_tick": 960.0, "top": 300.0}
    assert ops.controller.app_state["takes"] == ["kept by other features"]


def test_save_writes_in_place_and_save_as_moves_the_project(qtbot: QtBot, ops: FileOps, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csproj.json", tmp_path / "b.csproj.json"
    _prompts(ops).paths.append(first)
    assert ops.save_as()
    _modify(ops)
    assert ops.save()  # has a path now: no question
    assert _prompts(ops).paths == [] and not ops.controller.is_modified
    assert score_content(load_project(first).score) == score_content(ops.controller.score)
    _prompts(ops).paths.append(second)
    assert ops.save_as() and ops.controller.path == second and second.is_file()
    assert ops.settings.recent_files[:2] == [second.resolve(), first.resolve()]
    _prompts(ops).paths.append(None)  # cancelled
    assert not ops.save_as() and ops.controller.path == second


def test_save_failure_is_reported_and_keeps_the_document_modified(ops: FileOps, tmp_path: Path) -> None:
    _modify(ops)
    _prompts(ops).paths.append(tmp_path / "missing-folder" / "x.csproj.json")
    assert not ops.save()
    ((title, text),) = _prompts(ops).errors
    assert title == "Cannot save" and "x.csproj.json" in text
    assert ops.controller.path is None and ops.controller.is_modified


def test_export_midi_reads_back_exactly_and_keeps_the_project(ops: FileOps, tmp_path: Path) -> None:
    project = tmp_path / "p.csproj.json"
    _prompts(ops).paths.append(project)
    ops.save_as()
    _modify(ops)
    _prompts(ops).paths.append(tmp_path / "out")
    assert ops.export_midi()
    score, report = read_midi(tmp_path / "out.mid")
    assert score_content(score, app_state=False) == score_content(ops.controller.score, app_state=False)
    assert not report.has_repairs
    assert ops.controller.path == project and ops.controller.is_modified  # export is not a save


def test_recent_files_update_and_prune(qtbot: QtBot, ops: FileOps, tmp_path: Path) -> None:
    copies = []
    for i in range(2):
        copies.append(tmp_path / f"song{i}.mid")
        copies[-1].write_bytes(POP909_FILES[i].read_bytes())
        open_and_wait(qtbot, ops, copies[-1])
    assert ops.settings.recent_files == [copies[1].resolve(), copies[0].resolve()]
    copies[0].unlink()
    assert not ops.open_recent(copies[0].resolve())
    assert "no longer exists" in _prompts(ops).errors[0][1]
    assert ops.settings.recent_files == [copies[1].resolve()]


@pytest.mark.parametrize(
    ("choice", "allowed", "saved"),
    [(SaveChoice.CANCEL, False, False), (SaveChoice.DISCARD, True, False), (SaveChoice.SAVE, True, True)],
)
def test_unsaved_changes_prompt(
    ops: FileOps, tmp_path: Path, choice: SaveChoice, allowed: bool, saved: bool
) -> None:
    assert ops.confirm_discard() and _prompts(ops).asked_save == []  # nothing to lose: no question
    _modify(ops)
    _prompts(ops).choice = choice
    _prompts(ops).paths.append(tmp_path / "kept.csproj.json")
    assert ops.confirm_discard() is allowed
    assert _prompts(ops).asked_save == ["Untitled"]
    assert (tmp_path / "kept.csproj.json").exists() is saved


def test_cancelled_prompt_keeps_the_document(qtbot: QtBot, ops: FileOps) -> None:
    _modify(ops)
    before = ops.controller.score
    assert not ops.open_path(POP909_FILES[0])
    assert not ops.new()
    assert not ops.busy and ops.controller.score is before


def test_new_project(ops: FileOps) -> None:
    ops.state.set_grid(Grid(8))
    assert ops.new()
    score = ops.controller.score
    assert [t.name for t in score.tracks] == ["Piano"] and score.note_count == 0
    assert ops.state.active_track == score.tracks[0].id and ops.state.grid == Grid(8)
    assert ops.display_name == "Untitled" and ops.controller.undo_stack.count() == 0


def test_names() -> None:
    assert base_name(Path("x/song.csproj.json")) == "song" and base_name(Path("a.b.MID")) == "a.b"
    assert can_open("x.mxl") and can_open("X.MIDI") and can_open("p.csproj.json") and not can_open("notes.txt")
