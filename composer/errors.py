"""Typed errors of the domain layer.

Every failure a user can cause (a bad file, an edit that no longer fits the score)
surfaces as one of these, so callers catch one family and show its message.
"""

from __future__ import annotations


class ComposerError(Exception):
    """Base class of every error the domain raises on purpose."""


class FileFormatError(ComposerError):
    """A file cannot be read at all; nothing was loaded."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class MidiFileError(FileFormatError):
    """A MIDI file is unreadable (not MIDI, truncated header, no tracks)."""


class MusicXmlError(FileFormatError):
    """A MusicXML file is unreadable or holds no music."""


class ProjectFileError(FileFormatError):
    """A project file is damaged, from a newer version, or not a project file."""


class EditError(ComposerError):
    """An edit does not fit the score it is applied to (stale or invalid)."""
