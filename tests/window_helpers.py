"""Showing a main window in tests the way a user has it: shown and active."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot


def show_active(qtbot: QtBot, window: QWidget) -> QWidget:
    """Show ``window`` and wait until it is active: shortcuts fire only in the active window."""
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window
