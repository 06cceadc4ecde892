"""The panel's tools for judging candidates: the diff view, the kept shares, the compare view and the mix.

:class:`CandidateTools` sits in the assistant panel's ``extras_layout`` and works only through
the panel's hooks (see ui/assistant/panel.py): it listens to ``candidates_changed``, reads the
panel's current :class:`~ui.assistant.candidates.CandidateSet` and ``request``, restyles the
ghosts with ``set_ghost_styler`` and accepts a mix with ``accept_notes``. It is hidden while
there are no candidates.

- Diff: the shown candidate's ghosts become kept / moved / new, and the original notes it
  dropped are drawn ghosted as removed (composer/candidate_diff.py has the matching rule).
  While a candidate streams in, only the bars it has written are compared, so the bars still
  to come do not read as "removed".
- Kept shares: "A kept 62% of the original notes" per candidate; for Vary, next to what was
  asked ("asked: keep ~50%", the variation amount read as the share of notes to keep).
- Compare: density, pitch range and style confidence per candidate (compare_view.py).
- Mix: choose each bar's candidate and accept the composite as one undo step (composite_bar.py).
  While the choice mixes candidates the ghosts preview the mix (as a diff too, with Diff on);
  picking a candidate in the panel's list shows that candidate again.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from PySide6.QtCore import QTimer, SignalInstance
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from composer.annotations import JsonScalar
from composer.candidate_diff import (
    COMPOSITE,
    CandidateStats,
    candidate_label,
    candidate_stats,
    composite,
    diff_notes,
    mix_option,
    region_kept_share,
)
from composer.chord_symbols import outside_harmony
from composer.score import Note
from ui.assistant.candidates import CandidateSet
from ui.assistant.compare_view import CompareView, preload_pyqtgraph
from ui.assistant.composite_bar import CompositeBar
from ui.assistant.ghost_layer import LOOKS
from ui.assistant.service import AssistantService, Request

STREAM_REFRESH_MS = 300
"""While candidates stream in, the kept shares and plots are redrawn at most this often."""
PRELOAD_DELAY_MS = 300
"""pyqtgraph is imported in the background this long after the panel is built: after the window's
first paint (so start-up hardly shares the GIL with it), while the model loads; the plots are then
built (a few hundred ms on the GUI thread) as soon as no request streams, usually while the model
is still loading, so no request pays for them."""
PREPARE_POLL_MS = 200

class CandidateHost(Protocol):
    """What the tools need of the panel (ui.assistant.panel.AssistantPanel provides it)."""

    candidates: CandidateSet | None
    request: Request | None
    service: AssistantService  # its ``confidences`` signal: the style classifier's verdict per candidate
    candidates_changed: SignalInstance
    shown_changed: SignalInstance

    def set_ghost_styler(self, styler: Callable[[CandidateSet, int], Mapping[int, Sequence[tuple[Note, str]]]]
                         | None) -> None: ...

    def accept(self, index: int | None = None) -> bool: ...

    def accept_notes(self, notes: Mapping[int, Sequence[Note]], candidate: int,
                     extra_options: tuple[tuple[str, JsonScalar], ...] = ()) -> bool: ...


def beat_ticks(c: CandidateSet) -> int:
    """The beat at the region's start: how far an onset may shift and still count as moved."""
    start, _end = c.ticks()
    return c.score.time_signatures.at(start).beat_ticks


def written_original(c: CandidateSet, index: int, choice: Mapping[int, int] | None = None) -> dict[int, list[Note]]:
    """The original notes of the cells candidate ``index`` has written so far, per track (with a mix
    ``choice``, bar -> candidate, each bar's cells are those of its chosen candidate)."""
    if choice is None and c.is_complete(index):  # everything written (a whole-track restyle has 64+ bars)
        return {t: list(c.original.get(t, ())) for t in c.region.track_ids}
    ranges = c.bar_ranges()
    bars = sorted(ranges)
    starts = [ranges[bar][0] for bar in bars]
    source = {bar: (choice or {}).get(bar, index) for bar in bars}
    out = {}
    for track_id in c.region.track_ids:
        written = {bar for bar in bars if c.cell_notes(source[bar], (track_id, bar)) is not None}
        out[track_id] = [n for n in c.original.get(track_id, ()) if _bar_of(n.start, bars, starts) in written]
    return out


def _bar_of(tick: int, bars: list[int], starts: list[int]) -> int | None:
    """The bar (of ``bars``, starting at ``starts``) that ``tick`` lies in; region notes always lie in one."""
    i = bisect.bisect_right(starts, tick) - 1
    return bars[i] if i >= 0 else None


def mixed_notes(c: CandidateSet, choice: Mapping[int, int]) -> dict[int, list[Note]]:
    """The composite of ``choice`` (bar -> candidate) over the region's tracks."""
    mixed = composite([c.notes(i) for i in range(c.count)], choice, c.bar_ranges())
    return {t: mixed.get(t, []) for t in c.region.track_ids}


def diff_ghosts(
    c: CandidateSet, index: int, choice: Mapping[int, int] | None = None
) -> dict[int, list[tuple[Note, str]]]:
    """Candidate ``index`` (or the mix of ``choice``) as ghost (Note, style) pairs styled kept / moved /
    new / removed."""
    notes = mixed_notes(c, choice) if choice else c.notes(index)
    beat = beat_ticks(c)
    original = written_original(c, index, choice)
    return {t: [(n, kind.value) for n, kind in diff_notes(original[t], notes.get(t, []), beat)]
            for t in c.region.track_ids}


def outside_notes(c: CandidateSet, notes: Mapping[int, Sequence[Note]]) -> set[int]:
    """Ids of the pitched ``notes`` outside the key's scale and the beat's chord, marked like the panel's
    plain view marks them."""
    score = c.score
    pitched = [n for t, ns in notes.items() if score.has_track(t) and not score.track(t).is_drum for n in ns]
    return outside_harmony(score, pitched)


def kept_text(c: CandidateSet, index: int) -> str:
    """ "kept 62% of the original notes" (with "so far" while the candidate is still being written)."""
    share = region_kept_share(written_original(c, index), c.notes(index), beat_ticks(c))
    so_far = "" if c.is_complete(index) else " so far"
    return f"kept {share:.0%} of the original notes{so_far}"


def _swatch(style: str) -> str:
    brush, pen = LOOKS[style]
    fill = brush.color()
    colour = pen.color().name() if style == "removed" else fill.name()
    symbol = "▭" if style == "removed" else "■"
    return f"<span style='color:{colour}'>{symbol}</span>&nbsp;{style}"


class CandidateTools(QWidget):
    """Diff toggle and kept shares, compare view and composite bar for the panel's candidates."""

    def __init__(self, host: CandidateHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("candidate_tools")
        self.host = host
        self._confidences: tuple[int, list[float | None]] | None = None  # (request id, one per candidate)
        self._request_id: int | None = None
        self._count = 0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.diff_toggle = QCheckBox("Diff", self)
        self.diff_toggle.setObjectName("diff_toggle")
        self.diff_toggle.setToolTip("Colour the shown candidate's notes as kept, moved or new against the "
                                    "original bars, with the original notes it dropped ghosted as removed")
        self.diff_toggle.toggled.connect(self._diff_toggled)
        self.legend = QLabel("  ".join(_swatch(s) for s in ("kept", "moved", "new", "removed")), self)
        self.legend.setEnabled(False)
        top.addWidget(self.diff_toggle)
        top.addWidget(self.legend, 1)
        layout.addLayout(top)
        self.asked = QLabel(self)
        self.asked.setObjectName("kept_asked")
        layout.addWidget(self.asked)
        self.kept_labels: list[QLabel] = []
        self._kept_box = QVBoxLayout()
        self._kept_box.setSpacing(0)
        layout.addLayout(self._kept_box)
        self.compare = CompareView(self)
        layout.addWidget(self.compare)
        self.mix = CompositeBar(self)
        self.mix.acceptRequested.connect(self.accept_mix)
        self.mix.choiceChanged.connect(self._mix_chosen)
        layout.addWidget(self.mix)
        self.mix_note = QLabel("The ghost notes show this mix; pick a candidate above to see it alone.", self)
        self.mix_note.setObjectName("mix_note")
        self.mix_note.setWordWrap(True)
        self.mix_note.setEnabled(False)
        self.mix_note.setVisible(False)
        layout.addWidget(self.mix_note)
        self._previewing_mix = False
        self._cache: dict[int, tuple[tuple[int, bool, int], str, CandidateStats]] = {}
        self._coalesce = QTimer(self)
        self._coalesce.setSingleShot(True)
        self._coalesce.setInterval(STREAM_REFRESH_MS)
        self._coalesce.timeout.connect(self.refresh)
        host.candidates_changed.connect(self._candidates_changed)
        host.service.confidences.connect(self._confidences_arrived)
        host.shown_changed.connect(self._candidate_shown)
        self._prepare = QTimer(self)  # once pyqtgraph is imported, build the plots when no request streams
        self._prepare.setInterval(PREPARE_POLL_MS)
        self._prepare.timeout.connect(self._prepare_plots)
        QTimer.singleShot(PRELOAD_DELAY_MS, self._prepare.start)
        self.refresh()

    # reacting to the panel ---------------------------------------------------------------------

    def _prepare_plots(self) -> None:
        """Build the plots once pyqtgraph is imported and no request streams (the build stalls the GUI)."""
        c = self.host.candidates
        if not preload_pyqtgraph().is_alive() and (c is None or c.finished):
            self._prepare.stop()
            self.compare.prepare()

    def _candidates_changed(self) -> None:
        """Refresh now when the request starts, ends or is dropped; while cells stream in, at most once
        per STREAM_REFRESH_MS, so a burst of cells costs one redraw of the plots."""
        c = self.host.candidates
        streaming = c is not None and not c.finished
        if not streaming:
            self._coalesce.stop()
            self.refresh()
            return
        if (c.request_id, c.count) != (self._request_id, self._count):
            self._start(c)  # the layout for the new request now; its numbers with the first cells
        if not self._coalesce.isActive():
            self._coalesce.start()

    def refresh(self) -> None:
        """Bring everything up to the panel's current candidates."""
        c = self.host.candidates
        if c is None:
            self._request_id, self._count = None, 0
            self._cache = {}
            self.compare.clear()
            self.setVisible(False)
            return
        if (c.request_id, c.count) != (self._request_id, self._count):
            self._start(c)
        self.mix.set_written([c.written_bars(i) for i in range(c.count)], acceptable=c.finished and not c.stale)
        self._refresh_kept(c)
        # Every candidate from the start (a pending one as empty), so the axes do not relayout as they arrive.
        # Never built here: building the plots stalls the GUI; the idle-time poll builds them.
        self.compare.set_stats([self._measured(c, i)[1] for i in range(c.count)], build=False)

    def _start(self, c: CandidateSet) -> None:
        """Lay the tools out for a new request (or a result with fewer candidates than asked)."""
        self._request_id, self._count = c.request_id, c.count
        self._cache = {}
        self.mix.reset(range(c.region.start_bar, c.region.end_bar), c.count)
        self._rebuild_kept_labels(c.count)
        self._preview_mix(False)
        self.setVisible(True)
        self.mix.setVisible(c.count > 1)

    def _measured(self, c: CandidateSet, index: int) -> tuple[str, CandidateStats]:
        """Kept text and compare stats of candidate ``index``, recomputed only when it changed."""
        key = (c.cells_done(index), c.finished, c.restarts)
        cached = self._cache.get(index)
        if cached is None or cached[0] != key:
            label = candidate_label(index)
            if not c.written_bars(index):
                cached = (key, "…", CandidateStats(label, 0.0, None, None, None, written=False))
            else:
                stats = candidate_stats(label, c.notes(index), c.region.bar_count, self._confidence(c, index))
                cached = (key, kept_text(c, index), stats)
            self._cache[index] = cached
        return cached[1], cached[2]

    def _confidences_arrived(self, request: Request, confidences: list[float | None]) -> None:
        """The worker's style-classifier verdicts, sent just before the result (which redraws)."""
        self._confidences = (request.id, list(confidences))

    def _confidence(self, c: CandidateSet, index: int) -> float | None:
        """The classifier's confidence in the requested style for candidate ``index``: None ("n/a") while
        it streams, without a style asked for, or without a classifier beside the model."""
        if not c.finished or self._confidences is None or self._confidences[0] != c.request_id:
            return None
        values = self._confidences[1]
        return values[index] if index < len(values) else None

    def _rebuild_kept_labels(self, count: int) -> None:
        for label in self.kept_labels:
            self._kept_box.removeWidget(label)
            label.deleteLater()
        self.kept_labels = []
        for i in range(count):
            label = QLabel(self)
            label.setObjectName(f"kept_{i}")
            self._kept_box.addWidget(label)
            self.kept_labels.append(label)

    def _refresh_kept(self, c: CandidateSet) -> None:
        has_original = any(c.original.values())
        request = self.host.request
        vary = request is not None and request.operation == "vary"
        self.asked.setVisible(has_original and vary)
        if request is not None and vary:
            self.asked.setText(f"Vary asked: keep ~{1 - request.options.amount:.0%} of the original notes")
        for i, label in enumerate(self.kept_labels):
            label.setVisible(has_original)  # shown from the start: no relayout of the panel per arrival
            if has_original:
                label.setText(f"<b>{candidate_label(i)}</b> {self._measured(c, i)[0]}")

    # what the ghosts show ------------------------------------------------------------------------

    @property
    def previewing_mix(self) -> bool:
        """True while the ghosts show the mix rather than the shown candidate."""
        return self._previewing_mix

    def ghost_pairs(self, c: CandidateSet, index: int) -> dict[int, list[tuple[Note, str]]]:
        """The panel's ghost styler: the shown candidate or the mix, plain or as a diff."""
        choice = self.mix.choice() if self._previewing_mix else None
        if self.diff_toggle.isChecked():
            return diff_ghosts(c, index, choice)
        notes = mixed_notes(c, choice) if choice else c.notes(index)
        outside = outside_notes(c, notes)
        return {t: [(n, "outside" if n.id in outside else "candidate") for n in ns] for t, ns in notes.items()}

    def _update_styler(self) -> None:
        styled = self.diff_toggle.isChecked() or self._previewing_mix
        self.host.set_ghost_styler(self.ghost_pairs if styled else None)

    def _diff_toggled(self, on: bool) -> None:
        self.legend.setEnabled(on)
        self._update_styler()

    def _mix_chosen(self, _choice: object) -> None:
        self._preview_mix(self.mix.is_mixed())

    def _candidate_shown(self, _index: object) -> None:
        self._preview_mix(False)

    def _preview_mix(self, on: bool) -> None:
        if on != self._previewing_mix or on:
            self._previewing_mix = on
            self.mix_note.setVisible(on)
            self._update_styler()

    # accepting the mix ------------------------------------------------------------------------

    def accept_mix(self, choice: Mapping[int, int] | None = None) -> bool:
        """Accept the composite of ``choice`` (default: the bar's current choice) as one undo step.

        The take records the mix as its "mix" option ("A,C,C,B": each bar's candidate), so it can be
        rebuilt from the same request. A "mix" taken wholly from one candidate is that candidate,
        accepted as such.
        """
        c = self.host.candidates
        if c is None:
            return False
        choice = dict(self.mix.choice() if choice is None else choice)
        sources = set(choice.values())
        if len(sources) == 1:
            return self.host.accept(sources.pop())
        bars = range(c.region.start_bar, c.region.end_bar)
        return self.host.accept_notes(mixed_notes(c, choice), COMPOSITE, (("mix", mix_option(choice, bars)),))
