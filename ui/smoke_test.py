"""``composer-studio --smoke-test``: prove an installed (or frozen) app works, end to end, headless.

It opens the main window with throwaway settings, reads the bundled demo on the file
worker, loads the shipped model in the assistant service (the app's own inference worker)
and generates one candidate for one bar, then renders the song's first second through the
offline FluidSynth renderer. Each step prints what it did and how long it took; any failure,
and any exception that reached the hooks on the way, ends it with a message and exit code 1.
Works under ``QT_QPA_PLATFORM=offscreen`` (no display) and without an audio device.
"""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

from composer.performance import performance
from composer.region import Region
from composer.synth import OfflineSynth, default_soundfont
from ui.file_ops import SaveChoice
from ui.mainwindow import MainWindow
from ui.settings import AudioOutput, Settings

MODEL = Path(__file__).resolve().parent.parent / "models" / "checkpoints" / "default"
LOAD_TIMEOUT_S = 60
GENERATE_TIMEOUT_S = 180


class SmokeFailure(Exception):
    """A step did not do what it should; the message says which and why."""


class _Prompts:
    """No dialog may open in a smoke test: a question or an error is a failure."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, title: str, text: str) -> None:
        self.errors.append(f"{title}: {text}")

    def ask_save_changes(self, name: str) -> SaveChoice:
        return SaveChoice.DISCARD

    def open_path(self, caption: str, directory: Path | None, filters: str) -> Path | None:
        return None

    def save_path(self, caption: str, suggested: Path, filters: str) -> Path | None:
        return None

    def import_report(self, name: str, lines: list[str]) -> None:
        pass

    def choose(self, title: str, text: str, options: list[str]) -> int | None:
        return None


class SmokeTest:
    def __init__(self, app: QApplication, out: Callable[[str], None]) -> None:
        self.app = app
        self.out = out
        self.exceptions: list[str] = []
        self.prompts = _Prompts()

    def _hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        self.exceptions.append("".join(traceback.format_exception(exc_type, exc, tb)))

    def wait(self, signals: list[SignalInstance], timeout_s: float, what: str) -> tuple[int, tuple[Any, ...]]:
        """Run the event loop until one of ``signals`` fires: (its index, its arguments)."""
        loop = QEventLoop()
        fired: list[tuple[int, tuple[Any, ...]]] = []
        slots = []
        for index, signal in enumerate(signals):
            def slot(*args: Any, index: int = index) -> None:
                fired.append((index, args))
                loop.quit()
            signal.connect(slot)
            slots.append((signal, slot))
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        check = QTimer()
        check.timeout.connect(lambda: loop.quit() if self.exceptions or self.prompts.errors else None)
        check.start(100)
        loop.exec()
        check.stop()
        for signal, slot in slots:
            signal.disconnect(slot)
        self.check(what)
        if not fired:
            raise SmokeFailure(f"{what}: nothing happened within {timeout_s:.0f} s")
        return fired[0]

    def check(self, what: str) -> None:
        if self.exceptions:
            raise SmokeFailure(f"{what}: an exception reached the hooks:\n{self.exceptions[0]}")
        if self.prompts.errors:
            raise SmokeFailure(f"{what}: {self.prompts.errors[0]}")

    def step(self, started: float, text: str) -> None:
        self.out(f"smoke: {text} ({time.perf_counter() - started:.2f} s)")

    def run(self, folder: Path) -> None:
        from ui.app import demo_path  # noqa: PLC0415 - ui.app imports this module

        t = time.perf_counter()
        settings = Settings.at_path(folder / "settings.ini")
        # Live playback opens too (as in the app), into a file: a headless machine has no sound card.
        settings.audio_output = AudioOutput(driver="file", device=str(folder / "playback.wav"))
        window = MainWindow(settings, self.prompts)
        window.show()
        self.app.processEvents()
        self.step(t, f"window shown ({self.app.platformName()} platform)")
        try:
            self._open_demo(window, demo_path())
            self._generate(window)
            self._render(window)
        finally:
            window.close()

    def _open_demo(self, window: MainWindow, path: Path) -> None:
        t = time.perf_counter()
        window.open_demo(path)
        self.wait([window.file_ops.opened], LOAD_TIMEOUT_S, f"opening {path.name}")
        score = window.controller.score
        if not score.note_count:
            raise SmokeFailure(f"{path.name} opened without notes")
        self.step(t, f"opened {path.name}: {len(score.tracks)} tracks, {score.bar_count} bars, "
                     f"{score.note_count:,} notes")

    def _generate(self, window: MainWindow) -> None:
        from ui.assistant.service import AssistantService, Request, RequestOptions, ServiceState  # noqa: PLC0415

        t = time.perf_counter()
        service: AssistantService | None = getattr(window, "assistant_service", None)  # the window's own
        if service is None:  # a window without the assistant panel: the same service, started here
            service = AssistantService(window)
            service.start(MODEL)
        try:
            deadline = t + LOAD_TIMEOUT_S
            while service.state not in (ServiceState.READY, ServiceState.ERROR):
                self.wait([service.state_changed], max(deadline - time.perf_counter(), 0.1), "loading the model")
            if service.state is not ServiceState.READY:
                raise SmokeFailure(f"loading the model: {service.state.value}: {service.detail}")
            info = service.info
            where = f" from {info.path}" if info else ""
            self.step(t, f"model {info.name if info else MODEL.name} loaded on {service.detail}{where}")
            t = time.perf_counter()
            score = window.controller.score
            track = score.tracks[0]
            region = Region((track.id,), 1, 2)
            request = Request(service.new_id(), window.controller.revision, "fill", score, region,
                              RequestOptions(candidates=1), seed=0)
            service.submit(request)
            which, args = self.wait([service.finished, service.failed], GENERATE_TIMEOUT_S, "generating")
            if which == 1:
                raise SmokeFailure(f"generating: {args[1]}")
            result = args[1]
            if len(result.candidates) != 1:
                raise SmokeFailure(f"generating: {len(result.candidates)} candidates instead of 1")
            notes = sum(len(notes) for notes in result.candidates[0].values())
            self.step(t, f"filled bar 2 of {track.name!r}: 1 candidate, {notes} notes")
        finally:
            service.shutdown()

    def _render(self, window: MainWindow, seconds: float = 1.0) -> None:
        t = time.perf_counter()
        score = window.controller.score
        end = round(score.tempo_map.seconds_to_tick(seconds))
        soundfont = default_soundfont()
        with OfflineSynth(soundfont) as synth:
            audio = synth.render(performance(score, 0, end), tail=0.0)
            frames = round(seconds * synth.sample_rate)
            if len(audio) < frames:
                audio = np.concatenate([audio, synth.samples(frames - len(audio))])
            audio = audio[:frames]
            rate = synth.sample_rate
        peak = float(np.abs(audio.astype(np.float32)).max()) / 32768
        if peak == 0.0:
            raise SmokeFailure("rendering: the first second of the demo is silent")
        self.step(t, f"rendered {len(audio) / rate:.2f} s of audio at {rate} Hz, peak {peak:.2f}, with {soundfont}")


def run(app: QApplication, out: Callable[[str], None] = print) -> int:
    """The smoke test in a running QApplication; 0 when every step worked."""
    started = time.perf_counter()
    smoke = SmokeTest(app, out)
    previous = sys.excepthook
    sys.excepthook = smoke._hook
    try:
        with tempfile.TemporaryDirectory(prefix="composer-smoke-") as folder:
            smoke.run(Path(folder))
            smoke.check("closing")
    except Exception as exc:  # noqa: BLE001 - any failure is the test's answer, with its reason
        detail = str(exc) if isinstance(exc, SmokeFailure) else "".join(traceback.format_exception(exc))
        print(f"smoke test FAILED: {detail}", file=sys.stderr)
        return 1
    finally:
        sys.excepthook = previous
    out(f"smoke test passed in {time.perf_counter() - started:.2f} s")
    return 0
