"""The piano roll's coordinate transform: inverse mappings, zoom anchors, clamped scrolling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.pianoroll.transform import MAX_PX_PER_TICK, RollTransform


@given(st.floats(0.002, 2.0), st.floats(4, 40), st.floats(0, 1e6), st.floats(0, 1000), st.floats(0, 5000))
def test_x_and_tick_invert(px: float, key: float, left: float, top: float, x: float) -> None:
    t = RollTransform(px, key, left, top)
    assert t.tick_to_x(t.x_to_tick(x)) == pytest.approx(x, abs=1e-6)


@given(st.integers(0, 127), st.floats(4, 40), st.floats(0, 1000))
def test_pitch_rows_invert(pitch: int, key: float, top: float) -> None:
    t = RollTransform(key_height=key, top=top)
    y = t.pitch_to_y(pitch)
    assert t.y_to_pitch(y + key * 0.01) == pitch
    assert t.y_to_pitch(y + key * 0.99) == pitch


def test_zoom_keeps_anchor_and_limits() -> None:
    t = RollTransform(px_per_tick=0.1, left_tick=1000)
    anchor = t.x_to_tick(300)
    z = t.zoomed_x(2.0, 300)
    assert z.x_to_tick(300) == pytest.approx(anchor)
    assert t.zoomed_x(1e9, 0).px_per_tick == MAX_PX_PER_TICK
    y = RollTransform(key_height=10, top=200).zoomed_y(1.5, 100, 400)
    assert y.key_height == 15
    assert y.y_to_pitch(100) == RollTransform(key_height=10, top=200).y_to_pitch(100)


def test_scroll_is_clamped_and_visible_ranges() -> None:
    t = RollTransform(px_per_tick=0.5, key_height=10).scrolled_to(left_tick=-5, top=99999, view_height=400)
    assert t.left_tick == 0 and t.top == 1280 - 400
    assert t.visible_ticks(100) == (0, 201)
    low, high = t.visible_pitches(400)
    assert (low, high) == (0, 39)


def test_fit_shows_the_range() -> None:
    t = RollTransform().fit(0, 1920 * 4, 800, 48, 72, 500)
    assert t.tick_to_x(1920 * 4) == pytest.approx(800)
    low, high = t.visible_pitches(500)
    assert low <= 48 and high >= 72
