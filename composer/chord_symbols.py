"""Chord symbols: reading what a user types ("Am7", "F/C", "Bb13"), and the chords of a piece per beat.

The chord vocabulary is :mod:`composer.harmony`'s 96 chords (12 roots x maj, min, dim, aug, sus4,
7, maj7, min7), the chords the model is conditioned on. A symbol outside it is read as the nearest
chord in it: 9/11/13 and altered chords as their seventh chord, 6 and add chords as their triad,
diminished and half-diminished sevenths as dim, a slash chord as its upper chord (the bass is kept
in the typed symbol, for display only).

The chords of a piece come from two places. Chord marks the user typed (``score.chords``) each
hold from their tick until the next mark, as on a lead sheet; where none holds, the chord is
detected from the notes of the pitched tracks. Typed marks win. The mark :data:`FOLLOW_MUSIC`
ends a typed chord without starting another, so one typed beat or bar does not silence the
detection of the rest of the song (the chord lane writes it after a typed cell).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from composer.annotations import ChordMark, sorted_marks
from composer.harmony import Chord, detect_chord, pitch_class_weights, scale_of
from composer.score import Note, Score
from composer.timing import TimeSignatureMap

FOLLOW_MUSIC = "*"
"""A mark with this symbol ends the typed chord before it: from there the chords are detected again."""

NO_CHORD = "N.C."

_NO_CHORD_SPELLINGS = frozenset({"n.c.", "n.c", "nc", "n/c", "no chord"})
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ROOT = re.compile(r"([A-Ga-g])([#b♯♭]{0,2})")
_SUFFIX = re.compile(
    r"(?P<word>[a-zΔ°ø+\-]*?)"  # quality word: m, maj, dim, aug, +, -, Δ, ...
    r"(?P<num>6/9|69|13|11|9|7|6|5|4|2)?"  # extension or added degree
    r"(?P<sus>sus[24]?)?"
    r"(?P<rest>(?:(?:add|no|omit)?[b#]?\d+|alt)*)"  # alterations and added notes, ignored
)
# The quality word (lower case, "M" already turned into "maj") -> the family it names.
_WORDS = {
    "": "maj", "maj": "majx", "ma": "majx", "major": "majx", "j": "majx", "Δ": "majx",
    "m": "min", "min": "min", "mi": "min", "minor": "min", "-": "min",
    "dim": "dim", "o": "dim", "°": "dim", "ø": "dim", "aug": "aug", "+": "aug",
    "mmaj": "minmaj", "mm": "minmaj", "minmaj": "minmaj", "mima": "minmaj", "-maj": "minmaj",
    "mΔ": "minmaj", "-Δ": "minmaj",
    "dom": "dom",
}
_SEVENTH = {"maj": "7", "majx": "maj7", "min": "min7", "dim": "dim", "aug": "aug", "minmaj": "min", "dom": "7"}
_TRIAD = {"maj": "maj", "majx": "maj", "min": "min", "dim": "dim", "aug": "aug", "minmaj": "min", "dom": "7"}
_QUALITY_HINT = "try m, 7, maj7, m7, dim, aug, sus4, 9 or 6"


def _normal_text(symbol: str) -> str:
    """Unicode signs to ASCII-ish spellings, brackets, commas and spaces dropped."""
    text = symbol.strip().replace("♯", "#").replace("♭", "b").replace("∆", "Δ").replace("△", "Δ")
    return re.sub(r"[()\[\],\s]", "", text)


def _pitch_class(letter: str, accidentals: str) -> int:
    shift = sum(1 if a in "#♯" else -1 for a in accidentals)
    return (_LETTERS[letter.upper()] + shift) % 12


def _note_name_at(text: str) -> tuple[int, str] | None:
    """(pitch class, the rest) if ``text`` starts with a note name, else None."""
    match = _ROOT.match(text)
    if match is None:
        return None
    return _pitch_class(match[1], match[2]), text[match.end() :]


def parse_chord(symbol: str) -> Chord | None:
    """The chord a typed symbol names (the nearest one in the vocabulary); None for "N.C.".

    Raises ValueError with a message fit to show the user when ``symbol`` is not a chord.
    """
    text = _normal_text(symbol)
    if not text:
        raise ValueError("an empty entry is not a chord")
    if text.lower() in _NO_CHORD_SPELLINGS:
        return None
    head, slash, bass = text.rpartition("/")
    if slash and head and not bass.isdigit():  # "F/C"; but "C6/9" is no slash chord
        if _note_name_at(bass) not in ((pc, "") for pc in range(12)):
            raise ValueError(f"cannot read {symbol.strip()!r} as a chord: the bass after '/' must be a note A–G "
                             "with # or b")
        text = head
    root = _note_name_at(text)
    if root is None:
        raise ValueError(f"cannot read {symbol.strip()!r} as a chord: roots are A–G with # or b")
    pitch_class, suffix = root
    quality = _quality(suffix)
    if quality is None:
        raise ValueError(f"cannot read {symbol.strip()!r} as a chord: {suffix!r} is not a chord quality "
                         f"({_QUALITY_HINT})")
    if quality == "sus2":  # C-D-G is G-C-D: Gsus4
        return Chord((pitch_class + 7) % 12, "sus4")
    return Chord(pitch_class, quality)


def _quality(suffix: str) -> str | None:
    """The vocabulary quality a suffix ("m7", "maj9", "7#9", "sus") stands for, or None."""
    match = _SUFFIX.fullmatch(_lower_words(suffix))
    if match is None or match["word"] not in _WORDS:
        return None
    family, num, sus = _WORDS[match["word"]], match["num"] or "", match["sus"]
    if sus or num == "4":
        return "sus2" if sus == "sus2" else "sus4"
    if num == "2":
        return "sus2" if family == "maj" else _TRIAD[family]
    if family == "min" and num == "7" and "b5" in match["rest"]:
        return "dim"  # half-diminished: the diminished triad is the nearest
    if num in ("7", "9", "11", "13") or (match["word"] == "Δ" and not num):
        return _SEVENTH[family]
    if num == "5" and family != "maj":
        return None
    return _TRIAD[family]


def _lower_words(suffix: str) -> str:
    """Lower case for the quality words ("Maj7", "MIN", "Dim"), but a leading "M" alone ("M7", "Madd9")
    means major, not minor."""
    rest = suffix[1:].lower()
    if suffix.startswith("M") and (not rest.startswith(("i", "a")) or rest.startswith("add")):
        suffix = "maj" + suffix[1:]
    return suffix.lower().replace("δ", "Δ")


def chord_symbol(chord: Chord) -> str:
    """The symbol the app writes for ``chord`` ("C", "F#m", "Bbmaj7"); :func:`parse_chord` reads it back."""
    return chord.name


def mark_chord(mark: ChordMark) -> Chord | None:
    """The chord a stored mark names; None for "N.C." and for text that is no chord."""
    try:
        return parse_chord(mark.symbol)
    except ValueError:
        return None


# --- the chords of a piece ------------------------------------------------------------------


class ChordCell(NamedTuple):
    """The chord of one beat or bar ``[start, end)`` and where it comes from."""

    start: int
    end: int
    chord: Chord | None
    mark: ChordMark | None  # the typed mark that holds here; None where the chord is detected

    @property
    def typed(self) -> bool:
        return self.mark is not None

    @property
    def symbol(self) -> str:
        """What to show: the symbol as typed ("F/C"), or the detected chord's name; "" for no chord."""
        if self.mark is not None:
            return self.mark.symbol
        return chord_symbol(self.chord) if self.chord is not None else ""


def beat_spans(sigs: TimeSignatureMap, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) of each beat that starts in [start, end); a beat never crosses a bar line."""
    out: list[tuple[int, int]] = []
    if end <= start:
        return out
    bar = sigs.bar_at(max(start, 0))
    while True:
        bar_start, bar_end = sigs.bar_range(bar)
        if bar_start >= end:
            return out
        beat = sigs.at(bar_start).beat_ticks
        for tick in range(bar_start, bar_end, beat):
            if start <= tick < end:
                out.append((tick, min(tick + beat, bar_end)))
        bar += 1


def bar_spans(sigs: TimeSignatureMap, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) of each bar that starts in [start, end)."""
    out: list[tuple[int, int]] = []
    if end <= start:
        return out
    bar = sigs.bar_at(max(start, 0))
    while True:
        span = sigs.bar_range(bar)
        if span[0] >= end:
            return out
        if span[0] >= start:
            out.append(span)
        bar += 1


def pitched_notes(score: Score, start: int, end: int) -> list[Note]:
    """Notes of the non-drum tracks sounding in [start, end): the music chords are detected from."""
    return [n for t in score.tracks if not t.is_drum for n in t.sounding_in(start, end)]


def detect_span(score: Score, start: int, end: int) -> Chord | None:
    """The chord detected from the pitched notes sounding in [start, end)."""
    return detect_chord(pitch_class_weights(pitched_notes(score, start, end), start, end))


def typed_mark(marks: Sequence[ChordMark], start: int, end: int) -> ChordMark | None:
    """The typed mark holding over most of [start, end) (the earlier of two on a tie, and a typed one
    over an equally long untyped stretch); None where none holds.

    A :data:`FOLLOW_MUSIC` mark holds like any other and then means "detected" (None).
    """
    ticks = [m.tick for m in marks]
    first = bisect.bisect_right(ticks, start) - 1
    last = bisect.bisect_left(ticks, end)
    best: tuple[int, ChordMark | None] = (0, None)
    for i in range(max(first, 0), last):
        lo = max(marks[i].tick, start)
        hi = min(marks[i + 1].tick if i + 1 < len(marks) else end, end)
        if hi - lo > best[0]:
            best = (hi - lo, marks[i])
    if first < 0 and marks and last > 0 and marks[0].tick - start > best[0]:
        return None  # the untyped start of the span is its longest part
    mark = best[1]
    return None if mark is None or mark.symbol == FOLLOW_MUSIC else mark


def chord_cells(score: Score, start: int, end: int, per_bar: bool = False) -> list[ChordCell]:
    """One cell per beat (or bar) starting in [start, end): the typed chord where one holds, else the
    chord detected from the pitched notes of that beat (or the whole bar)."""
    spans = (bar_spans if per_bar else beat_spans)(score.time_signatures, start, end)
    return typed_over(score.chords, spans, lambda lo, hi: detect_span(score, lo, hi))


def typed_over(
    marks: Sequence[ChordMark], spans: Iterable[tuple[int, int]], detected: Callable[[int, int], Chord | None]
) -> list[ChordCell]:
    """Cells for ``spans``: the typed chord where a mark holds, else ``detected(start, end)`` (asked only
    there, so a caller can hand in a cache of detected chords)."""
    out: list[ChordCell] = []
    for lo, hi in spans:
        mark = typed_mark(marks, lo, hi)
        chord = mark_chord(mark) if mark is not None else detected(lo, hi)
        out.append(ChordCell(lo, hi, chord, mark))
    return out


def chords_per_beat(score: Score, start: int, end: int) -> list[Chord | None]:
    """The chord of each beat that starts in [start, end) (beats from the time-signature map), None
    for a beat with no chord.

    Typed chord marks (``score.chords``, each holding until the next mark) win; elsewhere the chord
    is detected from the notes of all non-drum tracks sounding in the beat. A typed "N.C." gives
    None, and so does a stored symbol that cannot be read as a chord. This is what the assistant's
    "keep harmony" follows: for a bar range pass its first and end ticks and get one entry per beat.
    """
    return [cell.chord for cell in chord_cells(score, start, end)]


def _beat_at(sigs: TimeSignatureMap, tick: int) -> tuple[int, int]:
    bar_start, bar_end = sigs.bar_range(sigs.bar_at(tick))
    beat = sigs.at(bar_start).beat_ticks
    lo = bar_start + (tick - bar_start) // beat * beat
    return lo, min(lo + beat, bar_end)


def outside_harmony(score: Score, notes: Iterable[Note]) -> set[int]:
    """Ids of the notes whose pitch class is neither in the key's scale at their onset (major or
    natural minor, from ``score.key_map``) nor in the chord of the beat they start in.

    The chord is :func:`chords_per_beat`'s for that beat, from ``score`` as it is (for generated
    notes not yet in it: the typed chords, or those detected from the music around them). Pass
    pitched notes only: drum notes have no pitch class.
    """
    sigs = score.time_signatures
    chords: dict[tuple[int, int], frozenset[int]] = {}
    out: set[int] = set()
    for note in notes:
        key = score.key_map.at(note.start).key
        pc = note.pitch % 12
        if pc in scale_of(key.tonic, key.minor):
            continue
        beat = _beat_at(sigs, note.start)
        if beat not in chords:
            cell = chord_cells(score, *beat)[0]
            chords[beat] = cell.chord.pitch_classes if cell.chord is not None else frozenset()
        if pc not in chords[beat]:
            out.add(note.id)
    return out


# --- editing the typed chords ----------------------------------------------------------------


def with_cell_chord(marks: Sequence[ChordMark], start: int, end: int, symbol: str | None) -> tuple[ChordMark, ...]:
    """``marks`` with [start, end) set to ``symbol``, or back to the detected chords when it is None.

    What held from ``end`` on before keeps holding there (a :data:`FOLLOW_MUSIC` mark is added if
    the music was detected there), so typing one beat changes that beat only. Marks that repeat
    the symbol already in effect are dropped.
    """
    after = _symbol_at(marks, end)
    kept = [m for m in marks if not start <= m.tick < end]
    kept.append(ChordMark(start, symbol if symbol is not None else FOLLOW_MUSIC))
    if not any(m.tick == end for m in kept):
        kept.append(ChordMark(end, after))
    return _without_repeats(sorted_marks(kept))


def _symbol_at(marks: Sequence[ChordMark], tick: int) -> str:
    held = [m for m in marks if m.tick <= tick]
    return held[-1].symbol if held else FOLLOW_MUSIC


def _without_repeats(marks: Iterable[ChordMark]) -> tuple[ChordMark, ...]:
    out: list[ChordMark] = []
    current = FOLLOW_MUSIC
    for mark in marks:
        if mark.symbol != current:
            out.append(mark)
            current = mark.symbol
    return tuple(out)

