"""Musical time: integer ticks at one PPQ, with tempo, time-signature and key maps.

Ticks are the editor's only time base. Seconds appear only at the edges (MIDI
files, audio, playback) through :class:`TempoMap`; bars and beats come from
:class:`TimeSignatureMap`. Every map is an immutable, sorted tuple of changes that
always starts at tick 0, so lookups are a bisect and edits build a new map.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from typing import Generic, NamedTuple, TypeVar

PPQ = 480
"""Ticks per quarter note, everywhere in the editor."""

DEFAULT_US_PER_QUARTER = 500_000  # 120 BPM
MAX_US_PER_QUARTER = 0xFFFFFF  # 24-bit field in a MIDI set-tempo event


class TempoChange(NamedTuple):
    tick: int
    us_per_quarter: int

    @property
    def bpm(self) -> float:
        return 60_000_000 / self.us_per_quarter


class TimeSignature(NamedTuple):
    tick: int
    numerator: int
    denominator: int

    @property
    def bar_ticks(self) -> int:
        return self.numerator * self.beat_ticks

    @property
    def beat_ticks(self) -> int:
        return PPQ * 4 // self.denominator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


# Tonic names along the line of fifths; C major sits at index 8, its relative minor 3 further.
_LINE_OF_FIFTHS = (
    *("Fb", "Cb", "Gb", "Db", "Ab", "Eb", "Bb", "F", "C", "G"),
    *("D", "A", "E", "B", "F#", "C#", "G#", "D#", "A#"),
)


@dataclass(frozen=True)
class Key:
    """A key signature as MIDI stores it: sharps (+) or flats (-) and the mode.

    Keeping the fifths count rather than a pitch class keeps enharmonic spelling
    (F# major vs Gb major) through a MIDI round trip.
    """

    fifths: int = 0
    minor: bool = False

    def __post_init__(self) -> None:
        if not -7 <= self.fifths <= 7:
            raise ValueError(f"key signature must have -7..7 sharps, not {self.fifths}")

    @property
    def tonic(self) -> int:
        """Pitch class (0 = C) of the tonic."""
        return (7 * self.fifths + (9 if self.minor else 0)) % 12

    @property
    def name(self) -> str:
        tonic = _LINE_OF_FIFTHS[self.fifths + 8 + (3 if self.minor else 0)]
        return f"{tonic} {'minor' if self.minor else 'major'}"

    def scale_pitch_classes(self) -> frozenset[int]:
        """Pitch classes of the major or natural-minor scale."""
        steps = (0, 2, 3, 5, 7, 8, 10) if self.minor else (0, 2, 4, 5, 7, 9, 11)
        return frozenset((self.tonic + s) % 12 for s in steps)

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse names like "C", "F# minor", "Bbm", "eb major"."""
        t = text.strip().replace("♯", "#").replace("♭", "b")
        minor = False
        lowered = t.lower()
        for suffix, is_minor in ((" minor", True), (" major", False), ("min", True), ("maj", False), ("m", True)):
            if lowered.endswith(suffix) and len(t) > len(suffix):
                minor = is_minor
                t = t[: -len(suffix)].strip()
                break
        tonic = t[:1].upper() + t[1:]
        for fifths in range(-7, 8):
            candidate = cls(fifths, minor)
            if candidate.name.split()[0] == tonic:
                return candidate
        raise ValueError(f"unknown key {text!r}")

    def __str__(self) -> str:
        return self.name


class KeyChange(NamedTuple):
    tick: int
    key: Key


C = TypeVar("C", TempoChange, TimeSignature, KeyChange)


@dataclass(frozen=True)
class _ChangeMap(Generic[C]):
    """Sorted changes, one per tick, the first at tick 0."""

    changes: tuple[C, ...]

    def __post_init__(self) -> None:
        if not self.changes or self.changes[0].tick != 0:
            raise ValueError(f"{type(self).__name__} needs a change at tick 0")
        ticks = [c.tick for c in self.changes]
        if any(b <= a for a, b in pairwise(ticks)):
            raise ValueError(f"{type(self).__name__} changes must have increasing ticks")

    @cached_property
    def _ticks(self) -> list[int]:
        return [c.tick for c in self.changes]

    def _index_at(self, tick: int) -> int:
        return max(bisect.bisect_right(self._ticks, tick) - 1, 0)

    def at(self, tick: int) -> C:
        """The change in effect at ``tick``."""
        return self.changes[self._index_at(tick)]

    def with_change(self, change: C) -> _ChangeMap[C]:
        """A new map with ``change`` added, replacing one at the same tick."""
        kept = [c for c in self.changes if c.tick != change.tick]
        return type(self)(tuple(sorted([*kept, change], key=lambda c: c.tick)))

    def without_change(self, tick: int) -> _ChangeMap[C]:
        """A new map without the change at ``tick`` (the one at 0 stays)."""
        if tick == 0:
            raise ValueError("the change at tick 0 cannot be removed")
        return type(self)(tuple(c for c in self.changes if c.tick != tick))

    def __len__(self) -> int:
        return len(self.changes)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.changes)


@dataclass(frozen=True)
class TempoMap(_ChangeMap[TempoChange]):
    """Tempo changes; converts ticks to seconds and back."""

    changes: tuple[TempoChange, ...] = field(default=(TempoChange(0, DEFAULT_US_PER_QUARTER),))

    def __post_init__(self) -> None:
        super().__post_init__()
        for c in self.changes:
            if not 1 <= c.us_per_quarter <= MAX_US_PER_QUARTER:
                raise ValueError(f"tempo {c.us_per_quarter} us/quarter out of range")

    @classmethod
    def constant(cls, bpm: float) -> TempoMap:
        return cls((TempoChange(0, bpm_to_us(bpm)),))

    @cached_property
    def _seconds(self) -> list[float]:
        """Seconds at each change, accumulated once."""
        out = [0.0]
        for a, b in pairwise(self.changes):
            out.append(out[-1] + (b.tick - a.tick) * a.us_per_quarter / (PPQ * 1e6))
        return out

    def bpm_at(self, tick: int) -> float:
        return self.at(tick).bpm

    def tick_to_seconds(self, tick: float) -> float:
        i = self._index_at(int(tick))
        c = self.changes[i]
        return self._seconds[i] + (tick - c.tick) * c.us_per_quarter / (PPQ * 1e6)

    def seconds_to_tick(self, seconds: float) -> float:
        """Fractional tick at ``seconds``; round where an integer is needed."""
        i = max(bisect.bisect_right(self._seconds, seconds) - 1, 0)
        c = self.changes[i]
        return c.tick + (seconds - self._seconds[i]) * PPQ * 1e6 / c.us_per_quarter


def bpm_to_us(bpm: float) -> int:
    if not bpm > 0:
        raise ValueError(f"tempo must be positive, not {bpm}")
    return min(max(round(60_000_000 / bpm), 1), MAX_US_PER_QUARTER)


class BarPosition(NamedTuple):
    """A tick as bar, beat and remainder; all 0-based (show them 1-based)."""

    bar: int
    beat: int
    tick: int

    def __str__(self) -> str:
        return f"{self.bar + 1}.{self.beat + 1}.{self.tick}"


@dataclass(frozen=True)
class TimeSignatureMap(_ChangeMap[TimeSignature]):
    """Time-signature changes; converts ticks to bars and beats and back.

    A change starts a new bar at its tick. A change that falls inside a bar (as
    some MIDI files have) ends that bar early, so bar lines never drift.
    """

    changes: tuple[TimeSignature, ...] = field(default=(TimeSignature(0, 4, 4),))

    def __post_init__(self) -> None:
        super().__post_init__()
        for c in self.changes:
            if not 1 <= c.numerator <= 255:
                raise ValueError(f"time signature numerator {c.numerator} out of range")
            if c.denominator not in (1, 2, 4, 8, 16, 32, 64):
                raise ValueError(f"time signature denominator {c.denominator} is not a power of two <= 64")

    @cached_property
    def _first_bars(self) -> list[int]:
        """Bar index at which each change starts."""
        bars = [0]
        for a, b in pairwise(self.changes):
            bars.append(bars[-1] + -(-(b.tick - a.tick) // a.bar_ticks))
        return bars

    def bar_at(self, tick: int) -> int:
        i = self._index_at(tick)
        c = self.changes[i]
        return self._first_bars[i] + (tick - c.tick) // c.bar_ticks

    def bar_start(self, bar: int) -> int:
        """First tick of bar ``bar`` (0-based; bars past the end extend the last signature)."""
        if bar < 0:
            raise ValueError(f"bar must be >= 0, not {bar}")
        i = max(bisect.bisect_right(self._first_bars, bar) - 1, 0)
        c = self.changes[i]
        return c.tick + (bar - self._first_bars[i]) * c.bar_ticks

    def bar_range(self, bar: int) -> tuple[int, int]:
        """Ticks [start, end) of one bar, honouring a bar cut short by a change."""
        start = self.bar_start(bar)
        return start, self.bar_start(bar + 1)

    def position(self, tick: int) -> BarPosition:
        bar = self.bar_at(tick)
        sig = self.at(tick)
        offset = tick - self.bar_start(bar)
        return BarPosition(bar, offset // sig.beat_ticks, offset % sig.beat_ticks)

    def tick_at(self, bar: int, beat: int = 0, tick: int = 0) -> int:
        start = self.bar_start(bar)
        return start + beat * self.at(start).beat_ticks + tick

    def bar_count(self, end_tick: int) -> int:
        """Bars needed to hold music ending at ``end_tick`` (at least one)."""
        if end_tick <= 0:
            return 1
        return self.bar_at(end_tick - 1) + 1


@dataclass(frozen=True)
class KeyMap(_ChangeMap[KeyChange]):
    """Key-signature changes."""

    changes: tuple[KeyChange, ...] = field(default=(KeyChange(0, Key()),))
