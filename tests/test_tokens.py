"""Tokens: exact round trips over real pieces on the grid, fills, controls, vocabulary."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from composer.harmony import Chord
from composer.midi_import import read_midi
from composer.score import Note, Score, Track
from composer.timing import PPQ
from composer.tokens import (
    UNIT,
    BarControls,
    TokenError,
    Vocabulary,
    Window,
    decode_context,
    decode_fills,
    decode_notes,
    encode_context,
    encode_training,
    measure_controls,
    on_grid,
)

DATA = Path(__file__).parent / "data"
REAL = sorted((DATA / "pop909").glob("*.mid")) + sorted((DATA / "music21").glob("*.mid"))


def _gridded(score: Score) -> Score:
    tracks = tuple(t.with_notes(on_grid(n) for n in t.notes) for t in score.tracks)
    return replace(score, tracks=tracks)


def _content(notes: list[Note]) -> list[tuple[int, int, int, int]]:
    return sorted((n.start, n.pitch, n.duration, n.velocity) for n in notes)


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_pieces_round_trip_exactly_on_the_grid(path: Path) -> None:
    score = _gridded(read_midi(path)[0])
    bars = min(score.bar_count, 24)
    window = Window(score, tuple(t.id for t in score.tracks), 0, bars)
    tokens = encode_context(window)
    vocab = Vocabulary()
    assert vocab.decode(vocab.encode(tokens)) == tokens
    decoded = decode_context(window, tokens)
    end = score.time_signatures.bar_start(bars)
    for track in score.tracks:
        assert _content(decoded[track.id]) == _content(list(track.starting_in(0, end)))


@pytest.mark.parametrize("path", REAL[:3], ids=lambda p: p.name)
def test_fill_cells_are_written_after_the_context(path: Path) -> None:
    score = _gridded(read_midi(path)[0])
    track = score.tracks[0]
    fill = frozenset({(track.id, 5), (track.id, 6), (score.tracks[-1].id, 2)})
    window = Window(score, tuple(t.id for t in score.tracks), 0, 12, fill, style="pop")
    tokens = encode_training(window)
    context = tokens[: tokens.index("FILL_START")]
    assert context.count("FILL") == 3 and tokens[1] == "STYLE_pop" and tokens[-1] == "EOS"
    cells = decode_fills(window, tokens)
    assert list(cells) == window.fill_order()
    for (track_id, bar), notes in cells.items():
        start, end = score.time_signatures.bar_range(bar)
        assert _content(notes) == _content(list(score.track(track_id).starting_in(start, end)))


def test_tracks_with_cells_to_fill_are_written_last() -> None:
    """A fill does not say which track it belongs to: its own track goes last, just before the fills."""
    score = _gridded(read_midi(REAL[0])[0])
    ids = tuple(t.id for t in score.tracks)
    assert len(ids) >= 3
    fill = frozenset({(ids[0], 4), (ids[0], 5), (ids[1], 2)})
    window = Window(score, ids, 0, 8, fill)
    assert window.track_order() == (*ids[2:], ids[0], ids[1])
    assert window.fill_order() == [(ids[0], 4), (ids[0], 5), (ids[1], 2)]
    tokens = encode_context(window)
    headers = [i for i, t in enumerate(tokens) if t == "TRACK"]
    written = [tokens[i + 1] for i in headers]
    assert written == [f"PROGRAM_{score.track(t).program}" for t in window.track_order()]
    last_track = tokens[headers[-1]:]
    assert last_track.count("FILL") == 1 and tokens[headers[-2]:headers[-1]].count("FILL") == 2
    context = decode_context(window, tokens)
    for track_id in ids:
        kept = [n for n in score.track(track_id).notes if n.start < score.time_signatures.bar_start(8)
                and not any((track_id, b) in fill and score.time_signatures.bar_range(b)[0] <= n.start
                            < score.time_signatures.bar_range(b)[1] for b in range(8))]
        assert _content(context[track_id]) == _content(kept)


def test_controls_are_measured_and_written_before_the_notes() -> None:
    bar = (0, 4 * PPQ)
    c_major = [Note.create(p, 0, 2 * PPQ) for p in (48, 64, 67)] + [Note.create(72, PPQ // 2, PPQ)]
    g7 = [Note.create(p, 2 * PPQ, 2 * PPQ) for p in (43, 59, 62, 65)]
    notes = c_major + g7
    controls = measure_controls(notes, bar, PPQ)
    assert controls.density == 4  # 8 notes
    assert controls.pitch_range == (43, 72)
    assert [c.name if c else None for c in controls.chords or ()] == ["C", "C", "G7", "G7"]
    assert controls.onsets == (0, 6, 24)
    assert controls.polyphony is not None and controls.polyphony >= 2
    track = Track.create("Piano", notes)
    score = Score(tracks=(track,))
    window = Window(score, (track.id,), 0, 2, frozenset({(track.id, 0)}), controls={(track.id, 0): controls})
    tokens = encode_training(window)
    section = tokens[tokens.index("FILL_START") + 1 : tokens.index("FILL_END")]
    assert section[:2] == ["DENS_4", f"POLY_{controls.polyphony}"]
    assert section[2:5] == ["RANGE", "PITCH_43", "PITCH_72"]
    assert section[5:7] == ["BEAT_0", f"CHORD_{Chord(0, 'maj').index}"]
    assert section[13:18] == ["KEEP_RHYTHM", "POS_0", "POS_6", "POS_24", "KEEP_END"]
    assert _content(decode_fills(window, tokens)[(track.id, 0)]) == _content([on_grid(n) for n in notes])


def test_empty_controls_and_bars() -> None:
    assert BarControls().tokens() == []
    assert measure_controls([], (0, 1920), PPQ).pitch_range is None
    assert decode_notes(["POS_3"], 0) == []


def test_grid_holds_sixteenths_and_triplets() -> None:
    for ticks in (PPQ // 4, PPQ // 3, PPQ // 6, PPQ // 2):
        assert ticks % UNIT == 0
    off = Note.create(60, 17, 455, 77)
    assert on_grid(off)[:4] == (0, 60, 440, 76)


def test_malformed_sequences_raise() -> None:
    with pytest.raises(TokenError):
        decode_notes(["POS_0", "PITCH_60", "VEL_3"], 0)
    with pytest.raises(TokenError):
        decode_notes(["PITCH_60"], 0)


def test_vocabulary_hash_depends_on_styles() -> None:
    a, b = Vocabulary(), Vocabulary(("pop", "my-band"))
    assert a.hash == Vocabulary().hash and a.hash != b.hash
    assert len(set(a.tokens)) == len(a.tokens)
    assert "STYLE_my-band" in b.ids
    pitches = a.range_of("PITCH_")
    assert len(pitches) == 128 and a.tokens[pitches.start] == "PITCH_0"
