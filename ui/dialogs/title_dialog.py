"""Song > Title...: renames the song as one undo step."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QWidget

from composer.edits import set_title
from ui.document_controller import DocumentController


class TitleDialog(QDialog):
    """A line edit with the current title; OK pushes set_title when it changed."""

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Song Title")
        self.setObjectName("title_dialog")
        self.edit = QLineEdit(controller.score.title, self)
        self.edit.setPlaceholderText("Untitled")
        self.edit.setMinimumWidth(320)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow("Title:", self.edit)
        layout.addRow(self.buttons)

    def accept(self) -> None:
        title = self.edit.text().strip()
        if title != self.controller.score.title:
            self.controller.push(set_title(self.controller.score, title))
        super().accept()
