"""The token decoder never crashes: any token sequence gives valid notes or a TokenError, nothing else.

A model's output is decoded into notes that go straight into the score, so garbage
(random tokens, a valid sequence with tokens replaced, dropped, repeated or cut off,
strings that are not tokens at all) must give notes that start inside their own bar
of the window with pitch, duration and velocity in range, or the typed TokenError.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.midi_import import read_midi
from composer.score import Note, Score, Track
from composer.timing import PPQ, TimeSignature, TimeSignatureMap
from composer.tokens import (
    MAX_BAR_UNITS,
    UNIT,
    TokenError,
    Vocabulary,
    Window,
    decode_context,
    decode_fills,
    decode_notes,
    encode_training,
    on_grid,
)
from tests.midi_helpers import POP909_FILES

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VOCAB = Vocabulary()
NOT_TOKENS = ("", "POS_", "POS_x", "POS_-1", "POS_96", "PITCH_128", "PITCH_-5", "PITCH_6O", "DUR_0", "DUR_97",
              "DUR_100000000000000000000", "VEL_16", "VEL_", "BAR_END ", "TRACK_", "FILL_START\x00", "héllo")
STRUCTURE = ("TRACK", "TRACK_END", "BAR", "BAR_END", "FILL", "FILL_START", "FILL_END", "EOS")
NOTE_TOKENS = [t for t in VOCAB.tokens if t.startswith(("POS_", "PITCH_", "DUR_", "VEL_"))]
TOKENS = st.one_of(
    st.sampled_from(VOCAB.tokens),
    st.sampled_from(STRUCTURE),  # markers often, so random sequences reach past the first one
    st.sampled_from(NOT_TOKENS),
    st.text(max_size=8),
)


@cache
def mixed_meter_window() -> Window:
    """Three tracks (one drum) over 4/4 then 3/4 then 7/8 bars: bars of 48, 36 and 42 units."""
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(8 * PPQ, 3, 4), TimeSignature(17 * PPQ, 7, 8)))
    piano = Track.create("Piano", [on_grid(Note.create(60 + i % 12, i * PPQ, PPQ, 90)) for i in range(24)])
    bass = Track.create("Bass", [Note.create(36, i * 2 * PPQ, PPQ, 100) for i in range(12)], program=33)
    drums = Track.create("Drums", [Note.create(36, i * PPQ // 2, PPQ // 4, 110) for i in range(48)], is_drum=True,
                        channel=9)
    score = Score(tracks=(piano, bass, drums), time_signatures=sigs)
    ids = tuple(t.id for t in score.tracks)
    fill = frozenset({(ids[0], 2), (ids[0], 3), (ids[1], 4), (ids[2], 6)})
    return Window(score, ids, 1, 8, fill, style="pop")


@cache
def real_window() -> Window:
    """Twelve bars of a POP909 song, every track, some cells to fill."""
    score, _ = read_midi(POP909_FILES[0])
    score = replace(score, tracks=tuple(t.with_notes(on_grid(n) for n in t.notes) for t in score.tracks))
    ids = tuple(t.id for t in score.tracks)
    fill = frozenset({(ids[0], 6), (ids[0], 7), (ids[-1], 9)})
    return Window(score, ids, 4, 16, fill, style="pop")


WINDOWS = st.sampled_from(["mixed", "real"]).map(
    lambda name: mixed_meter_window() if name == "mixed" else real_window()
)


def assert_in_bar(window: Window, bar: int, notes: list[Note]) -> None:
    start, end = window.bar_ticks(bar)
    for n in notes:
        assert start <= n.start < end, f"note {n} outside bar {bar} ({start}..{end})"
        assert 0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration >= 1, n
        assert (n.start - start) % UNIT == 0 and n.duration % UNIT == 0


def check_fills(window: Window, tokens: list[str]) -> None:
    """decode_fills gives valid notes for the window's own cells, or a TokenError."""
    try:
        cells = decode_fills(window, tokens)
    except TokenError:
        return
    assert list(cells) == window.fill_order()[: len(cells)]  # cells in order, no invented ones
    for (_track, bar), notes in cells.items():
        assert_in_bar(window, bar, notes)


def check_context(window: Window, tokens: list[str]) -> None:
    """decode_context gives valid notes inside the window's bars for its own tracks, or a TokenError."""
    try:
        per_track = decode_context(window, tokens)
    except TokenError:
        return
    assert set(per_track) == set(window.track_ids)
    first = window.bar_ticks(window.start_bar)[0]
    last = window.bar_ticks(window.end_bar - 1)[1]
    for notes in per_track.values():
        for n in notes:
            assert first <= n.start < last, f"note {n} outside the window"
            assert_in_bar(window, window.score.time_signatures.bar_at(n.start), [n])


@FUZZ
@given(WINDOWS, st.lists(TOKENS, max_size=120))
def test_random_sequences(window: Window, tokens: list[str]) -> None:
    check_fills(window, tokens)
    check_context(window, tokens)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(NOTE_TOKENS), st.sampled_from(NOT_TOKENS)), max_size=60),
       st.sampled_from([36, 42, 48, MAX_BAR_UNITS, 144]))
def test_random_note_runs_stay_in_their_bar(tokens: list[str], units: int) -> None:
    """What the engine decodes after each FILL_END: a bar's run of POS/PITCH/DUR/VEL tokens."""
    bar_start = 7 * PPQ
    try:
        notes = decode_notes(tokens, bar_start, units)
    except TokenError:
        return
    for n in notes:
        assert bar_start <= n.start < bar_start + min(units, MAX_BAR_UNITS) * UNIT, n
        assert 0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration >= 1, n


def _mutate(data: st.DataObject, tokens: list[str]) -> list[str]:
    """A few random edits: replace, drop, insert or repeat tokens, then maybe cut the end off."""
    out = list(tokens)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(out)))
        kind = data.draw(st.sampled_from(["replace", "drop", "insert", "repeat"]))
        if kind == "replace" and at < len(out):
            out[at] = data.draw(TOKENS)
        elif kind == "drop":
            del out[at : at + data.draw(st.integers(1, 4))]
        elif kind == "insert":
            out[at:at] = data.draw(st.lists(TOKENS, min_size=1, max_size=4))
        else:
            out[at:at] = out[at : at + data.draw(st.integers(1, 12))]
    if data.draw(st.booleans()):
        out = out[: data.draw(st.integers(0, len(out)))]
    return out


@FUZZ
@given(WINDOWS, st.data())
def test_mutated_training_sequences(window: Window, data: st.DataObject) -> None:
    tokens = _mutate(data, encode_training(window))
    check_fills(window, tokens)
    check_context(window, tokens)


def test_the_unmutated_sequences_decode() -> None:
    """The fuzzed sequences start from valid ones: those decode with every cell (so the checks can fail)."""
    for window in (mixed_meter_window(), real_window()):
        tokens = encode_training(window)
        cells = decode_fills(window, tokens)
        assert list(cells) == window.fill_order() and any(cells.values())
        context = decode_context(window, tokens)
        assert all(context.values())


def test_garbage_raises_the_typed_error() -> None:
    window = mixed_meter_window()
    bad = [
        ["POS_x", "PITCH_60", "DUR_4", "VEL_3"],
        ["POS_40", "PITCH_60", "DUR_4", "VEL_3"],  # past a 3/4 bar's 36 units
        ["PITCH_200", "DUR_4", "VEL_3"],
        ["PITCH_60", "DUR_0", "VEL_3"],
        ["PITCH_60", "DUR_4", "VEL_16"],
    ]
    for run in bad:
        try:
            decode_notes(run, 0, 36)
        except TokenError:
            continue
        raise AssertionError(f"{run} decoded")
    for tokens in (["TRACK", "BAR", "POS_0"], ["BAR", "BAR_END"], ["TRACK"] * 4, ["TRACK", *["FILL"] * 8, "BAR"]):
        try:
            decode_context(window, tokens)
        except TokenError:
            continue
        raise AssertionError(f"{tokens} decoded")
