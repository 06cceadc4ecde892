"""Chords from notes: template matching of duration-weighted pitch classes per beat.

Used for the model's chord controls (what harmony a bar should follow), for the
"keep harmony" evaluation and, later, the chord lane. Deliberately simple and
deterministic: a chord is the template whose pitch classes best cover the sounding
notes, bass notes counting double; too little sound gives no chord.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from composer.score import Note

ROOT_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus4": (0, 5, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
}
_SUFFIX = {"maj": "", "min": "m", "dim": "dim", "aug": "aug", "sus4": "sus4", "7": "7", "maj7": "maj7", "min7": "m7"}
MIN_COVERAGE = 0.6  # share of the weighted sound a chord must explain


class Chord(NamedTuple):
    root: int  # pitch class 0..11
    quality: str  # a key of QUALITIES

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.root + i) % 12 for i in QUALITIES[self.quality])

    @property
    def name(self) -> str:
        return ROOT_NAMES[self.root] + _SUFFIX[self.quality]

    @property
    def index(self) -> int:
        """0..95: a stable number for the vocabulary."""
        return self.root * len(QUALITIES) + list(QUALITIES).index(self.quality)

    @classmethod
    def from_index(cls, index: int) -> Chord:
        root, q = divmod(index, len(QUALITIES))
        return cls(root, list(QUALITIES)[q])


CHORD_COUNT = 12 * len(QUALITIES)


def pitch_class_weights(notes: Iterable[Note], start: int, end: int) -> list[float]:
    """Ticks each pitch class sounds within [start, end); the lowest note's class counts double."""
    weights = [0.0] * 12
    lowest: tuple[int, int] | None = None
    for n in notes:
        overlap = min(n.end, end) - max(n.start, start)
        if overlap > 0:
            weights[n.pitch % 12] += overlap
            if lowest is None or n.pitch < lowest[0]:
                lowest = (n.pitch, overlap)
    if lowest is not None:
        weights[lowest[0] % 12] += lowest[1]
    return weights


def detect_chord(weights: list[float]) -> Chord | None:
    """The chord explaining the most weight (ties: fewer notes, then root order); None if weak."""
    total = sum(weights)
    if total <= 0:
        return None
    best: tuple[float, Chord] | None = None
    for root in range(12):
        for quality, steps in QUALITIES.items():
            covered = sum(weights[(root + s) % 12] for s in steps)
            # A small penalty per chord tone prefers the triad when a seventh adds nothing.
            score = covered / total - 0.02 * len(steps) + (0.01 if weights[root] > 0 else -0.05)
            if best is None or score > best[0]:
                best = (score, Chord(root, quality))
    assert best is not None
    chord = best[1]
    covered = sum(weights[pc] for pc in chord.pitch_classes)
    return chord if covered / total >= MIN_COVERAGE else None


def chords_per_span(notes: Iterable[Note], start: int, end: int, span: int) -> list[Chord | None]:
    """One chord (or None) per ``span`` ticks of [start, end), e.g. per beat of a bar."""
    items = list(notes)
    return [detect_chord(pitch_class_weights(items, t, min(t + span, end))) for t in range(start, end, span)]


# Krumhansl-Kessler key profiles (major, minor), for estimating a key from notes.
_MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def estimate_key(notes: Iterable[Note]) -> tuple[int, bool]:
    """(tonic pitch class, minor) best correlated with the duration-weighted pitch classes.

    For files that carry no key signature (most MIDI files), so "in key" can be measured.
    """
    weights = [0.0] * 12
    for n in notes:
        weights[n.pitch % 12] += n.duration
    best = (-2.0, 0, False)
    for minor, profile in ((False, _MAJOR_PROFILE), (True, _MINOR_PROFILE)):
        for tonic in range(12):
            rotated = [profile[(pc - tonic) % 12] for pc in range(12)]
            r = _correlation(weights, rotated)
            if r > best[0]:
                best = (r, tonic, minor)
    return best[1], best[2]


def _correlation(a: list[float], b: list[float]) -> float:
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    va = sum((x - ma) ** 2 for x in a) ** 0.5
    vb = sum((y - mb) ** 2 for y in b) ** 0.5
    return cov / (va * vb) if va and vb else -1.0


def scale_of(tonic: int, minor: bool) -> frozenset[int]:
    steps = (0, 2, 3, 5, 7, 8, 10) if minor else (0, 2, 4, 5, 7, 9, 11)
    return frozenset((tonic + s) % 12 for s in steps)
