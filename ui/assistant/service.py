"""The inference service: one long-lived worker thread that owns torch and the model.

The GUI thread never runs the model and never imports torch: the worker imports it and
loads the checkpoint after the window shows (state LOADING, then READY or ERROR). A
:class:`Request` is a frozen snapshot (the immutable Score, the Region, the options, the
seed, the fingerprints to avoid, the document revision), so the worker never touches
the live document. Each request has its own cancel event, which the engine checks
before every token; a new request cancels the one before it.

Events travel back as one queued Qt signal and are re-emitted on the GUI thread only
while they belong to the current request and the song has not changed under it: an
edit to notes, tracks, meter or chord symbols marks the running request stale (it is
cancelled and :attr:`AssistantService.stale` tells the panel); muting a track or
recording a take does not. Errors (no or bad checkpoint, out of memory, an exception
in the model) become messages; a CUDA failure reloads the model on the CPU and retries.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from composer.annotations import JsonScalar
from composer.edits import ChangeSet
from composer.region import Region
from composer.score import Note, Score
from composer.tokens import BarControls
from models.defaults import DEFAULT_TEMPERATURE, RESTYLE_KEEP

OPERATIONS = ("fill", "vary", "restyle", "continue")
DEFAULT_CHECKPOINT = Path(str(find_spec("models").origin)).parent / "checkpoints" / "default"  # type: ignore[union-attr]
"""The shipped model (found without importing the models package, which would not matter, or torch, which would)."""


class ServiceState(Enum):
    IDLE = "no model"
    LOADING = "loading model"
    READY = "ready"
    BUSY = "generating"
    ERROR = "model unavailable"


# The worker's decode loop is Python between torch calls, so it holds the GIL in short bursts; each
# time the GUI thread comes back from Qt it may wait the whole switch interval (5 ms by default) for
# it, and a repaint makes many such trips. At 0.5 ms the worst GUI stall while 4 candidates were
# written fell from 51.1 / 121.5 / 51.8 ms to 39.7 / 35.3 / 47.2 (bench_assistant_gui.py, 6 runs each,
# alternating), with the same time to all candidates (1.1-1.3 s).
GIL_SWITCH_INTERVAL_S = 0.0005


@dataclass(frozen=True)
class RequestOptions:
    """What the user chose in the panel; None means "auto" (the model or the original decides)."""

    candidates: int = 4
    temperature: float = DEFAULT_TEMPERATURE
    style: str | None = None
    amount: float = 0.5  # vary: 0 close to the original .. 1 free
    keep: tuple[str, ...] = RESTYLE_KEEP  # restyle: what to keep (models.assistant.KEEP_OPTIONS)
    density: int | None = None  # DENS bin 0..7
    polyphony: int | None = None  # POLY bin
    pitch_range: tuple[int, int] | None = None
    style_strength: float | None = None  # style guidance (1: none); None: the operation's default

    def as_pairs(self) -> tuple[tuple[str, JsonScalar], ...]:
        """Sorted (name, value) pairs of JSON scalars, as a Take stores them."""
        pairs: dict[str, JsonScalar] = {
            "candidates": self.candidates, "temperature": self.temperature, "style": self.style,
            "amount": self.amount, "keep": ",".join(self.keep), "density": self.density,
            "polyphony": self.polyphony, "style_strength": self.style_strength,
            "pitch_range": None if self.pitch_range is None else f"{self.pitch_range[0]}-{self.pitch_range[1]}",
        }
        return tuple(sorted(pairs.items()))

    @classmethod
    def from_pairs(cls, pairs: tuple[tuple[str, JsonScalar], ...]) -> RequestOptions:
        """The options a Take recorded (unknown names are ignored, missing ones take defaults)."""
        data = dict(pairs)
        out = cls()
        simple = {"candidates": int, "temperature": float, "amount": float, "density": int, "polyphony": int,
                  "style_strength": float}
        for name, kind in simple.items():
            if data.get(name) is not None:
                out = replace(out, **{name: kind(data[name])})
        if data.get("style"):
            out = replace(out, style=str(data["style"]))
        if "keep" in data:
            out = replace(out, keep=tuple(k for k in str(data["keep"] or "").split(",") if k))
        if data.get("pitch_range"):
            low, _, high = str(data["pitch_range"]).partition("-")
            out = replace(out, pitch_range=(int(low), int(high)))
        return out

    def steering(self) -> BarControls | None:
        """The controls the user set explicitly (density, polyphony, pitch range), or None."""
        if self.density is None and self.polyphony is None and self.pitch_range is None:
            return None
        return BarControls(density=self.density, polyphony=self.polyphony, pitch_range=self.pitch_range)


@dataclass(frozen=True)
class Request:
    """One frozen request: everything the worker needs, nothing live."""

    id: int
    revision: int
    operation: str
    score: Score
    region: Region
    options: RequestOptions
    seed: int
    avoid: frozenset[tuple] = frozenset()
    submitted: float = field(default_factory=time.perf_counter, compare=False)

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValueError(f"unknown operation {self.operation!r}")


@dataclass(frozen=True)
class ModelInfo:
    name: str  # checkpoint name and vocabulary hash, what a Take records
    device: str  # "cuda", "mps" or "cpu"
    styles: tuple[str, ...]
    path: Path


def stale_change(changes: ChangeSet) -> bool:
    """Does this change make a running request's snapshot wrong? (Muting, mixing, takes: no.)"""
    return bool(changes.note_tracks or changes.track_list or changes.time_signature or changes.chords
                or changes.everything)


def worker_threads(cores: int | None = None) -> int:
    """Torch threads for decoding: one core is left to the GUI thread, and a small model's batch of
    a few rows gains little past 4. On a busy 2-core machine torch's default (every core) made a
    request 5-10x slower and the GUI stutter (see benchmarks/bench_assistant_gui.py)."""
    cores = cores if cores is not None else os.cpu_count() or 1
    return max(1, min(4, cores - 1))


def pick_device() -> str:
    """CUDA where present, else Apple's MPS, else the CPU (runs on the worker: imports torch)."""
    import torch  # noqa: PLC0415 - the worker thread imports torch, never the GUI thread

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


class AssistantService(QObject):
    """The GUI side of the worker: submit, cancel, and signals that arrive on the GUI thread."""

    state_changed = Signal(object, str)  # ServiceState, detail (the error message, the device)
    model_loaded = Signal(object)  # ModelInfo
    cell_done = Signal(object, int, object, object)  # Request, candidate, (track id, bar), list[Note]
    candidate_restarted = Signal(object, int, int, int)  # Request, candidate, start bar, end bar being redone
    finished = Signal(object, object, float)  # Request, Result, seconds from submit
    failed = Signal(object, str)  # Request, message
    cancelled = Signal(object)  # Request
    stale = Signal(object)  # Request: the song changed under it; it was cancelled and dropped
    confidences = Signal(object, object)  # Request, [style-classifier confidence or None per candidate]
    message = Signal(str)  # something the user should read (a CUDA fallback)
    _posted = Signal(object)  # (kind, request id, payload) from the worker thread

    def __init__(self, parent: QObject | None = None, device: str | None = None, threads: int | None = None) -> None:
        super().__init__(parent)
        self._device_choice = device  # None: pick_device()
        self.threads = threads  # torch threads on the worker (None: worker_threads()); read when it starts
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._state = ServiceState.IDLE
        self._detail = ""
        self.info: ModelInfo | None = None
        self.current: Request | None = None
        self._cancel: threading.Event | None = None
        self._next_id = 0
        self._idle = threading.Event()  # set while no job is queued or running
        self._idle.set()
        self._pending = 0
        self._lock = threading.Lock()
        self._posted.connect(self._on_posted)

    # lifecycle ------------------------------------------------------------------------------

    @property
    def state(self) -> ServiceState:
        return self._state

    @property
    def detail(self) -> str:
        return self._detail

    def start(self, checkpoint: str | os.PathLike[str], delay: float = 0.0) -> None:
        """Start the worker (once) and have it load ``checkpoint`` (a path without suffix), after waiting
        ``delay`` seconds: importing torch holds the interpreter for ~0.5 s at a time, so the app lets
        the window and the song paint first (the state reads "loading" from now on)."""
        if self._thread is None:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
            self._thread = threading.Thread(target=self._work, name="assistant-worker", daemon=True)
            self._thread.start()
        self._set_state(ServiceState.LOADING, str(checkpoint))
        self._queue(("load", Path(checkpoint), delay))

    def shutdown(self, wait: float = 2.0) -> None:
        """Cancel what runs and end the worker (the window closes)."""
        self.cancel(notify=False)
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(wait)
            self._thread = None

    def wait_idle(self, timeout: float) -> bool:
        """Block until the worker has nothing running (tests and the benchmark; never the GUI)."""
        return self._idle.wait(timeout)

    # requests -------------------------------------------------------------------------------

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def submit(self, request: Request) -> None:
        """Run ``request``, superseding (cancelling) the one before."""
        self.cancel(notify=True)
        self.current = request
        self._cancel = threading.Event()
        if self._state is ServiceState.ERROR or self._thread is None:
            reason = self._detail or "the model is not loaded"
            self.current = None
            self.failed.emit(request, f"The assistant is unavailable: {reason}")
            return
        if self._state is ServiceState.READY:
            self._set_state(ServiceState.BUSY, "")
        self._queue(("run", request, self._cancel))

    def cancel(self, notify: bool = True) -> bool:
        """Stop the current request: the worker stops at the next token, its events are dropped now."""
        request, self.current = self.current, None
        if self._cancel is not None:
            self._cancel.set()
        if request is None:
            return False
        if self._state is ServiceState.BUSY:
            self._set_state(ServiceState.READY, "")
        if notify:
            self.cancelled.emit(request)
        return True

    def song_changed(self, changes: ChangeSet) -> None:
        """Connect to the document's changes: a change that invalidates the snapshot drops the request."""
        if self.current is not None and stale_change(changes):
            request = self.current
            self.cancel(notify=False)
            self.stale.emit(request)

    def _queue(self, job: tuple) -> None:
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._jobs.put(job)

    # GUI side of the worker's events ---------------------------------------------------------

    def _set_state(self, state: ServiceState, detail: str) -> None:
        if (state, detail) != (self._state, self._detail):
            self._state, self._detail = state, detail
            self.state_changed.emit(state, detail)

    def _on_posted(self, item: tuple[str, int, Any]) -> None:
        kind, request_id, payload = item
        if kind == "loaded":
            self.info = payload
            self._set_state(ServiceState.BUSY if self.current is not None else ServiceState.READY, payload.device)
            self.model_loaded.emit(payload)
            return
        if kind == "load_failed":
            self._set_state(ServiceState.ERROR, payload)
            if self.current is not None:
                self._fail(self.current, f"The assistant is unavailable: {payload}")
            return
        if kind == "message":
            self.message.emit(payload)
            return
        request = self.current
        if request is None or request.id != request_id:
            return  # superseded, cancelled or stale: dropped
        if kind == "cell":
            candidate, cell, notes = payload
            self.cell_done.emit(request, candidate, cell, notes)
        elif kind == "confidence":
            self.confidences.emit(request, payload)
        elif kind == "restart":
            self.candidate_restarted.emit(request, *payload)
        elif kind == "result":
            self.current = None
            self._set_state(ServiceState.READY, self.info.device if self.info else "")
            self.finished.emit(request, payload, time.perf_counter() - request.submitted)
        elif kind == "error":
            self._fail(request, payload)

    def _fail(self, request: Request, text: str) -> None:
        self.current = None
        if self._state is ServiceState.BUSY:
            self._set_state(ServiceState.READY, self.info.device if self.info else "")
        self.failed.emit(request, text)

    def _post(self, kind: str, request_id: int, payload: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the service was deleted while the worker ran
            self._posted.emit((kind, request_id, payload))

    # the worker thread ----------------------------------------------------------------------

    def _work(self) -> None:
        worker = _Worker(self._post, self._device_choice, self.threads)
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if job[0] == "load":
                time.sleep(job[2])
                worker.load(job[1])
            else:
                _kind, request, cancel = job
                if not cancel.is_set():
                    worker.run(request, cancel)
            with self._lock:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()


class _Worker:
    """What runs on the worker thread: torch, the model and the generation loop."""

    def __init__(self, post: Any, device: str | None, threads: int | None) -> None:
        self.post = post
        self.device_choice = device
        self.threads = threads
        self.assistant: Any = None  # a models.assistant.Assistant once loaded
        self.classifier: Any = None  # the style classifier beside the checkpoint, if there is one
        self.path: Path | None = None
        self.device = "cpu"

    def load(self, path: Path, device: str | None = None) -> bool:
        try:
            import torch  # noqa: PLC0415

            from models import checkpoint  # noqa: PLC0415
            from models.assistant import Assistant  # noqa: PLC0415
            from models.engine import Engine  # noqa: PLC0415

            torch.set_num_threads(self.threads or worker_threads())
            device = device or self.device_choice or pick_device()
            try:
                model, vocab, info = checkpoint.load(path, device)
            except (RuntimeError, AssertionError) as exc:
                if device == "cpu":
                    raise
                self.post("message", 0, f"The model could not start on {device.upper()} ({_short(exc)}); "
                                        "using the CPU")
                device = "cpu"
                model, vocab, info = checkpoint.load(path, device)
            self.assistant = Assistant(Engine(model, vocab))
            self.path, self.device = path, device
            self.classifier = _load_classifier(path)
            self.post("loaded", 0, ModelInfo(f"{path.name} ({info.vocab_hash})", device, vocab.styles, path))
            return True
        except Exception as exc:  # noqa: BLE001 - any failure to load is shown, the editor keeps working
            self.assistant = None
            self.post("load_failed", 0, str(exc) or type(exc).__name__)
            return False

    def run(self, request: Request, cancel: threading.Event) -> None:
        from models.engine import Cancelled  # noqa: PLC0415

        if self.assistant is None:
            self.post("error", request.id, "The assistant is unavailable: the model did not load")
            return
        try:
            self._generate(request, cancel)
        except Cancelled:
            pass
        except Exception as exc:  # noqa: BLE001 - shown as a message; CUDA falls back to the CPU
            if self.device != "cpu" and _is_device_failure(exc) and self.path is not None:
                self.post("message", 0, f"{self.device.upper()} failed ({_short(exc)}); running on the CPU")
                if self.load(self.path, "cpu"):
                    self.run(request, cancel)
                return
            self.post("error", request.id, _explain(exc))

    def _generate(self, request: Request, cancel: threading.Event) -> None:
        from models.assistant import Result  # noqa: PLC0415
        from models.engine import Cancelled, CandidateRestarted, CellDone  # noqa: PLC0415

        region = request.region
        for event in self._events(request, cancel):
            if cancel.is_set():  # cells finished in the same step as the cancel are not sent
                raise Cancelled()
            if isinstance(event, CellDone):
                self.post("cell", request.id, (event.candidate, event.cell, event.notes))
            elif isinstance(event, CandidateRestarted):
                first, end = event.bars or (region.start_bar, region.end_bar)
                self.post("restart", request.id, (event.candidate, first, end))
            elif isinstance(event, Result):
                if self.classifier is not None and request.options.style is not None:  # the result ends it
                    self.post("confidence", request.id, _confidences(self.classifier, request, event.candidates))
                self.post("result", request.id, event)

    def _events(self, request: Request, cancel: threading.Event) -> Iterator[Any]:
        """The request through the assistant API, the same calls the CLI makes."""
        from models.assistant import Options  # noqa: PLC0415

        assistant = self.assistant
        assert assistant is not None
        o, score, region, avoid = request.options, request.score, request.region, set(request.avoid)
        options = Options(o.candidates, request.seed, o.temperature, style=o.style, guidance=o.style_strength)
        harmony = "harmony" in o.keep
        if request.operation == "vary":
            return assistant.vary(score, region, o.amount, options, cancel, avoid, steer=o.steering())
        if request.operation == "restyle":
            if o.style is None:
                raise ValueError("Restyle needs a style: choose one in the panel")
            return assistant.restyle(score, region, o.style, o.keep, options, cancel, avoid, steer=o.steering())
        # fill, and continue (its region lies after the end of the music)
        return assistant.fill(score, region, options, o.steering(), cancel, avoid, keep_harmony=harmony)


def _load_classifier(checkpoint: Path) -> Any:
    """The style classifier saved beside ``checkpoint`` as "style_classifier", or None (the compare view
    then shows "n/a"); a missing or damaged one never stops the assistant."""
    from models.style_classifier import load_classifier  # noqa: PLC0415

    stem = checkpoint.with_name("style_classifier")
    if not Path(f"{stem}.json").exists():
        return None
    try:
        return load_classifier(stem)
    except Exception:  # noqa: BLE001 - CheckpointError or a torch error: no confidences, nothing else lost
        return None


def _confidences(classifier: Any, request: Request, candidates: list[dict[int, list[Note]]]) -> list[float | None]:
    """How confidently the classifier hears the requested style in each candidate's bars."""
    r, style = request.region, request.options.style
    end = r.ticks(request.score)[1]
    out: list[float | None] = []
    for notes in candidates:
        try:  # judged as Accept would write them: cut at the region's end, chords in pitch order
            ordered = {t: sorted(n if n.end <= end else n._replace(duration=max(end - n.start, 1)) for n in ns)
                       for t, ns in notes.items()}
            out.append(classifier.confidence(request.score, r.start_bar, r.end_bar, ordered, style))
        except Exception:  # noqa: BLE001 - a classifier failure costs the number, not the result
            out.append(None)
    return out


def _is_device_failure(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}"
    return any(word in text for word in ("CUDA", "cuda", "OutOfMemory", "out of memory", "MPS", "cuDNN", "CUBLAS"))


def _explain(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "out of memory" in text.lower() or "OutOfMemory" in type(exc).__name__:
        return "Out of memory while generating: select fewer bars or tracks, or fewer candidates"
    if isinstance(exc, ValueError):
        return text[:1].upper() + text[1:]
    return f"The model failed: {type(exc).__name__}: {_short(exc)}"


def _short(exc: BaseException, limit: int = 160) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
