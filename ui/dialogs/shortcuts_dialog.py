"""The keyboard shortcuts help page (F1), generated from the one action table."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.actions import ACTIONS, ActionSpec, shortcut_text

COLUMNS = ("Menu", "Command", "Shortcut")


class ShortcutsDialog(QDialog):
    """Every action with its menu and keys; the filter box narrows the list as you type."""

    def __init__(self, specs: Iterable[ActionSpec] = ACTIONS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.setObjectName("shortcuts_dialog")
        all_specs = tuple(specs)
        entries = [s for s in all_specs if not s.submenu]
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter by command or key")
        self.filter.setClearButtonEnabled(True)
        self.table = _table(entries, all_specs, self)
        self.filter.textChanged.connect(self._apply_filter)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 640)

    def rows(self, visible_only: bool = False) -> list[tuple[str, str, str]]:
        """(menu, command, shortcut) of each row, as shown."""
        return [
            tuple(self.table.item(r, c).text() for c in range(len(COLUMNS)))  # type: ignore[misc]
            for r in range(self.table.rowCount())
            if not (visible_only and self.table.isRowHidden(r))
        ]

    def _apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.table.rowCount()):
            cells = " ".join(self.table.item(row, c).text().lower() for c in range(len(COLUMNS)))
            self.table.setRowHidden(row, bool(needle) and needle not in cells)


def _table(entries: list[ActionSpec], specs: tuple[ActionSpec, ...], parent: QWidget) -> QTableWidget:
    table = QTableWidget(len(entries), len(COLUMNS), parent)
    table.setHorizontalHeaderLabels(COLUMNS)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    for row, entry in enumerate(entries):
        menu = entry.menu.replace("/", " › ")
        for column, text in enumerate((menu, entry.plain_text, shortcut_text(entry, specs))):
            table.setItem(row, column, QTableWidgetItem(text))
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
    return table
