"""Chord symbols: reading typed spellings, writing them back, chords per beat and notes outside the harmony."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer.annotations import ChordMark, sorted_marks
from composer.chord_symbols import (
    FOLLOW_MUSIC,
    beat_spans,
    chord_cells,
    chord_symbol,
    chords_per_beat,
    outside_harmony,
    parse_chord,
    typed_mark,
    with_cell_chord,
)
from composer.harmony import CHORD_COUNT, QUALITIES, Chord
from composer.score import Note, Score, Track
from composer.score_files import load_file
from composer.timing import PPQ, Key, KeyChange, KeyMap, TimeSignature, TimeSignatureMap

DATA = Path(__file__).parent / "data"
BAR = 4 * PPQ


def test_every_chord_round_trips_through_its_symbol() -> None:
    chords = [Chord.from_index(i) for i in range(CHORD_COUNT)]
    assert len(chords) == 96 == 12 * len(QUALITIES)
    for chord in chords:
        assert parse_chord(chord_symbol(chord)) == chord


@pytest.mark.parametrize(
    ("symbol", "root", "quality"),
    [
        ("C", 0, "maj"), ("Cm", 0, "min"), ("C-", 0, "min"), ("Cmin", 0, "min"), ("Cmaj7", 0, "maj7"),
        ("CM7", 0, "maj7"), ("C∆7", 0, "maj7"), ("CΔ7", 0, "maj7"), ("Cm7", 0, "min7"), ("C-7", 0, "min7"),
        ("C7", 0, "7"), ("Cdim", 0, "dim"), ("C°", 0, "dim"), ("Caug", 0, "aug"), ("C+", 0, "aug"),
        ("Csus4", 0, "sus4"), ("Csus", 0, "sus4"), ("Bb", 10, "maj"), ("A#m", 10, "min"), ("F/C", 5, "maj"),
        ("D/F#", 2, "maj"), ("Eb", 3, "maj"), ("F#m7", 6, "min7"), ("B♭maj7", 10, "maj7"), ("c#m", 1, "min"),
        # extensions -> the nearest seventh chord; 6 and add chords -> the triad
        ("G9", 7, "7"), ("G11", 7, "7"), ("G13", 7, "7"), ("G7b9", 7, "7"), ("G7#9", 7, "7"), ("G7alt", 7, "7"),
        ("Cmaj9", 0, "maj7"), ("CM9", 0, "maj7"), ("Dm9", 2, "min7"), ("Dm11", 2, "min7"), ("D-13", 2, "min7"),
        ("C6", 0, "maj"), ("Am6", 9, "min"), ("C6/9", 0, "maj"), ("Cadd9", 0, "maj"), ("C(add9)", 0, "maj"),
        ("CMadd9", 0, "maj"), ("CMin7", 0, "min7"), ("Cmi7", 0, "min7"),
        # the nearest chord for qualities outside the vocabulary
        ("Bm7b5", 11, "dim"), ("Bø7", 11, "dim"), ("Bdim7", 11, "dim"), ("B°7", 11, "dim"),
        ("Am(maj7)", 9, "min"), ("AmM7", 9, "min"), ("G7sus4", 7, "sus4"), ("Csus2", 7, "sus4"),
    ],
)
def test_common_spellings(symbol: str, root: int, quality: str) -> None:
    assert parse_chord(symbol) == Chord(root, quality)


@pytest.mark.parametrize("symbol", ["N.C.", "NC", "n.c.", " N.C. "])
def test_no_chord(symbol: str) -> None:
    assert parse_chord(symbol) is None


@pytest.mark.parametrize(
    ("symbol", "message"),
    [
        ("Hm", "cannot read 'Hm' as a chord: roots are A–G with # or b"),
        ("7", "roots are A–G"),
        ("Cxyz", "'xyz' is not a chord quality"),
        ("C/H", "the bass after '/' must be a note"),
        ("", "empty"),
    ],
)
def test_nonsense_is_refused_with_a_helpful_message(symbol: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_chord(symbol)


@given(st.text(max_size=12))
def test_any_text_is_a_chord_none_or_a_value_error(text: str) -> None:
    try:
        chord = parse_chord(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert chord is None or (0 <= chord.root < 12 and chord.quality in QUALITIES)


@given(st.sampled_from(list(range(CHORD_COUNT))), st.sampled_from(["", "/E", "/Bb"]))
def test_symbols_with_a_bass_keep_the_chord(index: int, bass: str) -> None:
    chord = Chord.from_index(index)
    assert parse_chord(chord_symbol(chord) + bass) == chord


# --- chords per beat ---------------------------------------------------------------------------


def _triad(root_pitch: int, start: int, length: int, minor: bool = False) -> list[Note]:
    third = 3 if minor else 4
    return [Note.create(root_pitch + i, start, length) for i in (0, third, 7)]


def _score(*notes: Note, chords: tuple[ChordMark, ...] = (), drums: tuple[Note, ...] = ()) -> Score:
    tracks = (Track.create("Piano", notes), Track.create("Drums", drums, is_drum=True, channel=9))
    return Score(tracks=tracks, chords=sorted_marks(list(chords)))


def _names(chords: list[Chord | None]) -> list[str | None]:
    return [chord_symbol(c) if c is not None else None for c in chords]


def test_detected_per_beat_from_pitched_notes_only() -> None:
    # C for two beats, Am for one, silence, then F in bar 2; drums (all C#) must not count.
    notes = _triad(60, 0, 2 * PPQ) + _triad(57, 2 * PPQ, PPQ, minor=True) + _triad(65, BAR, BAR)
    drums = tuple(Note.create(37 + 12 * i, t, PPQ) for i in range(3) for t in range(0, 2 * BAR, PPQ))
    score = _score(*notes, drums=drums)
    assert _names(chords_per_beat(score, 0, 2 * BAR)) == ["C", "C", "Am", None, "F", "F", "F", "F"]
    assert _names(chords_per_beat(score, BAR, BAR + 2 * PPQ)) == ["F", "F"]


def test_typed_marks_override_detection_until_the_next_mark() -> None:
    notes = _triad(60, 0, 2 * BAR)  # C major throughout
    marks = (ChordMark(PPQ, "Am7"), ChordMark(3 * PPQ, "N.C."), ChordMark(BAR + PPQ, FOLLOW_MUSIC),
             ChordMark(BAR + 3 * PPQ, "F/C"))
    score = _score(*notes, chords=marks)
    assert _names(chords_per_beat(score, 0, 2 * BAR)) == ["C", "Am7", "Am7", None, None, "C", "C", "F"]
    cells = chord_cells(score, 0, 2 * BAR)
    assert [c.typed for c in cells] == [False, True, True, True, True, False, False, True]
    assert cells[-1].symbol == "F/C"  # shown as typed
    assert cells[0].symbol == "C"


def test_a_stored_symbol_that_is_no_chord_counts_as_none() -> None:
    score = _score(*_triad(60, 0, BAR), chords=(ChordMark(0, "Qwerty"),))
    assert chords_per_beat(score, 0, PPQ) == [None]


def test_beats_follow_the_time_signature_map() -> None:
    sigs = TimeSignatureMap((TimeSignature(0, 3, 4), TimeSignature(3 * PPQ, 6, 8)))
    spans = beat_spans(sigs, 0, 3 * PPQ + 3 * PPQ)
    assert spans == [(0, PPQ), (PPQ, 2 * PPQ), (2 * PPQ, 3 * PPQ),
                     *((3 * PPQ + i * PPQ // 2, 3 * PPQ + (i + 1) * PPQ // 2) for i in range(6))]
    score = replace(_score(*_triad(62, 0, 6 * PPQ, minor=True)), time_signatures=sigs)
    assert _names(chords_per_beat(score, 0, 6 * PPQ)) == ["Dm"] * 9


def test_per_bar_cells_detect_over_the_whole_bar() -> None:
    notes = [*_triad(60, 0, 3 * PPQ), Note.create(62, 3 * PPQ, PPQ)]  # C, then a lone D on the last beat
    score = _score(*notes, chords=(ChordMark(BAR, "Dm7"),))
    assert _names(chords_per_beat(score, 0, BAR))[:3] == ["C"] * 3
    assert _names(chords_per_beat(score, 0, BAR))[3] != "C"
    cells = chord_cells(score, 0, 2 * BAR, per_bar=True)
    assert [(c.start, c.end, c.symbol, c.typed) for c in cells] == [(0, BAR, "C", False), (BAR, 2 * BAR, "Dm7", True)]


def test_typed_mark_takes_the_mark_holding_longest() -> None:
    marks = (ChordMark(0, "C"), ChordMark(3 * PPQ, "G"))
    assert typed_mark(marks, 0, BAR) == marks[0]
    assert typed_mark(marks, 2 * PPQ, BAR) == marks[0]  # a tie: the earlier
    assert typed_mark((ChordMark(3 * PPQ, "G"),), 0, BAR) is None  # mostly untyped
    assert typed_mark((ChordMark(PPQ, "G"),), 0, BAR) == ChordMark(PPQ, "G")


# --- editing one cell -----------------------------------------------------------------------------


def test_typing_one_cell_leaves_the_rest_as_it_was() -> None:
    marks = with_cell_chord((), BAR, BAR + PPQ, "Am7")
    assert marks == (ChordMark(BAR, "Am7"), ChordMark(BAR + PPQ, FOLLOW_MUSIC))
    marks = with_cell_chord(marks, BAR + PPQ, BAR + 2 * PPQ, "D7")  # the next beat replaces the end mark
    assert marks == (ChordMark(BAR, "Am7"), ChordMark(BAR + PPQ, "D7"), ChordMark(BAR + 2 * PPQ, FOLLOW_MUSIC))
    marks = with_cell_chord(marks, BAR + PPQ, BAR + 2 * PPQ, "Am7")  # same as before: one longer mark
    assert marks == (ChordMark(BAR, "Am7"), ChordMark(BAR + 2 * PPQ, FOLLOW_MUSIC))
    marks = with_cell_chord(marks, BAR, BAR + PPQ, None)  # back to the music for that beat only
    assert marks == (ChordMark(BAR + PPQ, "Am7"), ChordMark(BAR + 2 * PPQ, FOLLOW_MUSIC))
    assert with_cell_chord(marks, BAR + PPQ, BAR + 2 * PPQ, None) == ()


def test_typing_inside_a_held_chord_keeps_it_after() -> None:
    marks = (ChordMark(0, "C"),)  # C holds to the end
    expected = (ChordMark(0, "C"), ChordMark(BAR, "F"), ChordMark(2 * BAR, "C"))
    assert with_cell_chord(marks, BAR, 2 * BAR, "F") == expected


@given(st.lists(st.tuples(st.integers(0, 16), st.sampled_from(["C", "Am", "N.C.", None])), max_size=12))
def test_cell_edits_change_only_their_cell(edits: list[tuple[int, str | None]]) -> None:
    """After any sequence of beat edits, every beat shows the last thing typed in it (or detection)."""
    score = _score(*_triad(60, 0, 17 * PPQ))
    expected: dict[int, str | None] = {}
    marks: tuple[ChordMark, ...] = ()
    for beat, symbol in edits:
        marks = with_cell_chord(marks, beat * PPQ, (beat + 1) * PPQ, symbol)
        expected[beat] = symbol
    assert marks == sorted_marks(list(marks))
    assert all(a.symbol != b.symbol for a, b in zip(marks, marks[1:], strict=False))
    cells = chord_cells(replace(score, chords=marks), 0, 17 * PPQ)
    assert [c.mark.symbol if c.mark else None for c in cells] == [expected.get(b) for b in range(17)]


# --- outside the harmony ----------------------------------------------------------------------------


def test_outside_harmony_uses_the_key_and_the_chord_at_the_onset() -> None:
    score = replace(_score(*_triad(62, 0, BAR, minor=True)), key_map=KeyMap((KeyChange(0, Key(0)),)))
    in_key = Note.create(64, 0, PPQ)  # E: in C major
    chromatic = Note.create(63, 0, PPQ)  # Eb: neither C major nor Dm
    chord_tone = Note.create(66, 0, PPQ)  # F#: outside C major, but typed D7 holds at beat 2
    later = Note.create(66, PPQ, PPQ)
    typed = replace(score, chords=(ChordMark(PPQ, "D7"),))
    assert outside_harmony(score, [in_key, chromatic, chord_tone]) == {chromatic.id, chord_tone.id}
    assert outside_harmony(typed, [in_key, chromatic, later]) == {chromatic.id}
    g_major = replace(score, key_map=KeyMap((KeyChange(0, Key(0)), KeyChange(PPQ, Key(1)))))
    assert outside_harmony(g_major, [chord_tone, later]) == {chord_tone.id}  # F# is in G major from beat 2


def test_outside_harmony_on_a_real_chorale() -> None:
    """Bach's own notes sit in the key or the chord nearly always; the soprano a semitone up does not."""
    score = load_file(DATA / "music21" / "bach_bwv66.6.mid").score
    assert score.key == Key(3, minor=True)  # F# minor
    notes = [n for t in score.tracks for n in t.notes]
    assert len(outside_harmony(score, notes)) <= len(notes) // 50
    soprano = score.tracks[0].notes
    shifted = [n._replace(pitch=n.pitch + 1) for n in soprano]
    assert len(outside_harmony(score, shifted)) >= len(shifted) // 2
