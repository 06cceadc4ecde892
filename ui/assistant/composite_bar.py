"""The composite bar: pick, bar by bar, which candidate each bar of the region comes from.

A column per bar of the region, headed by its bar number, with one small toggle button per
candidate (A, B, C, ...); exactly one is checked per bar, A to begin with. A candidate's
button is enabled once that candidate has written the bar, so a mix can be assembled while
candidates still stream in. "Accept mix" asks for the composite to be accepted (the panel
turns it into one undo step with :func:`composer.candidate_diff.composite_edit`); it is
enabled only when every chosen bar is written.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from composer.candidate_diff import candidate_label
from ui.assistant.compare_view import candidate_colour

BUTTON_SIZE = 24


def _button_style(colour: str) -> str:
    """Checked buttons wear their candidate's colour, so the mix reads at a glance."""
    return (
        "QPushButton { padding: 0; border: 1px solid #5d636d; border-radius: 3px; }"
        f"QPushButton:checked {{ background: {colour}; color: #1b1d21; font-weight: bold; border-color: {colour}; }}"
        "QPushButton:disabled { color: #666; border-color: #3a3e46; }"
    )


class CompositeBar(QWidget):
    """Per-bar candidate choosers and "Accept mix"."""

    choiceChanged = Signal(object)  # dict[bar, candidate index]
    acceptRequested = Signal(object)  # dict[bar, candidate index], the mix to accept

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: tuple[int, ...] = ()
        self._count = 0
        self._groups: dict[int, QButtonGroup] = {}
        self._buttons: dict[tuple[int, int], QPushButton] = {}
        self._written: list[set[int]] = []
        self._acceptable = True

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("Mix: take each bar from", self))
        heading.addStretch(1)
        self.accept_button = QPushButton("Accept mix", self)
        self.accept_button.setToolTip("Write the chosen bars of the candidates into the song (one undo step)")
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(lambda: self.acceptRequested.emit(self.choice()))
        heading.addWidget(self.accept_button)
        outer.addLayout(heading)

        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        outer.addWidget(self._scroll)
        self.reset((), 0)

    # --- set up ------------------------------------------------------------------------------

    def reset(self, bars: Sequence[int], count: int) -> None:
        """Choosers for ``bars`` (0-based bar numbers of the region) x ``count`` candidates, all on A.

        Nothing is written yet: every button but the checked A is disabled until
        :meth:`set_written` says so.
        """
        self._bars, self._count = tuple(bars), count
        self._groups, self._buttons = {}, {}
        self._written = [set() for _ in range(count)]
        host = QWidget()
        grid = QGridLayout(host)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        for column, bar in enumerate(self._bars):
            number = QLabel(str(bar + 1), host)
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            number.setToolTip(f"Bar {bar + 1}")
            grid.addWidget(number, 0, column)
            group = QButtonGroup(host)
            group.setExclusive(True)
            for index in range(count):
                button = self._make_button(host, bar, index)
                group.addButton(button, index)
                grid.addWidget(button, index + 1, column, Qt.AlignmentFlag.AlignHCenter)
            if count:
                group.button(0).setChecked(True)
            group.idClicked.connect(self._clicked)
            self._groups[bar] = group
        grid.setColumnStretch(len(self._bars), 1)
        grid.setRowStretch(count + 1, 1)
        self._scroll.setWidget(host)  # deletes the previous grid, its buttons and groups
        rows = count + 1
        self._scroll.setFixedHeight(rows * (BUTTON_SIZE + 2) + 18 if count else 0)
        self._update_enabled()

    def _make_button(self, host: QWidget, bar: int, index: int) -> QPushButton:
        label = candidate_label(index)
        button = QPushButton(label, host)
        button.setCheckable(True)
        button.setFixedSize(BUTTON_SIZE, BUTTON_SIZE)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setToolTip(f"Bar {bar + 1} from candidate {label}")
        button.setStyleSheet(_button_style(candidate_colour(index)))
        self._buttons[(bar, index)] = button
        return button

    def set_written(self, written: Sequence[set[int] | frozenset[int]], *, acceptable: bool = True) -> None:
        """Which bars each candidate has written so far (index = candidate); ``acceptable`` False keeps
        "Accept mix" off whatever is written (the request is still running, or the song changed)."""
        self._acceptable = acceptable
        self._written = [set(bars) for bars in written][: self._count]
        self._written += [set() for _ in range(self._count - len(self._written))]
        self._update_enabled()

    def _clicked(self, _index: int) -> None:
        self._update_enabled()
        self.choiceChanged.emit(self.choice())

    def _update_enabled(self) -> None:
        for (bar, index), button in self._buttons.items():
            button.setEnabled(bar in self._written[index] or button.isChecked())
        choice = self.choice()
        ready = self._acceptable and bool(self._bars) and all(bar in self._written[c] for bar, c in choice.items())
        self.accept_button.setEnabled(ready)

    # --- reading and setting -----------------------------------------------------------------

    @property
    def bars(self) -> tuple[int, ...]:
        return self._bars

    def button(self, bar: int, candidate: int) -> QAbstractButton:
        return self._buttons[(bar, candidate)]

    def choice(self) -> dict[int, int]:
        """bar -> chosen candidate index, for every bar of the region."""
        return {bar: max(group.checkedId(), 0) for bar, group in self._groups.items()}

    def set_choice(self, choice: dict[int, int]) -> None:
        """Check the given candidates (bars not named keep theirs); emits ``choiceChanged`` once."""
        for bar, index in choice.items():
            self._buttons[(bar, index)].setChecked(True)
        self._update_enabled()
        self.choiceChanged.emit(self.choice())

    def is_mixed(self) -> bool:
        """True when the bars come from more than one candidate."""
        return len(set(self.choice().values())) > 1
