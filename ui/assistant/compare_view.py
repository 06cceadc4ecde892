"""The compare view: density, pitch range and style confidence of each candidate, side by side.

Three small pyqtgraph plots over the candidates A, B, C, ...: notes per bar (bars), pitch
range (a floating bar from the lowest to the highest pitch) and the style
classifier's confidence (bars on 0..1, "n/a" where the classifier is unavailable). The panel
calls :meth:`CompareView.set_stats` whenever a candidate gains a bar, so the plots grow as
candidates stream in.

pyqtgraph costs over a second to import, so application start-up never imports it
(tests/test_mainwindow.py checks this): :func:`preload_pyqtgraph` imports it on a background
thread once the window is up, and the plots are built when the first candidate arrives.
"""

from __future__ import annotations

import os
import threading
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


_preload: threading.Thread | None = None


def preload_pyqtgraph() -> threading.Thread:
    """Import pyqtgraph on a background thread (once per process) and return that thread.

    Imported on the GUI thread when the first candidate arrives, pyqtgraph would freeze the
    window for over a second right when the user is watching ghosts stream in; imported here,
    after start-up, it costs the GUI thread only GIL switches (longest gap about 75 ms, measured
    once with a 5 ms timer). Its import creates no QObject, so any thread may do it; the import
    lock makes a GUI-thread import wait for this one rather than run twice.
    """
    global _preload
    if _preload is None:
        _preload = threading.Thread(target=_pyqtgraph, name="pyqtgraph-preload")
        _preload.start()
    return _preload


class _Plots:
    """The three plots. Their bar items live as long as the plots and are updated in place, and axis
    ticks and texts are only rebuilt when they change, so a redraw while candidates stream in is cheap."""

    def __init__(self, parent: QWidget) -> None:
        pg = _pyqtgraph()
        self.pg = pg
        self.widget: pyqtgraph.GraphicsLayoutWidget = pg.GraphicsLayoutWidget(parent)
        self.widget.setBackground(BACKGROUND)
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
        self.density_bars = self._bars(self.density, 0.6)
        self.range_bars = self._bars(self.range, 0.45, pen=pg.mkPen(AXIS))
        self.style_bars = self._bars(self.style, 0.6)
        self.texts: dict[str, tuple[tuple, list[Any]]] = {"range": ((), []), "style": ((), [])}
        self.na_labels: list[str] = []
        self._ticks: tuple = ()
        self._range_axis: tuple[int, int] | None = None

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

    def _bars(self, plot: Any, width: float, **opts: Any) -> Any:
        bars = self.pg.BarGraphItem(x=[], y0=[], height=[], width=width, brushes=[], **opts)
        plot.addItem(bars)
        return bars

    def show(self, stats: Sequence[CandidateStats]) -> None:
        pg = self.pg
        xs = list(range(len(stats)))
        brushes = [pg.mkBrush(candidate_colour(i)) for i in xs]
        ticks = tuple((i, s.label) for i, s in zip(xs, stats, strict=True))
        if ticks != self._ticks:
            self._ticks = ticks
            for plot in (self.density, self.range, self.style):
                plot.getAxis("bottom").setTicks([list(ticks)])
                plot.setXRange(-0.6, max(len(stats), 1) - 0.4, padding=0)

        heights = [s.notes_per_bar for s in stats]
        self.density_bars.setOpts(x=xs, y0=[0] * len(xs), height=heights, brushes=brushes)
        self.density.setYRange(0, max([*heights, 1.0]) * 1.1, padding=0)

        self._show_ranges(stats, brushes)

        confident = [i for i, s in enumerate(stats) if s.style_confidence is not None]
        self.style_bars.setOpts(x=confident, y0=[0] * len(confident),
                                height=[float(stats[i].style_confidence or 0.0) for i in confident],
                                brushes=[brushes[i] for i in confident])
        self.na_labels = [s.label for s in stats if s.style_confidence is None and s.written]
        if not confident:  # the usual case without a classifier: one label for the plot
            self._texts("style", self.style, [(NOT_AVAILABLE, (len(stats) - 1) / 2, 0.5, 0)])
        else:  # upright, so neighbouring labels in a narrow plot do not run into each other
            self._texts("style", self.style, [(NOT_AVAILABLE, i, 0.25, 90) for i, s in enumerate(stats)
                                              if s.style_confidence is None and s.written])

    def _show_ranges(self, stats: Sequence[CandidateStats], brushes: list[Any]) -> None:
        ranged = [i for i, s in enumerate(stats) if s.low is not None and s.high is not None]
        lows = [int(stats[i].low or 0) for i in ranged]
        highs = [int(stats[i].high or 0) for i in ranged]
        # A single pitch still gets a visible sliver: +-0.4 of a semitone around it.
        self.range_bars.setOpts(x=ranged, y0=[lo - 0.4 for lo in lows],
                                height=[hi - lo + 0.8 for lo, hi in zip(lows, highs, strict=True)],
                                brushes=[brushes[i] for i in ranged])
        lo, hi = (min(lows) - 2, max(highs) + 2) if ranged else (58, 72)
        if (lo, hi) != self._range_axis:
            self._range_axis = (lo, hi)
            self.range.setYRange(lo, hi, padding=0)
            first_c = lo + (-lo) % 12
            step = 12 if hi - lo > 14 else 6
            self.range.getAxis("left").setTicks([[(p, pitch_name(p)) for p in range(first_c, hi + 1, step)]])
        empty = [(EMPTY, i, (lo + hi) / 2, 0) for i, s in enumerate(stats) if s.low is None and s.written]
        self._texts("range", self.range, empty)

    def _texts(self, name: str, plot: Any, wanted: list[tuple[str, float, float, float]]) -> None:
        """Show exactly the ``wanted`` (text, x, y, angle) labels on ``plot``; rebuilt only when they change."""
        key = tuple(wanted)
        shown_key, items = self.texts[name]
        if key == shown_key:
            return
        for item in items:
            plot.removeItem(item)
        items = []
        for text, x, y, angle in wanted:
            item = self.pg.TextItem(text, color=AXIS, anchor=(0.5, 0.5), angle=angle)
            item.setPos(x, y)
            plot.addItem(item)
            items.append(item)
        self.texts[name] = (key, items)


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
        """The pyqtgraph plots, None until the first candidate arrived or :meth:`prepare`."""
        return self._plots

    def set_stats(self, stats: Sequence[CandidateStats], *, build: bool = True) -> None:
        """Show these candidates (all of them, in order); an empty list clears the view.

        ``build`` False leaves the plots unbuilt if they are not built yet (the placeholder stays):
        building them stalls the GUI for a few hundred milliseconds, which must not happen while
        candidates stream in.
        """
        self._stats = tuple(stats)
        if not self._stats or (self._plots is None and not build):
            if self._plots is not None:
                self._plots.widget.hide()
            self._placeholder.show()
            return
        self.prepare()
        assert self._plots is not None
        self._placeholder.hide()
        self._plots.widget.show()
        self._plots.show(self._stats)

    def clear(self) -> None:
        self.set_stats(())

    def prepare(self) -> None:
        """Build the plots now (hidden) if they are not built yet, and render them once off screen.

        The first build and paint cost a few hundred milliseconds (pyqtgraph's items, fonts and
        caches); the panel calls this in idle time once pyqtgraph is imported, so the first
        candidate's plots cost what every later update costs.
        """
        if self._plots is None:
            self._plots = _Plots(self)
            self._plots.widget.hide()
            self._layout.addWidget(self._plots.widget)
            self._plots.show([CandidateStats("A", 1.0, 60, 72, 0.5), CandidateStats("B", 0.0, None, None, None)])
            self._plots.widget.resize(max(self.width(), 240), PLOT_HEIGHT)
            self._plots.widget.grab()
            if self._stats:  # stats that arrived before the plots were built
                self._placeholder.hide()
                self._plots.widget.show()
                self._plots.show(self._stats)
