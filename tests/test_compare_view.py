"""The compare view plots what each candidate's stats say, labels them A, B, C and grows as they stream in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from pytestqt.qtbot import QtBot

from composer.candidate_diff import CandidateStats
from ui.assistant.compare_view import NOT_AVAILABLE, CompareView

ROOT = Path(__file__).resolve().parent.parent


def bar_items(plot: object) -> list:
    import pyqtgraph as pg

    return [item for item in plot.items if isinstance(item, pg.BarGraphItem)]  # type: ignore[attr-defined]


def texts(plot: object) -> list[tuple[str, float]]:
    import pyqtgraph as pg

    return [(i.toPlainText(), i.pos().x()) for i in plot.items if isinstance(i, pg.TextItem)]  # type: ignore[attr-defined]


def tick_labels(plot: object) -> list[str]:
    ticks = plot.getAxis("bottom")._tickLevels  # type: ignore[attr-defined]
    return [label for _x, label in ticks[0]]


def make_view(qtbot: QtBot) -> CompareView:
    view = CompareView()
    qtbot.addWidget(view)
    view.resize(420, 180)
    view.show()
    return view


def test_empty_until_the_first_candidate(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    assert view.plots is None
    view.set_stats([])
    assert view.plots is None


def test_plots_density_range_and_confidence_per_candidate(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.set_stats([
        CandidateStats("A", 6.0, 55, 79, 0.8),
        CandidateStats("B", 3.5, 60, 60, None),
        CandidateStats("C", 0.0, None, None, 0.25),
    ])
    plots = view.plots
    assert plots is not None
    for plot in (plots.density, plots.range, plots.style):
        assert tick_labels(plot) == ["A", "B", "C"]
    (density,) = bar_items(plots.density)
    assert list(density.opts["x"]) == [0, 1, 2] and list(density.opts["height"]) == [6.0, 3.5, 0.0]
    (ranges,) = bar_items(plots.range)
    assert list(ranges.opts["x"]) == [0, 1]  # C has no notes, so no range bar ...
    lows = np.array(ranges.opts["y0"])
    tops = lows + np.array(ranges.opts["height"])
    assert np.allclose(lows, [54.6, 59.6]) and np.allclose(tops, [79.4, 60.4])
    assert [t for t, _x in texts(plots.range)] == ["–"]  # ... but a dash
    (style,) = bar_items(plots.style)
    assert list(style.opts["x"]) == [0, 2] and list(style.opts["height"]) == [0.8, 0.25]
    assert texts(plots.style) == [(NOT_AVAILABLE, 1.0)]  # over B, the one without a confidence
    assert plots.na_labels == ["B"]


def test_updates_as_candidates_stream_in_and_clears(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.set_stats([CandidateStats("A", 2.0, 60, 64, None)])
    plots = view.plots
    assert plots is not None and tick_labels(plots.density) == ["A"]
    view.set_stats([CandidateStats("A", 4.0, 60, 67, None), CandidateStats("B", 1.0, 48, 50, None)])
    assert view.plots is plots  # the same plots, redrawn
    (density,) = bar_items(plots.density)  # the old bars are gone
    assert list(density.opts["height"]) == [4.0, 1.0]
    assert tick_labels(plots.style) == ["A", "B"]
    assert texts(plots.style) == [(NOT_AVAILABLE, 0.5)] and plots.na_labels == ["A", "B"]  # one label for all
    view.clear()
    assert view.stats == () and not plots.widget.isVisible()
    view.set_stats([CandidateStats("A", 1.0, 60, 60, 0.5)])
    assert plots.widget.isVisible() and texts(plots.style) == []


def test_importing_the_view_does_not_import_pyqtgraph() -> None:
    """The panel imports this module at start-up; pyqtgraph must wait for the first candidate."""
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'; import ui.assistant.compare_view; "
        "print('pyqtgraph' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_preload_imports_pyqtgraph_once_on_a_background_thread() -> None:
    code = (
        "import sys, os, threading; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from ui.assistant.compare_view import preload_pyqtgraph\n"
        "t = preload_pyqtgraph(); print(t is not threading.main_thread(), preload_pyqtgraph() is t); t.join()\n"
        "import pyqtgraph; print('pyqtgraph' in sys.modules, pyqtgraph.Qt.QT_LIB)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True", "PySide6"]


def test_a_pending_candidate_keeps_its_slot_but_shows_nothing(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.set_stats([CandidateStats("A", 2.0, 60, 64, 0.5), CandidateStats("B", 0.0, None, None, None, written=False)])
    plots = view.plots
    assert plots is not None and tick_labels(plots.range) == ["A", "B"]  # the axis is final from the start
    assert texts(plots.range) == [] and texts(plots.style) == [] and plots.na_labels == []
