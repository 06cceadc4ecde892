"""Pure domain of Composer Studio: score, time, edits, regions, file I/O.

Imports neither Qt nor torch (see ARCHITECTURE.md), so everything here runs and
tests without a display or a GPU.
"""

from composer.errors import ComposerError, EditError, FileFormatError, MidiFileError, MusicXmlError, ProjectFileError
from composer.score import Note, Score, Track, new_id
from composer.timing import PPQ, Key, KeyMap, TempoChange, TempoMap, TimeSignature, TimeSignatureMap

__all__ = [
    "PPQ",
    "ComposerError",
    "EditError",
    "FileFormatError",
    "Key",
    "KeyMap",
    "MidiFileError",
    "MusicXmlError",
    "Note",
    "ProjectFileError",
    "Score",
    "TempoChange",
    "TempoMap",
    "TimeSignature",
    "TimeSignatureMap",
    "Track",
    "new_id",
]
