"""Measurements of rendered audio (loudness, onsets, fundamental frequency) for tests and benchmarks.

Deliberately simple and independent of the synth, so they can check what it produced.
"""

from __future__ import annotations

import numpy as np

from composer.synth import SAMPLE_RATE


def mono(audio: np.ndarray) -> np.ndarray:
    return audio.astype(np.float64).mean(axis=1)


def rms(audio: np.ndarray, t0: float, t1: float) -> float:
    seg = mono(audio)[int(t0 * SAMPLE_RATE) : int(t1 * SAMPLE_RATE)]
    return float(np.sqrt((seg**2).mean())) if len(seg) else 0.0


def onsets(audio: np.ndarray, threshold: float = 0.05, gap: float = 0.05) -> list[float]:
    """Times where the ~1 ms envelope rises above ``threshold`` x its peak after at least ``gap`` s below it."""
    env = np.abs(mono(audio))
    hop = SAMPLE_RATE // 1000
    frames = env[: len(env) // hop * hop].reshape(-1, hop).max(axis=1)
    above = frames > threshold * frames.max()
    out: list[float] = []
    quiet = int(gap * SAMPLE_RATE / hop)
    last_above = -quiet - 1
    for i, loud in enumerate(above):
        if loud:
            if i - last_above > quiet:
                out.append(i * hop / SAMPLE_RATE)
            last_above = i
    return out


def fundamental(audio: np.ndarray, t0: float, t1: float) -> float:
    """Harmonic-product-spectrum pitch estimate (Hz) between 40 Hz and 3 kHz."""
    seg = mono(audio)[int(t0 * SAMPLE_RATE) : int(t1 * SAMPLE_RATE)]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    freqs = np.fft.rfftfreq(len(seg), 1 / SAMPLE_RATE)
    hps = spec.copy()
    for h in (2, 3):
        down = spec[::h]
        hps[: len(down)] *= down
    band = (freqs > 40) & (freqs < 3000)
    return float(freqs[band][np.argmax(hps[band])])


def midi_to_hz(pitch: int) -> float:
    return 440.0 * 2 ** ((pitch - 69) / 12)
