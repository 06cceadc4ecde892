"""The compare view: density, pitch range and style confidence of each candidate, side by side.

Three small pyqtgraph plots over the candidates A, B, C, ...: notes per bar (bars), pitch
range (a floating bar from the lowest to the highest pitch) and the style
classifier's confidence (bars on 0..1, "n/a" where the classifier is unavailable). The panel
calls :meth:`CompareView.set_stats` whenever a candidate gains a bar, so the plots grow as
candidates stream in.

pyqtgraph costs about a second to import, so it is imported only when the first candidate
arrives, never at application start-up (tests/test_mainwindow.py checks this).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from composer.candidate_diff import CandidateStats
from composer.pitch import pitch_name

if TYPE_CHECKING:
    import pyqtgraph

CANDIDATE_COLOURS = ("#4fc4c9", "#e0a04e", "#a57be0", "#5cc98b", "#e07bb8", "#d4c24a", "#4e9af1", "#e0625c")
"""One colour per candidate (A, B, C, ...), cycling; shared with the composite choosers."""

BACKGROUND = "#2a2d33"  # the piano roll's background, so the view sits in the same dark theme
AXIS = "#9aa0a8"
NOT_AVAILABLE = "n/a"
EMPTY = "–"  # a candidate with no notes has no range
PLOT_HEIGHT = 150
AXIS_WIDTH = 26  # room for "C5" or "10" at the axis font


def candidate_colour(index: int) -> str:
    return CANDIDATE_COLOURS[index % len(CANDIDATE_COLOURS)]


def _pyqtgraph() -> Any:
    """pyqtgraph, imported on first use and bound to PySide6 (it would otherwise pick any Qt it finds)."""
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    import pyqtgraph

    return pyqtgraph


class _Plots:
    """The three plots and the items they currently show (rebuilt on every update: a handful of items)."""

    def __init__(self, parent: QWidget) -> None:
        pg = _pyqtgraph()
        self.pg = pg
        self.widget: pyqtgraph.GraphicsLayoutWidget = pg.GraphicsLayoutWidget(parent)
        self.widget.setBackground(BACKGROUND)
        self.widget.setMinimumHeight(PLOT_HEIGHT)
        # Fit whatever width the dock gives: the three plots share it equally.
        self.widget.setMinimumWidth(0)
        self.widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.widget.setFixedHeight(PLOT_HEIGHT)
        self.widget.ci.setContentsMargins(2, 2, 2, 2)
        self.widget.ci.setSpacing(0)
        self.widget.setToolTip(
            "Per candidate: notes per bar, pitch range (lowest to highest note) "
            "and how confidently the style classifier hears the requested style"
        )
        self.density = self._plot(0, "notes / bar")
        self.range = self._plot(1, "range")
        self.style = self._plot(2, "style")
        self.style.setYRange(0, 1.08, padding=0)
        self.style.getAxis("left").setTicks([[(0, "0"), (0.5, ".5"), (1, "1")]])
        for column in range(3):
            self.widget.ci.layout.setColumnStretchFactor(column, 1)
        self.items: dict[str, list[Any]] = {"density": [], "range": [], "style": []}
        self.na_labels: list[str] = []

    def _plot(self, column: int, title: str) -> Any:
        plot = self.widget.addPlot(row=0, col=column)
        plot.setTitle(title, color=AXIS, size="9pt")
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            axis.setPen(AXIS)
            axis.setTextPen(AXIS)
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        return plot

    def show(self, stats: Sequence[CandidateStats]) -> None:
        pg = self.pg
        for name, plot in (("density", self.density), ("range", self.range), ("style", self.style)):
            for item in self.items[name]:
                plot.removeItem(item)
            self.items[name] = []
        xs = list(range(len(stats)))
        brushes = [pg.mkBrush(candidate_colour(i)) for i in xs]
        ticks = [[(i, s.label) for i, s in zip(xs, stats, strict=True)]]
        for plot in (self.density, self.range, self.style):
            plot.getAxis("bottom").setTicks(ticks)
            plot.setXRange(-0.6, max(len(stats), 1) - 0.4, padding=0)

        density = pg.BarGraphItem(x=xs, height=[s.notes_per_bar for s in stats], width=0.6, brushes=brushes)
        self._add("density", self.density, density)
        self.density.setYRange(0, max([s.notes_per_bar for s in stats] + [1.0]) * 1.1, padding=0)

        self._show_ranges(stats, brushes)

        confident = [i for i, s in enumerate(stats) if s.style_confidence is not None]
        if confident:
            heights = [float(stats[i].style_confidence or 0.0) for i in confident]
            bars = pg.BarGraphItem(x=confident, height=heights, width=0.6, brushes=[brushes[i] for i in confident])
            self._add("style", self.style, bars)
        self.na_labels = [s.label for s in stats if s.style_confidence is None]
        if not confident:  # the usual case without a classifier: one label for the plot
            self._text("style", self.style, NOT_AVAILABLE, (len(stats) - 1) / 2, 0.5)
        else:  # upright, so neighbouring labels in a narrow plot do not run into each other
            for i, s in enumerate(stats):
                if s.style_confidence is None:
                    self._text("style", self.style, NOT_AVAILABLE, i, 0.25, angle=90)

    def _show_ranges(self, stats: Sequence[CandidateStats], brushes: list[Any]) -> None:
        pg = self.pg
        ranged = [i for i, s in enumerate(stats) if s.low is not None and s.high is not None]
        lows = [int(stats[i].low or 0) for i in ranged]
        highs = [int(stats[i].high or 0) for i in ranged]
        if ranged:
            # A single pitch still gets a visible sliver: +-0.4 of a semitone around it.
            y0 = [lo - 0.4 for lo in lows]
            heights = [hi - lo + 0.8 for lo, hi in zip(lows, highs, strict=True)]
            bars = pg.BarGraphItem(
                x=ranged, y0=y0, height=heights, width=0.45, brushes=[brushes[i] for i in ranged], pen=pg.mkPen(AXIS)
            )
            self._add("range", self.range, bars)
        lo, hi = (min(lows) - 2, max(highs) + 2) if ranged else (58, 72)
        self.range.setYRange(lo, hi, padding=0)
        first_c = lo + (-lo) % 12
        step = 12 if hi - lo > 14 else 6
        self.range.getAxis("left").setTicks([[(p, pitch_name(p)) for p in range(first_c, hi + 1, step)]])
        for i, s in enumerate(stats):
            if s.low is None:
                self._text("range", self.range, EMPTY, i, (lo + hi) / 2)

    def _add(self, name: str, plot: Any, item: Any) -> None:
        plot.addItem(item)
        self.items[name].append(item)

    def _text(self, name: str, plot: Any, text: str, x: float, y: float, angle: float = 0) -> None:
        item = self.pg.TextItem(text, color=AXIS, anchor=(0.5, 0.5), angle=angle)
        item.setPos(x, y)
        self._add(name, plot, item)


class CompareView(QWidget):
    """Density, pitch range and style confidence per candidate; empty until the first candidate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stats: tuple[CandidateStats, ...] = ()
        self._plots: _Plots | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel("Candidates appear here to compare.", self)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setEnabled(False)
        self._layout.addWidget(self._placeholder)

    @property
    def stats(self) -> tuple[CandidateStats, ...]:
        """What the view shows now."""
        return self._stats

    @property
    def plots(self) -> _Plots | None:
        """The pyqtgraph plots, None until the first candidate arrived."""
        return self._plots

    def set_stats(self, stats: Sequence[CandidateStats]) -> None:
        """Show these candidates (all of them, in order); an empty list clears the view."""
        self._stats = tuple(stats)
        if not self._stats:
            if self._plots is not None:
                self._plots.widget.hide()
            self._placeholder.show()
            return
        if self._plots is None:
            self._plots = _Plots(self)
            self._layout.addWidget(self._plots.widget)
        self._placeholder.hide()
        self._plots.widget.show()
        self._plots.show(self._stats)

    def clear(self) -> None:
        self.set_stats(())
