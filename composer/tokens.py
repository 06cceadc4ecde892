"""Bar-based multi-track tokens (MMM style) for the composition model: pure, no torch.

A piece window is written track by track, bar by bar, the tracks that hold cells to
fill last. Bars the model must write are replaced in the context by ``FILL``; after
the context, each is written out in order as ``FILL_START <controls> <notes> FILL_END``.
Writing the filled tracks last puts a fill's own track just before it: the fill says
nothing about which track it belongs to, and a small model could not tell tracks of
the same program apart (chorale voices, POP909's pianos) when its track sat first.
The header carries style, time signature, tempo bin and key; each track its GM
program (or drums).

Notes sit on a grid of :data:`UNIT` ticks (PPQ/12), which holds 16ths and both
8th- and 16th-note triplets: ``[POS] PITCH DUR VEL``, with ``POS`` left out when
a note starts with the previous one. Encoding then decoding is exact for notes on
that grid (onsets within :data:`MAX_BAR_UNITS`, durations up to 96 units, i.e.
eight quarters) and velocities on the :data:`VELOCITY_BINS` grid.

Per-bar controls, all optional (the model is trained with each dropped at
random): note density, polyphony, pitch range, the chord on each beat, and the
onsets to keep (keep-rhythm).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from composer.harmony import CHORD_COUNT, Chord, chords_per_span
from composer.score import Note, Score, Track
from composer.timing import PPQ, Key, TimeSignature

UNIT = PPQ // 12
MAX_BAR_UNITS = 96  # a bar of up to eight quarters (8/4, 16/8)
DURATIONS: tuple[int, ...] = (*range(1, 97), 108, 120, 144, 168, 192, 240, 288, 384)
VELOCITY_BINS = 16
TEMPO_EDGES = (50, 60, 70, 80, 88, 96, 104, 112, 120, 128, 136, 144, 156, 170, 190)  # BPM; 16 bins
TIME_SIGNATURES = ((2, 4), (3, 4), (4, 4), (5, 4), (6, 4), (7, 4), (2, 2), (3, 2), (3, 8), (5, 8), (6, 8), (7, 8),
                   (9, 8), (12, 8))
DENSITY_EDGES = (1, 3, 5, 8, 12, 17, 25)  # notes per bar -> 8 bins
POLYPHONY_EDGES = (1.25, 1.75, 2.5, 3.5, 5.0)  # mean notes sounding at each onset -> 6 bins
MAX_BEATS = 12

SPECIAL = ("PAD", "BOS", "EOS", "TRACK", "TRACK_END", "BAR", "BAR_END", "FILL", "FILL_START", "FILL_END",
           "DRUMS", "RANGE", "KEEP_RHYTHM", "KEEP_END", "CHORD_NONE", "STYLE_NONE", "TS_OTHER", "KEY_NONE")
DEFAULT_STYLES = ("chorale", "renaissance", "folk", "fiddle", "classical", "pop")


class Vocabulary:
    """Token strings <-> ids for a list of styles; its hash guards checkpoints against mismatch."""

    def __init__(self, styles: Sequence[str] = DEFAULT_STYLES) -> None:
        self.styles = tuple(styles)
        tokens = [*SPECIAL]
        tokens += [f"STYLE_{s}" for s in self.styles]
        tokens += [f"TS_{n}/{d}" for n, d in TIME_SIGNATURES]
        tokens += [f"TEMPO_{i}" for i in range(len(TEMPO_EDGES) + 1)]
        tokens += [f"KEY_{f}{'m' if m else ''}" for f in range(-7, 8) for m in (False, True)]
        tokens += [f"PROGRAM_{p}" for p in range(128)]
        tokens += [f"POS_{p}" for p in range(MAX_BAR_UNITS)]
        tokens += [f"PITCH_{p}" for p in range(128)]
        tokens += [f"DUR_{d}" for d in DURATIONS]
        tokens += [f"VEL_{v}" for v in range(VELOCITY_BINS)]
        tokens += [f"DENS_{i}" for i in range(len(DENSITY_EDGES) + 1)]
        tokens += [f"POLY_{i}" for i in range(len(POLYPHONY_EDGES) + 1)]
        tokens += [f"BEAT_{i}" for i in range(MAX_BEATS)]
        tokens += [f"CHORD_{i}" for i in range(CHORD_COUNT)]
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, token: str) -> int:
        return self.ids[token]

    @cached_property
    def hash(self) -> str:
        return hashlib.sha256("\n".join(self.tokens).encode()).hexdigest()[:16]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.ids[t] for t in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[i] for i in ids]

    def range_of(self, prefix: str) -> range:
        """Ids of all tokens starting with ``prefix`` (they are contiguous by construction)."""
        found = [i for i, t in enumerate(self.tokens) if t.startswith(prefix)]
        return range(found[0], found[-1] + 1)


# --- value <-> bin -------------------------------------------------------------------------------


def duration_token(ticks: int) -> str:
    """The DUR token nearest ``ticks`` (exact for 1..96 grid units)."""
    units = max(round(ticks / UNIT), 1)
    i = bisect.bisect_left(DURATIONS, units)
    if i == len(DURATIONS):
        return f"DUR_{DURATIONS[-1]}"
    if i > 0 and units - DURATIONS[i - 1] < DURATIONS[i] - units:
        i -= 1
    return f"DUR_{DURATIONS[i]}"


def velocity_bin(velocity: int) -> int:
    return min(max(velocity - 1, 0) * VELOCITY_BINS // 127, VELOCITY_BINS - 1)


def bin_velocity(index: int) -> int:
    """The velocity at the middle of a bin (what decoding gives back)."""
    lo = -(-index * 127 // VELOCITY_BINS) + 1
    hi = -(-(index + 1) * 127 // VELOCITY_BINS)
    return (lo + hi) // 2


def tempo_bin(bpm: float) -> int:
    return bisect.bisect_right(TEMPO_EDGES, bpm)


def density_bin(count: int) -> int:
    return bisect.bisect_right(DENSITY_EDGES, count)


def polyphony_bin(mean: float) -> int:
    return bisect.bisect_right(POLYPHONY_EDGES, mean)


def time_signature_token(sig: TimeSignature) -> str:
    known = (sig.numerator, sig.denominator) in TIME_SIGNATURES
    return f"TS_{sig.numerator}/{sig.denominator}" if known else "TS_OTHER"


def key_token(key: Key | None) -> str:
    return "KEY_NONE" if key is None else f"KEY_{key.fifths}{'m' if key.minor else ''}"


# --- controls ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BarControls:
    """What a generated bar should be like; every field is optional (None = free)."""

    density: int | None = None  # DENS bin
    polyphony: int | None = None  # POLY bin
    pitch_range: tuple[int, int] | None = None  # lowest, highest pitch
    chords: tuple[Chord | None, ...] | None = None  # one per beat
    onsets: tuple[int, ...] | None = None  # grid positions that must have onsets (keep-rhythm)

    def tokens(self) -> list[str]:
        out = []
        if self.density is not None:
            out.append(f"DENS_{self.density}")
        if self.polyphony is not None:
            out.append(f"POLY_{self.polyphony}")
        if self.pitch_range is not None:
            out += ["RANGE", f"PITCH_{self.pitch_range[0]}", f"PITCH_{self.pitch_range[1]}"]
        if self.chords is not None:
            for beat, chord in enumerate(self.chords[:MAX_BEATS]):
                out += [f"BEAT_{beat}", "CHORD_NONE" if chord is None else f"CHORD_{chord.index}"]
        if self.onsets is not None:
            out += ["KEEP_RHYTHM", *(f"POS_{p}" for p in self.onsets), "KEEP_END"]
        return out


def measure_controls(notes: Sequence[Note], bar: tuple[int, int], beat_ticks: int,
                     harmony_notes: Sequence[Note] = ()) -> BarControls:
    """The controls a bar actually has (for training, vary and restyle, and to check adherence).

    ``harmony_notes`` are all tracks' notes around the bar, for the chords; the bar's own
    notes are used when none are given.
    """
    start, end = bar
    onsets = sorted({(n.start - start) // UNIT for n in notes})
    sounding = [sum(1 for m in notes if m.start <= n.start < m.end) for n in notes]
    return BarControls(
        density=density_bin(len(notes)),
        polyphony=polyphony_bin(sum(sounding) / len(sounding)) if sounding else 0,
        pitch_range=(min(n.pitch for n in notes), max(n.pitch for n in notes)) if notes else None,
        chords=tuple(chords_per_span(harmony_notes or notes, start, end, beat_ticks)),
        onsets=tuple(p for p in onsets if 0 <= p < MAX_BAR_UNITS),
    )


# --- encoding --------------------------------------------------------------------------------------


def bar_note_tokens(notes: Iterable[Note], bar_start: int) -> list[str]:
    """Notes starting in one bar, as ``[POS] PITCH DUR VEL`` in (onset, pitch) order."""
    out: list[str] = []
    last_pos = -1
    for n in sorted(notes, key=lambda n: (n.start, n.pitch)):
        pos = (n.start - bar_start) // UNIT
        if not 0 <= pos < MAX_BAR_UNITS:
            continue
        if pos != last_pos:
            out.append(f"POS_{pos}")
            last_pos = pos
        out += [f"PITCH_{n.pitch}", duration_token(n.duration), f"VEL_{velocity_bin(n.velocity)}"]
    return out


def track_header(track: Track) -> list[str]:
    return ["TRACK", "DRUMS" if track.is_drum else f"PROGRAM_{track.program}"]


@dataclass(frozen=True)
class Window:
    """What the model sees: some tracks x bars [start_bar, end_bar) of a score, some cells to fill."""

    score: Score
    track_ids: tuple[int, ...]
    start_bar: int
    end_bar: int
    fill: frozenset[tuple[int, int]] = frozenset()  # (track id, bar) cells the model writes
    style: str | None = None
    controls: dict[tuple[int, int], BarControls] = field(default_factory=dict)

    def track_order(self) -> tuple[int, ...]:
        """The tracks in the order they are written: those without cells to fill, then those with."""
        filled = {t for t, _ in self.fill}
        return (*(t for t in self.track_ids if t not in filled), *(t for t in self.track_ids if t in filled))

    def fill_order(self) -> list[tuple[int, int]]:
        """Cells in the order their contents are written: track order, then bar."""
        order = {t: i for i, t in enumerate(self.track_order())}
        return sorted(self.fill, key=lambda c: (order[c[0]], c[1]))

    def bar_ticks(self, bar: int) -> tuple[int, int]:
        return self.score.time_signatures.bar_range(bar)


def header_tokens(window: Window) -> list[str]:
    score = window.score
    start = score.time_signatures.bar_start(window.start_bar)
    style = f"STYLE_{window.style}" if window.style else "STYLE_NONE"
    return ["BOS", style, time_signature_token(score.time_signatures.at(start)),
            f"TEMPO_{tempo_bin(score.tempo_map.bpm_at(start))}", key_token(score.key_map.at(start).key)]


def encode_context(window: Window) -> list[str]:
    """Header and every track's bars, fill cells as ``FILL``; the prompt before the first fill."""
    out = header_tokens(window)
    for track_id in window.track_order():
        track = window.score.track(track_id)
        out += track_header(track)
        for bar in range(window.start_bar, window.end_bar):
            if (track_id, bar) in window.fill:
                out.append("FILL")
                continue
            start, end = window.bar_ticks(bar)
            out += ["BAR", *bar_note_tokens(track.starting_in(start, end), start), "BAR_END"]
        out.append("TRACK_END")
    return out


def fill_prefix(window: Window, cell: tuple[int, int]) -> list[str]:
    """``FILL_START`` and the cell's controls: forced before the model writes the cell's notes."""
    return ["FILL_START", *window.controls.get(cell, BarControls()).tokens()]


def encode_training(window: Window) -> list[str]:
    """Context, then every fill cell written out (the target), then EOS."""
    out = encode_context(window)
    for cell in window.fill_order():
        track_id, bar = cell
        start, end = window.bar_ticks(bar)
        out += fill_prefix(window, cell)
        out += [*bar_note_tokens(window.score.track(track_id).starting_in(start, end), start), "FILL_END"]
    out.append("EOS")
    return out


# --- decoding ------------------------------------------------------------------------------------


class TokenError(ValueError):
    """A token sequence that does not follow the grammar (the only error decoding raises)."""


_DURATION_SET = frozenset(DURATIONS)


def _number(token: str, prefix: str, valid: range | frozenset[int]) -> int:
    """The number after ``prefix`` in ``token``; TokenError when it is not one of ``valid``."""
    try:
        value = int(token[len(prefix):])
    except ValueError:
        raise TokenError(f"malformed token {token!r}") from None
    if value not in valid:
        raise TokenError(f"{token!r} is out of range here")
    return value


def decode_notes(tokens: Sequence[str], bar_start: int, bar_units: int = MAX_BAR_UNITS) -> list[Note]:
    """Notes of one bar's ``[POS] PITCH DUR VEL`` run (controls and markers are skipped).

    Garbage (a position past the bar's ``bar_units``, a pitch outside 0..127, a token
    outside the vocabulary's values) raises TokenError, so a caller never gets a note
    outside the bar or a score-breaking value.
    """
    positions = range(min(bar_units, MAX_BAR_UNITS))
    notes: list[Note] = []
    pos = 0
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.startswith("POS_"):
            pos = _number(t, "POS_", positions)
        elif t.startswith("PITCH_"):
            if i + 2 >= len(tokens) or not tokens[i + 1].startswith("DUR_") or not tokens[i + 2].startswith("VEL_"):
                raise TokenError(f"PITCH not followed by DUR and VEL at {i}: {tokens[i:i + 3]}")
            if pos not in positions:
                raise TokenError(f"a note at position {pos} is outside a bar of {len(positions)} units")
            pitch = _number(t, "PITCH_", range(128))
            units = _number(tokens[i + 1], "DUR_", _DURATION_SET)
            vel = _number(tokens[i + 2], "VEL_", range(VELOCITY_BINS))
            notes.append(Note.create(pitch, bar_start + pos * UNIT, units * UNIT, bin_velocity(vel)))
            i += 2
        i += 1
    return notes


def _bar_units(window: Window, bar: int) -> int:
    start, end = window.bar_ticks(bar)
    return (end - start) // UNIT


def strip_controls(tokens: Sequence[str]) -> list[str]:
    """The note tokens of a fill section: drop DENS/POLY/RANGE/BEAT/CHORD/keep-rhythm controls."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "RANGE":
            i += 3
            continue
        if t == "KEEP_RHYTHM":
            i = tokens.index("KEEP_END", i) + 1 if "KEEP_END" in tokens[i:] else len(tokens)
            continue
        if not t.startswith(("DENS_", "POLY_", "BEAT_", "CHORD_")):
            out.append(t)
        i += 1
    return out


def decode_fills(window: Window, tokens: Sequence[str]) -> dict[tuple[int, int], list[Note]]:
    """Notes of each fill cell from a sequence holding the written-out fills (after the context)."""
    cells = window.fill_order()
    out: dict[tuple[int, int], list[Note]] = {}
    i = 0
    for cell in cells:
        try:
            i = list(tokens).index("FILL_START", i)
            end = list(tokens).index("FILL_END", i)
        except ValueError:
            break
        start, _ = window.bar_ticks(cell[1])
        out[cell] = decode_notes(strip_controls(tokens[i + 1 : end]), start, _bar_units(window, cell[1]))
        i = end + 1
    return out


def decode_context(window: Window, tokens: Sequence[str]) -> dict[int, list[Note]]:
    """Notes of the context bars per track (FILL cells give none), from :func:`encode_context` output."""
    order = window.track_order()
    out: dict[int, list[Note]] = {t: [] for t in order}
    seq = list(tokens)
    track_index, bar = -1, window.start_bar
    i = 0
    while i < len(seq):
        t = seq[i]
        if t == "TRACK":
            track_index, bar = track_index + 1, window.start_bar
            if track_index >= len(window.track_ids):
                raise TokenError(f"more tracks than the window's {len(window.track_ids)}")
        elif t in ("FILL", "BAR") and not (track_index >= 0 and bar < window.end_bar):
            raise TokenError(f"{t} at {i} is outside the window's tracks and bars")
        elif t == "FILL":
            bar += 1
        elif t == "BAR":
            try:
                end = seq.index("BAR_END", i)
            except ValueError:
                raise TokenError(f"BAR at {i} is never closed") from None
            start, _ = window.bar_ticks(bar)
            out[order[track_index]] += decode_notes(seq[i + 1 : end], start, _bar_units(window, bar))
            bar += 1
            i = end
        elif t == "FILL_START":
            break
        i += 1
    return out


def on_grid(note: Note) -> Note:
    """``note`` moved to the token grid: onset and duration in whole units (at most 96), velocity
    at its bin's centre. Encoding a note on the grid and decoding it gives it back exactly."""
    start = round(note.start / UNIT) * UNIT
    units = min(max(round(note.duration / UNIT), 1), MAX_BAR_UNITS)
    return note._replace(start=start, duration=units * UNIT, velocity=bin_velocity(velocity_bin(note.velocity)))
