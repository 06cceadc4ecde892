"""Ghost notes: candidates painted translucently over the piano roll, on top of a veil that dims
the original bars they would replace.

The layer holds (Note, style) pairs per track; the style picks the look, so the plain
candidate view, the diff view (kept, moved, new, removed) and the out-of-harmony
highlighting are only different style assignments of the same notes. Like the canvas it
paints only what is visible: notes are kept sorted by start, and a paint bisects to the
visible ticks and culls by the visible pitch rows.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from composer.score import Note
from ui.pianoroll.canvas import note_rects
from ui.pianoroll.transform import RollTransform

STYLES = ("candidate", "kept", "moved", "new", "removed", "outside")
MAX_NOTE_TICKS_LOOKBACK = 64 * 480 * 4
"""How far before the view a ghost may start and still reach into it (notes longer than this are rare)."""


def _pen(colour: QColor, width: float = 1.0, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, width, style)
    pen.setCosmetic(True)
    return pen


LOOKS: dict[str, tuple[QBrush, QPen]] = {
    "candidate": (QBrush(QColor(120, 235, 255, 185)), _pen(QColor(235, 252, 255, 255), 1.5)),
    "kept": (QBrush(QColor(170, 180, 195, 110)), _pen(QColor(210, 215, 225, 200))),
    "moved": (QBrush(QColor(255, 190, 80, 130)), _pen(QColor(255, 215, 140, 230))),
    "new": (QBrush(QColor(110, 230, 140, 130)), _pen(QColor(170, 255, 190, 230))),
    "removed": (QBrush(QColor(255, 90, 90, 40)), _pen(QColor(255, 120, 120, 200), 1.0, Qt.PenStyle.DashLine)),
    "outside": (QBrush(QColor(255, 80, 200, 140)), _pen(QColor(255, 150, 230, 255), 1.6)),
}
"""Fill and outline per style: translucent, so the grid (and the original under the veil) shows through."""

VEIL = QColor(30, 32, 37, 190)
"""Dims the bars the candidate would replace, so ghosts read as the foreground."""
INACTIVE_OPACITY = 0.45
"""Ghosts of tracks other than the active one are fainter, like the faded tracks under them."""


class GhostLayer(QObject):
    """A canvas overlay (see ``NoteCanvas.add_overlay``): ``changed`` asks the canvas to repaint."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notes: dict[int, list[tuple[Note, str]]] = {}
        self._starts: dict[int, list[int]] = {}
        self._span: tuple[int, int] | None = None
        self._veiled: frozenset[int] = frozenset()
        self.painted = 0  # ghost notes drawn by the last paint (tests check culling with it)

    @property
    def is_empty(self) -> bool:
        return not self._notes and self._span is None

    def notes(self, track_id: int) -> list[tuple[Note, str]]:
        return list(self._notes.get(track_id, ()))

    def set_ghosts(self, ghosts: Mapping[int, Iterable[tuple[Note, str]]], span: tuple[int, int] | None = None,
                   veiled: Iterable[int] = ()) -> None:
        """Show ``ghosts`` (track id -> (Note, style) pairs); ``span`` (ticks) of the ``veiled`` tracks is dimmed."""
        self._notes = {}
        for track_id, pairs in ghosts.items():
            ordered = sorted(pairs, key=lambda pair: pair[0][:2])
            unknown = {style for _n, style in ordered} - set(STYLES)
            if unknown:
                raise ValueError(f"unknown ghost styles {sorted(unknown)}; use {STYLES}")
            self._notes[track_id] = ordered
        self._starts = {t: [n.start for n, _s in pairs] for t, pairs in self._notes.items()}
        self._span, self._veiled = span, frozenset(veiled)
        self.changed.emit()

    def clear(self) -> None:
        if not self.is_empty:
            self._notes, self._starts, self._span, self._veiled = {}, {}, None, frozenset()
            self.changed.emit()

    def visible(self, track_id: int, t: RollTransform, width: int, height: int) -> list[tuple[Note, str]]:
        """The track's ghosts that touch the view: a bisect on start, then the row and end test."""
        pairs = self._notes.get(track_id)
        if not pairs:
            return []
        start, end = t.visible_ticks(width)
        low, high = t.visible_pitches(height)
        starts = self._starts[track_id]
        first = bisect.bisect_left(starts, start - MAX_NOTE_TICKS_LOOKBACK)
        last = bisect.bisect_left(starts, end)
        return [(n, s) for n, s in pairs[first:last] if n.end > start and low <= n.pitch <= high]

    def paint(self, p: QPainter, t: RollTransform, width: int, height: int, active_track: int | None) -> None:
        """Veil, then each track's visible ghosts grouped by style (one drawRects per style)."""
        self.painted = 0
        if self.is_empty:
            return
        if self._span is not None and (active_track in self._veiled):
            x0, x1 = t.tick_to_x(self._span[0]), t.tick_to_x(self._span[1])
            p.fillRect(QRectF(x0, 0, x1 - x0, height), VEIL)
        order = sorted(self._notes, key=lambda track_id: track_id == active_track)  # the active track on top
        for track_id in order:
            p.setOpacity(1.0 if track_id == active_track else INACTIVE_OPACITY)
            by_style: dict[str, list[Note]] = {}
            for note, style in self.visible(track_id, t, width, height):
                by_style.setdefault(style, []).append(note)
            for style in STYLES:
                notes = by_style.get(style)
                if notes:
                    brush, pen = LOOKS[style]
                    p.setBrush(brush)
                    p.setPen(pen if t.key_height >= 6 else Qt.PenStyle.NoPen)
                    p.drawRects(note_rects(t, notes))
                    self.painted += len(notes)
        p.setOpacity(1.0)
