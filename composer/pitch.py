"""Pitch names: MIDI note numbers as the text a musician reads (60 = C4)."""

from __future__ import annotations

_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def pitch_name(pitch: int) -> str:
    """Scientific pitch notation, middle C = C4."""
    return f"{_NAMES[pitch % 12]}{pitch // 12 - 1}"
