"""Snap grid: parsing, spacing, and snapping from bar lines in any meter."""

from __future__ import annotations

import pytest

from composer.grid import GRID_CHOICES, Grid
from composer.timing import PPQ, TimeSignature, TimeSignatureMap

FOUR_FOUR = TimeSignatureMap()


def test_spacing_and_names() -> None:
    assert Grid(4).ticks == PPQ and Grid(16).ticks == PPQ // 4
    assert Grid(8, True).ticks == PPQ // 3
    assert str(Grid(8, True)) == "1/8T" and str(Grid.off()) == "off"
    assert [Grid.parse(str(g)) for g in GRID_CHOICES] == list(GRID_CHOICES)
    with pytest.raises(ValueError):
        Grid(3)
    with pytest.raises(ValueError):
        Grid.parse("2/4")


def test_snap_nearest_and_floor() -> None:
    g = Grid(4)
    assert g.snap(PPQ * 1.4, FOUR_FOUR) == PPQ
    assert g.snap(PPQ * 1.6, FOUR_FOUR) == 2 * PPQ
    assert g.floor(PPQ * 1.9, FOUR_FOUR) == PPQ
    assert g.snap(-50, FOUR_FOUR) == 0
    assert Grid.off().snap(123.6, FOUR_FOUR) == 124


def test_grid_starts_at_each_bar_line() -> None:
    # A 5/8 bar then 4/4: quarter-note grid lines restart on the 4/4 downbeat at 5 eighths.
    sigs = TimeSignatureMap((TimeSignature(0, 5, 8), TimeSignature(5 * PPQ // 2, 4, 4)))
    g = Grid(4)
    assert g.snap(2 * PPQ + 100, sigs) == 2 * PPQ
    assert g.snap(2 * PPQ + 200, sigs) == 5 * PPQ // 2  # nearer the short bar's end than its last grid line
    assert g.snap(5 * PPQ // 2 + PPQ + 10, sigs) == 5 * PPQ // 2 + PPQ
    assert g.floor(5 * PPQ // 2 + 10, sigs) == 5 * PPQ // 2
