"""Tells the user what an importer repaired, so a changed note is never a silent surprise."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget


class ImportReportDialog(QDialog):
    """The lines of an ImportReport under a sentence naming the file."""

    def __init__(self, file_name: str, lines: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import report")
        self.setObjectName("import_report_dialog")
        intro = QLabel(f"<b>{_escape(file_name)}</b> was opened. Composer Studio repaired or left out:")
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)  # a repair line names its first case: long, and all of it matters
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(3)
        self.list.addItems(list(lines))
        self.list.setMinimumSize(560, 160)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, parent=self)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(buttons)

    def lines(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
