"""Piano keyboard and ruler: marks from the time maps, and real mouse gestures on shown widgets."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.grid import Grid
from composer.score import Note, Score, Track
from composer.timing import TempoMap, TimeSignature, TimeSignatureMap
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.pianoroll import palette
from ui.pianoroll.keyboard import MIN_VELOCITY, PianoKeyboard, velocity_for_x
from ui.pianoroll.ruler import Ruler, bar_marks, beat_marks, change_marks, fitting
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.viewport import RollViewport

LEFT = Qt.MouseButton.LeftButton
SHIFT = Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


def move(widget: QWidget, x: float, y: float, modifiers: Qt.KeyboardModifier = NONE) -> None:
    """A real mouse-move event with the left button held (QTest.mouseMove cannot carry modifiers)."""
    pos = QPointF(x, y)
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove, pos, widget.mapToGlobal(pos), Qt.MouseButton.NoButton, LEFT, modifiers
    )
    QApplication.sendEvent(widget, event)


def wheel(widget: QWidget, x: float, y: float, notches: float, modifiers: Qt.KeyboardModifier = NONE) -> None:
    pos = QPointF(x, y)
    event = QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QPoint(),
        QPoint(0, int(notches * 120)),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, xs: list[float], y: float = 20, modifiers: Qt.KeyboardModifier = NONE) -> None:
    """Press at the first x, move through the others, release at the last."""
    QTest.mousePress(widget, LEFT, modifiers, QPoint(int(xs[0]), int(y)))
    for x in xs[1:]:
        move(widget, x, y, modifiers)
    QTest.mouseRelease(widget, LEFT, modifiers, QPoint(int(xs[-1]), int(y)))


# --- keyboard ------------------------------------------------------------------------------

KEY = 10.0  # row height in the keyboard tests


@dataclass
class KeyboardRig:
    widget: PianoKeyboard
    viewport: RollViewport

    def row_centre(self, pitch: int) -> int:
        t = self.viewport.transform
        return int(t.pitch_to_y(pitch) + t.key_height / 2)

    def show_from(self, top_pitch: int) -> None:
        """Scroll so ``top_pitch`` is the top row."""
        self.viewport.set_transform(RollTransform(key_height=KEY, top=(127 - top_pitch) * KEY))


@pytest.fixture
def kb(qtbot: QtBot) -> KeyboardRig:
    viewport = RollViewport(RollTransform(key_height=KEY, top=0))
    widget = PianoKeyboard(viewport)
    qtbot.addWidget(widget)
    widget.setFixedSize(64, 200)
    widget.show()
    qtbot.waitExposed(widget)
    return KeyboardRig(widget, viewport)


def _events(widget: PianoKeyboard) -> list[tuple]:
    events: list[tuple] = []
    widget.key_pressed.connect(lambda p, v: events.append(("press", p, v)))
    widget.key_released.connect(lambda p: events.append(("release", p)))
    return events


def test_press_plays_the_row_under_the_pointer_top_and_bottom(kb: KeyboardRig) -> None:
    keyboard = kb.widget
    events = _events(keyboard)
    QTest.mouseClick(keyboard, LEFT, NONE, QPoint(50, 1))
    QTest.mouseClick(keyboard, LEFT, NONE, QPoint(50, 11))  # F#9: a black key
    kb.viewport.set_transform(kb.viewport.transform.scrolled_to(top=1e9, view_height=keyboard.height()))
    QTest.mouseClick(keyboard, LEFT, NONE, QPoint(50, 199))
    pitches = [e[1] for e in events]
    assert pitches == [127, 127, 126, 126, 0, 0]
    assert [e[0] for e in events] == ["press", "release"] * 3


def test_black_keys_and_middle_c(kb: KeyboardRig) -> None:
    keyboard = kb.widget
    kb.show_from(70)
    events = _events(keyboard)
    for pitch in (61, 60, 63, 59):
        QTest.mouseClick(keyboard, LEFT, NONE, QPoint(10, kb.row_centre(pitch)))
    assert [e[1] for e in events if e[0] == "press"] == [61, 60, 63, 59]
    # The row edges are exact: the last pixel row of C#4 is C#4, the next one is C4.
    c_sharp_top = int(kb.viewport.transform.pitch_to_y(61))
    assert keyboard.pitch_at(c_sharp_top + KEY - 0.5) == 61 and keyboard.pitch_at(c_sharp_top + KEY) == 60


def test_velocity_grows_to_the_right(kb: KeyboardRig) -> None:
    keyboard = kb.widget
    events = _events(keyboard)
    for x in (1, 32, 63):
        QTest.mouseClick(keyboard, LEFT, NONE, QPoint(x, 5))
    velocities = [e[2] for e in events if e[0] == "press"]
    assert velocities[0] < velocities[1] < velocities[2]
    assert velocities == [velocity_for_x(x, 64) for x in (1, 32, 63)]
    assert velocities[0] >= MIN_VELOCITY and velocities[2] >= 125


def test_glissando_presses_each_new_key(kb: KeyboardRig) -> None:
    keyboard = kb.widget
    kb.show_from(70)
    events = _events(keyboard)
    QTest.mousePress(keyboard, LEFT, NONE, QPoint(40, kb.row_centre(60)))
    for pitch in (60, 61, 61, 62):  # moving inside a key presses nothing new
        move(keyboard, 40, kb.row_centre(pitch))
    assert keyboard.pressed_pitch == 62
    QTest.mouseRelease(keyboard, LEFT, NONE, QPoint(40, kb.row_centre(62)))
    assert [e[:2] for e in events] == [
        ("press", 60),
        ("release", 60),
        ("press", 61),
        ("release", 61),
        ("press", 62),
        ("release", 62),
    ]
    assert keyboard.pressed_pitch is None


def test_hover_highlights_without_playing(kb: KeyboardRig) -> None:
    keyboard = kb.widget
    events = _events(keyboard)
    QTest.mouseMove(keyboard, QPoint(30, 25))
    assert keyboard.hovered_pitch == 125 and events == []
    image = keyboard.grab().toImage()
    assert image.pixelColor(62, 25) != image.pixelColor(62, 5)  # the hovered row is tinted


def test_wheel_scrolls_and_ctrl_wheel_zooms_rows(kb: KeyboardRig) -> None:
    keyboard, viewport = kb.widget, kb.viewport
    wheel(keyboard, 30, 100, -1)  # one notch towards the user scrolls down
    assert viewport.transform.top == pytest.approx(3 * KEY)
    anchor = keyboard.pitch_at(100)
    wheel(keyboard, 30, 100, 2, Qt.KeyboardModifier.ControlModifier)
    assert viewport.transform.key_height > KEY
    assert keyboard.pitch_at(100) == anchor  # zoom keeps the row under the pointer


# --- ruler: marks --------------------------------------------------------------------------


def _sigs(*changes: tuple[int, int, int]) -> TimeSignatureMap:
    return TimeSignatureMap(tuple(TimeSignature(*c) for c in changes))


def _labels(marks: list) -> list[tuple[int, str]]:
    return [(m.tick, m.label) for m in marks if m.label]


def test_bar_numbers_follow_a_meter_change() -> None:
    sigs = _sigs((0, 4, 4), (3840, 3, 4))  # two bars of 4/4, then 3/4
    marks = bar_marks(sigs, 0, 7000, px_per_tick=0.1)
    assert _labels(marks) == [(0, "1"), (1920, "2"), (3840, "3"), (5280, "4"), (6720, "5")]


def test_bar_cut_short_by_a_change() -> None:
    sigs = _sigs((0, 4, 4), (2400, 3, 4))  # the change falls a beat into bar 2 and ends it there
    marks = bar_marks(sigs, 0, 4000, px_per_tick=0.1)
    assert _labels(marks) == [(0, "1"), (1920, "2"), (2400, "3"), (3840, "4")]
    beats = [b.tick for b in beat_marks(sigs, 0, 4000, px_per_tick=0.1)]
    assert beats == [480, 960, 1440, 2880, 3360]  # the short bar has no beat after its downbeat


def test_view_starting_mid_bar_keeps_the_open_bar() -> None:
    marks = bar_marks(_sigs((0, 4, 4)), 2500, 6000, px_per_tick=0.1)
    assert [m.tick for m in marks] == [1920, 3840, 5760] and marks[0].label == "2"


def test_labels_thin_out_when_zoomed_out_and_never_overlap() -> None:
    sigs = _sigs((0, 4, 4), (1920 * 40, 2, 4))

    def width(text: str) -> float:
        return 7.0 * len(text)

    for px in (0.1, 0.01, 0.004, 0.002):
        marks = bar_marks(sigs, 0, int(1600 / px), px, width)
        labelled = [m for m in marks if m.label]
        steps = {b.bar - a.bar for a, b in zip(labelled, labelled[1:], strict=False)}
        assert len(steps) == 1  # one step throughout ...
        step = steps.pop()
        assert step & (step - 1) == 0  # ... and a power of two
        assert all(m.bar % step == 0 for m in labelled)
        for a, b in zip(labelled, labelled[1:], strict=False):
            assert (b.tick - a.tick) * px >= width(a.label) + 8
        assert len(marks) <= 1600 / palette.MIN_LINE_SPACING_PX + 2  # lines thin out too: bounded work
    far = bar_marks(_sigs((0, 4, 4)), 0, 800_000, 0.002, width)  # 4/4 bars 3.84 px wide: every 2nd line
    assert {b.bar - a.bar for a, b in zip(far, far[1:], strict=False)} == {2}
    dense = bar_marks(sigs, 0, 16000, 0.1, width)
    assert all(m.label for m in dense)  # zoomed in, every bar is numbered


def test_beat_labels_only_when_roomy() -> None:
    sigs = _sigs((0, 3, 4))
    assert [(b.tick, b.label) for b in beat_marks(sigs, 0, 1440, 0.2)] == [(480, "1.2"), (960, "1.3")]
    assert [b.label for b in beat_marks(sigs, 0, 1440, 0.02)] == [None, None]
    assert beat_marks(sigs, 0, 1440, 0.005) == []  # 2.4 px apart: not drawn at all


def test_change_marks_merge_meter_and_tempo_at_one_tick() -> None:
    tempo = TempoMap.constant(120).with_change(TempoMap.constant(96).changes[0]._replace(tick=3840))
    sigs = _sigs((0, 4, 4), (3840, 3, 4))
    assert change_marks(tempo, sigs, 0, 10_000) == [(0, "4/4 ♩=120"), (3840, "3/4 ♩=96")]
    assert change_marks(tempo, sigs, 100, 10_000) == [(3840, "3/4 ♩=96")]
    marks = [(0, "aaaa"), (10, "b"), (500, "c")]
    assert fitting(marks, 0.1, lambda s: 7.0 * len(s)) == [(0, "aaaa"), (500, "c")]


# --- ruler: gestures -----------------------------------------------------------------------
# 0.1 px per tick: a beat (480 ticks) is 48 px, a 4/4 bar 192 px. The grid is 1/4.


@dataclass
class RulerRig:
    widget: Ruler
    state: EditorState
    controller: DocumentController
    viewport: RollViewport


@pytest.fixture
def rig(qtbot: QtBot) -> RulerRig:
    controller = DocumentController()
    controller.load(Score(tracks=(Track.create("Piano", [Note.create(60, 0, 480)]),)))
    state = EditorState()
    state.set_grid(Grid(4))
    viewport = RollViewport(RollTransform(px_per_tick=0.1))
    widget = Ruler(controller, state, viewport)
    qtbot.addWidget(widget)
    widget.resize(800, widget.height())
    widget.show()
    qtbot.waitExposed(widget)
    return RulerRig(widget, state, controller, viewport)


def test_drag_sets_a_snapped_loop(rig: RulerRig) -> None:
    ruler, state = rig.widget, rig.state
    clicks: list[int] = []
    ruler.position_clicked.connect(clicks.append)
    drag(ruler, [53, 100, 150, 187])  # ticks 530 .. 1870
    assert state.loop == (480, 1920) and clicks == []
    drag(ruler, [187, 120, 60])  # dragging leftwards works too
    assert state.loop == (480, 1920)


def test_shift_drag_bypasses_the_grid(rig: RulerRig) -> None:
    ruler, state = rig.widget, rig.state
    drag(ruler, [53, 100, 187], modifiers=SHIFT)
    assert state.loop == (530, 1870)


def test_grid_off_drags_to_the_tick(rig: RulerRig) -> None:
    ruler, state = rig.widget, rig.state
    state.set_grid(Grid.off())
    drag(ruler, [53, 187])
    assert state.loop == (530, 1870)


def test_click_asks_to_play_and_keeps_the_loop(rig: RulerRig, qtbot: QtBot) -> None:
    ruler, state = rig.widget, rig.state
    state.set_loop((960, 1920))
    with qtbot.waitSignal(ruler.position_clicked) as blocker:
        QTest.mouseClick(ruler, LEFT, NONE, QPoint(53, 20))
    assert blocker.args == [480]
    with qtbot.waitSignal(ruler.position_clicked) as blocker:
        QTest.mouseClick(ruler, LEFT, SHIFT, QPoint(53, 20))
    assert blocker.args == [530]
    assert state.loop == (960, 1920)


def test_dragging_an_edge_moves_only_that_edge(rig: RulerRig) -> None:
    ruler, state = rig.widget, rig.state
    state.set_loop((480, 1920))  # edges at x 48 and 192
    drag(ruler, [193, 240, 290])
    assert state.loop == (480, 2880)
    drag(ruler, [46, 20, 3])
    assert state.loop == (0, 2880)
    drag(ruler, [288, 100, 5])  # squeezed to nothing: the loop there was stays
    assert state.loop == (0, 2880)


def test_end_edge_dragged_past_start(rig: RulerRig) -> None:
    ruler, state = rig.widget, rig.state
    state.set_loop((960, 1920))  # x 96 .. 192
    drag(ruler, [192, 100, 10])
    assert state.loop == (0, 960)


def test_escape_during_a_drag_restores_the_loop(rig: RulerRig) -> None:
    ruler, state = rig.widget, rig.state
    state.set_loop((960, 1920))
    QTest.mousePress(ruler, LEFT, NONE, QPoint(300, 20))
    move(ruler, 400, 20)
    assert state.loop == (2880, 3840)
    QTest.keyClick(ruler, Qt.Key.Key_Escape)
    assert state.loop == (960, 1920)
    QTest.mouseRelease(ruler, LEFT, NONE, QPoint(400, 20))
    assert state.loop == (960, 1920)


class KeyCatcher(QWidget):
    """Another widget of the window: Escape must still reach it when no drag is going on."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[int] = []

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        self.keys.append(event.key())


def test_double_click_on_the_band_clears_the_loop(rig: RulerRig, qtbot: QtBot) -> None:
    ruler, state = rig.widget, rig.state
    state.set_loop((960, 1920))
    QTest.mouseDClick(ruler, LEFT, NONE, QPoint(400, 20))  # outside the band
    assert state.loop == (960, 1920)
    QTest.mouseDClick(ruler, LEFT, NONE, QPoint(150, 20))
    assert state.loop is None
    catcher = KeyCatcher()
    qtbot.addWidget(catcher)
    QTest.keyClick(catcher, Qt.Key.Key_Escape)
    assert catcher.keys == [Qt.Key.Key_Escape]  # no drag was left behind to swallow it


def test_hiding_the_ruler_mid_drag_ends_the_drag(rig: RulerRig, qtbot: QtBot) -> None:
    ruler, state = rig.widget, rig.state
    state.set_loop((960, 1920))
    QTest.mousePress(ruler, LEFT, NONE, QPoint(300, 20))
    move(ruler, 400, 20)
    ruler.hide()
    assert state.loop == (960, 1920)
    catcher = KeyCatcher()
    qtbot.addWidget(catcher)
    QTest.keyClick(catcher, Qt.Key.Key_Escape)
    assert catcher.keys == [Qt.Key.Key_Escape]


def test_playhead_and_loop_are_drawn(rig: RulerRig) -> None:
    ruler, state = rig.widget, rig.state
    state.set_loop((960, 1920))
    ruler.set_playhead(4800)  # x 480
    image = ruler.grab().toImage()
    assert image.pixelColor(480, 20) == palette.PLAYHEAD_PEN.color()
    assert image.pixelColor(150, 25) != image.pixelColor(400, 25)  # band tint inside, none outside
    ruler.set_playhead(None)
    assert ruler.grab().toImage().pixelColor(480, 20) != palette.PLAYHEAD_PEN.color()


def test_ruler_draws_the_current_meter(rig: RulerRig) -> None:
    ruler = rig.widget
    controller = rig.controller
    before = ruler.grab().toImage()
    controller.push(ed.set_time_signature(controller.score, 1, 3, 4))
    after = ruler.grab().toImage()
    assert before != after  # bar 3 now starts at 3360, not 3840


def test_wheel_scrolls_and_ctrl_wheel_zooms_time(rig: RulerRig) -> None:
    ruler, viewport = rig.widget, rig.viewport
    wheel(ruler, 400, 20, -2)  # two notches: 20 % of 800 px = 160 px = 1600 ticks
    assert viewport.transform.left_tick == pytest.approx(1600)
    anchor = viewport.transform.x_to_tick(400)
    wheel(ruler, 400, 20, 1, Qt.KeyboardModifier.ControlModifier)
    assert viewport.transform.px_per_tick > 0.1
    assert viewport.transform.x_to_tick(400) == pytest.approx(anchor)
    wheel(ruler, 400, 20, 100)
    assert viewport.transform.left_tick == 0  # never before the start
