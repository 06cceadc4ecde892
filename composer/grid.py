"""The snap grid: note values (1/1 .. 1/32, straight or triplet) laid from each bar line.

Grid lines start at every bar line, so snapping stays musical in odd meters and
after time-signature changes (a 1/4 grid in 6/8 still starts on the downbeat).
"""

from __future__ import annotations

from dataclasses import dataclass

from composer.timing import PPQ, TimeSignatureMap

DIVISIONS = (1, 2, 4, 8, 16, 32)


@dataclass(frozen=True)
class Grid:
    """A note value to snap to; ``division`` 0 means snapping is off."""

    division: int = 16
    triplet: bool = False

    def __post_init__(self) -> None:
        if self.division and self.division not in DIVISIONS:
            raise ValueError(f"grid division must be one of {DIVISIONS} or 0, not {self.division}")

    @classmethod
    def off(cls) -> Grid:
        return cls(0)

    @classmethod
    def parse(cls, text: str) -> Grid:
        """"1/16", "1/8T" (triplet) or "off"."""
        t = text.strip().lower()
        if t == "off":
            return cls.off()
        triplet = t.endswith("t")
        num, _, den = t.rstrip("t").partition("/")
        if num != "1" or not den.isdigit():
            raise ValueError(f"unknown grid {text!r}")
        return cls(int(den), triplet)

    @property
    def is_off(self) -> bool:
        return self.division == 0

    @property
    def ticks(self) -> int:
        """Grid spacing in ticks (1 when off, so arithmetic stays simple)."""
        if self.is_off:
            return 1
        step = PPQ * 4 // self.division
        return step * 2 // 3 if self.triplet else step

    def __str__(self) -> str:
        return "off" if self.is_off else f"1/{self.division}{'T' if self.triplet else ''}"

    def snap(self, tick: float, sigs: TimeSignatureMap) -> int:
        """The grid line nearest ``tick`` (never before the bar line it belongs to)."""
        return self._snap(tick, sigs, nearest=True)

    def floor(self, tick: float, sigs: TimeSignatureMap) -> int:
        """The last grid line at or before ``tick``: where a click in a cell draws a note."""
        return self._snap(tick, sigs, nearest=False)

    def _snap(self, tick: float, sigs: TimeSignatureMap, nearest: bool) -> int:
        tick = max(tick, 0.0)
        if self.is_off:
            return round(tick) if nearest else int(tick)
        bar_start, bar_end = sigs.bar_range(sigs.bar_at(int(tick)))
        step = self.ticks
        offset = tick - bar_start
        cells = round(offset / step) if nearest else int(offset // step)
        line = min(bar_start + cells * step, bar_end)
        # A bar cut short by its meter ends between grid lines: its bar line is a grid line too.
        if nearest and bar_end - tick < abs(tick - line):
            return bar_end
        return line


GRID_CHOICES: tuple[Grid, ...] = (
    *(Grid(d) for d in DIVISIONS),
    *(Grid(d, True) for d in (4, 8, 16, 32)),
    Grid.off(),
)
"""What the snap menu offers, in order."""
