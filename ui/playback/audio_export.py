"""File > Export Audio...: the song, or the loop range, rendered to a WAV file on a worker thread.

The render is the offline one of :mod:`composer.synth` (the events and SoundFont of playback)
on a plain thread that gets an immutable Score snapshot, so the window keeps painting. A
QProgressDialog follows the render's progress and its Cancel stops it within one block.
Nothing is written until the render is complete (then atomically), so a cancelled or failed
export leaves no file behind.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from composer.atomic_file import write_atomically
from composer.errors import ComposerError
from composer.score import Score
from composer.synth import SAMPLE_RATE, TAIL_SECONDS, RenderCancelled, render_score, wav_bytes
from ui.file_ops import FileOps

WAV_FILTER = "WAV audio (*.wav)"
PROGRESS_STEPS = 1000
PROGRESS_DELAY_MS = 300
"""A render shorter than this finishes without the progress dialog flashing up."""
CANCELLED = "cancelled"


@dataclass(frozen=True)
class ExportJob:
    """One export: what to render (a snapshot), where, which ticks (None: the whole song), with which SoundFont."""

    score: Score
    path: Path
    span: tuple[int, int] | None
    soundfont: Path | None


def render_job(job: ExportJob, progress: Callable[[float], None], cancelled: Callable[[], bool]) -> float:
    """Render ``job`` and write its WAV file; returns its length in seconds.

    A loop range lasts its full length plus the tail even when its last notes end early,
    so the file loops as it played. Raises RenderCancelled, ComposerError or OSError.
    """
    start, end = job.span if job.span is not None else (0, None)
    audio = render_score(job.score, start, end, soundfont=job.soundfont, progress=progress, cancelled=cancelled)
    if job.span is not None:
        tempo = job.score.tempo_map
        seconds = tempo.tick_to_seconds(job.span[1]) - tempo.tick_to_seconds(start) + TAIL_SECONDS
        missing = round(seconds * SAMPLE_RATE) - len(audio)
        if missing > 0:
            audio = np.concatenate([audio, np.zeros((missing, audio.shape[1]), dtype=audio.dtype)])
    write_atomically(job.path, wav_bytes(audio))
    return len(audio) / SAMPLE_RATE


class _Signals(QObject):
    """Carries the worker's progress and outcome to the GUI thread (queued)."""

    progress = Signal(int)  # steps of PROGRESS_STEPS
    done = Signal(object, str)  # seconds written | None, error text ("" on success, CANCELLED)


def _work(job: ExportJob, cancel: threading.Event, signals: _Signals) -> None:
    """The worker thread: render, then report; never raises."""
    last = -1

    def progress(fraction: float) -> None:
        nonlocal last
        step = int(fraction * PROGRESS_STEPS)
        if step != last:  # at most PROGRESS_STEPS signals, however long the song
            last = step
            signals.progress.emit(step)

    try:
        seconds: float | None = render_job(job, progress, cancel.is_set)
        error = ""
    except RenderCancelled:
        seconds, error = None, CANCELLED
    except OSError as exc:
        seconds, error = None, f"{job.path} could not be written: {exc.strerror or exc}"
    except ComposerError as exc:
        seconds, error = None, str(exc)
    except Exception as exc:  # a bug must still reach the user as a message, not kill the thread silently
        seconds, error = None, f"unexpected error ({type(exc).__name__}: {exc})"
    with contextlib.suppress(RuntimeError):  # the window was deleted meanwhile
        signals.done.emit(seconds, error)


class AudioExport(QObject):
    """Asks what and where (through the window's Prompts), renders on a thread, reports the outcome."""

    finished = Signal(object)  # the Path written, or None (cancelled or failed)
    message = Signal(str)  # a line for the status bar

    def __init__(self, file_ops: FileOps, parent: QWidget) -> None:
        super().__init__(parent)
        self.file_ops = file_ops
        self.widget = parent
        self.dialog: QProgressDialog | None = None
        self._job: ExportJob | None = None
        self._cancel = threading.Event()
        self._signals = _Signals(self)
        self._signals.done.connect(self._done)

    @property
    def busy(self) -> bool:
        return self._job is not None

    def run(self) -> bool:
        """Export Audio: ask, then start rendering; False if the user cancelled a question."""
        if self.busy:
            self.message.emit("An audio export is already running")
            return False
        job = self._ask()
        if job is None:
            return False
        self._start(job)
        return True

    def cancel(self) -> None:
        """Stop a running render (the window closes); nothing is written."""
        self._cancel.set()

    def _ask(self) -> ExportJob | None:
        ops = self.file_ops
        score, loop = ops.controller.score, ops.state.loop
        span = None
        if loop is not None:
            sigs = score.time_signatures
            options = ["Whole Song", f"Loop Range ({sigs.position(loop[0])} to {sigs.position(loop[1])})"]
            answer = ops.prompts.choose("Export Audio", "Export the whole song or only the loop range?", options)
            if answer is None:
                return None
            span = loop if answer == 1 else None
        path = ops.prompts.save_path("Export Audio", ops.suggested_path(".wav"), WAV_FILTER)
        if path is None:
            return None
        if path.suffix.lower() != ".wav":
            path = path.with_name(path.name + ".wav")
        return ExportJob(score, path, span, ops.settings.audio_output.soundfont)

    def _start(self, job: ExportJob) -> None:
        self._job = job
        self._cancel = threading.Event()
        dialog = QProgressDialog(f"Rendering {job.path.name}…", "Cancel", 0, PROGRESS_STEPS, self.widget)
        dialog.setObjectName("export_progress")
        dialog.setWindowTitle("Export Audio")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self._cancel.set)
        self._signals.progress.connect(dialog.setValue)
        self.dialog = dialog
        dialog.setValue(0)
        args = (job, self._cancel, self._signals)
        threading.Thread(target=_work, args=args, name="export-audio", daemon=True).start()

    def _done(self, seconds: float | None, error: str) -> None:
        job, self._job = self._job, None
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            self._signals.progress.disconnect(dialog.setValue)
            dialog.hide()
            dialog.deleteLater()  # not at once: a modal setValue may be running events under us
        if job is None:
            return
        if seconds is not None:
            self.message.emit(f"Exported {job.path.name} ({seconds:.1f} s)")
            self.finished.emit(job.path)
            return
        if error == CANCELLED:
            self.message.emit("Audio export cancelled")
        else:
            self.file_ops.prompts.error("Cannot export audio", error)
            self.message.emit(f"Could not export {job.path.name}")
        self.finished.emit(None)
