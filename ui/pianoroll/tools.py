"""Piano-roll tools: each mouse press starts one gesture object that owns the whole drag.

A tool (:class:`DrawTool`, :class:`SelectTool`, :class:`EraseTool`) looks at what is
under the mouse when a button goes down and returns a :class:`Gesture`
(:class:`DrawNote`, :class:`MoveNotes`, :class:`ResizeNotes`, :class:`RubberBand`,
:class:`EraseNotes`). The gesture gets every move, then a release or a cancel. While
it runs it shows a :class:`Preview` (the canvas draws the previewed notes and hides
the originals: the score is untouched), and on release it pushes exactly one edit,
so one drag is one undo step and Escape leaves no trace.

Gestures talk to the canvas only through :class:`ToolHost`, so they need no widget
and the canvas needs no knowledge of any one gesture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt

from composer import edits as ed
from composer.errors import EditError
from composer.score import Note, Track
from ui.document_controller import DocumentController
from ui.editor_state import EditorState, Tool
from ui.pianoroll.transform import RollTransform

DRAG_THRESHOLD_PX = 3.0
"""A press that moves less than this is a click: it selects, it never moves a note."""

Mods = Qt.KeyboardModifier


class ToolHost(Protocol):
    """What a gesture needs from the canvas it runs on."""

    controller: DocumentController
    state: EditorState

    @property
    def transform(self) -> RollTransform: ...

    def active_track(self) -> Track | None: ...

    def note_at(self, pos: QPointF) -> Note | None: ...

    def on_right_edge(self, note: Note, x: float) -> bool: ...

    def notes_in_rect(self, rect: QRectF) -> list[Note]: ...

    def audition(self, note: Note) -> None: ...


@dataclass(frozen=True)
class Preview:
    """What a running gesture wants drawn instead of the score's notes."""

    hidden: frozenset[int] = frozenset()  # ids of active-track notes not to draw
    notes: tuple[Note, ...] = ()  # notes to draw on top, as they would be after release
    band: QRectF | None = None  # the rubber band rectangle, in canvas pixels


def _dragged(press: QPointF, pos: QPointF) -> bool:
    return (pos - press).manhattanLength() >= DRAG_THRESHOLD_PX


def _bypass_snap(modifiers: Qt.KeyboardModifier) -> bool:
    """Shift held during a drag places freely, as in most DAWs."""
    return bool(modifiers & Mods.ShiftModifier)


def _push(host: ToolHost, edit: ed.Edit) -> bool:
    """Push ``edit``; a stale edit (the score changed under the drag) is dropped, not raised."""
    try:
        host.controller.push(edit)
    except EditError:
        return False
    return True


class Gesture:
    """One press-drag-release. Subclasses override :meth:`move`, :meth:`release`, :meth:`cancel`."""

    preview: Preview = Preview()

    def move(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        """The mouse moved with the button held."""

    def release(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        """The button went up: commit (push at most one edit)."""

    def cancel(self) -> None:
        """Escape (or a new score or active track): drop the gesture without an edit."""
        self.preview = Preview()


class _NoteDrag(Gesture):
    """Shared part of move and resize: the grabbed note, the notes it carries, the press point."""

    def __init__(self, host: ToolHost, track: Track, grabbed: Note, ids: Iterable[int], press: QPointF) -> None:
        self.host = host
        self.track = track
        self.grabbed = grabbed
        self.notes = tuple(n for n in (track.note(i) for i in ids) if n is not None)
        self.press = press
        self.dragging = False
        self.on_click: Callable[[], None] | None = None  # what a click without a drag does

    def _tick_delta(self, pos: QPointF) -> float:
        t = self.host.transform
        return t.x_to_tick(pos.x()) - t.x_to_tick(self.press.x())

    def _snap(self, tick: float, modifiers: Qt.KeyboardModifier) -> int:
        if _bypass_snap(modifiers):
            return max(round(tick), 0)
        return self.host.state.grid.snap(tick, self.host.controller.score.time_signatures)

    def move(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.dragging = self.dragging or _dragged(self.press, pos)
        if self.dragging:
            self._update(pos, modifiers)

    def _update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        raise NotImplementedError

    def release(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if self.dragging:
            self._update(pos, modifiers)
            self._commit()
        elif self.on_click is not None:
            self.on_click()
        self.preview = Preview()

    def _commit(self) -> None:
        raise NotImplementedError

    def _selection(self) -> dict[int, list[int]]:
        return {self.track.id: [n.id for n in self.notes]}


class MoveNotes(_NoteDrag):
    """Drag notes in time and pitch; the grabbed note's start snaps to the grid (Shift: free)."""

    ticks = 0
    semitones = 0

    def _update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        start = self._snap(self.grabbed.start + self._tick_delta(pos), modifiers)
        t = self.host.transform
        semitones = t.y_to_pitch(pos.y()) - t.y_to_pitch(self.press.y())
        # Clamp as a group (as composer.edits.move_notes does) so the chord keeps its shape.
        lowest, highest = min(n.pitch for n in self.notes), max(n.pitch for n in self.notes)
        self.ticks = max(start - self.grabbed.start, -min(n.start for n in self.notes))
        heard = self.semitones
        self.semitones = min(max(semitones, -lowest), 127 - highest)
        moved = tuple(n._replace(start=n.start + self.ticks, pitch=n.pitch + self.semitones) for n in self.notes)
        self.preview = Preview(frozenset(n.id for n in self.notes), moved)
        if self.semitones != heard:  # each new pitch is heard as the note is dragged up or down
            self.host.audition(self.grabbed._replace(pitch=self.grabbed.pitch + self.semitones))

    def _commit(self) -> None:
        if self.ticks or self.semitones:
            score = self.host.controller.score
            _push(self.host, ed.move_notes(score, self._selection(), self.ticks, self.semitones))


class ResizeNotes(_NoteDrag):
    """Drag the right edge: every carried note changes length by the grabbed note's change."""

    ticks = 0

    def _update(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        end = self._snap(self.grabbed.end + self._tick_delta(pos), modifiers)
        shortest = 1 if _bypass_snap(modifiers) or self.host.state.grid.is_off else self.host.state.grid.ticks
        end = max(end, self.grabbed.start + min(shortest, self.grabbed.duration))
        self.ticks = end - self.grabbed.end
        resized = tuple(n._replace(duration=max(n.duration + self.ticks, 1)) for n in self.notes)
        self.preview = Preview(frozenset(n.id for n in self.notes), resized)

    def _commit(self) -> None:
        if self.ticks and _push(self.host, ed.resize_notes(self.host.controller.score, self._selection(), self.ticks)):
            self.host.state.new_note_length = self.grabbed.duration + self.ticks


class DrawNote(Gesture):
    """A new note at the clicked grid cell; dragging right sets its length (snapped; Shift: free)."""

    def __init__(self, host: ToolHost, track: Track, press: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.host = host
        self.track = track
        self.press = press
        state, t = host.state, host.transform
        tick = t.x_to_tick(press.x())
        sigs = host.controller.score.time_signatures
        start = max(int(tick), 0) if _bypass_snap(modifiers) else state.grid.floor(tick, sigs)
        self.note = Note.create(t.y_to_pitch(press.y()), start, max(state.new_note_length, 1), state.new_note_velocity)
        self.resized = False
        self.preview = Preview(notes=(self.note,))

    def move(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        if not (self.resized or _dragged(self.press, pos)):
            return
        self.resized = True
        state = self.host.state
        tick = self.host.transform.x_to_tick(pos.x())
        free = _bypass_snap(modifiers) or state.grid.is_off
        end = round(tick) if free else state.grid.snap(tick, self.host.controller.score.time_signatures)
        shortest = 1 if free else state.grid.ticks
        self.note = self.note._replace(duration=max(end - self.note.start, shortest))
        self.preview = Preview(notes=(self.note,))

    def release(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.move(pos, modifiers)
        self.preview = Preview()
        if _push(self.host, ed.add_notes(self.track.id, [self.note], "Add note")):
            self.host.state.set_selection({self.note.id})
            if self.resized:
                self.host.state.new_note_length = self.note.duration


class RubberBand(Gesture):
    """Drag a rectangle on empty space: select the notes it touches (Shift adds). Live while dragging."""

    def __init__(self, host: ToolHost, press: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.host = host
        self.press = press
        self.before = host.state.selection
        self.base = self.before if modifiers & Mods.ShiftModifier else frozenset()
        self.dragging = False

    def move(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.dragging = self.dragging or _dragged(self.press, pos)
        if not self.dragging:
            return
        band = QRectF(self.press, pos).normalized()
        self.preview = Preview(band=band)
        self.host.state.set_selection(self.base | {n.id for n in self.host.notes_in_rect(band)})

    def release(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.move(pos, modifiers)
        if not self.dragging:  # a click on empty space clears the selection (Shift keeps it)
            self.host.state.set_selection(self.base)
        self.preview = Preview()

    def cancel(self) -> None:
        self.host.state.set_selection(self.before)
        super().cancel()


class EraseNotes(Gesture):
    """Click or sweep across notes to delete them; the whole sweep is one undo step."""

    def __init__(self, host: ToolHost, track: Track, press: QPointF) -> None:
        self.host = host
        self.track = track
        self.erased: dict[int, Note] = {}
        self.last = press
        self._hit(press)

    def _hit(self, pos: QPointF) -> None:
        note = self.host.note_at(pos)
        if note is not None and note.id not in self.erased:
            self.erased[note.id] = note
            self.preview = Preview(hidden=frozenset(self.erased))

    def move(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        # Sample the segment since the last event so a fast sweep skips no short note.
        steps = max(int((pos - self.last).manhattanLength() // 2), 1)
        for i in range(1, steps + 1):
            self._hit(self.last + (pos - self.last) * (i / steps))
        self.last = pos

    def release(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        self.move(pos, modifiers)
        self.preview = Preview()
        if not self.erased:
            return
        selection = {self.track.id: list(self.erased)}
        if _push(self.host, ed.remove_notes(self.host.controller.score, selection)):
            self.host.state.set_selection(self.host.state.selection - set(self.erased))


# --- tools: what a press starts --------------------------------------------------------------


class RollTool(Protocol):
    """A tool: what a press starts, and the cursor it shows while hovering."""

    def press(self, host: ToolHost, pos: QPointF, modifiers: Qt.KeyboardModifier) -> Gesture | None: ...

    def cursor(self, host: ToolHost, pos: QPointF) -> Qt.CursorShape: ...


def _grab(host: ToolHost, track: Track, note: Note, x: float, press: QPointF, selection: frozenset[int]) -> _NoteDrag:
    """Resize at the right edge, move elsewhere; the drag carries ``selection`` (which holds ``note``)."""
    kind = ResizeNotes if host.on_right_edge(note, x) else MoveNotes
    host.state.set_selection(selection)
    host.audition(note)
    return kind(host, track, note, selection, press)


class DrawTool:
    """Click empty space to add a note (drag to set its length); press a note to move or resize it."""

    tool = Tool.DRAW

    def press(self, host: ToolHost, pos: QPointF, modifiers: Qt.KeyboardModifier) -> Gesture | None:
        track = host.active_track()
        if track is None:
            return None
        note = host.note_at(pos)
        if note is None:
            gesture = DrawNote(host, track, pos, modifiers)
            host.audition(gesture.note)
            return gesture
        selection = host.state.selection if note.id in host.state.selection else frozenset({note.id})
        return _grab(host, track, note, pos.x(), pos, selection)

    def cursor(self, host: ToolHost, pos: QPointF) -> Qt.CursorShape:
        return _note_cursor(host, pos, Qt.CursorShape.CrossCursor)


class SelectTool:
    """Click selects (Shift adds, Ctrl toggles); drag moves or resizes the selection; drag empty space
    for a rubber band."""

    tool = Tool.SELECT

    def press(self, host: ToolHost, pos: QPointF, modifiers: Qt.KeyboardModifier) -> Gesture | None:
        track = host.active_track()
        if track is None:
            return None
        note = host.note_at(pos)
        if note is None:
            return RubberBand(host, pos, modifiers)
        selected = host.state.selection
        if modifiers & Mods.ControlModifier:
            if note.id in selected:  # toggled off: nothing left under the mouse to drag
                host.state.set_selection(selected - {note.id})
                return None
            return _grab(host, track, note, pos.x(), pos, selected | {note.id})
        if modifiers & Mods.ShiftModifier:
            return _grab(host, track, note, pos.x(), pos, selected | {note.id})
        if note.id not in selected:
            return _grab(host, track, note, pos.x(), pos, frozenset({note.id}))
        gesture = _grab(host, track, note, pos.x(), pos, selected)
        # A plain click on one of several selected notes selects just that note, as in file managers.
        gesture.on_click = lambda: host.state.set_selection({note.id})
        return gesture

    def cursor(self, host: ToolHost, pos: QPointF) -> Qt.CursorShape:
        return _note_cursor(host, pos, Qt.CursorShape.ArrowCursor)


class EraseTool:
    """Click or sweep across notes to delete them."""

    tool = Tool.ERASE

    def press(self, host: ToolHost, pos: QPointF, modifiers: Qt.KeyboardModifier) -> Gesture | None:
        track = host.active_track()
        return None if track is None else EraseNotes(host, track, pos)

    def cursor(self, host: ToolHost, pos: QPointF) -> Qt.CursorShape:
        over_note = host.active_track() is not None and host.note_at(pos) is not None
        return Qt.CursorShape.PointingHandCursor if over_note else Qt.CursorShape.CrossCursor


def _note_cursor(host: ToolHost, pos: QPointF, empty: Qt.CursorShape) -> Qt.CursorShape:
    note = host.note_at(pos) if host.active_track() is not None else None
    if note is None:
        return empty
    return Qt.CursorShape.SizeHorCursor if host.on_right_edge(note, pos.x()) else Qt.CursorShape.SizeAllCursor


TOOLS: dict[Tool, RollTool] = {
    Tool.DRAW: DrawTool(),
    Tool.SELECT: SelectTool(),
    Tool.ERASE: EraseTool(),
}
"""The tool object for each :class:`~ui.editor_state.Tool` value (tools keep no state)."""
