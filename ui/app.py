"""Entry point of the desktop app: ``composer-studio [FILE]``.

Start-up stays light: only Qt, the composer core and the window's own modules are
imported here (no torch, no music21: MusicXML import loads music21 on the worker
thread when a MusicXML file is opened). The window shows first; the song (the file
given on the command line, else the bundled demo) is read on the worker thread, unless
the user recovers the unsaved work of a session that crashed (:mod:`ui.recovery`).

``main`` installs the crash handler (:mod:`ui.crash_handler`): from then on every
unexpected exception is logged, shown, and answered with a recovery copy of the song.
``--smoke-test`` runs :mod:`ui.smoke_test` instead of the event loop.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ui import recovery
from ui.crash_handler import CrashHandler
from ui.file_ops import Prompts
from ui.mainwindow import APP_NAME, MainWindow
from ui.recovery import QtRecoveryPrompt, RecoveryPrompt
from ui.settings import APPLICATION, ORGANISATION, Settings

DESKTOP_ID = "composer-studio"  # packaging/linux/composer-studio.desktop


def demo_path() -> Path:
    """The bundled demo song, located as package data so it works installed or from a checkout."""
    return Path(str(resources.files("resources") / "demo" / "demo.mid"))


def app_icon() -> QIcon:
    """The window icon from the PNG renders of resources/icons/composer-studio.svg (package data)."""
    icon = QIcon()
    for png in sorted(Path(str(resources.files("resources") / "icons")).glob("composer-studio-*.png")):
        icon.addFile(str(png))
    return icon


def parse_args(arguments: Sequence[str]) -> argparse.Namespace:
    """The command line after Qt took its own options (-platform, -style, ...)."""
    parser = argparse.ArgumentParser(prog="composer-studio", description=f"{APP_NAME}: compose with a piano roll.")
    parser.add_argument("file", nargs="?", type=Path, help="a project (.csproj.json), MIDI or MusicXML file to open")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the demo, generate one candidate, render one second of audio, then exit "
                             "(0: all worked); runs headless with QT_QPA_PLATFORM=offscreen")
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
    app.setDesktopFileName(DESKTOP_ID)  # Wayland and task bars match the window to the menu entry and its icon
    app.setWindowIcon(app_icon())
    return app, (argv[1:] if existing is not None else app.arguments()[1:])


def start(
    argv: Sequence[str] | None = None, settings: Settings | None = None, prompts: Prompts | None = None,
    recovery_prompt: RecoveryPrompt | None = None,
) -> tuple[QApplication, MainWindow]:
    """Create and show the window, restore its settings, offer crashed work back, else start reading the song.

    ``settings``, ``prompts`` and ``recovery_prompt`` default to the user's settings and real dialogs
    (tests pass their own).
    """
    app, arguments = application(list(sys.argv if argv is None else argv))
    args = parse_args(arguments)
    settings = settings if settings is not None else Settings()
    window = MainWindow(settings, prompts)
    window.restore_settings()
    window.show()
    if offer_recovery(window, recovery_prompt):
        pass  # the recovered work is the document; a file named on the command line waits for File > Open
    elif args.file is not None:
        window.file_ops.open_path(args.file, confirm=False)
    else:
        window.open_demo(demo_path())
    settings.first_start_done = True
    return app, window


def offer_recovery(window: MainWindow, prompt: RecoveryPrompt | None = None) -> bool:
    """Offer back the unsaved work of sessions that crashed; True when one was recovered into ``window``."""
    orphans = recovery.orphans(window.recovery.folder)
    if not orphans:
        return False
    return recovery.offer(orphans, prompt or QtRecoveryPrompt(window), window.recover) is not None


def main(argv: Sequence[str] | None = None) -> int:
    app, arguments = application(list(sys.argv if argv is None else argv))
    if parse_args(arguments).smoke_test:
        from ui import smoke_test  # noqa: PLC0415 - only the smoke test needs it

        return smoke_test.run(app)
    crash_handler = CrashHandler(parent=app).install()  # before the window: an error while it builds is logged
    _app, window = start([app.applicationFilePath(), *arguments])
    crash_handler.attach(window, window.recovery.rescue)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
