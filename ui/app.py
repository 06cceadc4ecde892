"""Entry point of the desktop app: ``composer-studio``.

First step of the editor: a window that loads the bundled demo song and lists its
tracks read-only. The piano roll, playback and the assistant replace the list later;
the loading path (package data -> MIDI importer -> Score) is the one they will use.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow, QTreeWidget, QTreeWidgetItem

from composer.general_midi import instrument_name
from composer.score import Score, Track

APP_NAME = "Composer Studio"
COLUMNS = ("Track", "Instrument", "Notes", "Bars")


def demo_path() -> Path:
    """The bundled demo song, located as package data so it works installed or from a checkout."""
    return Path(str(resources.files("resources") / "demo" / "demo.mid"))


def load_demo() -> Score:
    """Read the demo song with the project's MIDI importer."""
    # Imported here, not at the top: the importer is a separate module and the window
    # should still open (with an error shown) if loading fails.
    from composer.midi_import import read_midi

    score, _report = read_midi(demo_path())
    return score


def bars_with_notes(score: Score, track: Track) -> int:
    """How many bars of the score the track sounds in (a held note counts in every bar it crosses)."""
    bar_at = score.time_signatures.bar_at
    bars: set[int] = set()
    for note in track.notes:
        bars.update(range(bar_at(note.start), bar_at(note.end - 1) + 1))
    return len(bars)


def track_rows(score: Score) -> list[tuple[str, str, str, str]]:
    """One row of text per track: name, instrument, note count, bars with notes."""
    return [
        (t.name, instrument_name(t.program, t.is_drum), str(len(t.notes)), str(bars_with_notes(score, t)))
        for t in score.tracks
    ]


class MainWindow(QMainWindow):
    """The main window; for now a read-only track list of one score."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(720, 360)
        self.tracks = QTreeWidget(self)
        self.tracks.setHeaderLabels(COLUMNS)
        self.tracks.setRootIsDecorated(False)
        self.setCentralWidget(self.tracks)

    def show_score(self, score: Score) -> None:
        self.tracks.clear()
        for row in track_rows(score):
            self.tracks.addTopLevelItem(QTreeWidgetItem(list(row)))
        for column in range(len(COLUMNS)):
            self.tracks.resizeColumnToContents(column)
        self.statusBar().showMessage(f"{len(score.tracks)} tracks, {score.note_count} notes, {score.bar_count} bars")

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message)


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    window = MainWindow()
    try:
        window.show_score(load_demo())
    except Exception as exc:  # any load failure is shown; the window still opens
        window.show_error(f"Could not load the demo song: {exc}")
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
