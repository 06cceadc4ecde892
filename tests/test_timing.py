"""Tick <-> seconds and tick <-> bar/beat conversions, and key signatures."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer.timing import (
    PPQ,
    Key,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
    bpm_to_us,
)


def test_constant_tempo_seconds() -> None:
    tempo = TempoMap.constant(120)
    assert tempo.tick_to_seconds(PPQ) == pytest.approx(0.5)
    assert tempo.seconds_to_tick(1.5) == pytest.approx(3 * PPQ)


def test_tempo_change_seconds() -> None:
    tempo = TempoMap((TempoChange(0, 500_000), TempoChange(2 * PPQ, 1_000_000)))
    assert tempo.tick_to_seconds(2 * PPQ) == pytest.approx(1.0)
    assert tempo.tick_to_seconds(4 * PPQ) == pytest.approx(3.0)
    assert tempo.seconds_to_tick(3.0) == pytest.approx(4 * PPQ)
    assert tempo.bpm_at(3 * PPQ) == pytest.approx(60)


@given(st.lists(st.tuples(st.integers(1, 50_000), st.integers(100_000, 3_000_000)), max_size=5), st.integers(0, 99_999))
def test_seconds_round_trip(changes: list[tuple[int, int]], tick: int) -> None:
    unique = dict([(0, 500_000), *changes])
    tempo = TempoMap(tuple(TempoChange(t, us) for t, us in sorted(unique.items())))
    assert tempo.seconds_to_tick(tempo.tick_to_seconds(tick)) == pytest.approx(tick, abs=1e-6)


def test_maps_need_start_and_order() -> None:
    with pytest.raises(ValueError):
        TempoMap((TempoChange(10, 500_000),))
    with pytest.raises(ValueError):
        TempoMap((TempoChange(0, 500_000), TempoChange(0, 400_000)))
    with pytest.raises(ValueError):
        TimeSignatureMap((TimeSignature(0, 4, 3),))
    with pytest.raises(ValueError):
        TempoMap((TempoChange(0, 0),))


def test_bars_with_signature_change() -> None:
    # Two bars of 4/4 then 3/4.
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(8 * PPQ, 3, 4)))
    assert sigs.bar_at(8 * PPQ - 1) == 1
    assert sigs.bar_at(8 * PPQ) == 2
    assert sigs.bar_start(3) == 11 * PPQ
    assert sigs.position(11 * PPQ + PPQ + 5) == (3, 1, 5)
    assert str(sigs.position(0)) == "1.1.0"
    assert sigs.tick_at(3, 2, 7) == 13 * PPQ + 7
    assert sigs.bar_count(11 * PPQ) == 3
    assert sigs.bar_count(11 * PPQ + 1) == 4


def test_change_inside_a_bar_cuts_that_bar_short() -> None:
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(6 * PPQ, 6, 8)))
    assert sigs.bar_range(1) == (4 * PPQ, 6 * PPQ)
    assert sigs.bar_range(2) == (6 * PPQ, 9 * PPQ)
    assert sigs.at(6 * PPQ).beat_ticks == PPQ // 2


@given(st.lists(st.tuples(st.integers(1, 200), st.integers(1, 12), st.sampled_from([2, 4, 8])), max_size=4))
def test_bar_start_inverts_bar_at(changes: list[tuple[int, int, int]]) -> None:
    by_tick = {0: (4, 4)} | {t * 120: (n, d) for t, n, d in changes}
    sigs = TimeSignatureMap(tuple(TimeSignature(t, *nd) for t, nd in sorted(by_tick.items())))
    for bar in range(40):
        start, end = sigs.bar_range(bar)
        assert start < end
        assert sigs.bar_at(start) == bar
        assert sigs.bar_at(end - 1) == bar


@pytest.mark.parametrize(
    ("key", "name", "tonic"),
    [(Key(0), "C major", 0), (Key(0, True), "A minor", 9), (Key(-3, True), "C minor", 0), (Key(6), "F# major", 6),
     (Key(-6), "Gb major", 6), (Key(5, True), "G# minor", 8), (Key(-7), "Cb major", 11)],
)
def test_key_names(key: Key, name: str, tonic: int) -> None:
    assert key.name == name
    assert key.tonic == tonic
    assert Key.parse(name) == key


def test_key_parse_short_forms_and_errors() -> None:
    assert Key.parse("Bbm") == Key(-5, True)
    assert Key.parse("eb") == Key(-3)
    assert Key(0).scale_pitch_classes() == {0, 2, 4, 5, 7, 9, 11}
    with pytest.raises(ValueError):
        Key.parse("H major")
    with pytest.raises(ValueError):
        Key(8)


def test_bpm_conversion() -> None:
    assert bpm_to_us(120) == 500_000
    with pytest.raises(ValueError):
        bpm_to_us(0)
