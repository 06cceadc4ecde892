"""Note editing commands on the active track's selection, shared by menus, shortcuts and tools.

Each method builds one edit from the composer layer and pushes it as one undo
step; with nothing to act on it does nothing and returns False, so a shortcut
pressed at the wrong moment is harmless.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from composer import edits as ed
from composer.clipboard import MIME_TYPE, NoteClip, duplicate, paste
from composer.score import Note, Track
from composer.timing import TimeSignatureMap
from ui.document_controller import DocumentController
from ui.editor_state import EditorState


class NoteEditing:
    """Select all, delete, cut/copy/paste, duplicate, transpose, quantize, velocity."""

    def __init__(self, controller: DocumentController, state: EditorState) -> None:
        self.controller = controller
        self.state = state
        self.paste_position = 0  # tick where Paste puts the clip (the playhead or last click)

    def _track(self) -> Track | None:
        track_id = self.state.active_track
        score = self.controller.score
        return score.track(track_id) if track_id is not None and score.has_track(track_id) else None

    def selected_notes(self) -> list[Note]:
        track = self._track()
        if track is None:
            return []
        return [n for n in (track.note(i) for i in self.state.selection) if n is not None]

    def _selection(self) -> dict[int, list[int]]:
        notes = self.selected_notes()
        track_id = self.state.active_track
        return {track_id: [n.id for n in notes]} if notes and track_id is not None else {}

    def select_all(self) -> bool:
        track = self._track()
        if track is None:
            return False
        self.state.set_selection({n.id for n in track.notes})
        return True

    def delete(self) -> bool:
        selection = self._selection()
        if not selection:
            return False
        self.controller.push(ed.remove_notes(self.controller.score, selection))
        self.state.set_selection(frozenset())
        return True

    def copy(self) -> bool:
        notes = self.selected_notes()
        if not notes:
            return False
        clip = NoteClip.of(notes, origin=self.state.grid.floor(min(n.start for n in notes), self._sigs()))
        data = QMimeData()
        data.setData(MIME_TYPE, json.dumps(clip.to_json()).encode())
        data.setText(f"{len(notes)} notes")
        QGuiApplication.clipboard().setMimeData(data)
        return True

    def cut(self) -> bool:
        if not self.copy():
            return False
        notes = self.selected_notes()
        self.controller.push(ed.remove_notes(self.controller.score, self._selection(), "Cut"))
        self.state.set_selection(frozenset())
        return bool(notes)

    def paste(self, at: int | None = None) -> bool:
        """Paste the clipboard's notes into the active track at ``at`` (default: paste position)."""
        track = self._track()
        clip = self.clipboard_clip()
        if track is None or not clip:
            return False
        edit = paste(clip, track.id, self.paste_position if at is None else at)
        self.controller.push(edit)
        self.state.set_selection({n.id for n in edit.added})
        return True

    def clipboard_clip(self) -> NoteClip:
        """The notes on the system clipboard, or an empty clip if it holds none (or garbage)."""
        data = QGuiApplication.clipboard().mimeData()
        if data is None or not data.hasFormat(MIME_TYPE):
            return NoteClip.of([])
        try:
            return NoteClip.from_json(json.loads(bytes(data.data(MIME_TYPE).data()).decode()))
        except (ValueError, TypeError, UnicodeDecodeError):
            return NoteClip.of([])

    def duplicate(self) -> bool:
        """Copy the selection right after itself, its length rounded up to the grid."""
        notes = self.selected_notes()
        track_id = self.state.active_track
        if not notes or track_id is None:
            return False
        start, end = min(n.start for n in notes), max(n.end for n in notes)
        grid = self.state.grid.ticks
        step = -(-(end - start) // grid) * grid
        edit = duplicate(notes, track_id, step)
        self.controller.push(edit)
        self.state.set_selection({n.id for n in edit.added})
        return True

    def transpose(self, semitones: int) -> bool:
        selection = self._selection()
        if not selection:
            return False
        self.controller.push(ed.transpose(self.controller.score, selection, semitones))
        return True

    def nudge(self, steps: int) -> bool:
        """Move the selection by ``steps`` grid cells in time."""
        selection = self._selection()
        if not selection:
            return False
        ticks = steps * self.state.grid.ticks
        self.controller.push(ed.move_notes(self.controller.score, selection, ticks, 0))
        return True

    def quantize(self, strength: float = 1.0, ends: bool = False) -> bool:
        selection = self._selection()
        if not selection or self.state.grid.is_off:
            return False
        self.controller.push(ed.quantize(self.controller.score, selection, self.state.grid.ticks, strength, ends=ends))
        return True

    def set_velocity(self, velocity: int) -> bool:
        selection = self._selection()
        if not selection:
            return False
        self.controller.push(ed.set_velocity(self.controller.score, selection, velocity))
        return True

    def _sigs(self) -> TimeSignatureMap:
        return self.controller.score.time_signatures
