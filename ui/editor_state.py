"""What the user is looking at and working on, shared by every view of one window.

The score lives in the document; this holds only editor state: the active
track, the selected notes, the region selection (tracks x bars, what the
assistant works on), the loop range, the snap grid, the tool and the values a
newly drawn note takes. Views read it and listen to its signals; none keeps its
own copy.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QObject, Signal

from composer.grid import Grid
from composer.region import Region
from composer.timing import PPQ


class Tool(Enum):
    DRAW = "draw"
    SELECT = "select"
    ERASE = "erase"


class EditorState(QObject):
    active_track_changed = Signal(object)  # track id | None
    selection_changed = Signal()
    region_changed = Signal(object)  # Region | None
    loop_changed = Signal(object)  # (start tick, end tick) | None
    grid_changed = Signal(object)  # Grid
    tool_changed = Signal(object)  # Tool

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._active_track: int | None = None
        self._selected: frozenset[int] = frozenset()
        self._region: Region | None = None
        self._loop: tuple[int, int] | None = None
        self._grid = Grid(16)
        self._tool = Tool.DRAW
        self.new_note_length = PPQ  # the last drawn or resized length, as in most piano rolls
        self.new_note_velocity = 96

    # active track and its selected notes ----------------------------------------------------

    @property
    def active_track(self) -> int | None:
        return self._active_track

    def set_active_track(self, track_id: int | None) -> None:
        if track_id != self._active_track:
            self._active_track = track_id
            self.set_selection(frozenset())
            self.active_track_changed.emit(track_id)

    @property
    def selection(self) -> frozenset[int]:
        """Ids of the selected notes of the active track."""
        return self._selected

    def set_selection(self, note_ids: frozenset[int] | set[int]) -> None:
        ids = frozenset(note_ids)
        if ids != self._selected:
            self._selected = ids
            self.selection_changed.emit()

    # region, loop, grid, tool ---------------------------------------------------------------

    @property
    def region(self) -> Region | None:
        return self._region

    def set_region(self, region: Region | None) -> None:
        if region != self._region:
            self._region = region
            self.region_changed.emit(region)

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._loop

    def set_loop(self, loop: tuple[int, int] | None) -> None:
        if loop is not None and loop[1] <= loop[0]:
            loop = None
        if loop != self._loop:
            self._loop = loop
            self.loop_changed.emit(loop)

    @property
    def grid(self) -> Grid:
        return self._grid

    def set_grid(self, grid: Grid) -> None:
        if grid != self._grid:
            self._grid = grid
            self.grid_changed.emit(grid)

    @property
    def tool(self) -> Tool:
        return self._tool

    def set_tool(self, tool: Tool) -> None:
        if tool != self._tool:
            self._tool = tool
            self.tool_changed.emit(tool)
