"""Choosing a track's instrument: the 128 General MIDI programs by family, plus Drums.

The picker is a searchable popup rather than a 17-submenu QMenu: typing "cello" and
Enter is faster than hunting through families, and it works the same by mouse and by
keyboard. Choosing emits :attr:`InstrumentPicker.chosen`; turning that into one edit
is :func:`instrument_edit`'s job, which also keeps MIDI channels sensible (drums on
channel 10, a former drum track moved to a free melodic channel).
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from composer.edits import SetTrackProperties, set_track_properties
from composer.general_midi import FAMILY_NAMES, PROGRAM_NAMES
from composer.score import DRUM_CHANNEL, Score

DRUMS_LABEL = "Drums (channel 10)"
_CHOICE = Qt.ItemDataRole.UserRole  # item data: (program, is_drum); family items hold None


def free_channel(score: Score, track_id: int | None = None) -> int:
    """A melodic MIDI channel for a track: the lowest one no other track uses, never the drum channel.

    With all 15 melodic channels taken, the least shared one (tracks then share a channel,
    which only matters for program changes during playback).
    """
    used = Counter(t.channel for t in score.tracks if t.id != track_id and not t.is_drum)
    melodic = [c for c in range(16) if c != DRUM_CHANNEL]
    return min(melodic, key=lambda c: (used[c], c))


def instrument_edit(score: Score, track_id: int, program: int, is_drum: bool) -> SetTrackProperties | None:
    """One undoable edit giving the track this instrument, or None when it already has it.

    Drums keep the track's program (GM kits are chosen by program on channel 10) and move
    to channel 10; a drum track given a melodic program leaves channel 10 for a free one.
    """
    track = score.track(track_id)
    if is_drum:
        if track.is_drum:
            return None
        return set_track_properties(score, track_id, "Set instrument: Drums", is_drum=True, channel=DRUM_CHANNEL)
    label = f"Set instrument: {PROGRAM_NAMES[program]}"
    if track.is_drum or track.channel == DRUM_CHANNEL:
        channel = free_channel(score, track_id)
        return set_track_properties(score, track_id, label, program=program, is_drum=False, channel=channel)
    if track.program == program:
        return None
    return set_track_properties(score, track_id, label, program=program)


class _SearchField(QLineEdit):
    """The filter line; Down and Enter hand over to the list so the keyboard never has to leave."""

    move_down = Signal()
    accept = Signal()  # Enter: choose the highlighted match

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Down:
            self.move_down.emit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.accept.emit()
        else:
            super().keyPressEvent(event)


class InstrumentPicker(QFrame):
    """A popup listing Drums and the GM programs grouped by family; a click or Enter chooses.

    ``chosen(program, is_drum)`` is emitted once and the popup closes; Escape or a click
    outside closes it without a choice.
    """

    chosen = Signal(int, bool)

    def __init__(self, program: int = 0, is_drum: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.search = _SearchField(self)
        self.search.setPlaceholderText("Search instruments")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)  # 145 rows stay cheap to lay out
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.resize(300, 420)
        self._done = False  # a click may also activate the item: choose once
        self._fill(program, is_drum)
        self.search.textChanged.connect(self._filter)
        self.search.move_down.connect(self._focus_list)
        self.search.accept.connect(self._choose_highlighted)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemActivated.connect(self._clicked)

    def _fill(self, current_program: int, current_drum: bool) -> None:
        drums = QTreeWidgetItem(self.tree, [DRUMS_LABEL])
        drums.setData(0, _CHOICE, (current_program, True))
        current = drums if current_drum else None
        for family, family_name in enumerate(FAMILY_NAMES):
            parent = QTreeWidgetItem(self.tree, [family_name])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading, not a choice
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            for program in range(family * 8, family * 8 + 8):
                item = QTreeWidgetItem(parent, [f"{program + 1:3d}  {PROGRAM_NAMES[program]}"])
                item.setData(0, _CHOICE, (program, False))
                if not current_drum and program == current_program:
                    current = item
        if current is not None:
            if current.parent() is not None:
                current.parent().setExpanded(True)
            self.tree.setCurrentItem(current)
            self.tree.scrollToItem(current)

    def popup(self, global_pos: QPoint) -> None:
        """Show at ``global_pos`` (the instrument button's corner) with the search field focused."""
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def choice_items(self) -> list[QTreeWidgetItem]:
        """Every choosable item (Drums first, then the 128 programs), for tests and tooling."""
        items = [self.tree.topLevelItem(0)]
        for i in range(1, self.tree.topLevelItemCount()):
            family = self.tree.topLevelItem(i)
            items.extend(family.child(j) for j in range(family.childCount()))
        return items

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if top.childCount() == 0:  # Drums
                top.setHidden(not all(w in top.text(0).lower() for w in words))
                continue
            family_match = all(w in top.text(0).lower() for w in words)
            shown = 0
            for j in range(top.childCount()):
                child = top.child(j)
                hide = not (family_match or all(w in child.text(0).lower() for w in words))
                child.setHidden(hide)
                shown += not hide
            top.setHidden(shown == 0)
            top.setExpanded(bool(words) and shown > 0)
        self._highlight_visible()

    def _highlight_visible(self) -> None:
        """Keep the highlighted item among the matches: it is what Enter chooses."""
        choices = self._visible_choices()
        if choices and self.tree.currentItem() not in choices:
            self.tree.setCurrentItem(choices[0])

    def _visible_choices(self) -> list[QTreeWidgetItem]:
        return [i for i in self.choice_items() if not i.isHidden() and not (i.parent() and i.parent().isHidden())]

    def _focus_list(self) -> None:
        self.tree.setFocus()

    def _choose_highlighted(self) -> None:
        item = self.tree.currentItem()
        if item is not None and item in self._visible_choices():
            self._clicked(item)

    def _clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        choice = item.data(0, _CHOICE)
        if choice is None:  # a family heading toggles open
            item.setExpanded(not item.isExpanded())
            return
        if self._done:
            return
        self._done = True
        self.close()
        self.chosen.emit(int(choice[0]), bool(choice[1]))
