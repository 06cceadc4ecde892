"""File > New, Open, Import, Save, Save As, Export MIDI and Recent, for one window.

Reading runs on a worker thread (a large MusicXML file takes seconds in music21), so
the window keeps painting while a busy indicator shows; only the finished Score
crosses back to the GUI thread, where it replaces the document in one step. A file
that cannot be read changes nothing: the open project stays as it was and the user
is told why. Dialogs go through a :class:`Prompts` object, so tests answer them
without a modal loop.

What the editor looked at (active track, grid, loop, zoom) is saved in the project's
``app_state["editor"]`` and restored on open; other keys of ``app_state`` are kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from composer.errors import ComposerError
from composer.grid import Grid
from composer.score import Score, Track
from composer.score_files import MIDI_SUFFIXES, MUSICXML_SUFFIXES, PROJECT_SUFFIX, LoadedFile, load_file, save_file
from ui.dialogs.import_report_dialog import ImportReportDialog
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.pianoroll.transform import RollTransform
from ui.settings import Settings

OPEN_SUFFIXES = (PROJECT_SUFFIX, *MIDI_SUFFIXES, *MUSICXML_SUFFIXES)
OPEN_FILTER = "Songs (*.csproj.json *.mid *.midi *.musicxml *.xml *.mxl);;All files (*)"
IMPORT_FILTER = "MIDI and MusicXML (*.mid *.midi *.musicxml *.xml *.mxl);;All files (*)"
PROJECT_FILTER = "Composer Studio project (*.csproj.json)"
MIDI_FILTER = "MIDI file (*.mid *.midi)"


def can_open(path: str | Path) -> bool:
    """Whether the file's name says it is one we read (drag and drop, command line)."""
    return Path(path).name.lower().endswith(OPEN_SUFFIXES)


def base_name(path: Path) -> str:
    """The name without its song suffix: "song" for song.csproj.json, song.mid or song.mxl."""
    name = path.name
    lowered = name.lower()
    for suffix in OPEN_SUFFIXES:
        if lowered.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


# --- what the user is asked --------------------------------------------------------------


class SaveChoice(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


class Prompts(Protocol):
    """The questions and messages file handling needs; QtPrompts shows real dialogs."""

    def error(self, title: str, text: str) -> None: ...

    def ask_save_changes(self, name: str) -> SaveChoice: ...

    def open_path(self, caption: str, directory: Path | None, filters: str) -> Path | None: ...

    def save_path(self, caption: str, suggested: Path, filters: str) -> Path | None: ...

    def import_report(self, name: str, lines: list[str]) -> None: ...

    def choose(self, title: str, text: str, options: list[str]) -> int | None:
        """Which of ``options`` (index), or None for Cancel."""
        ...


class QtPrompts:
    """Prompts as modal Qt dialogs over ``parent``."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def error(self, title: str, text: str) -> None:
        QMessageBox.critical(self.parent, title, text)

    def ask_save_changes(self, name: str) -> SaveChoice:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to {name}?")
        box.setInformativeText("Your changes are lost if you don't save them.")
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        answer = box.exec()
        return {buttons.Save: SaveChoice.SAVE, buttons.Discard: SaveChoice.DISCARD}.get(
            buttons(answer), SaveChoice.CANCEL
        )

    def open_path(self, caption: str, directory: Path | None, filters: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.parent, caption, str(directory or ""), filters)
        return Path(name) if name else None

    def save_path(self, caption: str, suggested: Path, filters: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self.parent, caption, str(suggested), filters)
        return Path(name) if name else None

    def import_report(self, name: str, lines: list[str]) -> None:
        ImportReportDialog(name, lines, self.parent).exec()

    def choose(self, title: str, text: str, options: list[str]) -> int | None:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, self.parent)
        buttons = [box.addButton(option, QMessageBox.ButtonRole.AcceptRole) for option in options]
        box.setDefaultButton(buttons[0])
        box.exec()
        clicked = box.clickedButton()
        return buttons.index(clicked) if clicked in buttons else None


# --- the editor's state in a project file ------------------------------------------------


class ViewMemory(Protocol):
    """Whatever shows the roll: gives and takes its zoom and scroll as plain numbers."""

    def view_state(self) -> dict[str, float]: ...

    def restore_view_state(self, view: dict[str, float]) -> None: ...


def transform_state(transform: RollTransform) -> dict[str, float]:
    return {k: float(v) for k, v in dataclasses.asdict(transform).items()}


def transform_from_state(view: Any) -> RollTransform | None:
    """The transform saved by transform_state, or None when the saved value is unusable."""
    if not isinstance(view, dict):
        return None
    names = {f.name for f in dataclasses.fields(RollTransform)}
    values = {k: v for k, v in view.items() if k in names and isinstance(v, int | float) and math.isfinite(v)}
    if values.keys() != names or values["px_per_tick"] <= 0 or values["key_height"] <= 0:
        return None
    return RollTransform(**values)


def editor_state_json(state: EditorState, score: Score, view: ViewMemory | None) -> dict[str, Any]:
    """Active track (by index: ids are not stored), grid, loop and zoom."""
    active = state.active_track
    out: dict[str, Any] = {
        "active_track": score.track_index(active) if active is not None and score.has_track(active) else None,
        "grid": str(state.grid),
        "loop": list(state.loop) if state.loop else None,
    }
    if view is not None:
        out["view"] = view.view_state()
    return out


def restore_editor_state(saved: Any, state: EditorState, score: Score, view: ViewMemory | None) -> None:
    """Apply what editor_state_json saved; anything missing or odd falls back to a default."""
    saved = saved if isinstance(saved, dict) else {}
    index = saved.get("active_track")
    valid_index = isinstance(index, int) and 0 <= index < len(score.tracks)
    state.set_active_track(score.tracks[index].id if valid_index else (score.tracks[0].id if score.tracks else None))
    state.set_region(None)
    with contextlib.suppress(KeyError, ValueError, AttributeError):  # no grid saved, or not one we know
        state.set_grid(Grid.parse(saved["grid"]))
    loop = saved.get("loop")
    ok_loop = isinstance(loop, list) and len(loop) == 2 and all(isinstance(t, int) and t >= 0 for t in loop)
    state.set_loop((loop[0], loop[1]) if ok_loop else None)
    if view is not None and isinstance(saved.get("view"), dict):
        view.restore_view_state(saved["view"])


# --- loading on a worker thread ----------------------------------------------------------


class _LoadSignals(QObject):
    """Carries a load's outcome from the worker thread to the GUI thread (queued)."""

    done = Signal(int, object)  # request number, LoadedFile
    failed = Signal(int, str)  # request number, message


class _LoadTask(QRunnable):
    """Reads one file; never raises (any failure becomes a message)."""

    def __init__(self, request: int, path: Path, remember: bool, signals: _LoadSignals) -> None:
        super().__init__()
        self.setAutoDelete(False)  # FileOps keeps it until its result arrived
        self.request, self.path, self.remember, self.signals = request, path, remember, signals

    def run(self) -> None:
        try:
            loaded = load_file(self.path)
        except ComposerError as exc:
            self.signals.failed.emit(self.request, str(exc))
        except Exception as exc:  # a bug in an importer must still reach the user as a message
            self.signals.failed.emit(self.request, f"{self.path}: unexpected error ({type(exc).__name__}: {exc})")
        else:
            self.signals.done.emit(self.request, loaded)


# --- the file commands -------------------------------------------------------------------


class FileOps(QObject):
    """New, open, import, save, save as, export and recent files of one window's document."""

    busy_changed = Signal(bool, str)  # loading?, what is being opened
    opened = Signal(object)  # Path of the file that was opened
    saved = Signal(object)  # Path written (project, or exported MIDI)
    message = Signal(str)  # a line for the status bar

    def __init__(
        self,
        controller: DocumentController,
        state: EditorState,
        settings: Settings,
        prompts: Prompts,
        view: ViewMemory | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = state
        self.settings = settings
        self.prompts = prompts
        self.view = view
        self.source: Path | None = None  # the file the score was read from (a project or an import)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _LoadSignals(self)
        self._signals.done.connect(self._loaded)
        self._signals.failed.connect(self._failed)
        self._tasks: dict[int, _LoadTask] = {}
        self._latest = 0

    # names --------------------------------------------------------------------------------

    @property
    def display_name(self) -> str:
        """What the title bar calls the document: its project file, else the imported file."""
        path = self.controller.path or self.source
        return path.name if path else "Untitled"

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    # new and open -------------------------------------------------------------------------

    def new(self) -> bool:
        """An empty project with one piano track, after the unsaved-changes prompt."""
        if not self.confirm_discard():
            return False
        self.source = None
        score = Score(tracks=(Track.create("Piano"),))
        self.controller.load(score, None, {})
        restore_editor_state({"grid": str(self.state.grid)}, self.state, score, None)
        self.message.emit("New project")
        return True

    def open(self) -> bool:
        return self._ask_and_open("Open", OPEN_FILTER)

    def import_file(self) -> bool:
        return self._ask_and_open("Import MIDI or MusicXML", IMPORT_FILTER)

    def _ask_and_open(self, caption: str, filters: str) -> bool:
        if not self.confirm_discard():
            return False
        path = self.prompts.open_path(caption, self.settings.last_directory, filters)
        return path is not None and self.open_path(path, confirm=False)

    def open_recent(self, path: Path) -> bool:
        if not path.is_file():
            self.settings.remove_recent(path)
            self.prompts.error("Open Recent", f"{path} no longer exists; it was removed from the list.")
            return False
        return self.open_path(path)

    def open_path(self, path: str | Path, confirm: bool = True, remember: bool = True) -> bool:
        """Start reading ``path`` on the worker thread; False if the user cancelled the prompt.

        ``remember`` False keeps it out of the recent files and last folder (the bundled demo).
        """
        if confirm and not self.confirm_discard():
            return False
        path = Path(path)
        self._latest += 1
        task = _LoadTask(self._latest, path, remember, self._signals)
        self._tasks[self._latest] = task
        self.busy_changed.emit(True, f"Opening {path.name}…")
        self._pool.start(task)
        return True

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker is idle (scripts and benchmarks; the GUI never calls it)."""
        return self._pool.waitForDone(msecs)

    def _finish(self, request: int) -> _LoadTask | None:
        task = self._tasks.pop(request, None)
        if not self._tasks:
            self.busy_changed.emit(False, "")
        return task if request == self._latest else None  # an older request was overtaken: drop it

    def _loaded(self, request: int, loaded: LoadedFile) -> None:
        task = self._finish(request)
        if task is None:
            return
        path = task.path
        self.source = path
        project = loaded.kind == "project"
        self.controller.load(loaded.score, path if project else None, loaded.app_state if project else {})
        restore_editor_state(loaded.app_state.get("editor"), self.state, loaded.score, self.view)
        if task.remember:
            self._remember(path)
        score = loaded.score
        self.message.emit(f"Opened {path.name}: {len(score.tracks)} tracks, {score.note_count:,} notes")
        self.opened.emit(path)
        if loaded.report.has_repairs:
            self.prompts.import_report(path.name, loaded.report.lines())

    def _failed(self, request: int, text: str) -> None:
        task = self._finish(request)
        if task is not None:
            self.message.emit(f"Could not open {task.path.name}")
            self.prompts.error("Cannot open file", text)

    def restore_recovered(self, score: Score, app_state: dict[str, Any], path: Path | None,
                          source: Path | None) -> None:
        """Show a recovery copy (ui.recovery): marked modified, since it holds unsaved work, and with
        its original project ``path``, so Save writes where the user saved before the crash."""
        self._latest += 1  # a load still running (the demo) must not replace the recovered work
        self.source = source or path
        self.controller.load(score, path, app_state)
        restore_editor_state(app_state.get("editor"), self.state, score, self.view)
        self.controller.undo_stack.resetClean()
        self.message.emit(f"Recovered {self.display_name}: save it to keep the changes")

    # save ---------------------------------------------------------------------------------

    def save(self) -> bool:
        path = self.controller.path
        return self._write_project(path) if path is not None else self.save_as()

    def save_as(self) -> bool:
        path = self.prompts.save_path("Save Project As", self.suggested_path(PROJECT_SUFFIX), PROJECT_FILTER)
        if path is None:
            return False
        if not path.name.lower().endswith((PROJECT_SUFFIX, ".json")):
            path = path.with_name(path.name + PROJECT_SUFFIX)
        return self._write_project(path)

    def export_midi(self) -> bool:
        """Write a MIDI file; the project keeps its own path and modified state."""
        path = self.prompts.save_path("Export MIDI", self.suggested_path(".mid"), MIDI_FILTER)
        if path is None:
            return False
        if not path.name.lower().endswith((".mid", ".midi")):
            path = path.with_name(path.name + ".mid")
        if not self._write(path, lambda: save_file(path, self.controller.score)):
            return False
        self.message.emit(f"Exported {path.name}")
        self.saved.emit(path)
        return True

    def confirm_discard(self) -> bool:
        """True when the document may be replaced: unmodified, saved, or the user discards."""
        if not self.controller.is_modified:
            return True
        choice = self.prompts.ask_save_changes(self.display_name)
        if choice is SaveChoice.SAVE:
            return self.save()
        return choice is SaveChoice.DISCARD

    def app_state(self) -> dict[str, Any]:
        """The project's app state with the editor's current view merged in."""
        return {**self.controller.app_state, "editor": editor_state_json(self.state, self.controller.score, self.view)}

    def _write_project(self, path: Path) -> bool:
        app_state = self.app_state()
        if not self._write(path, lambda: save_file(path, self.controller.score, app_state)):
            return False
        self.controller.app_state = app_state
        self.source = path
        self.controller.mark_saved(path)
        self._remember(path)
        self.message.emit(f"Saved {path.name}")
        self.saved.emit(path)
        return True

    def _write(self, path: Path, write: Callable[[], None]) -> bool:
        try:
            write()
        except (OSError, ComposerError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.prompts.error("Cannot save", f"{path} could not be written: {reason}")
            return False
        return True

    def suggested_path(self, suffix: str) -> Path:
        """Where Save As and exports propose to write: the song's folder and name with ``suffix``."""
        current = self.controller.path or self.source
        name = base_name(current) if current else (self.controller.score.title.strip() or "Untitled")
        path = self.controller.path
        folder = path.parent if path else self.settings.last_directory or Path.home()
        return folder / f"{name}{suffix}"

    def _remember(self, path: Path) -> None:
        self.settings.add_recent(path)
        self.settings.last_directory = path.resolve().parent
