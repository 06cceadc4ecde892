"""Crash recovery: a copy of the open document in a per-user folder, offered back after a crash.

The :class:`RecoveryManager` of a window writes the document as a project file plus a small
JSON sidecar (original path, time, app version, pid) every minute while it has unsaved changes,
and at once when an edit records an accepted AI take (a ``ChangeSet`` with ``takes``: that is
the work a user can least afford to lose and cannot simply redo). Writing a 100k-note project
takes a few hundred milliseconds, so only the snapshot (the immutable Score and the app state)
is taken on the GUI thread; one worker thread writes, atomically, in order. The copy is removed
when the document becomes clean (saved, or loaded fresh) and when the window closes normally.

A copy whose process is gone is an orphan: the next start offers it (Recover / Discard / Later).
Recovering opens it marked modified, with its original path, so Save writes where the user
expects.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import json
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import QGridLayout, QMessageBox, QSpacerItem, QWidget

from composer.atomic_file import write_atomically
from composer.edits import ChangeSet
from composer.errors import ComposerError
from composer.project_file import Project, dumps_project, load_project
from composer.score import Score
from ui.document_controller import DocumentController
from ui.settings import APPLICATION, ORGANISATION, Settings

AUTOSAVE_MS = 60_000
PROJECT_SUFFIX = ".csproj.json"
SIDECAR_SUFFIX = ".recovery.json"
log = logging.getLogger("composer_studio.recovery")  # goes to the crash handler's log file
RESCUE_TIMEOUT_S = 10.0  # how long a crash report waits for its recovery copy before saying it is not sure


def app_version() -> str:
    from importlib import metadata  # noqa: PLC0415 - slow to import; needed only when a copy is written

    try:
        return metadata.version("composer-studio")
    except metadata.PackageNotFoundError:  # a frozen app carries no distribution metadata
        return "unknown"


def _host() -> str:
    import socket  # noqa: PLC0415 - its enums cost ~45 ms at start-up; needed only for recovery copies

    return socket.gethostname()


def default_folder(settings: Settings) -> Path:
    """Where recovery copies go: the user's app-data folder, or beside settings kept at a chosen path.

    Settings at their own path (tests, portable installs) keep their recovery copies beside them,
    so a test never writes to, or is offered copies from, the user's real recovery folder.
    """
    if settings.file_name != QSettings(ORGANISATION, APPLICATION).fileName():
        return Path(settings.file_name).parent / "recovery"
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".composer-studio") / "recovery"


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine (a reused pid reads as alive: offered later)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes  # noqa: PLC0415 - Windows only
        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


# --- the files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryEntry:
    """One recovery copy on disk and what its sidecar says about it."""

    project: Path  # the copy, a project file
    sidecar: Path
    original: Path | None  # the project file Save writes to (None: never saved as a project)
    source: Path | None  # the file the song was read from (a project or an import)
    saved_at: datetime
    app_version: str
    pid: int
    host: str

    @property
    def display_name(self) -> str:
        path = self.original or self.source
        return path.name if path else "Untitled"

    @property
    def orphaned(self) -> bool:
        """Its process is gone (only decidable for copies made on this machine)."""
        return self.host == _host() and not process_alive(self.pid)


def read_entry(sidecar: Path) -> RecoveryEntry | None:
    """The entry a sidecar describes, or None when the sidecar or its copy is unusable."""
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        project = sidecar.with_name(sidecar.name[: -len(SIDECAR_SUFFIX)] + PROJECT_SUFFIX)
        if not project.is_file():
            return None
        return RecoveryEntry(
            project=project,
            sidecar=sidecar,
            original=Path(data["original"]) if data.get("original") else None,
            source=Path(data["source"]) if data.get("source") else None,
            saved_at=datetime.fromisoformat(data["saved_at"]),
            app_version=str(data.get("app_version", "unknown")),
            pid=int(data["pid"]),
            host=str(data.get("host", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def orphans(folder: Path) -> list[RecoveryEntry]:
    """Recovery copies left by processes that are gone, newest first."""
    if not folder.is_dir():
        return []
    entries = (read_entry(sidecar) for sidecar in folder.glob(f"*{SIDECAR_SUFFIX}"))
    found = [entry for entry in entries if entry is not None and entry.orphaned]
    return sorted(found, key=lambda entry: entry.saved_at, reverse=True)


def discard(entry: RecoveryEntry) -> None:
    """Delete a recovery copy (the sidecar first, so a half-deleted pair is never offered)."""
    for path in (entry.sidecar, entry.project):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _sidecar_json(original: Path | None, source: Path | None) -> bytes:
    data = {
        "original": str(original) if original else None,
        "source": str(source) if source else None,
        "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "app_version": app_version(),
        "pid": os.getpid(),
        "host": _host(),
    }
    return json.dumps(data, indent=1).encode("utf-8")


# --- writing on a worker thread -------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    """What one recovery save writes: immutable values taken on the GUI thread."""

    score: Score
    app_state: dict[str, Any]
    original: Path | None
    source: Path | None


class _Job:
    """A write (``snapshot``) or a removal (None) of this window's copy, with its outcome."""

    def __init__(self, snapshot: _Snapshot | None, also_discard: RecoveryEntry | None = None) -> None:
        self.snapshot = snapshot
        self.also_discard = also_discard  # an orphan whose content this write takes over
        self.done = threading.Event()
        self.error: str | None = None


class _Marker:
    """A no-op job whose completion tells :meth:`RecoveryManager.wait` the queue before it is done."""

    def __init__(self, done: threading.Event) -> None:
        self.done = done


class _Signals(QObject):
    """Carries the worker's outcomes to the GUI thread (queued)."""

    written = Signal(object)  # Path of the copy
    failed = Signal(str)


class RecoveryManager(QObject):
    """Autosaves one window's document to ``folder``; see the module docstring for when."""

    saved = Signal(object)  # Path of the recovery copy just written
    failed = Signal(str)  # why a recovery save failed

    def __init__(self, controller: DocumentController, app_state: Callable[[], dict[str, Any]],
                 source: Callable[[], Path | None], folder: Path, interval_ms: int = AUTOSAVE_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.folder = folder
        self._app_state = app_state
        self._source = source
        stem = f"{os.getpid()}-{id(self):x}"
        self.project_path = folder / f"{stem}{PROJECT_SUFFIX}"
        self.sidecar_path = folder / f"{stem}{SIDECAR_SUFFIX}"
        self._dirty = False  # changed since the last recovery save
        self._closed = False
        self._jobs: queue.Queue[_Job | _Marker | None] = queue.Queue()
        self._signals = _Signals(self)
        self._signals.written.connect(self.saved)
        self._signals.failed.connect(self._failed)
        self._thread = threading.Thread(target=self._work, name="recovery-writer", daemon=True)
        self._thread.start()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        controller.changed.connect(self._changed)
        controller.modified_changed.connect(self._modified_changed)

    def set_interval(self, msecs: int) -> None:
        self.timer.start(msecs)

    # when to save ---------------------------------------------------------------------------

    def _changed(self, changes: ChangeSet) -> None:
        self._dirty = True
        if changes.takes:  # an accepted (or undone) AI take: keep it now, not in a minute
            self.save()

    def _modified_changed(self, modified: bool) -> None:
        if not modified:  # saved, or a fresh file: what is on disk is the document
            self._dirty = False
            self.remove()

    def _failed(self, why: str) -> None:
        self._dirty = True  # the next tick tries again
        self.failed.emit(why)

    def _tick(self) -> None:
        if self._dirty and self.controller.is_modified:
            self.save()

    # saving and removing --------------------------------------------------------------------

    def save(self, wait: bool = False, also_discard: RecoveryEntry | None = None) -> str | None:
        """Queue a recovery save of the document as it is now; with ``wait``, block until it is
        written and return the error (None: written). Snapshotting is all the GUI thread does."""
        if self._closed:
            return "the window is closed"
        # The Score is immutable; the app state is a small dict of JSON values that the GUI thread may
        # change in place later, so the writer gets its own copy.
        app_state = copy.deepcopy(self._app_state())
        snapshot = _Snapshot(self.controller.score, app_state, self.controller.path, self._source())
        self._dirty = False
        job = _Job(snapshot, also_discard)
        self._jobs.put(job)
        if not wait:
            return None
        if not job.done.wait(RESCUE_TIMEOUT_S):
            return f"it was not written within {RESCUE_TIMEOUT_S:.0f} s"
        return job.error

    def rescue(self) -> str:
        """Save a recovery copy now (after an error) and say, in one sentence, where the work is."""
        if not self.controller.is_modified:
            return "Your document has no unsaved changes."
        error = self.save(wait=True)
        if error is None:
            return f"Your document is safe: a recovery copy was saved to\n{self.project_path}"
        return f"A recovery copy could not be saved ({error}): use File > Save As now to keep your work."

    def remove(self) -> None:
        """Delete this window's recovery copy (after anything queued before)."""
        if not self._closed:
            self._jobs.put(_Job(None))

    def wait(self, timeout: float = RESCUE_TIMEOUT_S) -> bool:
        """Block until every queued job is done (tests, shutdown)."""
        done = threading.Event()
        self._jobs.put(_Marker(done))
        return done.wait(timeout)

    def close(self) -> None:
        """A normal close: remove the copy and stop the worker (waits for it, briefly)."""
        if self._closed:
            return
        self.timer.stop()
        self.remove()
        self._closed = True
        self._jobs.put(None)
        self._thread.join(RESCUE_TIMEOUT_S)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if isinstance(job, _Marker):
                job.done.set()
                continue
            try:
                if job.snapshot is None:
                    self._unlink()
                else:
                    self._write(job.snapshot)
                    if job.also_discard is not None:
                        discard(job.also_discard)
            except Exception as exc:  # noqa: BLE001 - every failure is logged and reported to the window
                log.exception("Recovery copy %s", "removal failed" if job.snapshot is None else "save failed")
                job.error = str(exc) if isinstance(exc, ComposerError) else f"{type(exc).__name__}: {exc}"
                self._signals.failed.emit(job.error)
            else:
                if job.snapshot is not None:
                    self._signals.written.emit(self.project_path)
            finally:
                job.done.set()

    def _write(self, snapshot: _Snapshot) -> None:
        """The project first, then its sidecar: a sidecar always points at a complete copy.

        The JSON of a big song is a few hundred thousand short-lived dicts and lists; left on, the
        cycle collector would run full passes over every live object meanwhile, holding the GIL
        (and so the GUI thread) for tens of milliseconds. The writer makes no cycles, so it pauses it.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        collecting = gc.isenabled()
        gc.disable()
        try:
            data = dumps_project(Project(snapshot.score, snapshot.app_state)).encode("utf-8")
        finally:
            if collecting:
                gc.enable()
        write_atomically(self.project_path, data)
        write_atomically(self.sidecar_path, _sidecar_json(snapshot.original, snapshot.source))

    def _unlink(self) -> None:
        for path in (self.sidecar_path, self.project_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


# --- offering copies back -------------------------------------------------------------------


class RecoveryChoice(Enum):
    RECOVER = "recover"
    DISCARD = "discard"
    LATER = "later"


class RecoveryPrompt(Protocol):
    def ask(self, entry: RecoveryEntry) -> RecoveryChoice: ...

    def error(self, title: str, text: str) -> None: ...


class QtRecoveryPrompt:
    """The question as a modal message box with Recover, Discard and Later."""

    def __init__(self, parent: QWidget | None) -> None:
        self.parent = parent

    def ask(self, entry: RecoveryEntry) -> RecoveryChoice:
        box = QMessageBox(self.parent)
        box.setObjectName("recovery_prompt")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Recover unsaved work?")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(f"{entry.display_name} was not closed normally.")
        where = f"Saving it writes to {entry.original}." if entry.original else "It was never saved as a project."
        box.setInformativeText(f"Its unsaved changes were kept on {entry.saved_at:%A %d %B %Y at %H:%M}.\n\n"
                               f"Recover opens it with those changes. {where}\n"
                               "Discard deletes the recovery copy; Later asks again at the next start.")
        layout = box.layout()  # wide enough for a long path
        if isinstance(layout, QGridLayout):
            layout.addItem(QSpacerItem(520, 0), layout.rowCount(), 0, 1, layout.columnCount())
        recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        remove = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(recover)
        box.exec()
        clicked = box.clickedButton()
        if clicked is recover:
            return RecoveryChoice.RECOVER
        return RecoveryChoice.DISCARD if clicked is remove else RecoveryChoice.LATER

    def error(self, title: str, text: str) -> None:
        QMessageBox.critical(self.parent, title, text)


def offer(entries: list[RecoveryEntry], prompt: RecoveryPrompt,
          restore: Callable[[RecoveryEntry, Project], None]) -> RecoveryEntry | None:
    """Ask about each orphan, newest first, until one is recovered; returns it (None: none was).

    A copy that cannot be read is reported and its sidecar renamed, so it is not offered again
    while the copy itself stays for the user to rescue by hand.
    """
    for entry in entries:
        choice = prompt.ask(entry)
        if choice is RecoveryChoice.LATER:
            return None
        if choice is RecoveryChoice.DISCARD:
            discard(entry)
            continue
        try:
            project = load_project(entry.project)
        except (OSError, ComposerError) as exc:
            with contextlib.suppress(OSError):
                entry.sidecar.rename(entry.sidecar.with_suffix(".unreadable"))
            prompt.error("Cannot recover", f"The recovery copy {entry.project} cannot be read: {exc}")
            continue
        restore(entry, project)
        return entry
    return None
