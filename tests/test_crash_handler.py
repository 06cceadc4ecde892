"""The crash handler: an exception in a slot, a Qt worker or a Python thread is logged with its
traceback, shown in one non-blocking dialog, answered with a recovery copy, and the window and
its document survive it.

pytest-qt normally turns an exception in a Qt virtual or slot into a test failure through its
own ``sys.excepthook``; these tests are marked ``qt_no_exception_capture`` so the handler under
test receives them, and the fixture puts the previous hooks back afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRunnable, QSettings, Qt, QThreadPool, qWarning
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from composer.project_file import load_project
from tests.test_file_ops import FakePrompts
from tests.test_recovery import accept_take, content, settings_at, small_score
from tests.window_helpers import show_active
from ui.crash_handler import CrashHandler
from ui.file_ops import SaveChoice
from ui.mainwindow import MainWindow

pytestmark = pytest.mark.qt_no_exception_capture
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    w = MainWindow(settings_at(tmp_path), FakePrompts(choice=SaveChoice.DISCARD))
    show_active(qtbot, w)
    w.controller.load(small_score())
    return w


@pytest.fixture
def handler(window: MainWindow, tmp_path: Path) -> Iterator[CrashHandler]:
    before = (sys.excepthook, threading.excepthook)
    crash = CrashHandler(tmp_path / "logs" / "composer-studio.log").install()
    crash.attach(window, window.recovery.rescue)
    yield crash
    crash.uninstall()
    if crash.dialog is not None:
        crash.dialog.close()
    assert (sys.excepthook, threading.excepthook) == before


def log_text(handler: CrashHandler) -> str:
    return handler.log_path.read_text(encoding="utf-8")


def shown_dialog(qtbot: QtBot, handler: CrashHandler) -> QMessageBox:
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible(), timeout=5000)
    assert handler.dialog is not None
    return handler.dialog


def broken_slot() -> None:
    raise ValueError("the slot broke")


def test_an_exception_in_a_slot_is_logged_shown_and_the_document_is_kept(qtbot: QtBot, window: MainWindow,
                                                                        handler: CrashHandler) -> None:
    accept_take(window)  # unsaved work, including an AI take
    score = window.controller.score
    button = QPushButton("Break", window)
    button.clicked.connect(broken_slot)
    button.show()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = shown_dialog(qtbot, handler)
    assert "ValueError: the slot broke" in dialog.text()
    assert "Your document is safe: a recovery copy was saved to" in dialog.informativeText()
    assert str(handler.log_path) in dialog.informativeText()
    assert "broken_slot" in dialog.detailedText()
    assert not dialog.isModal() and window.isVisible()
    log = log_text(handler)
    assert "Unhandled exception in MainThread" in log and 'raise ValueError("the slot broke")' in log
    assert window.controller.score is score and window.controller.is_modified
    assert content(load_project(window.recovery.project_path).score) == content(score)
    window.controller.undo_stack.undo()  # the editor still works
    assert window.controller.score.takes == ()


class BrokenTask(QRunnable):
    def run(self) -> None:
        raise RuntimeError("the worker broke")


def test_exceptions_in_worker_threads_reach_the_gui_thread(qtbot: QtBot, window: MainWindow,
                                                           handler: CrashHandler) -> None:
    thread = threading.Thread(target=lambda: 1 / 0, name="number-cruncher")
    thread.start()
    thread.join()
    dialog = shown_dialog(qtbot, handler)
    assert "ZeroDivisionError: division by zero" in dialog.text()
    assert "Unhandled exception in number-cruncher" in log_text(handler)
    assert "Your document has no unsaved changes." in dialog.informativeText()  # nothing to rescue
    pool = QThreadPool()
    pool.start(BrokenTask())
    pool.waitForDone()
    qtbot.waitUntil(lambda: "RuntimeError: the worker broke" in dialog.text(), timeout=5000)
    assert handler.dialog is dialog  # one dialog, not one per error
    assert "2 errors" in dialog.text()
    assert log_text(handler).count("Unhandled exception") == 2
    assert window.isVisible()


def test_closing_the_report_leaves_the_window_and_the_next_error_opens_a_new_one(
        qtbot: QtBot, window: MainWindow, handler: CrashHandler) -> None:
    threading.Thread(target=broken_slot).start()
    dialog = shown_dialog(qtbot, handler)
    dialog.close()
    qtbot.waitUntil(lambda: handler.dialog is None, timeout=5000)
    assert window.isVisible()
    threading.Thread(target=broken_slot).start()
    again = shown_dialog(qtbot, handler)
    assert "errors since" not in again.text()


def test_qt_warnings_are_logged(handler: CrashHandler) -> None:
    qWarning("a Qt warning for the log")
    assert "WARNING" in log_text(handler) and "Qt: a Qt warning for the log" in log_text(handler)


def test_uninstall_restores_the_previous_hooks(tmp_path: Path) -> None:
    before = (sys.excepthook, threading.excepthook)
    crash = CrashHandler(tmp_path / "x.log").install()
    assert sys.excepthook != before[0] and threading.excepthook != before[1]
    crash.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_a_hard_crash_leaves_every_thread_stack_in_the_fault_log(tmp_path: Path) -> None:
    """A segfault runs no Python hook; faulthandler writes the stacks beside the log."""
    script = textwrap.dedent(f"""
        import faulthandler
        from pathlib import Path
        from ui.crash_handler import CrashHandler
        CrashHandler(Path({str(tmp_path / "logs" / "composer-studio.log")!r})).install()
        def deep_in_a_c_library():
            faulthandler._sigsegv()
        deep_in_a_c_library()
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=60)
    assert child.returncode != 0
    faults = (tmp_path / "logs" / "faults.log").read_text(encoding="utf-8")
    assert "Segmentation fault" in faults and "deep_in_a_c_library" in faults
