"""What an importer repaired or left out, so the user is told rather than surprised."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Repair:
    """One kind of fault, how often it occurred, and what was done about it."""

    kind: str
    count: int
    action: str
    example: str = ""

    def __str__(self) -> str:
        where = f" (first: {self.example})" if self.example else ""
        return f"{self.count} x {self.kind}: {self.action}{where}"


@dataclass
class ImportReport:
    """Repairs made while loading one file, grouped by kind in first-seen order.

    ``ignored`` lists content the score model does not hold (controllers, lyrics,
    SysEx), which is not a fault but worth saying.
    """

    source: str = ""
    repairs: dict[str, Repair] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)

    def repair(self, kind: str, action: str, example: str = "", count: int = 1) -> None:
        """Record ``count`` occurrences of a fault of ``kind``."""
        found = self.repairs.get(kind)
        if found is None:
            self.repairs[kind] = Repair(kind, count, action, example)
        else:
            found.count += count

    def ignore(self, what: str, count: int = 1) -> None:
        self.ignored[what] = self.ignored.get(what, 0) + count

    @property
    def has_repairs(self) -> bool:
        return bool(self.repairs)

    def count(self, kind: str) -> int:
        r = self.repairs.get(kind)
        return r.count if r else 0

    def lines(self) -> list[str]:
        """Human-readable lines: repairs first, then what was ignored."""
        out = [str(r) for r in self.repairs.values()]
        out += [f"ignored {n} {what}" for what, n in self.ignored.items()]
        return out
