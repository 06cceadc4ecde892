"""Comparing assistant candidates with the original bars, and mixing candidates bar by bar.

Pure logic behind the assistant panel's diff view, compare view and composite: the panel
only assigns ghost-note styles and draws numbers that come from here.

Matching rule of the diff (one track's notes at a time, velocity always ignored):

- KEPT: a candidate note with the same pitch and the same onset as an original note. Its
  duration may differ: the ear recognises a note by where it starts and what it plays, and
  generated endings are often clipped or held differently.
- MOVED: a candidate note that is one original note changed in ONE respect: the same pitch
  with the onset shifted by at most a beat, or the same onset with the pitch moved by at
  most a whole tone or by exactly an octave.
- NEW: a candidate note matched to no original note.
- REMOVED: an original note matched to no candidate note (reported as the original note).

Each original note matches at most one candidate note and vice versa. Pairs are taken
greedily in order of cost, cheapest first, so exact keeps always win over moves and a small
shift beats a larger one: cost 0 for a keep, ``|shift| / beat`` (0..1] for a shifted onset,
0.5 per semitone for a moved pitch (0.5, 1.0) and 1.0 for an octave. Ties go to the earlier
original note, then the earlier candidate note, so the result is deterministic.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from composer.score import Note

NotesByTrack = Mapping[int, Sequence[Note]]

MAX_STEP = 2  # semitones: a pitch moved by up to a whole tone is "moved", not new
OCTAVE = 12


class DiffKind(enum.Enum):
    """How a note of a candidate relates to the original bars."""

    KEPT = "kept"
    MOVED = "moved"
    NEW = "new"
    REMOVED = "removed"


def _cost(orig: Note, cand: Note, beat_ticks: int) -> float | None:
    """The cost of reading ``cand`` as ``orig`` kept or moved, or None when it is neither."""
    shift = abs(cand.start - orig.start)
    step = abs(cand.pitch - orig.pitch)
    if step == 0 and shift <= beat_ticks:
        return shift / beat_ticks
    if shift == 0 and (step <= MAX_STEP or step == OCTAVE):
        return 1.0 if step == OCTAVE else step / MAX_STEP
    return None


def match_notes(original: Sequence[Note], candidate: Sequence[Note], beat_ticks: int) -> dict[int, int]:
    """Candidate index -> original index for every matched (kept or moved) pair; see the module doc."""
    if beat_ticks < 1:
        raise ValueError(f"beat_ticks must be positive, not {beat_ticks}")
    order = sorted(range(len(candidate)), key=lambda j: candidate[j].start)
    starts = [candidate[j].start for j in order]
    pairs: list[tuple[float, int, int]] = []
    for i, orig in enumerate(original):
        lo = bisect.bisect_left(starts, orig.start - beat_ticks)
        hi = bisect.bisect_right(starts, orig.start + beat_ticks)
        for j in order[lo:hi]:
            cost = _cost(orig, candidate[j], beat_ticks)
            if cost is not None:
                pairs.append((cost, i, j))
    pairs.sort()
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in pairs:
        if i not in taken and j not in matched:
            matched[j] = i
            taken.add(i)
    return matched


def diff_notes(original: Sequence[Note], candidate: Sequence[Note], beat_ticks: int) -> list[tuple[Note, DiffKind]]:
    """Each candidate note with its kind (in the candidate's order), then the REMOVED original notes
    (in the original's order)."""
    matched = match_notes(original, candidate, beat_ticks)
    out = []
    for j, note in enumerate(candidate):
        i = matched.get(j)
        if i is None:
            out.append((note, DiffKind.NEW))
        else:
            orig = original[i]
            same = orig.start == note.start and orig.pitch == note.pitch
            out.append((note, DiffKind.KEPT if same else DiffKind.MOVED))
    used = set(matched.values())
    out.extend((n, DiffKind.REMOVED) for i, n in enumerate(original) if i not in used)
    return out


def _kept_count(original: Sequence[Note], candidate: Sequence[Note], beat_ticks: int) -> int:
    return sum(kind is DiffKind.KEPT for _n, kind in diff_notes(original, candidate, beat_ticks))


def kept_share(original: Sequence[Note], candidate: Sequence[Note], beat_ticks: int) -> float:
    """The share (0..1) of the ORIGINAL notes the candidate kept; moved notes do not count.

    With no original notes there was nothing to lose, so the share is 1.0 (a list diffed with
    itself always keeps everything, the empty list included).
    """
    if not original:
        return 1.0
    return _kept_count(original, candidate, beat_ticks) / len(original)


def region_kept_share(original: NotesByTrack, candidate: NotesByTrack, beat_ticks: int) -> float:
    """:func:`kept_share` pooled over the tracks of a region (each track diffed on its own)."""
    total = sum(len(ns) for ns in original.values())
    if not total:
        return 1.0
    kept = sum(_kept_count(ns, candidate.get(t, ()), beat_ticks) for t, ns in original.items())
    return kept / total


def composite(
    candidates: Sequence[NotesByTrack],
    choice: Mapping[int, int],
    bar_ranges: Mapping[int, tuple[int, int]],
) -> dict[int, list[Note]]:
    """Notes per track taking each bar from its chosen candidate (``choice``: bar -> candidate index).

    A bar with no choice takes candidate 0. A note belongs to the bar its onset lies in (as in
    :class:`~composer.region.Region`); notes starting outside every bar are dropped. A note is cut
    where its candidate stops being the source: at the start of the next bar chosen from another
    candidate, or at the end of the last of the bars, like ``Region.put`` clips. Notes held across
    bars of the same candidate stay whole, so a composite of one candidate is that candidate.
    Every track of any candidate is in the result, possibly empty; notes are in time order.
    """
    if not candidates:
        raise ValueError("a composite needs at least one candidate")
    picks = {bar: choice.get(bar, 0) for bar in bar_ranges}
    bad = sorted(c for c in set(picks.values()) if not 0 <= c < len(candidates))
    if bad:
        raise ValueError(f"candidate {bad[0]} chosen but only {len(candidates)} exist")
    track_ids = sorted({t for cand in candidates for t in cand})
    out: dict[int, list[Note]] = {t: [] for t in track_ids}
    for bar, (start, end) in bar_ranges.items():
        source = candidates[picks[bar]]
        cut = _run_end(bar, end, picks, bar_ranges)
        for track_id in track_ids:
            out[track_id].extend(_cut(n, cut) for n in source.get(track_id, ()) if start <= n.start < end)
    return {t: sorted(ns) for t, ns in out.items()}


COMPOSITE = -1
"""``Take.candidate`` of a composite."""


def mix_option(choice: Mapping[int, int], bars: Iterable[int]) -> str:
    """The choice as text for a take's options, one label per bar in order: "A,C,C,B"."""
    return ",".join(candidate_label(choice.get(bar, 0)) for bar in bars)


def _run_end(bar: int, end: int, picks: Mapping[int, int], bar_ranges: Mapping[int, tuple[int, int]]) -> int:
    """The end tick of the run of adjoining bars from ``bar`` on that come from the same candidate."""
    nxt = bar + 1
    while nxt in bar_ranges and picks[nxt] == picks[bar] and bar_ranges[nxt][0] == end:
        end = bar_ranges[nxt][1]
        nxt += 1
    return end


def _cut(note: Note, end: int) -> Note:
    return note._replace(duration=end - note.start) if note.end > end else note


@dataclass(frozen=True)
class CandidateStats:
    """What the compare view plots for one candidate."""

    label: str  # "A", "B", ...
    notes_per_bar: float
    low: int | None  # lowest pitch, None for a candidate with no notes
    high: int | None
    style_confidence: float | None  # 0..1 from the style classifier; None when unavailable
    written: bool = True  # False while the candidate has not written a bar yet (its slot stays empty)


def candidate_label(index: int) -> str:
    """A, B, ..., Z, then AA, AB, ... (spreadsheet columns), for candidate ``index`` (0-based)."""
    if index < 0:
        raise ValueError(f"no label for candidate {index}")
    label = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        label = chr(ord("A") + rem) + label
    return label


def candidate_stats(
    label: str, notes: NotesByTrack | Iterable[Note], bar_count: int, style_confidence: float | None = None
) -> CandidateStats:
    """Density, pitch range and style confidence of one candidate over a region of ``bar_count`` bars."""
    if bar_count < 1:
        raise ValueError(f"bar_count must be positive, not {bar_count}")
    flat = [n for ns in notes.values() for n in ns] if isinstance(notes, Mapping) else list(notes)
    pitches = [n.pitch for n in flat]
    return CandidateStats(
        label,
        len(flat) / bar_count,
        min(pitches, default=None),
        max(pitches, default=None),
        style_confidence,
    )
