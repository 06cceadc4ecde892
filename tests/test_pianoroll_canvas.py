"""The note canvas and the composite editor: what is painted (checked on pixels and on the
paint statistics, never on time), culling at 100k notes, wheel scroll and zoom, keys,
scroll bars, zoom commands and following the active track."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from composer.edits import remove_notes
from composer.grid import Grid
from composer.region import Region
from composer.score import Note, Score, Track, new_id
from composer.timing import PPQ, TimeSignature, TimeSignatureMap
from ui.document_controller import DocumentController
from ui.editor_state import EditorState, Tool
from ui.pianoroll import canvas as canvas_module
from ui.pianoroll import palette
from ui.pianoroll.canvas import NoteCanvas, grid_lines, merged_runs, note_rect
from ui.pianoroll.editor import KEYBOARD_WIDTH, PianoRollEditor, scroll_end_tick
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.viewport import RollViewport

KEY = 10
TOP_PITCH = 72
TRANSFORM = RollTransform(px_per_tick=0.1, key_height=KEY, top=(127 - TOP_PITCH) * KEY)
BAR = 4 * PPQ


def _canvas(qtbot: QtBot, score: Score, active: int | None, size: tuple[int, int] = (800, 400)) -> NoteCanvas:
    controller = DocumentController()
    controller.load(score)
    state = EditorState()
    state.set_active_track(active)
    canvas = NoteCanvas(controller, state, RollViewport(TRANSFORM))
    canvas.resize(*size)
    qtbot.addWidget(canvas)
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


def _two_tracks() -> tuple[Score, Track, Track]:
    piano = Track.create("Piano", [Note.create(60, 0, PPQ, 127), Note.create(64, PPQ, PPQ, 10)], colour="#4e9af1")
    bass = Track.create("Bass", [Note.create(48, 0, BAR, 100)], colour="#f1a14e")
    return Score(tracks=(piano, bass)), piano, bass


def _image(canvas: NoteCanvas) -> QImage:
    return canvas.grab().toImage()


def _colour(image: QImage, x: float, y: float) -> int:
    """The pixel as 0xRRGGBB (QColor equality would also compare the colour spec)."""
    return image.pixel(int(x), int(y)) & 0xFFFFFF


def _rgb(colour: QColor) -> int:
    return colour.rgb() & 0xFFFFFF


def _mid(t: RollTransform, note: Note) -> QPointF:
    return note_rect(t, note).center()


# --- pure geometry -------------------------------------------------------------------------


def test_grid_lines_in_four_four() -> None:
    sigs = TimeSignatureMap()
    bars, beats, subs = grid_lines(RollTransform(px_per_tick=0.1), 400, sigs, Grid(16))
    assert bars == [0, 192, 384]  # a bar is 1920 ticks = 192 px
    assert beats[:3] == [48, 96, 144] and 192 not in beats
    assert subs[:4] == [12, 24, 36, 60] and 48 not in subs  # beat positions are beat lines, not grid lines


def test_grid_lines_skip_dense_levels_and_follow_meter() -> None:
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(BAR, 3, 4)))
    bars, beats, subs = grid_lines(RollTransform(px_per_tick=0.05), 500, sigs, Grid(32))
    assert subs == []  # 1/32 = 60 ticks = 3 px apart: too dense, left out
    assert beats[:2] == [24, 48]
    assert bars[:4] == [0, 96, 168, 240]  # a 4/4 bar (96 px), then 3/4 bars (72 px)
    far = RollTransform(px_per_tick=0.003)  # a bar is 5.76 px: beats (1.4 px) go, bars stay
    bars, beats, subs = grid_lines(far, 100, TimeSignatureMap(), Grid(16))
    assert beats == [] and subs == [] and bars[:2] == [0, pytest.approx(5.76)]
    farther = RollTransform(px_per_tick=0.001)  # 1.9 px per bar: every 4th bar line
    bars, _, _ = grid_lines(farther, 100, TimeSignatureMap(), Grid(16))
    assert bars[:2] == [0, pytest.approx(4 * BAR * 0.001)]


# --- painting: pixels ----------------------------------------------------------------------


def test_active_notes_in_track_colour_by_velocity_others_faded(qtbot: QtBot) -> None:
    score, piano, bass = _two_tracks()
    canvas = _canvas(qtbot, score, piano.id)
    image = _image(canvas)
    loud, soft = piano.notes
    assert _colour(image, *_mid(TRANSFORM, loud).toTuple()) == _rgb(palette.note_fill(piano.colour, 127))
    assert _colour(image, *_mid(TRANSFORM, soft).toTuple()) == _rgb(palette.note_fill(piano.colour, 10))
    assert palette.note_fill(piano.colour, 10) != palette.note_fill(piano.colour, 127)
    faded = _colour(image, *_mid(TRANSFORM, bass.notes[0]).toTuple())
    assert faded not in {
        _rgb(c) for c in (palette.BACKGROUND, palette.BLACK_KEY_ROW, palette.note_fill(bass.colour, 100))
    }
    assert canvas.last_paint.active_notes == 2 and canvas.last_paint.other_notes == 1


def test_black_key_rows_are_shaded(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, Score(), None)
    image = _image(canvas)
    row = lambda pitch: (TOP_PITCH - pitch) * KEY + KEY // 2  # noqa: E731
    assert _colour(image, 6, row(61)) == _rgb(palette.BLACK_KEY_ROW)
    assert _colour(image, 6, row(62)) == _rgb(palette.BACKGROUND)


def _white_pixels(image: QImage, note: Note) -> int:
    r = note_rect(TRANSFORM, note).adjusted(-2, -2, 2, 2).toRect()
    return sum(_colour(image, x, y) == 0xFFFFFF for x in range(r.left(), r.right()) for y in range(r.top(), r.bottom()))


def test_selected_notes_are_outlined(qtbot: QtBot) -> None:
    score, piano, _ = _two_tracks()
    canvas = _canvas(qtbot, score, piano.id)
    before = _image(canvas)
    canvas.state.set_selection({piano.notes[1].id})
    after = _image(canvas)
    assert _white_pixels(before, piano.notes[1]) == 0
    assert _white_pixels(after, piano.notes[1]) > 2 * note_rect(TRANSFORM, piano.notes[1]).width()
    assert _white_pixels(after, piano.notes[0]) == 0


def test_region_overlay_only_when_it_covers_the_active_track_and_loop(qtbot: QtBot) -> None:
    score, piano, bass = _two_tracks()
    canvas = _canvas(qtbot, score, piano.id)
    inside, outside = (3 * BAR * 0.1 + 6, 315), (1.5 * BAR * 0.1 + 6, 315)  # empty background, no lines
    plain = _image(canvas)
    canvas.state.set_region(Region((bass.id,), 2, 4))
    assert _colour(_image(canvas), *inside) == _colour(plain, *inside)  # another track's region: not shown
    canvas.state.set_region(Region((piano.id, bass.id), 2, 4))
    shaded = _image(canvas)
    assert _colour(shaded, *inside) != _colour(plain, *inside)
    assert _colour(shaded, *outside) == _colour(plain, *outside)
    canvas.state.set_region(None)
    canvas.state.set_loop((BAR, 2 * BAR))
    looped = _image(canvas)
    assert _colour(looped, *outside) != _colour(plain, *outside)
    assert _colour(looped, *inside) == _colour(plain, *inside)


def test_drag_preview_hides_original_and_draws_moved_note(qtbot: QtBot) -> None:
    score, piano, _ = _two_tracks()
    canvas = _canvas(qtbot, score, piano.id)
    canvas.state.set_tool(Tool.SELECT)
    note = piano.notes[0]
    old = _mid(TRANSFORM, note)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, old.toPoint())
    qtbot.mouseMove(canvas, old.toPoint() + QPoint(2 * 48, -2 * KEY))  # two beats later, two semitones up
    image = _image(canvas)
    moved = note._replace(start=2 * PPQ, pitch=62)
    fill = _rgb(palette.note_fill(piano.colour, note.velocity))
    assert _colour(image, *old.toTuple()) != fill
    assert _colour(image, *_mid(TRANSFORM, moved).toTuple()) == fill
    assert canvas.controller.score == score and canvas.controller.undo_stack.count() == 0
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert _colour(_image(canvas), *old.toTuple()) == fill


# --- painting: robustness and culling --------------------------------------------------------


def test_paint_with_no_tracks_or_no_active_track(qtbot: QtBot) -> None:
    empty = _canvas(qtbot, Score(), None)
    assert not _image(empty).isNull() and empty.last_paint.active_notes == 0
    score, piano, _ = _two_tracks()
    unset = _canvas(qtbot, score, None)
    _image(unset)
    assert unset.last_paint.active_notes == 0 and unset.last_paint.other_notes == 3
    stale = _canvas(qtbot, score, 987654321)  # an id not in the score (e.g. a track just removed)
    _image(stale)
    assert stale.last_paint.other_notes == 3


def _big_score(count: int) -> Score:
    """``count`` notes over two tracks: a 16th-note stream across four octaves."""
    tracks = []
    for t in range(2):
        notes = [Note(i * 120, 36 + (i * 7 + t * 5) % 48, 240, 64 + i % 60, new_id()) for i in range(count // 2)]
        tracks.append(Track(new_id(), f"T{t}", notes=tuple(notes)))
    return Score(tracks=tuple(tracks))


def test_only_visible_notes_are_painted_at_100k(qtbot: QtBot) -> None:
    score = _big_score(100_000)
    canvas = _canvas(qtbot, score, score.tracks[0].id)
    canvas.viewport.set_transform(TRANSFORM.scrolled_to(left_tick=3_000_000, view_height=400))
    _image(canvas)
    t = canvas.viewport.transform
    start, end = t.visible_ticks(800)
    low, high = t.visible_pitches(400)

    def expected(track: Track) -> int:  # brute force over every note
        return sum(1 for n in track.notes if n.end > start and n.start < end and low <= n.pitch <= high)

    assert canvas.last_paint.active_notes == expected(score.tracks[0]) > 0
    assert canvas.last_paint.other_notes == expected(score.tracks[1]) > 0
    assert canvas.last_paint.active_notes + canvas.last_paint.other_notes < 1000


def _coverage(canvas: NoteCanvas, backdrop: np.ndarray) -> np.ndarray:
    """Pixels where the canvas differs from its backdrop (the notes), as a boolean array."""
    image = _image(canvas).convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(bytes(image.constBits()), np.uint32).reshape(image.height(), -1)[:, : image.width()]
    return pixels != backdrop


def _pixels(canvas: NoteCanvas) -> np.ndarray:
    image = _image(canvas).convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(bytes(image.constBits()), np.uint32).reshape(image.height(), -1)[:, : image.width()].copy()


def test_merged_runs_unite_touching_spans_per_row() -> None:
    x0, x1 = np.array([5, 0, 2, 10, 3, 4]), np.array([7, 2, 4, 12, 9, 6])
    rows, values = np.array([1, 1, 1, 1, 3, 1]), np.array([1, 5, 2, 7, 4, 0])
    run_rows, r0, r1, largest = merged_runs(x0, x1, rows, values)
    # row 1: [0,2) [2,4) [4,6) [5,7) touch or overlap -> [0,7); [10,12) alone; row 3: [3,9)
    assert run_rows.tolist() == [1, 1, 3]
    assert list(zip(r0.tolist(), r1.tolist(), strict=True)) == [(0, 7), (10, 12), (3, 9)]
    assert largest.tolist() == [5, 7, 4]
    empty = merged_runs(x0[:0], x1[:0], rows[:0], values[:0])
    assert all(len(a) == 0 for a in empty)


def test_far_zoom_draws_merged_runs_covering_every_note(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    score = _big_score(20_000)
    far = RollTransform(px_per_tick=0.0025, key_height=KEY, top=TRANSFORM.top)  # 10k notes start in view
    canvas = _canvas(qtbot, score, None)
    canvas.viewport.set_transform(far)
    blank = _canvas(qtbot, Score(time_signatures=score.time_signatures), None)
    blank.viewport.set_transform(far)
    backdrop = _pixels(blank)
    merged = _coverage(canvas, backdrop)
    assert canvas.last_paint.other_notes > canvas_module.DENSE_NOTES
    monkeypatch.setattr(canvas_module, "DENSE_NOTES", 10**9)  # force note-by-note painting
    exact = _coverage(canvas, backdrop)
    assert exact.sum() > 10_000
    # Runs fill the very pixels the notes fill (Qt rounds exact half-pixel ties its own way: allow a few).
    assert (exact ^ merged).sum() < 0.005 * exact.sum()


def test_far_zoom_counts_outlines_selection_and_follows_edits(qtbot: QtBot) -> None:
    score = _big_score(20_000)
    track = score.tracks[0]
    canvas = _canvas(qtbot, score, track.id)
    canvas.viewport.set_transform(RollTransform(px_per_tick=0.0025, key_height=KEY, top=TRANSFORM.top))
    _image(canvas)
    t = canvas.viewport.transform
    start, end = t.visible_ticks(800)
    low, high = t.visible_pitches(400)
    shown = [n for n in track.notes if n.end > start and n.start < end and low <= n.pitch <= high]
    assert canvas.last_paint.active_notes == len(shown) > canvas_module.DENSE_NOTES
    assert not (_pixels(canvas) == 0xFFFFFFFF).any()
    canvas.state.set_selection({n.id for n in shown[:50]})
    assert (_pixels(canvas) == 0xFFFFFFFF).sum() > 50
    canvas.controller.push(remove_notes(canvas.controller.score, {track.id: [n.id for n in shown[:100]]}))
    _image(canvas)
    assert canvas.last_paint.active_notes == len(shown) - 100


# --- wheel ---------------------------------------------------------------------------------


def _wheel(canvas: NoteCanvas, pos: QPoint, notches: float, mods: Qt.KeyboardModifier) -> None:
    angle = QPoint(0, round(notches * 120))
    event = QWheelEvent(
        QPointF(pos),
        QPointF(canvas.mapToGlobal(pos)),
        QPoint(),
        angle,
        Qt.MouseButton.NoButton,
        mods,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas, event)


def test_ctrl_wheel_zooms_time_around_the_mouse(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, _two_tracks()[0], None)
    canvas.viewport.set_transform(TRANSFORM.scrolled_to(left_tick=5000))
    tick = canvas.viewport.transform.x_to_tick(300)
    _wheel(canvas, QPoint(300, 200), 1, Qt.KeyboardModifier.ControlModifier)
    t = canvas.viewport.transform
    assert t.px_per_tick == pytest.approx(0.12)
    assert t.x_to_tick(300) == pytest.approx(tick)
    _wheel(canvas, QPoint(300, 200), -2, Qt.KeyboardModifier.ControlModifier)
    assert canvas.viewport.transform.px_per_tick < 0.1
    assert canvas.viewport.transform.x_to_tick(300) == pytest.approx(tick)


def test_wheel_scrolls_rows_shift_scrolls_time_ctrl_shift_zooms_rows(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, _two_tracks()[0], None)
    none, shift = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier
    _wheel(canvas, QPoint(300, 200), 1, none)  # wheel up: three rows up
    assert canvas.viewport.transform.top == TRANSFORM.top - 3 * KEY
    assert canvas.viewport.transform.left_tick == 0
    _wheel(canvas, QPoint(300, 200), -1, shift)  # wheel down with Shift: a tenth of the view later
    assert canvas.viewport.transform.left_tick == pytest.approx(800 * 0.1 / 0.1)
    pitch = canvas.viewport.transform.y_to_pitch(200)
    _wheel(canvas, QPoint(300, 200), 1, Qt.KeyboardModifier.ControlModifier | shift)
    t = canvas.viewport.transform
    assert t.key_height == pytest.approx(KEY * 1.2) and t.y_to_pitch(200) == pitch
    assert t.px_per_tick == 0.1


# --- keys ----------------------------------------------------------------------------------


def _keyed(qtbot: QtBot) -> tuple[NoteCanvas, Score, Track]:
    score, piano, _ = _two_tracks()
    canvas = _canvas(qtbot, score, piano.id)
    canvas.setFocus()
    return canvas, score, piano


def _check_undo_redo(canvas: NoteCanvas, original: Score, label: str) -> None:
    stack = canvas.controller.undo_stack
    assert stack.undoText() == label
    after = canvas.controller.score
    stack.undo()
    assert canvas.controller.score == original
    stack.redo()
    assert canvas.controller.score == after


@pytest.mark.parametrize(
    ("key", "mods", "change", "label"),
    [
        (Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier, (0, 1), "Transpose"),
        (Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier, (0, -1), "Transpose"),
        (Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier, (0, 12), "Transpose"),
        (Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier, (0, -12), "Transpose"),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, (120, 0), "Move notes"),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, (-120, 0), "Move notes"),
    ],
)
def test_arrow_keys_transpose_and_nudge(
    qtbot: QtBot, key: Qt.Key, mods: Qt.KeyboardModifier, change: tuple[int, int], label: str
) -> None:
    canvas, score, piano = _keyed(qtbot)
    note = piano.notes[1]  # starts at PPQ: room to nudge left
    canvas.state.set_selection({note.id})
    qtbot.keyClick(canvas, key, mods)
    moved = canvas.controller.score.track(piano.id).note(note.id)
    assert (moved.start - note.start, moved.pitch - note.pitch) == change
    assert canvas.controller.undo_stack.count() == 1
    _check_undo_redo(canvas, score, label)


@pytest.mark.parametrize("key", [Qt.Key.Key_Delete, Qt.Key.Key_Backspace])
def test_delete_keys(qtbot: QtBot, key: Qt.Key) -> None:
    canvas, score, piano = _keyed(qtbot)
    canvas.state.set_selection({piano.notes[0].id})
    qtbot.keyClick(canvas, key)
    assert [n.id for n in canvas.controller.score.track(piano.id).notes] == [piano.notes[1].id]
    assert canvas.state.selection == frozenset()
    _check_undo_redo(canvas, score, "Delete notes")


def test_select_all_escape_and_keys_without_selection(qtbot: QtBot) -> None:
    canvas, score, piano = _keyed(qtbot)
    for key in (Qt.Key.Key_Up, Qt.Key.Key_Delete, Qt.Key.Key_Right):
        qtbot.keyClick(canvas, key)  # nothing selected: harmless
    assert canvas.controller.undo_stack.count() == 0
    qtbot.keyClick(canvas, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert canvas.state.selection == {n.id for n in piano.notes}
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.state.selection == frozenset()


@pytest.mark.parametrize(
    ("key", "tool"),
    [
        (Qt.Key.Key_2, Tool.SELECT),
        (Qt.Key.Key_3, Tool.ERASE),
        (Qt.Key.Key_1, Tool.DRAW),
        (Qt.Key.Key_S, Tool.SELECT),
        (Qt.Key.Key_E, Tool.ERASE),
        (Qt.Key.Key_D, Tool.DRAW),
    ],
)
def test_tool_keys(qtbot: QtBot, key: Qt.Key, tool: Tool) -> None:
    canvas, _, _ = _keyed(qtbot)
    canvas.state.set_tool(Tool.ERASE if tool is Tool.DRAW else Tool.DRAW)
    qtbot.keyClick(canvas, key)
    assert canvas.state.tool is tool


def test_a_new_score_cancels_a_running_drag(qtbot: QtBot) -> None:
    canvas, _, piano = _keyed(qtbot)
    start = _mid(TRANSFORM, piano.notes[0]).toPoint()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    qtbot.mouseMove(canvas, start + QPoint(100, 0))
    canvas.controller.load(Score())
    assert canvas.gesture is None
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start + QPoint(100, 0))
    assert canvas.controller.undo_stack.count() == 0


# --- the composite editor ------------------------------------------------------------------


def _editor(qtbot: QtBot, score: Score, active: int | None) -> PianoRollEditor:
    controller = DocumentController()
    state = EditorState()
    editor = PianoRollEditor(controller, state)
    editor.resize(1200, 800)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    controller.load(score)
    state.set_active_track(active)
    return editor


def _song() -> tuple[Score, Track, Track]:
    lead = Track.create("Lead", [Note.create(72 + i % 5, i * PPQ, PPQ) for i in range(64)])  # 16 bars
    far = Track.create("Far", [Note.create(100, 40 * BAR, PPQ), Note.create(104, 41 * BAR, PPQ)])
    return Score(tracks=(lead, far)), lead, far


def test_editor_parts_share_the_viewport(qtbot: QtBot) -> None:
    score, lead, _ = _song()
    editor = _editor(qtbot, score, lead.id)
    assert editor.keyboard.width() == KEYBOARD_WIDTH
    assert editor.canvas.mapTo(editor, QPoint(0, 0)).x() == KEYBOARD_WIDTH
    assert editor.ruler.mapTo(editor, QPoint(0, 0)).x() == KEYBOARD_WIDTH
    assert editor.velocity_lane.mapTo(editor, QPoint(0, 0)).x() == KEYBOARD_WIDTH
    assert editor.velocity_lane.width() == editor.canvas.width()
    for part in (editor.keyboard, editor.ruler, editor.velocity_lane):
        assert part._viewport is editor.viewport  # noqa: SLF001 (the parts keep it private)
    assert editor.canvas.viewport is editor.viewport


def test_scroll_bars_follow_and_drive_the_viewport(qtbot: QtBot) -> None:
    score, lead, _ = _song()
    editor = _editor(qtbot, score, lead.id)
    bar, vbar = editor.horizontal_scroll, editor.vertical_scroll
    t = editor.viewport.transform
    page = t.visible_ticks(editor.canvas.width())[1] - t.visible_ticks(editor.canvas.width())[0]
    assert bar.pageStep() == page
    assert bar.maximum() == scroll_end_tick(score) - page
    assert scroll_end_tick(score) == (42 + 4) * BAR  # the last note is in bar 42, plus four
    bar.setValue(10 * BAR)
    assert editor.viewport.transform.left_tick == 10 * BAR
    editor.viewport.set_transform(editor.viewport.transform.scrolled_to(left_tick=3 * BAR))
    assert bar.value() == 3 * BAR
    vbar.setValue(100)
    assert editor.viewport.transform.top == 100
    assert vbar.maximum() == round(t.content_height - editor.canvas.height())


def test_zoom_in_out_keep_the_middle_and_fit(qtbot: QtBot) -> None:
    score, lead, _ = _song()
    editor = _editor(qtbot, score, lead.id)
    middle = editor.canvas.width() / 2
    editor.viewport.set_transform(editor.viewport.transform.scrolled_to(left_tick=2 * BAR))
    tick = editor.viewport.transform.x_to_tick(middle)
    px = editor.viewport.transform.px_per_tick
    editor.zoom_in()
    assert editor.viewport.transform.px_per_tick == pytest.approx(px * 1.5)
    assert editor.viewport.transform.x_to_tick(middle) == pytest.approx(tick)
    editor.zoom_out()
    editor.zoom_out()
    assert editor.viewport.transform.px_per_tick == pytest.approx(px / 1.5)
    editor.zoom_to_fit()  # the lead: bars 1..16, pitches 72..76
    t = editor.viewport.transform
    assert t.left_tick == 0
    assert t.tick_to_x(16 * BAR) == pytest.approx(editor.canvas.width())
    low, high = t.visible_pitches(editor.canvas.height())
    assert low <= 72 and high >= 76


def test_fit_without_active_track_shows_the_whole_song(qtbot: QtBot) -> None:
    score, _, _ = _song()
    editor = _editor(qtbot, score, None)
    editor.zoom_to_fit()
    t = editor.viewport.transform
    assert t.tick_to_x(42 * BAR) == pytest.approx(editor.canvas.width())
    low, high = t.visible_pitches(editor.canvas.height())
    assert low <= 72 and high >= 104


def test_switching_track_scrolls_to_its_notes(qtbot: QtBot) -> None:
    score, lead, far = _song()
    editor = _editor(qtbot, score, lead.id)
    t = editor.viewport.transform
    assert t.visible_pitches(editor.canvas.height())[0] <= 72 <= t.visible_pitches(editor.canvas.height())[1]
    editor.state.set_active_track(far.id)
    t = editor.viewport.transform
    start, end = t.visible_ticks(editor.canvas.width())
    low, high = t.visible_pitches(editor.canvas.height())
    assert start <= 40 * BAR < end and low <= 100 and high >= 104
    assert editor.horizontal_scroll.value() == round(t.left_tick)


def test_audition_merges_canvas_and_keyboard(qtbot: QtBot) -> None:
    score, lead, _ = _song()
    editor = _editor(qtbot, score, lead.id)
    editor.state.set_tool(Tool.SELECT)
    note = lead.notes[0]
    point = _mid(editor.viewport.transform, note).toPoint()
    with qtbot.waitSignal(editor.audition) as blocker:
        qtbot.mouseClick(editor.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert blocker.args == [note.pitch, note.velocity]
    row = editor.viewport.transform.pitch_to_y(70) + editor.viewport.transform.key_height / 2
    with qtbot.waitSignal(editor.audition) as blocker:
        qtbot.mousePress(
            editor.keyboard,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            QPoint(KEYBOARD_WIDTH - 5, int(row)),
        )
    assert blocker.args[0] == 70
    qtbot.mouseRelease(
        editor.keyboard, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(KEYBOARD_WIDTH - 5, int(row))
    )
