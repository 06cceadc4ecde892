"""Offline rendering through FluidSynth with a General MIDI SoundFont: WAV export and tests.

No audio device is needed: the synth is driven sample-accurately by the
:func:`~composer.performance.performance` events, far faster than real time.
libfluidsynth is loaded on first use (:mod:`composer.fluidsynth_api`), so the
rest of the app works, and says why it cannot play, on a machine without it.
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

from composer import fluidsynth_api as fs
from composer.atomic_file import write_atomically
from composer.errors import ComposerError
from composer.fluidsynth_api import SynthUnavailableError
from composer.performance import CONTROL, NOTE_OFF, NOTE_ON, PROGRAM, PlayEvent, performance
from composer.score import DRUM_CHANNEL, Score

__all__ = ["FluidSynth", "OfflineSynth", "RenderCancelled", "SynthUnavailableError", "export_wav", "render_score"]

SAMPLE_RATE = 44_100
DEFAULT_GAIN = 0.5  # FluidSynth's 0.2 default is quiet; 0.5 leaves headroom for dense songs
TAIL_SECONDS = 1.5  # let releases and reverb ring out after the last note
BLOCK = 4096  # frames rendered between progress reports and cancel checks


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


EXTRA_CHANNELS = 16
"""Channels 16..31 exist beside the 16 MIDI ones, for auditioning and the metronome, so they
never disturb a track's program or controllers."""


class FluidSynth:
    """A FluidSynth synth with a GM SoundFont loaded and 32 channels (16 for tracks, 16 spare)."""

    def __init__(self, soundfont: Path | None = None, sample_rate: int = SAMPLE_RATE, gain: float = DEFAULT_GAIN,
                 **settings: float | int | str) -> None:
        self.lib = fs.library()
        self.sample_rate = sample_rate
        self.soundfont = Path(soundfont) if soundfont else default_soundfont()
        self.settings = fs.Settings()
        self.settings.set("synth.sample-rate", float(sample_rate))
        self.settings.set("synth.gain", gain)
        self.settings.set("synth.midi-channels", 16 + EXTRA_CHANNELS)
        for name, value in settings.items():
            self.settings.set(name, value)
        self.ptr = self.lib.new_fluid_synth(self.settings.ptr)
        if not self.ptr:
            self.settings.delete()
            raise SynthUnavailableError("FluidSynth could not create a synthesizer")
        if not self.soundfont.is_file():
            self.close()
            raise SynthUnavailableError(f"the SoundFont {self.soundfont} does not exist")
        self.sfont_id = self.lib.fluid_synth_sfload(self.ptr, str(self.soundfont).encode(), 1)
        if self.sfont_id < 0:
            self.close()
            raise SynthUnavailableError(f"{self.soundfont} is not a SoundFont FluidSynth can load")
        for channel in range(16 + EXTRA_CHANNELS):
            self.select(channel, 0, drum=channel % 16 == DRUM_CHANNEL)

    def select(self, channel: int, program: int, drum: bool = False) -> None:
        """Give ``channel`` a GM program, or the drum kit."""
        kind = fs.CHANNEL_TYPE_DRUM if drum else fs.CHANNEL_TYPE_MELODIC
        self.lib.fluid_synth_set_channel_type(self.ptr, channel, kind)
        self.lib.fluid_synth_program_select(self.ptr, channel, self.sfont_id, 128 if drum else 0, program)

    def send(self, event: PlayEvent) -> None:
        """Play one event now."""
        lib, ptr = self.lib, self.ptr
        if event.kind == NOTE_ON:
            lib.fluid_synth_noteon(ptr, event.channel, event.a, event.b)
        elif event.kind == NOTE_OFF:
            lib.fluid_synth_noteoff(ptr, event.channel, event.a)
        elif event.kind == PROGRAM:
            lib.fluid_synth_program_select(ptr, event.channel, self.sfont_id, 0, event.a)
        elif event.kind == CONTROL:
            lib.fluid_synth_cc(ptr, event.channel, event.a, event.b)

    def close(self) -> None:
        if self.ptr:
            self.lib.delete_fluid_synth(self.ptr)
            self.ptr = None
        self.settings.delete()

    def __enter__(self) -> FluidSynth:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OfflineSynth(FluidSynth):
    """Renders into NumPy arrays, sample-accurately, with no audio device."""

    def samples(self, frames: int) -> np.ndarray:
        """The next ``frames`` frames as int16 stereo, shape (frames, 2)."""
        buffer = fs.write_s16_stereo(self.lib, self.ptr, frames)
        return np.frombuffer(buffer, dtype=np.int16).reshape(-1, 2)

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
