"""Chord detection from notes."""

from __future__ import annotations

import pytest

from composer.harmony import CHORD_COUNT, Chord, chords_per_span, detect_chord, pitch_class_weights
from composer.score import Note
from composer.timing import PPQ


def _chord(*pitches: int) -> str | None:
    chord = detect_chord(pitch_class_weights([Note.create(p, 0, PPQ) for p in pitches], 0, PPQ))
    return chord.name if chord else None


@pytest.mark.parametrize(
    ("pitches", "name"),
    [((60, 64, 67), "C"), ((57, 60, 64), "Am"), ((55, 59, 62, 65), "G7"), ((60, 63, 67, 70), "Cm7"),
     ((59, 62, 65), "Bdim"), ((60, 64, 67, 71), "Cmaj7"), ((64, 67, 72), "C"), ((62, 67, 69), "Dsus4"),
     ((60, 64, 68), "Caug")],
)
def test_templates(pitches: tuple[int, ...], name: str) -> None:
    assert _chord(*pitches) == name


def test_no_chord_for_silence_or_clusters() -> None:
    assert detect_chord([0.0] * 12) is None
    assert _chord(60, 61, 62, 63, 64, 65) is None


def test_per_beat_spans_and_index_round_trip() -> None:
    notes = [Note.create(p, 0, PPQ) for p in (60, 64, 67)] + [Note.create(p, PPQ, PPQ) for p in (62, 65, 69)]
    chords = chords_per_span(notes, 0, 3 * PPQ, PPQ)
    assert [c.name if c else None for c in chords] == ["C", "Dm", None]
    assert all(Chord.from_index(i).index == i for i in range(CHORD_COUNT))


def test_key_estimation() -> None:
    from composer.harmony import estimate_key, scale_of

    g_major = [Note.create(p, i * PPQ, PPQ) for i, p in enumerate([67, 71, 74, 72, 69, 66, 67, 62, 67])]
    assert estimate_key(g_major) == (7, False)
    a_minor = [Note.create(p, i * PPQ, PPQ) for i, p in enumerate([57, 60, 64, 62, 60, 59, 57, 56, 57, 52])]
    assert estimate_key(a_minor) == (9, True)
    assert scale_of(9, True) == scale_of(0, False)
