"""Open and save any supported file by its suffix: MIDI, MusicXML, project files.

The one place that maps suffixes to readers and writers, shared by the CLI and
the app, so both accept exactly the same files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from composer.errors import FileFormatError
from composer.import_report import ImportReport
from composer.score import Score

MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")
MUSICXML_SUFFIXES = (".musicxml", ".xml", ".mxl")
PROJECT_SUFFIX = ".csproj.json"


@dataclass
class LoadedFile:
    """A score read from disk, with what the importer repaired and any app state."""

    score: Score
    kind: str  # "midi", "musicxml" or "project"
    report: ImportReport = field(default_factory=ImportReport)
    app_state: dict[str, Any] = field(default_factory=dict)


def file_kind(path: str | os.PathLike[str]) -> str:
    """"midi", "musicxml" or "project" by suffix; FileFormatError for anything else."""
    name = Path(path).name.lower()
    if name.endswith(PROJECT_SUFFIX) or name.endswith(".json"):
        return "project"
    if name.endswith(MIDI_SUFFIXES):
        return "midi"
    if name.endswith(MUSICXML_SUFFIXES):
        return "musicxml"
    raise FileFormatError(
        "unsupported file type (expected .mid/.midi, .musicxml/.xml/.mxl or .csproj.json)", str(path)
    )


def load_file(path: str | os.PathLike[str]) -> LoadedFile:
    """Read a score; raises a FileFormatError subclass if the file cannot be read."""
    kind = file_kind(path)
    if kind == "midi":
        from composer.midi_import import read_midi

        score, report = read_midi(path)
        return LoadedFile(score, kind, report)
    if kind == "musicxml":
        from composer.musicxml_import import read_musicxml

        score, report = read_musicxml(path)
        return LoadedFile(score, kind, report)
    from composer.project_file import load_project

    project = load_project(path)
    return LoadedFile(project.score, kind, ImportReport(source=str(path)), project.app_state)


def save_file(path: str | os.PathLike[str], score: Score, app_state: dict[str, Any] | None = None) -> None:
    """Write MIDI or a project file (atomically) by suffix."""
    kind = file_kind(path)
    if kind == "midi":
        from composer.midi_export import write_midi

        write_midi(score, path)
    elif kind == "project":
        from composer.project_file import Project, save_project

        save_project(path, Project(score, app_state or {}))
    else:
        raise FileFormatError("cannot write MusicXML; save as .mid or .csproj.json", str(path))
