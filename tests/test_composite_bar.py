"""The composite bar, driven by real clicks: choose a candidate per bar, then accept the mix as one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from ui.assistant.compare_view import candidate_colour
from ui.assistant.composite_bar import CompositeBar

BARS = (4, 5, 6)  # the region's bars (0-based): the song's bars 5..7


def make_bar(qtbot: QtBot, count: int = 3) -> CompositeBar:
    bar = CompositeBar()
    qtbot.addWidget(bar)
    bar.reset(BARS, count)
    bar.show()
    qtbot.waitExposed(bar)
    return bar


def click(qtbot: QtBot, bar: CompositeBar, bar_number: int, candidate: int) -> None:
    qtbot.mouseClick(bar.grid, Qt.MouseButton.LeftButton, pos=bar.grid.cell_rect(bar_number, candidate).center())


def test_one_chooser_per_bar_all_on_a_and_only_written_bars_enabled(qtbot: QtBot) -> None:
    bar = make_bar(qtbot)
    assert bar.choice() == {4: 0, 5: 0, 6: 0}
    assert bar.grid.cell_at(bar.grid.cell_rect(6, 2).center()) == (6, 2)
    assert not bar.accept_button.isEnabled()  # nothing written yet
    assert not bar.is_choosable(5, 2)
    click(qtbot, bar, 5, 2)  # a click on a bar C has not written does nothing
    assert bar.choice()[5] == 0
    bar.set_written([{4, 5}, {4}, {4, 5}])
    assert bar.is_choosable(5, 2) and not bar.is_choosable(5, 1)
    assert not bar.accept_button.isEnabled()  # A has not written bar 6
    bar.set_written([{4, 5, 6}, {4}, {4, 5}])
    assert bar.accept_button.isEnabled()


def test_clicks_choose_per_bar_exclusively_and_emit_the_choice(qtbot: QtBot) -> None:
    bar = make_bar(qtbot)
    bar.set_written([set(BARS)] * 3)
    seen: list[dict[int, int]] = []
    bar.choiceChanged.connect(seen.append)
    click(qtbot, bar, 4, 1)
    click(qtbot, bar, 6, 2)
    assert bar.choice() == {4: 1, 5: 0, 6: 2} and bar.is_mixed()
    assert seen == [{4: 1, 5: 0, 6: 0}, {4: 1, 5: 0, 6: 2}]
    assert bar.choice()[4] == 1  # one per bar: choosing B replaced A
    click(qtbot, bar, 4, 0)
    click(qtbot, bar, 6, 0)
    assert not bar.is_mixed()


def test_choosing_a_bar_not_yet_written_blocks_accept_until_it_is(qtbot: QtBot) -> None:
    bar = make_bar(qtbot, 2)
    bar.set_written([set(BARS), {4, 5}])
    click(qtbot, bar, 5, 1)
    assert bar.accept_button.isEnabled()
    bar.set_choice({6: 1})  # programmatic, as the panel may restore a choice
    assert not bar.accept_button.isEnabled()
    bar.set_written([set(BARS), set(BARS)])
    assert bar.accept_button.isEnabled()
    bar.set_written([set(BARS), set(BARS)], acceptable=False)  # e.g. the request is still running
    assert not bar.accept_button.isEnabled()


def test_reset_rebuilds_for_a_new_region(qtbot: QtBot) -> None:
    bar = make_bar(qtbot)
    bar.set_written([set(BARS)] * 3)
    click(qtbot, bar, 5, 2)
    bar.reset(BARS, 3)  # a regenerate: back to all A, nothing written
    assert bar.choice() == {4: 0, 5: 0, 6: 0} and not bar.is_choosable(5, 2)
    bar.reset((0, 1), 4)
    assert bar.bars == (0, 1) and bar.count == 4 and bar.choice() == {0: 0, 1: 0}
    assert bar.grid.width() == bar.grid.sizeHint().width() and bar.grid.cell_rect(1, 3).bottom() < bar.grid.height()


def test_chosen_cells_are_painted_in_their_candidates_colour(qtbot: QtBot) -> None:
    bar = make_bar(qtbot)
    bar.set_written([set(BARS)] * 3)
    click(qtbot, bar, 6, 2)
    image = bar.grid.grab().toImage()

    def colour_at(b: int, c: int) -> str:
        return image.pixelColor(bar.grid.cell_rect(b, c).topLeft() + QPoint(4, 4)).name()

    assert colour_at(6, 2) == candidate_colour(2) and colour_at(4, 0) == candidate_colour(0)
    assert colour_at(6, 0) != candidate_colour(0)  # no longer chosen


def test_accept_mix_emits_the_choice(qtbot: QtBot) -> None:
    """The panel's tools turn it into one undo step (tests/test_candidate_tools.py)."""
    bar = make_bar(qtbot)
    bar.set_written([set(BARS)] * 3)
    accepted: list[dict[int, int]] = []
    bar.acceptRequested.connect(accepted.append)
    click(qtbot, bar, 4, 1)  # bar 5 from B
    click(qtbot, bar, 6, 2)  # bar 7 from C; bar 6 stays A
    click(qtbot, bar, 4, 1)  # clicking the checked button again keeps it
    qtbot.mouseClick(bar.accept_button, Qt.MouseButton.LeftButton)
    assert accepted == [{4: 1, 5: 0, 6: 2}]
