"""What a score carries besides notes: chord symbols the user typed, and the AI takes accepted.

Both live on the :class:`~composer.score.Score` so that changing them is an ordinary,
undoable edit (accepting a take writes its notes and records it in one step) and so
that the project file saves them with the music.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

JsonScalar = str | int | float | bool | None


class ChordMark(NamedTuple):
    """A chord symbol ("Am7", "F/C", "N.C.") that holds from ``tick`` to the next mark."""

    tick: int
    symbol: str


@dataclass(frozen=True)
class Take:
    """One accepted assistant result: enough to regenerate it exactly, or "nearby" with another seed.

    ``options`` holds the request's options as sorted (name, value) pairs of JSON scalars, so a
    take is hashable and saves to JSON unchanged.
    """

    operation: str  # "fill", "vary", "restyle" or "continue"
    track_ids: tuple[int, ...]
    start_bar: int
    end_bar: int
    options: tuple[tuple[str, JsonScalar], ...]
    seed: int
    model: str  # the checkpoint's name and vocabulary hash
    candidate: int  # which of the request's candidates (0 = A), or -1 for a composite
    created: str  # ISO 8601 time of acceptance

    def option(self, name: str, default: JsonScalar = None) -> JsonScalar:
        return dict(self.options).get(name, default)


def sorted_marks(marks: tuple[ChordMark, ...] | list[ChordMark]) -> tuple[ChordMark, ...]:
    """Marks in time order, one per tick (the last given for a tick wins)."""
    return tuple(ChordMark(t, s) for t, s in sorted({m.tick: m.symbol for m in marks}.items()))
