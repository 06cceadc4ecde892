"""Every unexpected exception is logged, shown and answered with a recovery copy; none is swallowed.

PySide6 hands an exception raised in a slot, an event handler or a QRunnable to
``sys.excepthook`` and carries on; Python threads hand theirs to ``threading.excepthook``.
The :class:`CrashHandler` takes both (and Qt's own warnings, through a message handler):
it writes the traceback to a rotating log in the user's app-data folder, then, on the GUI
thread (a queued signal, also from the GUI thread itself, so a dialog never opens inside a
paint event), saves a recovery copy of the document and shows one non-blocking dialog that
says where the document and the log are. The window stays open: an exception in a handler
is a bug to report, not a reason to lose the session. A hard crash in native code runs no
Python at all, so faulthandler writes every thread's stack to ``faults.log`` beside the log,
and the last recovery copy is offered at the next start.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from PySide6.QtCore import (
    QMessageLogContext,
    QObject,
    QStandardPaths,
    Qt,
    QtMsgType,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QGridLayout, QMessageBox, QSpacerItem, QWidget

LOGGER_NAME = "composer_studio"
LOG_NAME = "composer-studio.log"
FAULT_LOG_NAME = "faults.log"  # faulthandler's stacks after a hard crash
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
DIALOG_WIDTH = 520

log = logging.getLogger(LOGGER_NAME)


def default_log_path() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location or Path.home() / ".composer-studio") / "logs" / LOG_NAME


def exception_text(exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None) -> str:
    return "".join(traceback.format_exception(exc_type, exc, tb))


class CrashHandler(QObject):
    """Installs the hooks; ``rescue`` saves a recovery copy and says where the work is (one sentence)."""

    caught = Signal(str, str)  # one-line summary, traceback: queued to the GUI thread
    shown = Signal(object)  # the dialog, once it shows (tests)

    def __init__(self, log_path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path if log_path is not None else default_log_path()
        self.rescue: Callable[[], str] | None = None
        self.parent_widget: QWidget | None = None
        self.dialog: QMessageBox | None = None
        self.count = 0  # exceptions shown since the dialog opened
        self._file_handler: logging.Handler | None = None
        self._fault_file: TextIO | None = None
        self._faults_were_enabled = False
        self._previous: tuple[Any, Any, Any] | None = None
        self.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def attach(self, window: QWidget, rescue: Callable[[], str]) -> None:
        """The window that owns the document: dialogs sit over it and ``rescue`` saves its copy."""
        self.parent_widget = window
        self.rescue = rescue

    # installing ------------------------------------------------------------------------------

    def install(self) -> CrashHandler:
        if self._previous is not None:
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(self.log_path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS,
                                                       encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(threadName)s] %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        self._file_handler = handler
        # A hard crash (a segfault in a C++ library) runs no Python: faulthandler writes every thread's
        # stack to a file beside the log instead; the last recovery copy is what survives.
        self._faults_were_enabled = faulthandler.is_enabled()
        self._fault_file = (self.log_path.parent / FAULT_LOG_NAME).open("a", encoding="utf-8")
        faulthandler.enable(self._fault_file, all_threads=True)
        self._previous = (sys.excepthook, threading.excepthook, qInstallMessageHandler(self._qt_message))
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook
        return self

    def uninstall(self) -> None:
        """Put back the hooks that were there before (tests; the app keeps its handler to the end)."""
        if self._previous is None:
            return
        sys.excepthook, threading.excepthook, qt_handler = self._previous
        qInstallMessageHandler(qt_handler)
        self._previous = None
        faulthandler.disable()
        if self._faults_were_enabled and sys.__stderr__ is not None:
            faulthandler.enable(sys.__stderr__, all_threads=True)
        if self._fault_file is not None:
            self._fault_file.close()
            self._fault_file = None
        if self._file_handler is not None:
            log.removeHandler(self._file_handler)
            self._file_handler.close()
            self._file_handler = None

    # the hooks (any thread) --------------------------------------------------------------------

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt) and self._previous is not None:
            self._previous[0](exc_type, exc, tb)  # Ctrl+C in a terminal keeps its usual meaning
            return
        self.report(exc_type, exc, tb, threading.current_thread().name)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        thread = args.thread.name if args.thread is not None else "a thread"
        self.report(args.exc_type, args.exc_value, args.exc_traceback, thread)

    def report(self, exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None,
               where: str) -> None:
        """Log the exception and have the GUI thread show it; never raises."""
        try:
            text = exception_text(exc_type, exc, tb)
            log.error("Unhandled exception in %s:\n%s", where, text.rstrip())
            summary = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
            self.caught.emit(summary, text)
        except Exception:  # noqa: BLE001 - the last resort must not fail: print both
            sys.__excepthook__(exc_type, exc if exc is not None else exc_type(), tb)
            traceback.print_exc()

    def _qt_message(self, kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        level = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
                 QtMsgType.QtWarningMsg: logging.WARNING}.get(kind, logging.ERROR)
        where = f" ({context.file}:{context.line})" if context.file else ""
        log.log(level, "Qt: %s%s", message, where)
        if level >= logging.WARNING:
            print(f"Qt: {message}", file=sys.stderr)

    # the GUI thread ----------------------------------------------------------------------------

    def _show(self, summary: str, text: str) -> None:
        try:
            safety = self.rescue() if self.rescue is not None else "No document was open."
        except Exception as exc:  # noqa: BLE001 - the report must still show
            log.exception("The recovery save after an error failed")
            safety = f"A recovery copy could not be saved ({exc}): use File > Save As now to keep your work."
        self.count += 1
        dialog = self.dialog
        if dialog is None:
            dialog = QMessageBox(self.parent_widget)
            dialog.setObjectName("error_report")
            dialog.setIcon(QMessageBox.Icon.Warning)
            dialog.setWindowTitle("Something went wrong")
            dialog.setTextFormat(Qt.TextFormat.PlainText)
            dialog.setStandardButtons(QMessageBox.StandardButton.Close)
            dialog.setWindowModality(Qt.WindowModality.NonModal)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(self._dialog_closed)
            self.dialog = dialog
        more = f" ({self.count} errors since this window opened)" if self.count > 1 else ""
        dialog.setText(f"An unexpected error happened{more}:\n{summary}")
        dialog.setInformativeText(f"{safety}\n\nThe details are in the log:\n{self.log_path}")
        dialog.setDetailedText(text)
        layout = dialog.layout()  # (after the texts: they rebuild it) wide enough that paths do not wrap early
        if isinstance(layout, QGridLayout):
            layout.addItem(QSpacerItem(DIALOG_WIDTH, 0), layout.rowCount(), 0, 1, layout.columnCount())
        dialog.show()
        dialog.raise_()
        self.shown.emit(dialog)

    def _dialog_closed(self) -> None:
        self.dialog = None
        self.count = 0
