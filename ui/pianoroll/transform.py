"""The piano roll's pixel <-> tick/pitch transform: a small pure class, unit-tested.

x grows with time from the left edge of the view (``left_tick``); y grows
downwards from the top pitch (127) scrolled by ``top``. Zoom keeps the point
under the mouse fixed, as users expect.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

MIN_PX_PER_TICK = 0.002  # about a 32-bar song across a laptop screen
MAX_PX_PER_TICK = 2.0  # a 32nd note is 120 px wide
MIN_KEY_HEIGHT = 4.0
MAX_KEY_HEIGHT = 40.0
PITCHES = 128


@dataclass(frozen=True)
class RollTransform:
    px_per_tick: float = 0.1
    key_height: float = 12.0
    left_tick: float = 0.0  # tick at the view's left edge
    top: float = 0.0  # pixels scrolled down from pitch 127's top edge

    def tick_to_x(self, tick: float) -> float:
        return (tick - self.left_tick) * self.px_per_tick

    def x_to_tick(self, x: float) -> float:
        return self.left_tick + x / self.px_per_tick

    def pitch_to_y(self, pitch: int) -> float:
        """Top edge of the row of ``pitch``."""
        return (PITCHES - 1 - pitch) * self.key_height - self.top

    def y_to_pitch(self, y: float) -> int:
        """The pitch row under ``y``, clamped to 0..127."""
        row = int((y + self.top) // self.key_height)
        return min(max(PITCHES - 1 - row, 0), PITCHES - 1)

    def visible_ticks(self, width: float) -> tuple[int, int]:
        """Ticks [start, end) shown in a view ``width`` pixels wide."""
        return int(self.left_tick), int(self.x_to_tick(width)) + 1

    def visible_pitches(self, height: float) -> tuple[int, int]:
        """Lowest and highest pitch with any row inside a view ``height`` pixels high."""
        return self.y_to_pitch(height - 1), self.y_to_pitch(0)

    @property
    def content_height(self) -> float:
        return PITCHES * self.key_height

    def zoomed_x(self, factor: float, anchor_x: float) -> RollTransform:
        """Zoom time by ``factor`` keeping the tick under ``anchor_x`` in place."""
        anchor = self.x_to_tick(anchor_x)
        px = min(max(self.px_per_tick * factor, MIN_PX_PER_TICK), MAX_PX_PER_TICK)
        return replace(self, px_per_tick=px, left_tick=max(anchor - anchor_x / px, 0.0))

    def zoomed_y(self, factor: float, anchor_y: float, view_height: float) -> RollTransform:
        """Zoom pitch rows by ``factor`` keeping the pitch under ``anchor_y`` in place."""
        content_y = (anchor_y + self.top) / self.key_height
        height = min(max(self.key_height * factor, MIN_KEY_HEIGHT), MAX_KEY_HEIGHT)
        return replace(self, key_height=height).scrolled_to(top=content_y * height - anchor_y, view_height=view_height)

    def scrolled_to(
        self, *, left_tick: float | None = None, top: float | None = None, view_height: float = 0.0
    ) -> RollTransform:
        """Scroll, clamped so the view never shows space before tick 0 or past the pitch range."""
        new_left = self.left_tick if left_tick is None else max(left_tick, 0.0)
        new_top = self.top if top is None else top
        new_top = min(max(new_top, 0.0), max(self.content_height - view_height, 0.0))
        return replace(self, left_tick=new_left, top=new_top)

    def fit(self, start_tick: int, end_tick: int, width: float, low: int, high: int, height: float) -> RollTransform:
        """Show ticks [start, end) across ``width`` and pitches low..high centred in ``height``."""
        px = min(max(width / max(end_tick - start_tick, 1), MIN_PX_PER_TICK), MAX_PX_PER_TICK)
        rows = max(high - low + 1, 1)
        key = min(max(height / rows, MIN_KEY_HEIGHT), MAX_KEY_HEIGHT)
        centre = (PITCHES - 1 - (low + high) / 2 + 0.5) * key
        return replace(self, px_per_tick=px, key_height=key, left_tick=float(start_tick)).scrolled_to(
            top=centre - height / 2, view_height=height
        )
