"""How alike two sets of notes are, and which of several candidates the others agree with.

Pure logic shared by the assistant panel's star and the model evaluation, so the star is
chosen by the same measure the evaluation scores fills with:

- onset F1: the share of note onsets (per track, on a grid) the two have in common;
- pitch-class overlap: how much their pitch-class histograms (notes counted per pitch
  class, normalised) have in common, 0..1.

The star is the *consensus* candidate (minimum Bayes risk selection): the one most alike
to all the others. Independent samples of a model scatter around what it believes the bars
should be; the candidate nearest the rest sits in the middle of that scatter, so on held-out
bars it is closer to the real music than a sample taken at random, and closer than the
candidate the model finds most likely, which tends to be the plainest.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

from composer.score import Note

NotesByKey = Mapping[Hashable, Sequence[Note]]  # notes per track (or per (track, bar) cell)


def onset_f1(a: NotesByKey, b: NotesByKey, grid: int) -> float:
    """F1 of the onsets, matched per key on a ``grid`` of ticks; 1.0 when both are empty."""
    on_a = _onsets(a, grid)
    on_b = _onsets(b, grid)
    if not on_a and not on_b:
        return 1.0
    return 2 * len(on_a & on_b) / (len(on_a) + len(on_b))


def pitch_class_overlap(a: Iterable[Note], b: Iterable[Note]) -> float:
    """Shared mass of the two normalised pitch-class histograms; 0.0 when either has no notes."""
    hist_a, hist_b = _pitch_classes(a), _pitch_classes(b)
    if hist_a is None or hist_b is None:
        return 0.0
    return sum(min(x, y) for x, y in zip(hist_a, hist_b, strict=True))


def similarity(a: NotesByKey, b: NotesByKey, grid: int) -> float:
    """Mean of onset F1 and pitch-class overlap: how alike two fills of the same bars are, 0..1."""
    return (onset_f1(a, b, grid) + pitch_class_overlap(_all(a), _all(b))) / 2


def consensus(candidates: Sequence[NotesByKey], grid: int, bits: Sequence[float] = ()) -> int | None:
    """Index of the candidate most alike to all the others (None for fewer than two).

    Ties (always, with two candidates) go to the lower ``bits`` per token (the one the model finds
    more likely) when given, then to the earlier candidate."""
    if len(candidates) < 2:
        return None
    scores = [sum(similarity(c, other, grid) for j, other in enumerate(candidates) if j != i)
              for i, c in enumerate(candidates)]
    tie = list(bits) if len(bits) == len(candidates) else [0.0] * len(candidates)
    return min(range(len(candidates)), key=lambda i: (-round(scores[i], 9), tie[i], i))


def _onsets(notes: NotesByKey, grid: int) -> set[tuple[Hashable, int]]:
    return {(key, n.start // grid) for key, ns in notes.items() for n in ns}


def _pitch_classes(notes: Iterable[Note]) -> list[float] | None:
    hist = [0.0] * 12
    for n in notes:
        hist[n.pitch % 12] += 1
    total = sum(hist)
    return [x / total for x in hist] if total else None


def _all(notes: NotesByKey) -> list[Note]:
    return [n for ns in notes.values() for n in ns]
