"""The state of the current request: the original bars, candidates A, B, C ... filled in cell by
cell as they stream in, restarts, the final result, which candidate is shown, and staleness.

Plain Python (no Qt, no torch), so the panel, the ghost layer and the compare, diff and
composite views read one source. Cells are (track id, bar); notes are absolute ticks.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence

from composer.note_similarity import consensus
from composer.region import Region
from composer.score import Note, Score
from composer.tokens import UNIT

GhostStyle = str
"""One of "candidate", "kept", "moved", "new", "removed", "outside" (see ui.assistant.ghost_layer)."""


def letter(index: int) -> str:
    """A, B, C ... Z, then AA, AB ... for the unlikely request with more than 26 candidates."""
    letters = string.ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


class CandidateSet:
    """Candidates of one request. ``original`` holds the region's notes per track when it was asked."""

    def __init__(self, request_id: int, score: Score, region: Region, count: int, revision: int = 0,
                 neighbours: Sequence[Mapping[int, Sequence[Note]]] = ()) -> None:
        self.request_id = request_id
        self.score = score  # the snapshot the request was made from
        self.region = region
        self.revision = revision
        self.original: dict[int, tuple[Note, ...]] = region.notes(score)
        self._end = region.ticks(score)[1]
        self._cells: list[dict[tuple[int, int], list[Note]]] = [{} for _ in range(count)]
        self._final: list[dict[int, list[Note]]] | None = None
        self.fingerprints: list[tuple] = []
        self.bits: list[float] = []
        # Once the result is in: the consensus, the candidate most alike to the others and to the
        # ``neighbours``, the bars around a fill (composer.note_similarity); ties go to the one the
        # model finds most likely.
        self.neighbours = list(neighbours)
        self.starred: int | None = None
        self.restarts = 0
        self.shown: int | None = None
        self.chosen = False  # the user picked the shown candidate (the panel then stops moving it to A)
        self.stale = False  # the song changed under the request (or after it)

    # filled by the service's events -----------------------------------------------------------

    def add_cell(self, candidate: int, cell: tuple[int, int], notes: Sequence[Note]) -> None:
        self._cells[candidate][cell] = self._clipped(notes)
        if self.shown is None or (not self.chosen and candidate < self.shown):
            self.shown = candidate  # the first bars written show at once; A takes over unless one was chosen

    def restart(self, candidate: int, start_bar: int, end_bar: int) -> None:
        """A finished candidate repeated an earlier one: its bars in [start_bar, end_bar) are redone."""
        cells = self._cells[candidate]
        for cell in [c for c in cells if start_bar <= c[1] < end_bar]:
            del cells[cell]
        self.restarts += 1

    def finish(self, candidates: Sequence[Mapping[int, Sequence[Note]]], fingerprints: Sequence[tuple],
               bits: Sequence[float] = ()) -> None:
        """The final result: exactly the engine's candidates (it may return fewer than asked), with how
        surprising the model found each (bits per token; lower is more likely)."""
        self._final = [{t: sorted(self._clipped(candidate.get(t, ()))) for t in self.region.track_ids}
                       for candidate in candidates]
        del self._cells[len(candidates):]
        self.fingerprints = list(fingerprints)
        self.bits = list(bits)
        self.starred = consensus(self._final, UNIT, self.bits, self.neighbours)
        if self.shown is not None and self.shown >= len(candidates):
            self.shown = 0 if candidates else None

    def _clipped(self, notes: Sequence[Note]) -> list[Note]:
        """Notes cut to end by the region's end, as Region.put writes them: the ghosts show what Accept writes."""
        end = self._end
        return [n if n.end <= end else n._replace(duration=max(end - n.start, 1)) for n in notes]

    # reading -----------------------------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self._final is not None

    @property
    def count(self) -> int:
        return len(self._cells)

    @property
    def cells_per_candidate(self) -> int:
        return len(self.region.track_ids) * self.region.bar_count

    def cells_done(self, candidate: int) -> int:
        return self.cells_per_candidate if self._final is not None else len(self._cells[candidate])

    def progress(self) -> float:
        """Share of all cells written, 0..1."""
        total = self.count * self.cells_per_candidate
        return 1.0 if self._final is not None or not total else sum(map(len, self._cells)) / total

    def is_complete(self, candidate: int) -> bool:
        return self.cells_done(candidate) == self.cells_per_candidate

    def notes(self, candidate: int) -> dict[int, list[Note]]:
        """The candidate's notes per region track (a track with no notes maps to an empty list)."""
        if self._final is not None:
            return {t: list(ns) for t, ns in self._final[candidate].items()}
        out: dict[int, list[Note]] = {t: [] for t in self.region.track_ids}
        for (track_id, _bar), notes in sorted(self._cells[candidate].items()):
            out[track_id].extend(notes)
        return {t: sorted(ns) for t, ns in out.items()}

    def cell_notes(self, candidate: int, cell: tuple[int, int]) -> list[Note] | None:
        """One written cell's notes, None while it is not written yet."""
        if self._final is not None:
            start, end = self.bar_ranges()[cell[1]]
            return [n for n in self._final[candidate].get(cell[0], ()) if start <= n.start < end]
        notes = self._cells[candidate].get(cell)
        return None if notes is None else list(notes)

    def written_bars(self, candidate: int) -> set[int]:
        if self._final is not None:
            return set(range(self.region.start_bar, self.region.end_bar))
        return {bar for _track, bar in self._cells[candidate]}

    def bar_ranges(self) -> dict[int, tuple[int, int]]:
        """Each region bar's ticks [start, end) in the request's snapshot."""
        sigs = self.score.time_signatures
        return {bar: sigs.bar_range(bar) for bar in range(self.region.start_bar, self.region.end_bar)}

    def ticks(self) -> tuple[int, int]:
        return self.region.ticks(self.score)

    def ghosts(self, candidate: int | None = None) -> dict[int, list[tuple[Note, GhostStyle]]]:
        """What the ghost layer paints for ``candidate`` (default: the shown one), per track."""
        index = self.shown if candidate is None else candidate
        if index is None or self.stale or index >= self.count:
            return {}
        return {t: [(n, "candidate") for n in ns] for t, ns in self.notes(index).items()}

    def with_candidate(self, score: Score, candidate: int) -> Score:
        """``score`` with the region holding ``candidate`` instead of the original (for auditioning)."""
        edit = self.region.put(score, self.notes(candidate), "Audition")
        return edit.apply(score)[0]
