"""Offline rendering through FluidSynth with a General MIDI SoundFont: WAV export and tests.

No audio device is needed: the synth is driven sample-accurately by the
:func:`~composer.performance.performance` events, far faster than real time.
libfluidsynth is loaded on first use, so the rest of the app works (and says
why it cannot play) on a machine without it.
"""

from __future__ import annotations

import io
import os
import wave
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from composer.atomic_file import write_atomically
from composer.errors import ComposerError
from composer.performance import CONTROL, NOTE_OFF, NOTE_ON, PROGRAM, PlayEvent, performance
from composer.score import DRUM_CHANNEL, Score

SAMPLE_RATE = 44_100
DEFAULT_GAIN = 0.5  # FluidSynth's 0.2 default is quiet; 0.5 leaves headroom for dense songs
TAIL_SECONDS = 1.5  # let releases and reverb ring out after the last note
BLOCK = 4096  # frames rendered between progress reports and cancel checks


class SynthUnavailableError(ComposerError):
    """libfluidsynth or the SoundFont cannot be loaded; the message says which and how to fix it."""


class RenderCancelled(ComposerError):
    """The user cancelled a render; nothing was written."""


def default_soundfont() -> Path:
    """The bundled GM SoundFont: ``resources/soundfonts/*.sf2`` if present, else pretty_midi's TimGM6mb."""
    bundled = sorted(Path(str(resources.files("resources"))).glob("soundfonts/*.sf[23]"))
    if bundled:
        return bundled[0]
    try:
        return Path(str(resources.files("pretty_midi") / "TimGM6mb.sf2"))
    except ModuleNotFoundError:
        raise SynthUnavailableError("no SoundFont found: install pretty_midi or choose a .sf2 file") from None


def _fluidsynth() -> Any:
    try:
        import fluidsynth  # noqa: PLC0415 - loaded on demand: the library may be missing
    except (ImportError, OSError) as exc:
        raise SynthUnavailableError(
            f"FluidSynth is not available ({exc}); install libfluidsynth3 (Debian/Ubuntu) or fluidsynth (macOS)"
        ) from None
    return fluidsynth


class OfflineSynth:
    """A FluidSynth instance with a SoundFont loaded, rendering into NumPy arrays."""

    def __init__(self, soundfont: Path | None = None, sample_rate: int = SAMPLE_RATE, gain: float = DEFAULT_GAIN):
        fluidsynth = _fluidsynth()
        self.sample_rate = sample_rate
        self.soundfont = soundfont or default_soundfont()
        self._synth = fluidsynth.Synth(gain=gain, samplerate=float(sample_rate))
        self._sfid = self._synth.sfload(str(self.soundfont))
        if self._sfid < 0:
            self.close()
            raise SynthUnavailableError(f"cannot load the SoundFont {self.soundfont}")
        for channel in range(16):
            self._synth.program_select(channel, self._sfid, 128 if channel == DRUM_CHANNEL else 0, 0)

    def close(self) -> None:
        if self._synth is not None:
            self._synth.delete()
            self._synth = None

    def __enter__(self) -> OfflineSynth:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, event: PlayEvent) -> None:
        s = self._synth
        if event.kind == NOTE_ON:
            s.noteon(event.channel, event.a, event.b)
        elif event.kind == NOTE_OFF:
            s.noteoff(event.channel, event.a)
        elif event.kind == PROGRAM:
            s.program_select(event.channel, self._sfid, 0, event.a)
        elif event.kind == CONTROL:
            s.cc(event.channel, event.a, event.b)

    def samples(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames as int16 stereo, shape (frames, 2)."""
        return np.asarray(self._synth.get_samples(frames), dtype=np.int16).reshape(-1, 2)

    def render(
        self,
        events: list[PlayEvent],
        tail: float = TAIL_SECONDS,
        progress: Callable[[float], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> np.ndarray:
        """Play ``events`` sample-accurately; returns int16 stereo frames. Raises RenderCancelled."""
        total = int(((events[-1].time if events else 0.0) + tail) * self.sample_rate)
        out = np.zeros((total, 2), dtype=np.int16)
        done = 0
        for event in [*events, None]:
            until = total if event is None else min(round(event.time * self.sample_rate), total)
            while done < until:
                n = min(BLOCK, until - done)
                out[done : done + n] = self.samples(n)
                done += n
                if cancelled is not None and cancelled():
                    raise RenderCancelled("rendering was cancelled")
                if progress is not None:
                    progress(done / total)
            if event is not None:
                self.send(event)
        return out


def render_score(
    score: Score,
    start_tick: int = 0,
    end_tick: int | None = None,
    *,
    soundfont: Path | None = None,
    sample_rate: int = SAMPLE_RATE,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> np.ndarray:
    """The score (or ticks [start, end)) as int16 stereo audio, shape (frames, 2)."""
    with OfflineSynth(soundfont, sample_rate) as synth:
        return synth.render(performance(score, start_tick, end_tick), progress=progress, cancelled=cancelled)


def wav_bytes(audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(audio.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(np.ascontiguousarray(audio, dtype="<i2").tobytes())
    return buffer.getvalue()


def export_wav(
    score: Score,
    path: str | os.PathLike[str],
    start_tick: int = 0,
    end_tick: int | None = None,
    **options: Any,
) -> float:
    """Render to a 16-bit stereo WAV file, written atomically; returns its length in seconds."""
    sample_rate = options.get("sample_rate", SAMPLE_RATE)
    audio = render_score(score, start_tick, end_tick, **options)
    write_atomically(path, wav_bytes(audio, sample_rate))
    return len(audio) / sample_rate
