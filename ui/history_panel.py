"""The undo history as a list: click a step to go back to it, click a later one to redo.

A QUndoView on the document's own QUndoStack, so the list is exactly the undo
history (each step with its edit's label) and jumping is the stack's setIndex.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QUndoView, QVBoxLayout, QWidget

from ui.document_controller import DocumentController
from ui.editor_state import EditorState

CLEAN_LABEL = "Opened"
"""The row before the first step: the document as it was opened."""


class HistoryPanel(QWidget):
    """The controller's undo steps, newest last; the current one is highlighted."""

    def __init__(self, controller: DocumentController, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = state
        self.view = QUndoView(controller.undo_stack, self)
        self.view.setObjectName("history_view")
        self.view.setEmptyLabel(CLEAN_LABEL)
        self.hint = QLabel("Click a step to go back to it.", self)
        self.hint.setEnabled(False)
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)
        layout.addWidget(self.hint)

    def labels(self) -> list[str]:
        """The rows as shown: the clean label, then one per undo step."""
        model = self.view.model()
        return [model.index(row, 0).data() for row in range(model.rowCount())]
