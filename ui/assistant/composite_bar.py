"""The composite bar: pick, bar by bar, which candidate each bar of the region comes from.

A column per bar of the region, headed by its bar number, with one small cell per candidate
(A, B, C, ...); exactly one is chosen per bar, A to begin with. A candidate's cell can be
chosen once that candidate has written the bar, so a mix can be assembled while candidates
still stream in. "Accept mix" asks for the composite to be accepted (the panel's tools turn
it into one undo step); it is enabled only when every chosen bar is written and the caller
says accepting is possible.

The cells are painted by one widget rather than built from buttons: a whole-track restyle has
64 bars or more, and hundreds of styled buttons take hundreds of milliseconds to build and
lay out, a visible freeze when a request starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from composer.candidate_diff import candidate_label
from ui.assistant.compare_view import candidate_colour

CELL = 22  # side of one chooser cell, px
GAP = 4  # between cells
HEADER = 16  # the row of bar numbers
BORDER = QColor("#8a9099")
DISABLED_BORDER = QColor("#c3c7cd")
CHOSEN_TEXT = QColor("#1b1d21")


class ChooserGrid(QWidget):
    """Bars across, candidates down; a click on a written cell chooses that candidate for that bar."""

    clicked = Signal(int, int)  # bar, candidate: a choosable cell was clicked

    def __init__(self, owner: CompositeBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._owner = owner
        self.setMouseTracking(False)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        o = self._owner
        return QSize(len(o.bars) * (CELL + GAP) + GAP, HEADER + o.count * (CELL + GAP) + GAP)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_rect(self, bar: int, candidate: int) -> QRect:
        """Where the cell of ``bar`` x ``candidate`` lies in this widget."""
        column = self._owner.bars.index(bar)
        return QRect(GAP + column * (CELL + GAP), HEADER + candidate * (CELL + GAP), CELL, CELL)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        o = self._owner
        column, x_in = divmod(pos.x() - GAP, CELL + GAP)
        row, y_in = divmod(pos.y() - HEADER, CELL + GAP)
        if pos.x() < GAP or pos.y() < HEADER or x_in >= CELL or y_in >= CELL:
            return None
        if not (0 <= column < len(o.bars) and 0 <= row < o.count):
            return None
        return o.bars[column], row

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position().toPoint()) if event.button() == Qt.MouseButton.LeftButton else None
        if cell is None:
            super().mousePressEvent(event)
            return
        event.accept()
        self.clicked.emit(*cell)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                bar, candidate = cell
                state = "" if self._owner.is_choosable(bar, candidate) else " (not written yet)"
                tip = f"Bar {bar + 1} from candidate {candidate_label(candidate)}{state}"
                QToolTip.showText(event.globalPos(), tip, self)
            return True
        return super().event(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        o = self._owner
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        disabled_text = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        base = palette.color(QPalette.ColorRole.Base)
        bold = QFont(self.font())
        bold.setBold(True)
        choice = o.choice()
        for column, bar in enumerate(o.bars):
            p.setFont(self.font())
            p.setPen(text)
            p.drawText(QRect(GAP + column * (CELL + GAP), 0, CELL, HEADER), Qt.AlignmentFlag.AlignCenter, str(bar + 1))
            for candidate in range(o.count):
                rect = self.cell_rect(bar, candidate)
                label = candidate_label(candidate)
                if choice.get(bar) == candidate:
                    colour = QColor(candidate_colour(candidate))
                    p.setPen(QPen(colour, 1))
                    p.setBrush(colour)
                    p.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 3, 3)
                    p.setFont(bold)
                    p.setPen(CHOSEN_TEXT)
                else:
                    choosable = o.is_choosable(bar, candidate)
                    p.setPen(QPen(BORDER if choosable else DISABLED_BORDER, 1))
                    p.setBrush(base if choosable else Qt.BrushStyle.NoBrush)
                    p.drawRoundedRect(rect.adjusted(0, 0, -1, -1), 3, 3)
                    p.setFont(self.font())
                    p.setPen(text if choosable else disabled_text)
                p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
        p.end()


class CompositeBar(QWidget):
    """Per-bar candidate choosers and "Accept mix"."""

    choiceChanged = Signal(object)  # dict[bar, candidate index]
    acceptRequested = Signal(object)  # dict[bar, candidate index], the mix to accept

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: tuple[int, ...] = ()
        self._count = 0
        self._choice: dict[int, int] = {}
        self._written: list[set[int]] = []
        self._acceptable = True

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("Mix: take each bar from", self))
        heading.addStretch(1)
        self.accept_button = QPushButton("Accept mix", self)
        self.accept_button.setObjectName("accept_mix")
        self.accept_button.setToolTip("Write the chosen bars of the candidates into the song (one undo step)")
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(lambda: self.acceptRequested.emit(self.choice()))
        heading.addWidget(self.accept_button)
        outer.addLayout(heading)

        self.grid = ChooserGrid(self)
        self.grid.setObjectName("mix_grid")
        self.grid.clicked.connect(self._clicked)
        self._scroll = QScrollArea(self)
        self._scroll.setWidget(self.grid)
        self._scroll.setWidgetResizable(False)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        outer.addWidget(self._scroll)
        self.reset((), 0)

    # --- set up ------------------------------------------------------------------------------

    def reset(self, bars: Sequence[int], count: int) -> None:
        """Choosers for ``bars`` (0-based bar numbers of the region) x ``count`` candidates, all on A.

        Nothing is written yet: no cell but the chosen A can be chosen until :meth:`set_written`
        says so.
        """
        self._bars, self._count = tuple(bars), count
        self._choice = {bar: 0 for bar in self._bars} if count else {}
        self._written = [set() for _ in range(count)]
        self.grid.resize(self.grid.sizeHint())
        scrollbar = self._scroll.horizontalScrollBar().sizeHint().height()
        self._scroll.setFixedHeight(self.grid.sizeHint().height() + scrollbar if count else 0)
        self._changed()

    def set_written(self, written: Sequence[set[int] | frozenset[int]], *, acceptable: bool = True) -> None:
        """Which bars each candidate has written so far (index = candidate); ``acceptable`` False keeps
        "Accept mix" off whatever is written (the request is still running, or the song changed)."""
        self._acceptable = acceptable
        self._written = [set(bars) for bars in written][: self._count]
        self._written += [set() for _ in range(self._count - len(self._written))]
        self._changed()

    def _clicked(self, bar: int, candidate: int) -> None:
        if self.is_choosable(bar, candidate) and self._choice.get(bar) != candidate:
            self._choice[bar] = candidate
            self._changed()
            self.choiceChanged.emit(self.choice())

    def _changed(self) -> None:
        ready = self._acceptable and bool(self._bars) and all(
            bar in self._written[c] for bar, c in self._choice.items())
        self.accept_button.setEnabled(ready)
        self.grid.update()

    # --- reading and setting -----------------------------------------------------------------

    @property
    def bars(self) -> tuple[int, ...]:
        return self._bars

    @property
    def count(self) -> int:
        return self._count

    def is_choosable(self, bar: int, candidate: int) -> bool:
        """True when ``candidate`` has written ``bar`` (or is chosen for it already)."""
        return bar in self._written[candidate] or self._choice.get(bar) == candidate

    def choice(self) -> dict[int, int]:
        """bar -> chosen candidate index, for every bar of the region."""
        return dict(self._choice)

    def set_choice(self, choice: Mapping[int, int]) -> None:
        """Choose the given candidates (bars not named keep theirs); emits ``choiceChanged`` once."""
        for bar, index in choice.items():
            if bar not in self._choice or not 0 <= index < self._count:
                raise ValueError(f"no chooser for bar {bar} x candidate {index}")
            self._choice[bar] = index
        self._changed()
        self.choiceChanged.emit(self.choice())

    def is_mixed(self) -> bool:
        """True when the bars come from more than one candidate."""
        return len(set(self._choice.values())) > 1
