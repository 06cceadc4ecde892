"""Shared test setup: Qt must run without a display (CI and developers' machines have none)."""

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def _clear_clipboard_at_exit():  # noqa: ANN202
    """Offscreen Qt frees clipboard data in a C++ exit handler, after Python has shut down, so a
    QMimeData made in Python (a Copy) left on the clipboard segfaults the run at exit. Clear it first."""
    yield
    gui = sys.modules.get("PySide6.QtGui")
    app = gui.QGuiApplication.instance() if gui is not None else None
    if app is not None:
        app.clipboard().clear()
