"""Velocity lane: real mouse drags on a shown lane edit velocities as one undo step each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from composer.score import Note, Score, Track
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.velocity_lane import (
    BOTTOM_MARGIN,
    TOP_MARGIN,
    LanePaintStats,
    StemColumns,
    VelocityLane,
    VelocityScale,
    VisibleStems,
    ramp,
    skyline,
)
from ui.pianoroll.viewport import RollViewport

LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton
NONE = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier
HEIGHT = int(127 + TOP_MARGIN + BOTTOM_MARGIN)  # one pixel per velocity step: y = HEIGHT - 3 - velocity
STARTS = (480, 960, 1440, 1920)  # at 0.1 px per tick: stems at x 48, 96, 144, 192
VELOCITIES = (64, 80, 100, 40)


def y_of(velocity: int) -> int:
    return int(VelocityScale(HEIGHT).y(velocity))


@dataclass
class Rig:
    lane: VelocityLane
    viewport: RollViewport
    controller: DocumentController
    state: EditorState
    notes: tuple[Note, ...]  # the four visible notes, in time order
    hidden: Note  # a note right of the view

    def velocities(self) -> list[int]:
        track = self.controller.score.tracks[0]
        return [track.note(n.id).velocity for n in self.notes]  # type: ignore[union-attr]

    def drag(self, button: Qt.MouseButton, points: list[tuple[int, int]], modifiers=NONE) -> None:  # noqa: ANN001
        """Press at the first point, move through the rest (button held), release at the last."""
        QTest.mousePress(self.lane, button, modifiers, QPoint(*points[0]))
        for x, y in points[1:]:
            self.move(x, y, button, modifiers)
        QTest.mouseRelease(self.lane, button, modifiers, QPoint(*points[-1]))

    def move(self, x: int, y: int, button: Qt.MouseButton = LEFT, modifiers=NONE) -> None:  # noqa: ANN001
        pos = QPointF(x, y)
        event = QMouseEvent(
            QMouseEvent.Type.MouseMove, pos, self.lane.mapToGlobal(pos), Qt.MouseButton.NoButton, button, modifiers
        )
        QApplication.sendEvent(self.lane, event)

    def assert_one_step(self, before: list[int], after: list[int]) -> None:
        """Exactly one "Set velocity" step, which undoes to ``before`` and redoes to ``after``."""
        stack = self.controller.undo_stack
        assert stack.count() == 1 and stack.undoText() == "Set velocity"
        assert self.velocities() == after
        stack.undo()
        assert self.velocities() == before
        stack.redo()
        assert self.velocities() == after


@pytest.fixture
def rig(qtbot: QtBot) -> Rig:
    notes = tuple(Note.create(60 + i, s, 240, v) for i, (s, v) in enumerate(zip(STARTS, VELOCITIES, strict=True)))
    hidden = Note.create(72, 9600, 240, 50)
    track = Track.create("Piano", [*notes, hidden])
    controller = DocumentController()
    controller.load(Score(tracks=(track,)))
    state = EditorState()
    state.set_active_track(track.id)
    viewport = RollViewport(RollTransform(px_per_tick=0.1))
    lane = VelocityLane(controller, state, viewport)
    qtbot.addWidget(lane)
    lane.setFixedSize(400, HEIGHT)
    lane.show()
    qtbot.waitExposed(lane)
    return Rig(lane, viewport, controller, state, notes, hidden)


def test_scale_maps_velocity_to_height() -> None:
    scale = VelocityScale(HEIGHT)
    assert scale.y(127) == TOP_MARGIN and scale.y(0) == HEIGHT - BOTTOM_MARGIN
    assert scale.velocity(scale.y(90)) == 90
    assert scale.velocity(-50) == 127 and scale.velocity(HEIGHT + 50) == 1  # clamped


def test_drag_one_stem(rig: Rig) -> None:
    QTest.mousePress(rig.lane, LEFT, NONE, QPoint(96, y_of(80)))
    rig.move(97, y_of(80) - 10)
    rig.move(96, y_of(80) - 20)
    assert rig.lane.preview == {rig.notes[1].id: 100}  # a live preview ...
    assert rig.velocities() == list(VELOCITIES)  # ... that does not touch the score
    QTest.mouseRelease(rig.lane, LEFT, NONE, QPoint(96, y_of(80) - 20))
    assert rig.lane.preview == {}
    rig.assert_one_step(list(VELOCITIES), [64, 100, 100, 40])


def test_press_near_a_stem_and_drag_down(rig: Rig) -> None:
    rig.drag(LEFT, [(148, 60), (148, 90)])  # 4 px right of the stem at 144, well below its handle (y 35)
    rig.assert_one_step(list(VELOCITIES), [64, 80, 70, 40])


def test_selected_stem_drags_the_selection_by_one_delta(rig: Rig) -> None:
    a, b, c, _d = rig.notes
    rig.state.set_selection({b.id, c.id})
    rig.drag(LEFT, [(96, y_of(80)), (96, y_of(80) - 15), (96, y_of(80) - 40)])  # +40: c clamps at 127
    rig.assert_one_step(list(VELOCITIES), [64, 120, 127, 40])
    assert rig.state.selection == {b.id, c.id}


def test_unselected_stem_drags_alone(rig: Rig) -> None:
    a, b, *_ = rig.notes
    rig.state.set_selection({b.id})
    rig.drag(LEFT, [(48, y_of(64)), (48, y_of(64) + 30)])
    rig.assert_one_step(list(VELOCITIES), [34, 80, 100, 40])


def test_chord_stems_pick_the_nearest_handle(rig: Rig) -> None:
    soft = Note.create(50, 960, 240, 30)  # shares its start (and stem x) with the note of velocity 80
    track = rig.controller.score.tracks[0]
    rig.controller.load(Score(tracks=(track.with_notes([*track.notes, soft]),)))
    assert rig.lane.note_at(96, y_of(32)) == soft
    assert rig.lane.note_at(96, y_of(78)) == rig.notes[1]
    assert rig.lane.note_at(120, y_of(78)) is None  # between stems: nothing to grab


@pytest.mark.parametrize(("button", "modifiers"), [(RIGHT, NONE), (LEFT, ALT)])
def test_line_draws_a_ramp(rig: Rig, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> None:
    # From tick 400 at velocity 20 to tick 2000 at 120: 100 steps over 1600 ticks.
    rig.drag(button, [(40, y_of(20)), (120, y_of(70)), (200, y_of(120))], modifiers)
    rig.assert_one_step(list(VELOCITIES), [25, 55, 85, 115])
    assert rig.controller.score.tracks[0].note(rig.hidden.id).velocity == 50


def test_line_only_touches_notes_under_the_span(rig: Rig) -> None:
    rig.drag(RIGHT, [(150, y_of(10)), (90, y_of(10))])  # right to left over the 2nd and 3rd stems
    rig.assert_one_step(list(VELOCITIES), [64, 10, 10, 40])


def test_line_preview_follows_the_pointer(rig: Rig) -> None:
    QTest.mousePress(rig.lane, RIGHT, NONE, QPoint(40, y_of(20)))
    rig.move(100, y_of(20), RIGHT)
    assert rig.lane.preview == {rig.notes[0].id: 20, rig.notes[1].id: 20}
    rig.move(300, y_of(20), RIGHT)
    assert set(rig.lane.preview) == {n.id for n in rig.notes}
    QTest.mouseRelease(rig.lane, RIGHT, NONE, QPoint(300, y_of(20)))
    assert rig.velocities() == [20, 20, 20, 20]


def test_escape_cancels_the_drag(rig: Rig) -> None:
    QTest.mousePress(rig.lane, LEFT, NONE, QPoint(96, y_of(80)))
    rig.move(96, y_of(80) - 30)
    assert rig.lane.preview
    QTest.keyClick(rig.lane, Qt.Key.Key_Escape)
    assert rig.lane.preview == {}
    QTest.mouseRelease(rig.lane, LEFT, NONE, QPoint(96, y_of(80) - 30))
    assert rig.velocities() == list(VELOCITIES) and rig.controller.undo_stack.count() == 0


def test_hiding_the_lane_mid_drag_drops_it(rig: Rig, qtbot: QtBot) -> None:
    QTest.mousePress(rig.lane, LEFT, NONE, QPoint(96, y_of(80)))
    rig.move(96, y_of(80) - 30)
    rig.lane.hide()
    assert rig.lane.preview == {} and rig.controller.undo_stack.count() == 0
    catcher = KeyCatcher()  # Escape reaches other widgets again: the lane's key filter is gone
    qtbot.addWidget(catcher)
    QTest.keyClick(catcher, Qt.Key.Key_Escape)
    assert catcher.keys == [Qt.Key.Key_Escape]


class KeyCatcher(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.keys: list[int] = []

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        self.keys.append(event.key())


def test_click_without_moving_pushes_nothing(rig: Rig) -> None:
    QTest.mouseClick(rig.lane, LEFT, NONE, QPoint(96, y_of(80)))
    QTest.mouseClick(rig.lane, LEFT, NONE, QPoint(300, y_of(80)))  # no stem there
    assert rig.controller.undo_stack.count() == 0


def test_hover_shows_the_value(rig: Rig) -> None:
    before = rig.lane.grab().toImage()
    rig.move(145, y_of(100) + 2, Qt.MouseButton.NoButton)
    assert rig.lane.hovered_note == rig.notes[2]
    assert rig.lane.grab().toImage() != before  # the value label is drawn
    rig.move(300, 40, Qt.MouseButton.NoButton)
    assert rig.lane.hovered_note is None


def test_undo_during_a_drag_drops_it(rig: Rig) -> None:
    rig.drag(LEFT, [(48, y_of(64)), (48, y_of(64) - 10)])
    QTest.mousePress(rig.lane, LEFT, NONE, QPoint(96, y_of(80)))
    rig.move(96, y_of(80) - 30)
    rig.controller.undo_stack.undo()  # e.g. Ctrl+Z mid-drag: the preview no longer matches the score
    assert rig.lane.preview == {}
    QTest.mouseRelease(rig.lane, LEFT, NONE, QPoint(96, y_of(80) - 30))
    assert rig.velocities() == list(VELOCITIES) and rig.controller.undo_stack.index() == 0


def test_only_visible_notes_are_painted(rig: Rig) -> None:
    rig.lane.repaint()
    assert rig.lane.paint_stats == LanePaintStats(stems=4, skyline=False)
    rig.viewport.set_transform(RollTransform(px_per_tick=0.1, left_tick=9000))
    rig.lane.repaint()
    assert rig.lane.paint_stats.stems == 1
    assert rig.lane.note_at(60, y_of(50)) == rig.hidden  # scrolled into view: x (9600 - 9000) * 0.1
    image = rig.lane.grab().toImage()
    assert image.pixelColor(60, HEIGHT - 10) != image.pixelColor(300, HEIGHT - 10)  # its stem is drawn


def test_zoomed_out_dense_notes_draw_a_skyline(rig: Rig) -> None:
    notes = [Note.create(60, i * 10, 10, 1 + i % 127) for i in range(5000)]
    track = Track.create("Dense", notes)
    rig.controller.load(Score(tracks=(track,)))
    rig.state.set_active_track(track.id)
    rig.viewport.set_transform(RollTransform(px_per_tick=0.008))  # 5000 notes over 400 px
    rig.lane.repaint()
    assert rig.lane.paint_stats == LanePaintStats(stems=5000, skyline=True)
    image = rig.lane.grab().toImage()
    background = image.pixelColor(300, 2)
    # Column 200 holds notes 2500..2512, velocities 88..100: its bar reaches 100, not higher.
    assert image.pixelColor(200, y_of(99)) != background and image.pixelColor(200, y_of(102)) == background


def test_visible_stems_apply_preview_and_selection() -> None:
    notes = [Note.create(60, i * 10, 10, 64) for i in range(3000)]
    columns = StemColumns(Track.create("x", notes))
    t = RollTransform(px_per_tick=0.1)
    for selection in (frozenset({notes[5].id, notes[2500].id}), frozenset(n.id for n in notes[::2])):
        stems = columns.visible(0, 30_000, t, {notes[7].id: 9, notes[2999].id: 127}, selection)
        assert len(stems.x) == 3000 and stems.x[100] == 100  # tick 1000 at 0.1 px per tick
        assert stems.velocity[7] == 9 and stems.velocity[2999] == 127 and stems.velocity[8] == 64
        assert stems.selected.tolist() == [n.id in selection for n in notes]
        few = columns.visible(20_000, 20_100, t, {}, selection)  # ten notes: the per-note path
        assert few.selected.tolist() == [n.id in selection for n in notes[2000:2010]]


def test_skyline_keeps_the_loudest_per_column_and_selected_on_top() -> None:
    stems = VisibleStems(np.array([2, 2, 5, 9]), np.array([10, 100, 50, 127]), np.array([False, False, True, False]))
    scale = VelocityScale(HEIGHT)
    image = skyline(stems, scale, 8, (1, 2))  # x 9 is right of the 8 columns: left out
    tops = [int(np.flatnonzero(image[:, x])[0]) if image[:, x].any() else None for x in range(8)]
    assert tops == [None, None, round(scale.y(100)), None, None, round(scale.y(50)), None, None]
    assert image[HEIGHT - 4, 2] == 1 and image[HEIGHT - 4, 5] == 2  # dim, and the selected colour
    assert image[HEIGHT - 2, 2] == 0  # nothing below velocity 0's line


def test_ramp_is_exact_at_its_ends() -> None:
    notes = tuple(Note.create(60, t, 10, 64) for t in (0, 50, 100, 150))
    assert ramp(notes, (100.0, 10), (0.0, 110)) == {notes[0].id: 110, notes[1].id: 60, notes[2].id: 10}
    assert ramp(notes, (50.0, 90), (50.0, 30)) == {notes[1].id: 30}  # a vertical line: the end wins


def test_wheel_moves_time(rig: Rig) -> None:
    pos = QPointF(200, 50)
    event = QWheelEvent(
        pos,
        rig.lane.mapToGlobal(pos),
        QPoint(),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        NONE,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(rig.lane, event)
    assert rig.viewport.transform.left_tick == pytest.approx(400)  # 10 % of 400 px at 0.1 px per tick
