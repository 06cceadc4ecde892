"""Crash recovery end to end: autosave while modified, at once on an accepted take, offered back
after a real crash (a child process killed with SIGKILL), recovered exactly or discarded.

Windows use settings in a temporary INI file, so their recovery folder is ``tmp_path/recovery``
(ui.recovery.default_folder) and the user's own recovery folder is never read or written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.annotations import Take
from composer.project_file import Project, dumps_project, load_project, save_project
from composer.region import Region
from composer.score import Note, Score, Track
from composer.timing import PPQ
from tests.score_compare import score_content
from tests.test_file_ops import FakePrompts
from tests.window_helpers import show_active
from ui.app import start
from ui.file_ops import SaveChoice
from ui.mainwindow import MainWindow
from ui.recovery import (
    SIDECAR_SUFFIX,
    QtRecoveryPrompt,
    RecoveryChoice,
    RecoveryEntry,
    RecoveryManager,
    orphans,
    process_alive,
    read_entry,
)
from ui.settings import AudioOutput, Settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class FakeRecoveryPrompt:
    """Answers the recovery question from ``choices`` and records what it was shown."""

    choices: list[RecoveryChoice] = field(default_factory=list)
    asked: list[RecoveryEntry] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def ask(self, entry: RecoveryEntry) -> RecoveryChoice:
        self.asked.append(entry)
        return self.choices.pop(0)

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


def settings_at(tmp_path: Path) -> Settings:
    settings = Settings.at_path(tmp_path / "settings.ini")
    settings.audio_output = AudioOutput(driver="file", device=str(tmp_path / "heard.wav"))
    return settings


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    w = MainWindow(settings_at(tmp_path), FakePrompts(choice=SaveChoice.DISCARD))
    show_active(qtbot, w)
    w.controller.load(small_score())
    return w


def small_score() -> Score:
    notes = [Note.create(60, 0, PPQ), Note.create(64, PPQ, PPQ), Note.create(67, 2 * PPQ, PPQ)]
    bass = Track.create("Bass", [Note.create(36, 0, 4 * PPQ)])
    return Score(title="Tune", tracks=(Track.create("Lead", notes), bass))


def a_take(track_id: int) -> Take:
    return Take("fill", (track_id,), 1, 2, (("candidates", 4),), 7, "test-model", 0, "2026-01-01T00:00:00")


def add_note(window: MainWindow, pitch: int = 72) -> None:
    track = window.controller.score.tracks[0].id
    window.controller.push(ed.add_notes(track, [Note.create(pitch, 4 * PPQ, PPQ)]))


def take_edit(score: Score) -> ed.Edit:
    """What accepting an assistant candidate pushes: its notes (bar 1 of the first track, a copy of
    bar 0) and the record of the take, as one step."""
    track = score.tracks[0].id
    notes = [Note.create(n.pitch, n.start + 4 * PPQ, n.duration) for n in score.tracks[0].notes]
    put = Region((track,), 1, 2).put(score, {track: notes}, "Assistant")
    return ed.combine([put, ed.record_take(score, a_take(track))], "Accept take")


def accept_take(window: MainWindow) -> None:
    window.controller.push(take_edit(window.controller.score))


def content(score: Score) -> tuple:
    takes = tuple((t.operation, t.start_bar, t.end_bar, t.seed, t.model) for t in score.takes)
    return (*score_content(score), takes, score.chords)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
    return child.pid


# --- autosave ---------------------------------------------------------------------------------


def test_the_recovery_folder_is_beside_settings_kept_at_a_path(window: MainWindow, tmp_path: Path) -> None:
    assert window.recovery.folder == tmp_path / "recovery"
    assert window.recovery.project_path.parent == tmp_path / "recovery"


def test_autosave_after_the_interval_when_modified(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    recovery = window.recovery
    recovery.set_interval(50)
    add_note(window)
    with qtbot.waitSignal(recovery.saved, timeout=5000) as saved:
        pass
    assert saved.args == [recovery.project_path]
    assert content(load_project(recovery.project_path).score) == content(window.controller.score)
    entry = read_entry(recovery.sidecar_path)
    assert entry is not None and entry.pid == os.getpid() and entry.original is None
    assert not entry.orphaned  # this process is alive: not offered to anyone
    assert orphans(recovery.folder) == []


def test_no_autosave_while_unmodified_or_unchanged(qtbot: QtBot, window: MainWindow) -> None:
    recovery = window.recovery
    writes: list[object] = []
    recovery.saved.connect(writes.append)
    recovery.set_interval(20)
    qtbot.wait(300)
    assert writes == [] and not recovery.project_path.exists()  # loaded, never edited
    add_note(window)
    qtbot.waitUntil(lambda: len(writes) == 1, timeout=5000)
    qtbot.wait(300)
    assert len(writes) == 1  # nothing changed since that save: no second write


def test_an_accepted_take_is_saved_at_once(window: MainWindow) -> None:
    recovery = window.recovery
    recovery.set_interval(3_600_000)
    accept_take(window)
    assert recovery.wait()
    saved = load_project(recovery.project_path).score
    assert [t.seed for t in saved.takes] == [7]
    assert content(saved) == content(window.controller.score)


def test_saving_removes_the_copy_and_the_next_edit_brings_it_back(qtbot: QtBot, window: MainWindow,
                                                                   tmp_path: Path) -> None:
    recovery = window.recovery
    accept_take(window)
    assert recovery.wait() and recovery.project_path.exists()
    window.file_ops.prompts.paths.append(tmp_path / "song.csproj.json")
    window.actions["save"].trigger()
    assert recovery.wait()
    assert not recovery.project_path.exists() and not recovery.sidecar_path.exists()
    recovery.set_interval(50)
    add_note(window, 74)
    qtbot.waitUntil(recovery.project_path.exists, timeout=5000)
    assert recovery.wait()
    entry = read_entry(recovery.sidecar_path)
    assert entry is not None and entry.original == tmp_path / "song.csproj.json"


def test_a_clean_close_removes_the_copy(qtbot: QtBot, window: MainWindow) -> None:
    recovery = window.recovery
    accept_take(window)
    assert recovery.wait() and recovery.project_path.exists()
    window.close()  # the prompt answers Discard
    assert not window.isVisible()
    assert not recovery.project_path.exists() and not recovery.sidecar_path.exists()


def test_the_gui_thread_only_takes_a_snapshot(qtbot: QtBot, window: MainWindow) -> None:
    """A 100k-note song: save() returns before the writer is done, and what it wrote is that snapshot."""
    notes = [Note.create(36 + i % 48, i * 120, 120) for i in range(100_000)]
    window.controller.load(Score(tracks=(Track.create("Big", notes),)))
    add_note(window, 30)
    snapshot = window.controller.score
    recovery = window.recovery
    assert recovery.save() is None
    add_note(window, 31)  # the document moves on while the copy is written
    assert recovery.wait(60)
    assert load_project(recovery.project_path).score.note_count == snapshot.note_count == 100_001


# --- after a crash --------------------------------------------------------------------------------

CRASHING_SESSION = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from tests.test_recovery import accept_take, settings_at, small_score
    from tests.test_file_ops import FakePrompts
    from ui.mainwindow import MainWindow
    from composer.project_file import Project, save_project

    tmp = Path(sys.argv[1])
    app = QApplication([])
    window = MainWindow(settings_at(tmp), FakePrompts())
    original = tmp / "song.csproj.json"
    save_project(original, Project(small_score()))
    window.file_ops.open_path(original)
    window.file_ops.wait()
    while window.controller.path != original:
        app.processEvents()
    accept_take(window)
    window.recovery.wait()
    print("saved", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # a crash: no close event, no clean-up
""")


def crash_a_session(tmp_path: Path) -> Path:
    """Run a real session in a child process that accepts a take and is killed; returns its song's path."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", CRASHING_SESSION, str(tmp_path)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -9 and "saved" in child.stdout, child.stderr
    return tmp_path / "song.csproj.json"


def expected_after_take(original: Path) -> tuple:
    score = load_project(original).score
    return content(take_edit(score).apply(score)[0])


def start_with(qtbot: QtBot, tmp_path: Path, prompt: FakeRecoveryPrompt) -> MainWindow:
    _app, window = start(["composer-studio"], settings_at(tmp_path), FakePrompts(choice=SaveChoice.DISCARD), prompt)
    qtbot.addWidget(window)
    return window


def test_recover_after_a_crash_restores_the_exact_score_and_saves_to_the_original(qtbot: QtBot,
                                                                                  tmp_path: Path) -> None:
    original = crash_a_session(tmp_path)
    before = original.read_bytes()
    expected = expected_after_take(original)
    (left,) = orphans(tmp_path / "recovery")
    assert left.display_name == "song.csproj.json" and left.original == original
    prompt = FakeRecoveryPrompt([RecoveryChoice.RECOVER])
    window = start_with(qtbot, tmp_path, prompt)
    assert [e.project for e in prompt.asked] == [left.project]
    assert content(window.controller.score) == expected
    assert window.controller.is_modified and window.controller.path == original
    assert window.windowTitle().startswith("song.csproj.json")
    assert original.read_bytes() == before  # nothing is written until the user saves
    assert window.recovery.wait()
    assert not left.project.exists() and not left.sidecar.exists()  # taken over by this session's copy
    assert content(load_project(window.recovery.project_path).score) == expected
    qtbot.wait(400)  # the demo is not opened over the recovered work
    assert content(window.controller.score) == expected
    window.actions["save"].trigger()  # Save writes to the original path, no question asked
    assert window.file_ops.prompts.paths == [] and not window.controller.is_modified
    assert content(load_project(original).score) == expected
    assert window.recovery.wait() and list((tmp_path / "recovery").iterdir()) == []


def test_discard_removes_the_copy_and_opens_the_demo(qtbot: QtBot, tmp_path: Path) -> None:
    crash_a_session(tmp_path)
    prompt = FakeRecoveryPrompt([RecoveryChoice.DISCARD])
    window = start_with(qtbot, tmp_path, prompt)
    assert len(prompt.asked) == 1
    assert list((tmp_path / "recovery").iterdir()) == []
    qtbot.waitUntil(lambda: window.file_ops.display_name == "demo.mid", timeout=20_000)
    assert not window.controller.is_modified


def test_later_keeps_the_copy_for_the_next_start(qtbot: QtBot, tmp_path: Path) -> None:
    crash_a_session(tmp_path)
    (left,) = orphans(tmp_path / "recovery")
    window = start_with(qtbot, tmp_path, FakeRecoveryPrompt([RecoveryChoice.LATER]))
    qtbot.waitUntil(lambda: window.file_ops.display_name == "demo.mid", timeout=20_000)
    assert orphans(tmp_path / "recovery") == [left]


def test_copies_of_running_sessions_are_not_offered(tmp_path: Path) -> None:
    folder = tmp_path / "recovery"
    folder.mkdir()
    for name, pid in (("alive", os.getpid()), ("dead", dead_pid())):
        save_project(folder / f"{name}.csproj.json", Project(small_score()))
        sidecar = {"original": None, "source": f"/songs/{name}.mid", "saved_at": "2026-01-01T10:00:00+00:00",
                   "app_version": "0.1.0", "pid": pid, "host": os.uname().nodename}
        (folder / f"{name}{SIDECAR_SUFFIX}").write_text(json.dumps(sidecar))
    assert [e.display_name for e in orphans(folder)] == ["dead.mid"]
    (folder / "stray.recovery.json").write_text("{not json")  # a damaged sidecar is ignored, not fatal
    assert [e.display_name for e in orphans(folder)] == ["dead.mid"]


def test_an_unreadable_copy_is_reported_and_not_offered_again(qtbot: QtBot, tmp_path: Path) -> None:
    crash_a_session(tmp_path)
    (left,) = orphans(tmp_path / "recovery")
    left.project.write_text(dumps_project(Project(small_score()))[:200])  # cut short
    prompt = FakeRecoveryPrompt([RecoveryChoice.RECOVER])
    window = start_with(qtbot, tmp_path, prompt)
    ((title, text),) = prompt.errors
    assert title == "Cannot recover" and str(left.project) in text
    assert left.project.exists() and orphans(tmp_path / "recovery") == []  # kept for a manual rescue
    qtbot.waitUntil(lambda: window.file_ops.display_name == "demo.mid", timeout=20_000)


# --- saves are atomic -----------------------------------------------------------------------------


def test_a_failed_save_keeps_the_old_file(qtbot: QtBot, window: MainWindow, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "song.csproj.json"
    window.file_ops.prompts.paths.append(path)
    window.actions["save"].trigger()
    before = path.read_bytes()
    add_note(window)

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    window.actions["save"].trigger()
    monkeypatch.undo()
    ((title, text),) = window.file_ops.prompts.errors
    assert title == "Cannot save" and "No space left" in text
    assert path.read_bytes() == before and window.controller.is_modified
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".song")) == []  # no temp file left


def test_the_manager_needs_no_window(qtbot: QtBot, tmp_path: Path) -> None:
    """RecoveryManager works with a bare DocumentController (the service and scripts have no window)."""
    from ui.document_controller import DocumentController

    controller = DocumentController()
    manager = RecoveryManager(controller, dict, lambda: None, tmp_path / "r", interval_ms=3_600_000)
    controller.load(small_score())
    controller.push(ed.record_take(controller.score, a_take(controller.score.tracks[0].id)))
    assert manager.wait()
    started = time.perf_counter()
    manager.close()
    assert time.perf_counter() - started < 10
    assert not manager.project_path.exists()


def test_a_failed_recovery_save_is_reported_not_swallowed(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    (tmp_path / "recovery").write_text("a file where the folder should be")
    add_note(window)
    with qtbot.waitSignal(window.recovery.failed, timeout=5000) as failed:
        assert window.recovery.save(wait=True) is not None
    assert "recovery" in failed.args[0]
    qtbot.waitUntil(lambda: "Recovery copy not saved" in window.statusBar().currentMessage(), timeout=5000)
    assert window.recovery.rescue().startswith("A recovery copy could not be saved")
    assert window.controller.is_modified  # the document itself is untouched
    (tmp_path / "recovery").unlink()  # the disk is usable again: the next tick tries again, unasked
    window.recovery.set_interval(50)
    with qtbot.waitSignal(window.recovery.saved, timeout=5000):
        pass
    assert content(load_project(window.recovery.project_path).score) == content(window.controller.score)


def test_the_real_prompt_offers_recover_discard_and_later(qtbot: QtBot, tmp_path: Path) -> None:
    entry = RecoveryEntry(tmp_path / "1.csproj.json", tmp_path / "1.recovery.json", Path("/songs/Ballad.csproj.json"),
                          None, datetime(2026, 11, 22, 5, 41), "0.1.0", 1, "host")
    prompt = QtRecoveryPrompt(None)
    for label, choice in (("Recover", RecoveryChoice.RECOVER), ("Discard", RecoveryChoice.DISCARD),
                          ("Later", RecoveryChoice.LATER)):
        seen: list[str] = []

        def click(label: str = label, seen: list[str] = seen) -> None:
            box = next(w for w in QApplication.topLevelWidgets()
                       if isinstance(w, QMessageBox) and w.objectName() == "recovery_prompt" and w.isVisible())
            seen.append(f"{box.text()} {box.informativeText()}")
            qtbot.mouseClick(next(b for b in box.buttons() if b.text() == label), Qt.MouseButton.LeftButton)

        QTimer.singleShot(0, click)
        assert prompt.ask(entry) is choice
        (text,) = seen
        assert "Ballad.csproj.json was not closed normally" in text and "22 November 2026 at 05:41" in text
        assert "Saving it writes to /songs/Ballad.csproj.json" in text
