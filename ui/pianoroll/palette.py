"""Colours and pens shared by every piano-roll part (canvas, keyboard, ruler, velocity lane).

One place, so the parts match each other and a theme change is one edit. Everything
here is a plain value or a cached function: painting code asks for a colour per note,
so the functions must be cheap (``lru_cache``) and the returned objects must not be
modified by callers (copy them first: ``QPen(BAR_PEN)``).
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

# --- background ----------------------------------------------------------------------------

BACKGROUND = QColor("#2a2d33")
"""White-key rows of the note area (and the lane backgrounds)."""

BLACK_KEY_ROW = QColor("#23262b")
"""Rows of the black keys, so a pitch can be read off the grid without the keyboard."""

_BLACK_PITCH_CLASSES = frozenset({1, 3, 6, 8, 10})


def is_black_key(pitch: int) -> bool:
    """True for C#, D#, F#, G#, A# in every octave."""
    return pitch % 12 in _BLACK_PITCH_CLASSES


def _pen(colour: str | QColor, width: float = 1.0) -> QPen:
    """A cosmetic pen: its width stays in device pixels whatever the painter's scale."""
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)
    return pen


# --- grid lines (strongest first) ------------------------------------------------------------

BAR_PEN = _pen("#5d636d")
BEAT_PEN = _pen("#40444c")
GRID_PEN = _pen("#33363d")
"""Snap-grid subdivisions between beats."""
OCTAVE_PEN = _pen("#3a3e46")
"""The line between B and C, so octaves are easy to count."""

MIN_LINE_SPACING_PX = 4.0
"""Grid lines closer than this are skipped: they would only grey the background."""

# --- notes ---------------------------------------------------------------------------------

VELOCITY_LEVELS = 8
"""Velocity brightness steps: few enough that the canvas batches notes per colour."""


def velocity_level(velocity: int) -> int:
    """The brightness step (0..VELOCITY_LEVELS-1) of a velocity 1..127."""
    return min(max(velocity, 0), 127) * VELOCITY_LEVELS // 128


@lru_cache(maxsize=512)
def note_fill(track_colour: str, velocity: int) -> QColor:
    """Fill of an active-track note: the track colour, darker for soft notes.

    Quantised to :data:`VELOCITY_LEVELS` steps so many notes share one colour.
    """
    return _level_fill(track_colour, velocity_level(velocity))


@lru_cache(maxsize=512)
def _level_fill(track_colour: str, level: int) -> QColor:
    base = QColor(track_colour)
    # Soft notes keep 45 % of the brightness: visibly softer but still the track's hue.
    factor = 0.45 + 0.55 * (level + 1) / VELOCITY_LEVELS
    h, s, v, _ = base.getHsvF()
    return QColor.fromHsvF(max(h, 0.0), s, min(v * factor, 1.0))


def level_fill(track_colour: str, level: int) -> QColor:
    """Fill for a brightness step (see :func:`velocity_level`), for batch painting."""
    return _level_fill(track_colour, level)


@lru_cache(maxsize=64)
def note_border(track_colour: str) -> QPen:
    """Outline of an active-track note: a dark edge that separates touching notes."""
    return _pen(QColor(track_colour).darker(260))


SELECTED_PEN = _pen("#ffffff", 1.6)
"""Outline of a selected note."""

FADED_NOTE = QColor(150, 156, 168, 70)
"""Other tracks' notes: a muted translucent grey, readable as context, never as content."""

PREVIEW_PEN = _pen("#ffffff", 1.0)
"""Outline of notes being moved, resized or drawn (the drag preview)."""

# --- overlays ------------------------------------------------------------------------------

REGION_FILL = QColor(255, 214, 102, 34)
REGION_EDGE = _pen(QColor(255, 214, 102, 150))
"""The region selection (tracks x bars) that the assistant works on."""

LOOP_FILL = QColor(92, 201, 139, 26)
LOOP_EDGE = _pen(QColor(92, 201, 139, 170))
"""The loop range."""

RUBBER_BAND_FILL = QColor(120, 170, 255, 40)
RUBBER_BAND_EDGE = _pen(QColor(150, 190, 255, 200))

PLAYHEAD_PEN = _pen("#ff5f57", 1.5)

# --- keyboard and ruler ----------------------------------------------------------------------

WHITE_KEY = QColor("#e9e9ec")
BLACK_KEY = QColor("#2b2b30")
KEY_EDGE = _pen("#8a8d94")
KEY_LABEL = QColor("#55585f")
"""Octave labels (C3, C4, ...) on white keys."""
KEY_PRESSED = QColor("#8fc1ff")

RULER_BACKGROUND = QColor("#202227")
RULER_TEXT = QColor("#c8ccd4")
RULER_TICK_PEN = _pen("#6b717b")
RULER_MARKER_PEN = _pen("#d9a657")
"""Tempo and time-signature change marks on the ruler (line and text)."""

LANE_BACKGROUND = QColor("#24272c")
LANE_GUIDE_PEN = _pen("#3a3e46")
"""Horizontal guides in the velocity lane (e.g. at 32, 64, 96)."""

NO_PEN = QPen(Qt.PenStyle.NoPen)

__all__ = [
    "BACKGROUND",
    "BAR_PEN",
    "BEAT_PEN",
    "BLACK_KEY",
    "BLACK_KEY_ROW",
    "FADED_NOTE",
    "GRID_PEN",
    "KEY_EDGE",
    "KEY_LABEL",
    "KEY_PRESSED",
    "LANE_BACKGROUND",
    "LANE_GUIDE_PEN",
    "LOOP_EDGE",
    "LOOP_FILL",
    "MIN_LINE_SPACING_PX",
    "NO_PEN",
    "OCTAVE_PEN",
    "PLAYHEAD_PEN",
    "PREVIEW_PEN",
    "REGION_EDGE",
    "REGION_FILL",
    "RUBBER_BAND_EDGE",
    "RUBBER_BAND_FILL",
    "RULER_BACKGROUND",
    "RULER_MARKER_PEN",
    "RULER_TEXT",
    "RULER_TICK_PEN",
    "SELECTED_PEN",
    "VELOCITY_LEVELS",
    "WHITE_KEY",
    "is_black_key",
    "level_fill",
    "note_border",
    "note_fill",
    "velocity_level",
]
