"""Baselines the model must beat: an n-gram token model and "copy the nearest context bar".

The n-gram model speaks the same tokens and runs through the same engine (grammar
masks included), so the comparison is about what is learned, not about validity.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from composer.note_similarity import nearest_bar
from composer.score import Note
from composer.tokens import Window


@dataclass(frozen=True)
class _Config:
    max_len: int = 1 << 20


class NGramModel:
    """Interpolated n-gram over token ids (Witten-Bell-like weights); model-shaped for the engine."""

    def __init__(self, vocab_size: int, order: int = 3) -> None:
        self.vocab_size = vocab_size
        self.order = order
        self.config = _Config()
        self.counts: list[dict[tuple[int, ...], Counter[int]]] = [defaultdict(Counter) for _ in range(order)]

    def fit(self, sequences: Iterable[list[int]]) -> NGramModel:
        for seq in sequences:
            for i, token in enumerate(seq):
                for n in range(self.order):
                    if i - n >= 0:
                        self.counts[n][tuple(seq[i - n : i])][token] += 1
        return self

    def log_probs(self, history: list[int]) -> np.ndarray:
        """log P(next | last order-1 tokens), smoothed down to a uniform floor."""
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)
        for n in range(self.order):
            if n > len(history):
                break
            ctx = tuple(history[len(history) - n :]) if n else ()
            counter = self.counts[n].get(ctx)
            if not counter:
                continue
            total, kinds = sum(counter.values()), len(counter)
            lam = total / (total + kinds)
            seen = np.zeros(self.vocab_size)
            for token, c in counter.items():
                seen[token] = c / total
            p = lam * seen + (1 - lam) * p
        return np.log(p)

    # the engine's model interface ----------------------------------------------------------------

    def eval(self) -> NGramModel:
        return self

    def parameters(self) -> Iterable[torch.Tensor]:
        yield torch.zeros(1)

    def new_cache(self, batch: int) -> _History:
        return _History(batch)

    def __call__(self, ids: torch.Tensor, cache: _History | None = None) -> torch.Tensor:
        rows = ids.tolist()
        history = cache.rows if cache is not None else [[] for _ in rows]
        out = np.zeros((len(rows), len(rows[0]), self.vocab_size), dtype=np.float32)
        for b, row in enumerate(rows):
            for t, token in enumerate(row):
                history[b].append(token)
                out[b, t] = self.log_probs(history[b][-(self.order - 1) :] if self.order > 1 else [])
        if cache is not None:
            cache.length += len(rows[0])
        return torch.from_numpy(out)


class _History:
    def __init__(self, batch: int) -> None:
        self.rows: list[list[int]] = [[] for _ in range(batch)]
        self.length = 0

    def select(self, rows: torch.Tensor) -> None:
        self.rows = [list(self.rows[int(r)]) for r in rows]


def copy_nearest_bar(window: Window, cell: tuple[int, int]) -> list[Note]:
    """The nearest context bar of the same track that has notes, moved into the cell's bar (the
    earlier one when two are as near)."""
    bounds = (window.start_bar, window.end_bar)
    found = [f for step in (-1, 1) if (f := nearest_bar(window.score, cell, step, window.fill, bounds))]
    return min(found, key=lambda f: abs(f[0] - cell[1]))[1] if found else []


def bits(log_prob: float) -> float:
    return -log_prob / math.log(2)
