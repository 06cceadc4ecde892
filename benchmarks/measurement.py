"""One measured number with its goal: what every benchmark returns to the suite's table.

Each ``benchmarks/bench_*.py`` keeps its own command line (``main``) and also offers
``measure(args) -> list[Measurement]`` so ``python -m benchmarks`` can run them all
and print one table with the goals beside the measurements.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    name: str  # what was measured, e.g. "fill 4 bars, 4 candidates (median)"
    value: float
    unit: str  # "ms", "s", "MB", "x real time", ...
    goal: float | None = None  # the goal, in the same unit
    lower_is_better: bool = True
    note: str = ""  # conditions worth printing (song, threads, load)

    @property
    def meets_goal(self) -> bool | None:
        if self.goal is None:
            return None
        return self.value <= self.goal if self.lower_is_better else self.value >= self.goal
