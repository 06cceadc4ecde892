"""The arrangement overview: bar summaries and their cache, region selection by mouse, keys and wheel."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.region import Region
from composer.score import Note, Score, Track
from composer.timing import PPQ, TimeSignature, TimeSignatureMap
from ui.arrangement import ArrangementOverview, BarSummaryCache, OverviewGeometry, summarize_bar
from ui.arrangement.overview import SKETCH_NOTES, SketchNote
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.tracks import HEADER_HEIGHT, ROW_HEIGHT

LEFT = Qt.MouseButton.LeftButton
BAR_44 = 4 * PPQ
BAR_34 = 3 * PPQ
SIGS = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(4 * BAR_44, 3, 4)))  # 3/4 from bar 5 (index 4)
Env = tuple[DocumentController, EditorState, ArrangementOverview]


def _bar_start(bar: int) -> int:
    return SIGS.bar_start(bar)


def _score() -> Score:
    melody = Track.create(
        "Melody", [Note.create(60 + i, _bar_start(b) + i * PPQ, PPQ) for b in (0, 1, 5) for i in range(3)]
    )
    bass = Track.create("Bass", [Note.create(36, _bar_start(2), BAR_44)], colour="#f1a14e")
    pad = Track.create("Pad", [Note.create(48, _bar_start(6), BAR_34)], colour="#5cc98b")
    return Score(tracks=(melody, bass, pad), time_signatures=SIGS)


@pytest.fixture
def env(qtbot: QtBot) -> Env:
    controller = DocumentController()
    controller.load(_score())
    state = EditorState()
    overview = ArrangementOverview(controller, state)
    qtbot.addWidget(overview)
    overview.resize(900, 260)
    with qtbot.waitExposed(overview):
        overview.show()
    return controller, state, overview


def _centre(overview: ArrangementOverview, lane: int, bar: int) -> QPoint:
    return overview.cell_rect(lane, bar).center().toPoint()


def _drag(qtbot: QtBot, overview: ArrangementOverview, start: QPoint, end: QPoint, steps: int = 6) -> None:
    viewport = overview.viewport()
    qtbot.mousePress(viewport, LEFT, pos=start)
    for i in range(1, steps + 1):
        qtbot.mouseMove(viewport, start + (end - start) * (i / steps))
    qtbot.mouseRelease(viewport, LEFT, pos=end)


def _image(overview: ArrangementOverview, rect: QRectF) -> QImage:
    """What the viewport shows inside ``rect`` right now."""
    return overview.viewport().grab(rect.toAlignedRect()).toImage()


# --- pure parts ---------------------------------------------------------------------------------


def test_summarize_bar_counts_onsets_and_sketches_pitches() -> None:
    track = Track.create(
        "t", [Note.create(60, 0, PPQ), Note.create(67, 2 * PPQ, PPQ), Note.create(72, 3 * PPQ, 3 * PPQ)]
    )
    first = summarize_bar(track, 0, BAR_44)
    assert first is not None and first.onsets == 3
    assert first.density == pytest.approx(3 / (4 * 4))
    assert first.sketch == (SketchNote(0, 0.25, 60), SketchNote(0.5, 0.75, 67), SketchNote(0.75, 1, 72))
    held = summarize_bar(track, BAR_44, 2 * BAR_44)  # only the held note rings into bar 2
    assert held is not None and held.onsets == 0 and held.density == 0
    assert held.sketch == (SketchNote(0, 0.5, 72),)
    assert summarize_bar(track, 2 * BAR_44, 3 * BAR_44) is None


def test_busy_bar_sketch_is_sampled() -> None:
    busy = Track.create("busy", [Note.create(40 + i % 40, i * 10, 10) for i in range(BAR_44 // 10)])
    summary = summarize_bar(busy, 0, BAR_44)
    assert summary is not None and summary.onsets == BAR_44 // 10 and summary.density == 1.0
    assert len(summary.sketch) == SKETCH_NOTES
    assert summary.sketch[0].start == 0 and summary.sketch[-1].start > 0.9  # spread over the whole bar


def test_cache_keeps_summaries_until_invalidated() -> None:
    score = _score()
    cache = BarSummaryCache()
    melody, bass = score.tracks[0], score.tracks[1]
    first = cache.summary(melody, SIGS, 0)
    cache.summary(bass, SIGS, 2)
    assert cache.computed == 2 and cache.summary(melody, SIGS, 0) is first and cache.computed == 2
    cache.invalidate([bass.id])
    assert cache.is_cached(melody.id, 0) and not cache.is_cached(bass.id, 2)
    cache.summary(melody, TimeSignatureMap(), 0)  # other bar lines: everything is stale
    assert not cache.is_cached(melody.id, 1) and cache.computed == 3


def test_geometry_maps_both_ways() -> None:
    geometry = OverviewGeometry(px_per_tick=0.05, scroll_x=130, scroll_y=20)
    for tick in (0, 479, 12345):
        assert geometry.x_to_tick(geometry.tick_to_x(tick)) == pytest.approx(tick)
    for lane in range(5):
        assert geometry.lane_at(geometry.lane_top(lane)) == lane
        assert geometry.lane_at(geometry.lane_top(lane) + ROW_HEIGHT - 1) == lane
    assert geometry.lane_at(HEADER_HEIGHT - 21) == -1


# --- region selection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "lanes", "bars"),
    [
        ((0, 2), (2, 5), (0, 1, 2), (2, 6)),  # down and right, across the 4/4 -> 3/4 change
        ((2, 5), (1, 3), (1, 2), (3, 6)),  # up and left
        ((1, 7), (1, 4), (1,), (4, 8)),  # inside the 3/4 bars only
    ],
)
def test_drag_selects_tracks_by_whole_bars(
    env: Env, qtbot: QtBot, start: tuple[int, int], end: tuple[int, int], lanes: tuple[int, ...], bars: tuple[int, int]
) -> None:
    controller, state, overview = env
    _drag(qtbot, overview, _centre(overview, *start), _centre(overview, *end))
    tracks = controller.score.tracks
    assert state.region == Region(tuple(tracks[i].id for i in lanes), *bars)
    assert state.region.ticks(controller.score) == (_bar_start(bars[0]), _bar_start(bars[1]))
    assert controller.undo_stack.count() == 0  # a selection is not an edit


def test_bar_widths_follow_time_signatures(env: Env) -> None:
    _controller, _state, overview = env
    assert overview.cell_rect(0, 3).width() == pytest.approx(overview.cell_rect(0, 4).width() * 4 / 3)


def test_drag_edge_snaps_to_whole_bars(env: Env, qtbot: QtBot) -> None:
    controller, state, overview = env
    first = overview.cell_rect(0, 1)
    last = overview.cell_rect(1, 3)
    start = QPoint(round(first.right() - 3), round(first.center().y()))  # near the end of bar 2
    end = QPoint(round(last.left() + 3), round(last.center().y()))  # just inside bar 4
    _drag(qtbot, overview, start, end)
    assert state.region == Region(tuple(t.id for t in controller.score.tracks[:2]), 1, 4)


def test_rectangle_shows_while_dragging(env: Env, qtbot: QtBot) -> None:
    _controller, state, overview = env
    area = overview.cell_rect(0, 8)
    before = _image(overview, area)
    viewport = overview.viewport()
    qtbot.mousePress(viewport, LEFT, pos=_centre(overview, 0, 7))
    qtbot.mouseMove(viewport, _centre(overview, 0, 8))
    overview.viewport().repaint()
    assert _image(overview, area) != before and state.region is None  # drawn now, set on release
    qtbot.mouseRelease(viewport, LEFT, pos=_centre(overview, 0, 8))
    assert state.region is not None


def test_ruler_drag_selects_every_track(env: Env, qtbot: QtBot) -> None:
    controller, state, overview = env
    y = HEADER_HEIGHT // 2
    start = QPoint(_centre(overview, 0, 4).x(), y)
    end = QPoint(_centre(overview, 0, 2).x(), y)
    _drag(qtbot, overview, start, end)
    assert state.region == Region(tuple(t.id for t in controller.score.tracks), 2, 5)


def test_click_sets_active_track_and_keeps_region(env: Env, qtbot: QtBot) -> None:
    controller, state, overview = env
    region = Region((controller.score.tracks[0].id,), 0, 2)
    state.set_region(region)
    qtbot.mouseClick(overview.viewport(), LEFT, pos=_centre(overview, 2, 3))
    assert state.active_track == controller.score.tracks[2].id
    assert state.region == region
    qtbot.mouseClick(overview.viewport(), LEFT, pos=QPoint(20, _centre(overview, 1, 0).y()))  # the name column
    assert state.active_track == controller.score.tracks[1].id


def test_double_click_selects_one_bar(env: Env, qtbot: QtBot) -> None:
    controller, state, overview = env
    pad = controller.score.tracks[2]
    with qtbot.waitSignal(overview.bar_activated) as signal:
        qtbot.mouseDClick(overview.viewport(), LEFT, pos=_centre(overview, 2, 6))
    assert signal.args == [pad.id, 6]
    assert state.region == Region((pad.id,), 6, 7) and state.active_track == pad.id


def test_escape_clears_region(env: Env, qtbot: QtBot) -> None:
    controller, state, overview = env
    _drag(qtbot, overview, _centre(overview, 0, 0), _centre(overview, 1, 1))
    assert state.region is not None
    qtbot.keyClick(overview, Qt.Key.Key_Escape)
    assert state.region is None


def test_region_set_elsewhere_is_drawn(env: Env) -> None:
    controller, state, overview = env
    area = overview.cell_rect(1, 9)
    before = _image(overview, area)
    state.set_region(Region((controller.score.tracks[1].id,), 9, 10))
    overview.viewport().repaint()
    assert _image(overview, area) != before


def test_removed_track_leaves_region(env: Env) -> None:
    controller, state, overview = env
    melody, bass, _pad = controller.score.tracks
    state.set_region(Region((melody.id, bass.id), 0, 2))
    controller.push(ed.remove_track(controller.score, bass.id))
    assert state.region == Region((melody.id,), 0, 2)
    controller.push(ed.remove_track(controller.score, melody.id))
    assert state.region is None


def test_lanes_follow_track_order(env: Env, qtbot: QtBot) -> None:
    controller, state, overview = env
    pad = controller.score.tracks[2]
    controller.push(ed.MoveTrack(2, 0))
    qtbot.mouseClick(overview.viewport(), LEFT, pos=_centre(overview, 0, 0))
    assert state.active_track == pad.id


# --- the summary cache in the widget ------------------------------------------------------------


def test_adding_notes_redraws_only_that_track(env: Env) -> None:
    controller, _state, overview = env
    melody, bass, _pad = controller.score.tracks
    overview.viewport().repaint()
    assert overview.cache.is_cached(bass.id, 3) and overview.cache.summary(bass, SIGS, 3) is None
    melody_bar = overview.cache.summary(melody, SIGS, 0)
    area = overview.cell_rect(1, 3)
    before = _image(overview, area)
    computed = overview.cache.computed
    notes = [Note.create(40 + i, _bar_start(3) + i * 240, 240) for i in range(8)]
    controller.push(ed.add_notes(bass.id, notes))
    assert not overview.cache.is_cached(bass.id, 3) and overview.cache.is_cached(melody.id, 0)
    overview.viewport().repaint()
    bass = controller.score.tracks[1]
    assert overview.cache.summary(bass, SIGS, 3).onsets == 8
    assert overview.cache.summary(melody, SIGS, 0) is melody_bar  # untouched track: not recomputed
    visible_bars = len(overview.overview_geometry().visible_bars(overview.viewport().width(), SIGS))
    assert overview.cache.computed - computed == visible_bars  # one lane's visible bars, nothing else
    assert _image(overview, area) != before
    controller.undo_stack.undo()
    overview.viewport().repaint()
    assert _image(overview, area) == before


def test_paints_only_visible_bars(qtbot: QtBot) -> None:
    long = Track.create("Long", [Note.create(60, b * BAR_44, PPQ) for b in range(400)])
    controller = DocumentController()
    controller.load(Score(tracks=(long,)))
    overview = ArrangementOverview(controller, EditorState())
    qtbot.addWidget(overview)
    overview.resize(600, 200)
    with qtbot.waitExposed(overview):
        overview.show()
    overview.viewport().repaint()
    visible = overview.overview_geometry().visible_bars(overview.viewport().width(), controller.score.time_signatures)
    assert 0 < overview.cache.computed == len(visible) < 20
    assert not overview.cache.is_cached(long.id, visible.stop)


def test_time_signature_change_moves_bar_lines(env: Env) -> None:
    controller, _state, overview = env
    wide = overview.cell_rect(0, 5).width()
    controller.push(ed.set_time_signature(controller.score, 4, 4, 4))
    assert overview.cell_rect(0, 5).width() == pytest.approx(wide * 4 / 3)
    melody = controller.score.tracks[0]
    assert not overview.cache.is_cached(melody.id, 5)
    overview.viewport().repaint()
    assert overview.cache.summary(melody, controller.score.time_signatures, 5).onsets == 2  # was 3 in 3/4


# --- wheel --------------------------------------------------------------------------------------


def _wheel(overview: ArrangementOverview, dy: int, modifiers: Qt.KeyboardModifier, at: QPoint) -> None:
    event = QWheelEvent(
        QPointF(at),
        QPointF(overview.viewport().mapToGlobal(at)),
        QPoint(),
        QPoint(0, dy),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(overview.viewport(), event)


def test_wheel_scrolls_and_ctrl_wheel_zooms(env: Env) -> None:
    _controller, _state, overview = env
    overview.set_px_per_quarter(30)
    bar = overview.horizontalScrollBar()
    bar.setValue(0)
    assert bar.maximum() > 0
    _wheel(overview, -120, Qt.KeyboardModifier.NoModifier, QPoint(400, 100))
    assert bar.value() > 0
    anchor = QPoint(500, 100)
    tick = overview.overview_geometry().x_to_tick(anchor.x())
    zoom = overview.px_per_quarter
    _wheel(overview, 120, Qt.KeyboardModifier.ControlModifier, anchor)
    assert overview.px_per_quarter == pytest.approx(zoom * 1.25)
    assert overview.overview_geometry().x_to_tick(anchor.x()) == pytest.approx(tick, abs=PPQ / 8)


def test_lanes_scroll_with_shift_wheel_and_to_the_active_track(qtbot: QtBot) -> None:
    controller = DocumentController()
    controller.load(Score(tracks=tuple(Track.create(f"T{i}") for i in range(20))))
    state = EditorState()
    overview = ArrangementOverview(controller, state)
    qtbot.addWidget(overview)
    overview.resize(600, 300)
    with qtbot.waitExposed(overview):
        overview.show()
    _wheel(overview, -120, Qt.KeyboardModifier.ShiftModifier, QPoint(300, 100))
    assert overview.verticalScrollBar().value() == ROW_HEIGHT
    qtbot.mouseClick(overview.viewport(), LEFT, pos=_centre(overview, 1, 0))
    assert state.active_track == controller.score.tracks[1].id
    state.set_active_track(controller.score.tracks[19].id)  # picked elsewhere: its lane scrolls into view
    assert overview.cell_rect(19, 0).bottom() <= overview.viewport().height()
    state.set_active_track(controller.score.tracks[0].id)
    assert overview.verticalScrollBar().value() == 0
