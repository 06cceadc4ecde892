"""Training examples: random fill tasks cut from real pieces, with controls and augmentation.

Each example is one window of a piece (some bars of some tracks) with some
track x bar cells to fill: a span of one track (infill), the same span over
several tracks, the last bars (continuation), or scattered cells. The cells'
controls are measured from the real bars and each is dropped at random, as is
the style, so at generation time every control is optional. Pitched tracks are
transposed at random; drums never are.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from composer.score import Score
from composer.tokens import BarControls, Vocabulary, Window, encode_training, measure_controls, on_grid
from models.corpus import Piece


@dataclass(frozen=True)
class SamplerConfig:
    max_len: int = 1024
    min_bars: int = 4
    max_bars: int = 16
    max_tracks: int = 4
    max_fill_bars: int = 4
    control_dropout: float = 0.5
    style_dropout: float = 0.2
    transpose: int = 5
    boost: tuple[tuple[str, float], ...] = ()  # (style, factor): heard this many times more often
    scratch: float = 0.0  # share of examples written from nothing but style and controls, as restyle asks


def gridded(score: Score) -> Score:
    """The score with every note on the token grid (what the model reads and writes)."""
    return replace(score, tracks=tuple(t.with_notes(on_grid(n) for n in t.notes) for t in score.tracks))


class WindowSampler:
    """Draws tokenised training examples; a style is drawn with weight sqrt(its pieces), so small
    styles are heard more than their share without one tiny collection being memorised."""

    def __init__(self, pieces: Sequence[Piece], vocab: Vocabulary, config: SamplerConfig = SamplerConfig()) -> None:
        self.vocab = vocab
        self.config = config
        self.by_style: dict[str, list[Piece]] = defaultdict(list)
        for piece in pieces:
            if piece.style in vocab.styles:
                self.by_style[piece.style].append(replace(piece, score=gridded(piece.score)))
        self.styles = sorted(self.by_style)
        if not self.styles:
            raise ValueError("no pieces of the vocabulary's styles to train on")
        boost = dict(config.boost)
        self.weights = [len(self.by_style[s]) ** 0.5 * boost.get(s, 1.0) for s in self.styles]

    def sample(self, rng: random.Random) -> list[int]:
        """One example's token ids, at most ``max_len`` long."""
        for _ in range(20):
            style = rng.choices(self.styles, self.weights)[0]
            piece = rng.choice(self.by_style[style])
            tokens = self._example(piece, rng)
            if tokens is not None:
                return self.vocab.encode(tokens)
        raise RuntimeError("could not cut an example that fits max_len; lower max_bars or max_tracks")

    def _example(self, piece: Piece, rng: random.Random) -> list[str] | None:
        cfg = self.config
        score = transposed(piece.score, rng.randint(-cfg.transpose, cfg.transpose))
        scratch = cfg.scratch > 0 and rng.random() < cfg.scratch
        bars = score.bar_count
        if scratch:  # every bar of the window is written: no context at all (models.assistant.restyle_window)
            length = min(rng.randint(1, cfg.max_fill_bars), bars)
        else:
            length = min(rng.randint(cfg.min_bars, cfg.max_bars), bars)
        start = rng.randint(0, bars - length)
        sigs = score.time_signatures
        lo, hi = sigs.bar_start(start), sigs.bar_start(start + length)
        tracks = [t for t in score.tracks if t.starting_in(lo, hi)]
        if not tracks:
            return None
        while length >= (1 if scratch else 2):
            chosen = sorted(rng.sample(tracks, min(len(tracks), rng.randint(1, cfg.max_tracks))),
                            key=score.tracks.index)
            if scratch:
                cells = {(t.id, b) for t in chosen for b in range(start, start + length)}
            else:
                cells = self._cells([t.id for t in chosen], start, start + length, rng)
            style = None if rng.random() < cfg.style_dropout else piece.style
            window = Window(score, tuple(t.id for t in chosen), start, start + length, frozenset(cells), style)
            window = replace(window, controls={c: self._controls(window, c, rng) for c in cells})
            tokens = encode_training(window)
            if len(tokens) <= cfg.max_len:
                return tokens
            length //= 2  # too long: a shorter window of the same place
        return None

    def _cells(self, track_ids: list[int], start: int, end: int, rng: random.Random) -> set[tuple[int, int]]:
        span = rng.randint(1, min(self.config.max_fill_bars, end - start))
        kind = rng.random()
        if kind < 0.45:  # infill one track
            first = rng.randint(start, end - span)
            target = rng.choice(track_ids)
            return {(target, b) for b in range(first, first + span)}
        if kind < 0.65:  # the same bars of several tracks
            first = rng.randint(start, end - span)
            targets = rng.sample(track_ids, rng.randint(1, len(track_ids)))
            return {(t, b) for t in targets for b in range(first, first + span)}
        if kind < 0.85:  # continue: the last bars
            targets = rng.sample(track_ids, rng.randint(1, len(track_ids)))
            return {(t, b) for t in targets for b in range(end - span, end)}
        count = rng.randint(1, min(6, len(track_ids) * (end - start)))  # scattered cells
        return {(rng.choice(track_ids), rng.randrange(start, end)) for _ in range(count)}

    def _controls(self, window: Window, cell: tuple[int, int], rng: random.Random) -> BarControls:
        track_id, bar = cell
        start, end = window.bar_ticks(bar)
        score = window.score
        notes = score.track(track_id).starting_in(start, end)
        harmony = [n for t in score.tracks if not t.is_drum for n in t.sounding_in(start, end)]
        measured = measure_controls(notes, (start, end), score.time_signatures.at(start).beat_ticks, harmony)
        drop = self.config.control_dropout
        keep_rhythm = rng.random() < drop / 2  # keep-rhythm is a strong hint: give it less often
        return BarControls(
            density=None if rng.random() < drop else measured.density,
            polyphony=None if rng.random() < drop else measured.polyphony,
            pitch_range=None if rng.random() < drop else measured.pitch_range,
            chords=None if rng.random() < drop else measured.chords,
            onsets=measured.onsets if keep_rhythm else None,
        )


def transposed(score: Score, semitones: int) -> Score:
    if not semitones:
        return score
    pitched = [n.pitch for t in score.tracks if not t.is_drum for n in t.notes]
    if pitched and (min(pitched) + semitones < 0 or max(pitched) + semitones > 127):
        return score
    tracks = tuple(t if t.is_drum else t.with_notes(n._replace(pitch=n.pitch + semitones) for n in t.notes)
                   for t in score.tracks)
    return replace(score, tracks=tracks)
