"""Entry point of the desktop app: ``composer-studio [FILE]``.

Start-up stays light: only Qt, the composer core and the window's own modules are
imported here (no torch, no music21: MusicXML import loads music21 on the worker
thread when a MusicXML file is opened). The window shows first; the song (the file
given on the command line, else the bundled demo) is read on the worker thread.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ui.file_ops import Prompts
from ui.mainwindow import APP_NAME, MainWindow
from ui.settings import APPLICATION, ORGANISATION, Settings


def demo_path() -> Path:
    """The bundled demo song, located as package data so it works installed or from a checkout."""
    return Path(str(resources.files("resources") / "demo" / "demo.mid"))


def parse_args(arguments: Sequence[str]) -> argparse.Namespace:
    """The command line after Qt took its own options (-platform, -style, ...)."""
    parser = argparse.ArgumentParser(prog="composer-studio", description=f"{APP_NAME}: compose with a piano roll.")
    parser.add_argument("file", nargs="?", type=Path, help="a project (.csproj.json), MIDI or MusicXML file to open")
    args, _unknown = parser.parse_known_args(list(arguments))
    return args


def application(argv: list[str]) -> tuple[QApplication, list[str]]:
    """The QApplication (the running one if there is one), named for QSettings and the title bar,
    and our own arguments: ``argv`` without the program and the options Qt took (-platform, ...)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_NAME)
    return app, (argv[1:] if existing is not None else app.arguments()[1:])


def start(
    argv: Sequence[str] | None = None, settings: Settings | None = None, prompts: Prompts | None = None
) -> tuple[QApplication, MainWindow]:
    """Create and show the window, restore its settings and start reading the song.

    ``settings`` and ``prompts`` default to the user's settings and real dialogs (tests pass their own).
    """
    app, arguments = application(list(sys.argv if argv is None else argv))
    args = parse_args(arguments)
    settings = settings if settings is not None else Settings()
    window = MainWindow(settings, prompts)
    window.restore_settings()
    window.show()
    if args.file is not None:
        window.file_ops.open_path(args.file, confirm=False)
    else:
        window.open_demo(demo_path())
    settings.first_start_done = True
    return app, window


def main(argv: Sequence[str] | None = None) -> int:
    app, _window = start(argv)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
