"""The assistant panel in the main window with a tiny real model: request, streaming ghost notes,
progress, cancel, stale drop, accept then undo, regenerate, audition, takes, errors, shortcuts.

Buttons are clicked and keys pressed as a user would; the model is a tiny random transformer
saved as a checkpoint (fast and real); playback goes to FluidSynth's file driver."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from composer.chord_symbols import outside_harmony
from composer.edits import add_notes
from composer.note_similarity import NEIGHBOUR_WEIGHT, similarity
from composer.region import Region
from composer.score import Note, Score, Track
from composer.timing import PPQ
from composer.tokens import UNIT
from models.defaults import DEFAULT_TEMPERATURE
from tests.test_assistant_service import save_tiny_model
from tests.test_file_ops import FakePrompts
from tests.window_helpers import show_active
from ui.assistant.panel import AssistantPanel
from ui.assistant.service import ServiceState
from ui.file_ops import SaveChoice
from ui.mainwindow import MainWindow
from ui.pianoroll.canvas import note_rects
from ui.playback.transport import TransportState
from ui.settings import AudioOutput, Settings

WAIT_MS = 60_000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model") / "tiny")


def song() -> Score:
    melody = Track.create("Melody", [Note.create(60 + i % 7, i * PPQ, PPQ, 90) for i in range(32)])
    bass = Track.create("Bass", [Note.create(36 + i % 5, i * 2 * PPQ, 2 * PPQ, 80) for i in range(16)], program=33)
    return Score(tracks=(melody, bass))


def make_window(qtbot: QtBot, tmp_path: Path, model: Path) -> MainWindow:
    settings = Settings.at_path(tmp_path / "settings.ini")
    settings.audio_output = AudioOutput(driver="file", device=str(tmp_path / "heard.wav"))
    settings.assistant_model = model
    window = MainWindow(settings, FakePrompts())
    show_active(qtbot, window)
    window.assistant_dock.show()
    window.assistant_dock.raise_()
    return window


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path, tiny: Path) -> MainWindow:
    w = make_window(qtbot, tmp_path, tiny)
    qtbot.waitUntil(lambda: w.assistant_service.state is ServiceState.READY, timeout=WAIT_MS)
    score = song()
    w.controller.load(score)
    w.state.set_active_track(score.tracks[0].id)
    w.state.set_region(Region((score.tracks[0].id,), 2, 4))
    yield w
    w.file_ops.prompts.choice = SaveChoice.DISCARD


def panel(window: MainWindow) -> AssistantPanel:
    return window.assistant


def click(qtbot: QtBot, widget: QWidget) -> None:
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, LEFT)


def generate(qtbot: QtBot, window: MainWindow, operation: str = "fill") -> None:
    """Click an operation button and wait for every candidate."""
    p = panel(window)
    p.count.setValue(3)
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        click(qtbot, p.operation_buttons[operation])


def region_notes(window: MainWindow) -> dict[int, list[tuple[int, int, int]]]:
    notes = window.state.region.notes(window.controller.score)
    return {t: sorted(n[:3] for n in ns) for t, ns in notes.items()}


def test_the_panel_shows_the_model_loading_then_ready(qtbot: QtBot, tmp_path: Path, tiny: Path) -> None:
    w = make_window(qtbot, tmp_path, tiny)
    p = panel(w)
    assert "Loading model" in p.model_label.text() or w.assistant_service.state is ServiceState.READY
    qtbot.waitUntil(lambda: w.assistant_service.state is ServiceState.READY, timeout=WAIT_MS)
    assert "tiny" in p.model_label.text() and "CPU" in p.model_label.text()
    assert w.status.model.text() == "tiny" and w.status.device.text() == "CPU"
    styles = [p.style_box.itemText(i) for i in range(p.style_box.count())]
    assert styles[0] == "auto" and "folk" in styles


def test_candidates_stream_in_as_ghost_notes_before_the_request_finishes(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    seen: list[tuple[int, bool, int]] = []

    def on_cell(request: object, candidate: int, cell: object, notes: object) -> None:  # after the panel's own slot
        ghosts = sum(len(window.ghosts.notes(t)) for t in window.state.region.track_ids)
        seen.append((ghosts, p.candidates.finished, p.progress.value()))

    window.assistant_service.cell_done.connect(on_cell)
    before = region_notes(window)
    generate(qtbot, window)
    assert seen and not seen[0][1]  # the first bar showed while the request was still running
    assert any(ghosts > 0 for ghosts, _f, _p in seen)
    assert [pr for _g, _f, pr in seen] == sorted(pr for _g, _f, pr in seen) and seen[0][2] < 100
    assert p.progress.value() == 100 and not p.cancel_button.isEnabled()
    assert p.candidate_list.count() == 3 and all(row.accept.isEnabled() for row in p._rows)
    assert region_notes(window) == before  # nothing is written until a candidate is accepted
    shown = p.candidates.shown
    track = window.state.region.track_ids[0]
    candidate = sorted(p.candidates.notes(0)[track])
    outside = outside_harmony(p.candidates.score, candidate)
    assert shown == 0 and window.ghosts.notes(track) == [(n, "outside" if n.id in outside else "candidate")
                                                         for n in candidate]
    track = window.state.region.track_ids[0]
    canvas = window.editor.canvas
    for top in (0.0, 600.0, 1200.0):  # only the ghosts in view are painted
        t = window.editor.viewport.transform
        window.editor.viewport.set_transform(t.scrolled_to(top=top, view_height=canvas.height()))
        canvas.repaint()
        view = QRectF(0, 0, canvas.width(), canvas.height())
        rects = note_rects(canvas.transform, [n for n, _s in window.ghosts.notes(track)])
        assert window.ghosts.painted == sum(r.intersects(view) for r in rects)
    assert window.status.latency.text().endswith(" s")


def test_clicking_a_candidate_shows_it(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    generate(qtbot, window)
    track = window.state.region.track_ids[0]
    rect = p.candidate_list.visualItemRect(p.candidate_list.item(2))
    qtbot.mouseClick(p.candidate_list.viewport(), LEFT, pos=rect.center())
    assert p.candidates.shown == 2
    assert [n for n, _s in window.ghosts.notes(track)] == sorted(p.candidates.notes(2)[track])
    window.actions["ai_next"].trigger()
    assert p.candidates.shown == 0 and p.candidate_list.currentRow() == 0


def test_the_consensus_is_starred_when_the_request_finishes(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    generate(qtbot, window, "vary")  # a variation is meant to differ from the bars around: they have no vote
    c = p.candidates
    assert len(c.bits) == c.count >= 2 and all(b > 0 for b in c.bits)
    assert c.neighbours == []
    finals = [c.notes(i) for i in range(c.count)]
    agreement = [sum(similarity(f, g, UNIT) for j, g in enumerate(finals) if j != i) for i, f in enumerate(finals)]
    star = c.starred
    assert star is not None and agreement[star] == max(agreement)
    names = [p.findChild(QLabel, f"candidate_name_{i}") for i in range(c.count)]
    assert [("★" in n.text()) for n in names] == [i == star for i in range(c.count)]
    assert "consensus" in names[star].toolTip() and f"{c.bits[star]:.2f} bits" in names[star].toolTip()
    assert "bars around" not in names[star].toolTip()
    assert all("consensus" not in n.toolTip() and "bits per token" in n.toolTip() for i, n in enumerate(names)
               if i != star)


def test_a_fill_stars_the_candidate_that_fits_the_bars_around(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    generate(qtbot, window)
    c = p.candidates
    region, score = c.region, window.controller.score
    before, after = c.neighbours
    assert set(before) == set(after) == set(region.track_ids)  # the song has music on both sides of bars 3-4
    for track_id in region.track_ids:  # the bar before the region, moved into each of its bars
        first = score.time_signatures.bar_range(region.start_bar - 1)
        bar_notes = {(n.pitch, n.start - first[0]) for n in score.track(track_id).starting_in(*first)}
        for bar in range(region.start_bar, region.end_bar):
            start, end = score.time_signatures.bar_range(bar)
            assert {(n.pitch, n.start - start) for n in before[track_id] if start <= n.start < end} == bar_notes
    finals = [c.notes(i) for i in range(c.count)]
    fit = [sum(similarity(f, g, UNIT) for j, g in enumerate(finals) if j != i)
           + NEIGHBOUR_WEIGHT * (similarity(f, before, UNIT) + similarity(f, after, UNIT))
           for i, f in enumerate(finals)]
    assert c.starred is not None and fit[c.starred] == max(fit)
    name = p.findChild(QLabel, f"candidate_name_{c.starred}")
    assert "★" in name.text() and "most like the others and the bars around it" in name.toolTip()


def test_cancel_stops_and_applies_nothing(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    before = window.controller.score
    p.count.setValue(4)
    with qtbot.waitSignal(window.assistant_service.cell_done, timeout=WAIT_MS):
        click(qtbot, p.operation_buttons["vary"])
    assert p.cancel_button.isEnabled()
    with qtbot.waitSignal(window.assistant_service.cancelled, timeout=1000):
        click(qtbot, p.cancel_button)
    assert window.assistant_service.wait_idle(5.0)
    qtbot.wait(100)
    assert p.candidates is None and window.ghosts.is_empty and p.candidate_list.count() == 0
    assert window.controller.score is before and window.controller.undo_stack.count() == 0
    assert "Cancelled" in p.feedback.text() and p.progress.value() == 0
    assert window.assistant_service.state is ServiceState.READY


def test_an_edit_while_generating_drops_the_candidates_and_says_so(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    p.count.setValue(4)
    bass = window.controller.score.tracks[1].id
    with qtbot.waitSignal(window.assistant_service.cell_done, timeout=WAIT_MS):
        click(qtbot, p.operation_buttons["fill"])
    with qtbot.waitSignal(window.assistant_service.stale, timeout=1000):
        window.controller.push(add_notes(bass, [Note.create(40, 0, PPQ)]))  # the user edits meanwhile
    window.assistant_service.wait_idle(5.0)
    qtbot.wait(100)
    assert p.candidates is None and window.ghosts.is_empty
    assert "song changed" in p.feedback.text()
    assert window.controller.undo_stack.count() == 1  # only the user's edit


def test_an_edit_after_generating_makes_the_candidates_stale(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    generate(qtbot, window)
    window.controller.push(add_notes(window.controller.score.tracks[1].id, [Note.create(40, 0, PPQ)]))
    assert p.candidates.stale and window.ghosts.is_empty
    assert "out of date" in p.feedback.text()
    assert not p._rows[0].accept.isEnabled() and not p.accept(0)
    generate(qtbot, window)  # asking again works
    assert not p.candidates.stale


def test_accept_is_one_undo_step_and_undo_restores_the_original_exactly(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    original = window.controller.score
    generate(qtbot, window)
    chosen = p.candidates.notes(1)
    seed = p.request.seed
    click(qtbot, p._rows[1].accept)
    score = window.controller.score
    assert window.controller.undo_stack.count() == 1
    assert window.controller.undo_stack.undoText() == "Assistant Fill (B)"
    track = window.state.region.track_ids[0]
    assert sorted(n[:4] for n in window.state.region.notes(score)[track]) == sorted(n[:4] for n in chosen[track])
    (take,) = score.takes
    assert (take.operation, take.candidate, take.seed, take.start_bar, take.end_bar) == ("fill", 1, seed, 2, 4)
    assert take.model.startswith("tiny") and dict(take.options)["candidates"] == 3
    assert p.candidates is None and window.ghosts.is_empty
    assert p.take_list.count() == 1
    window.actions["undo"].trigger()
    assert window.controller.score == original
    assert p.take_list.count() == 0


def test_accept_shortcut_and_reject_all(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    original = window.controller.score
    generate(qtbot, window)
    click(qtbot, p.reject_button)
    assert p.candidates is None and window.ghosts.is_empty and window.controller.score is original
    generate(qtbot, window)
    window.editor.canvas.setFocus()
    qtbot.keyClick(window.editor.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.controller.undo_stack.count() == 1 and len(window.controller.score.takes) == 1


def test_an_untouched_panel_samples_at_the_tuned_temperature(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    generate(qtbot, window)
    assert p.request.options.temperature == DEFAULT_TEMPERATURE == 0.7  # chosen on validation (models.defaults)
    window.editor.canvas.setFocus()
    qtbot.keyClick(window.editor.canvas, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dict(window.controller.score.takes[-1].options)["temperature"] == 0.7


def test_regenerate_never_repeats_an_earlier_candidate(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    p.temperature.setValue(0.3)
    p.seed.setValue(11)
    click(qtbot, p.seed_lock)  # the same seed each time: only `avoid` keeps them apart
    generate(qtbot, window)
    first = set(p.candidates.fingerprints)
    notes = [p.candidates.notes(i) for i in range(p.candidates.count)]
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        click(qtbot, p.regenerate_button)
    assert p.request.seed == 11
    assert not first & set(p.candidates.fingerprints)
    assert all(p.candidates.notes(i) not in notes for i in range(p.candidates.count))
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        window.actions["ai_regenerate"].trigger()
    assert len(p.avoid) == 6


def test_audition_loops_the_region_with_the_candidate_in_context(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.transport.state is TransportState.STOPPED, timeout=10_000)
    p = panel(window)
    generate(qtbot, window)
    click(qtbot, p._rows[2].audition)
    transport = window.transport
    assert transport.state is TransportState.PLAYING and p.auditioning == 2
    region = window.state.region
    assert window.state.loop == region.ticks(window.controller.score)
    heard = transport.player._session.score
    track = region.track_ids[0]
    assert sorted(n[:4] for n in region.notes(heard)[track]) == sorted(n[:4] for n in p.candidates.notes(2)[track])
    assert heard.track(window.controller.score.tracks[1].id) == window.controller.score.tracks[1]  # in context
    click(qtbot, p._rows[0].audition)  # another candidate: heard at once
    assert p.auditioning == 0 and p.candidates.shown == 0
    assert sorted(n[:4] for n in region.notes(transport.player._session.score)[track]) == sorted(
        n[:4] for n in p.candidates.notes(0)[track])
    click(qtbot, p._rows[0].audition)  # off again
    assert p.auditioning is None and transport.state is TransportState.STOPPED
    assert window.controller.undo_stack.count() == 0


def test_takes_regenerate_exactly_and_nearby(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    generate(qtbot, window)
    accepted = p.candidates.notes(0)
    seed = p.request.seed
    click(qtbot, p._rows[0].accept)
    p.take_list.setCurrentRow(0)
    p.count.setValue(1)  # the take's own options come back when it is re-run
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        click(qtbot, p.exact_button)
    assert p.request.seed == seed and p.count.value() == 3 and p.request.options.candidates == 3
    track = window.state.region.track_ids[0]
    assert [n[:4] for n in p.candidates.notes(0)[track]] == [n[:4] for n in accepted[track]]  # exactly again
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        click(qtbot, p.nearby_button)
    assert p.request.seed == seed + 1
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        click(qtbot, p.nearby_button)
    assert p.request.seed == seed + 2


def test_shortcuts_and_menu_run_the_operations(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    p.count.setValue(1)
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        window.editor.canvas.setFocus()
        qtbot.keyClick(window.editor.canvas, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)
    assert p.request.operation == "fill"
    p.style_box.setCurrentIndex(p.style_box.findText("folk"))
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        window.actions["ai_restyle_track"].trigger()
    assert p.request.operation == "restyle" and p.request.region.start_bar == 0
    assert p.request.region.end_bar == window.controller.score.bar_count
    assert p.candidates.written_bars(0) == set(range(window.controller.score.bar_count))
    assert window.state.region == p.request.region  # the whole track is shown as the region
    window.state.set_region(Region(p.request.region.track_ids, 2, 4))
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        window.actions["ai_continue"].trigger()
    bars = window.controller.score.bar_count
    assert (p.request.region.start_bar, p.request.region.end_bar) == (bars, bars + 2)
    menu = window.menus["Assistant"]
    assert [a.text() for a in menu.actions() if a.text()][:3] == ["&Fill Region", "&Vary Region", "&Restyle Region"]


def test_restyle_without_a_style_says_what_to_do(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    with qtbot.waitSignal(window.assistant_service.failed, timeout=WAIT_MS):
        click(qtbot, p.operation_buttons["restyle"])
    assert "needs a style" in p.feedback.text() and p.candidates is None


def test_without_a_model_the_editor_keeps_working(qtbot: QtBot, tmp_path: Path) -> None:
    w = make_window(qtbot, tmp_path, tmp_path / "missing")
    qtbot.waitUntil(lambda: w.assistant_service.state is ServiceState.ERROR, timeout=WAIT_MS)
    p = panel(w)
    assert "Model unavailable" in p.model_label.text() and w.status.model.text() == "No model"
    score = song()
    w.controller.load(score)
    w.state.set_region(Region((score.tracks[0].id,), 0, 1))
    assert not p.operation_buttons["fill"].isEnabled()
    p.run("fill")
    assert "unavailable" in p.feedback.text()
    w.controller.push(add_notes(score.tracks[0].id, [Note.create(72, 0, PPQ)]))  # editing goes on
    assert w.controller.score.note_count == score.note_count + 1
    w.file_ops.prompts.choice = SaveChoice.DISCARD


def test_panel_options_are_remembered(qtbot: QtBot, tmp_path: Path, tiny: Path) -> None:
    first = make_window(qtbot, tmp_path, tiny)
    p = panel(first)
    p.amount.setValue(20)
    p.keep_boxes["rhythm"].setChecked(True)
    p.density.setCurrentIndex(4)
    p.range_on.setChecked(True)
    p.range_low.setValue(55)
    p.seed.setValue(42)
    p.seed_lock.setChecked(True)
    p.temperature.setValue(0.7)
    assert p.options().style_strength is None  # "auto" until the user sets one
    p.style_strength.lineEdit().selectAll()
    qtbot.keyClicks(p.style_strength, "4.5")
    saved = p.options()
    assert saved.style_strength == 4.5
    assert first.close()
    second = make_window(qtbot, tmp_path, tiny)
    second.restore_settings()
    q = panel(second)
    assert q.options() == saved and q.seed.value() == 42 and q.seed_lock.isChecked()
    assert q.next_seed() == 42


@pytest.mark.parametrize(("saved", "shown"), [
    ({"temperature": 1.0}, DEFAULT_TEMPERATURE),  # saved before the default was tuned: left alone
    ({"temperature": 0.9}, 0.9),  # chosen by the user: kept
    ({"temperature": 1.0, "temperature_default": 0.7}, 1.0),  # chosen after the tuning: kept
    ({"temperature": 0.5, "temperature_default": 0.5}, DEFAULT_TEMPERATURE),  # an older tuned default: retuned
])
def test_a_temperature_left_at_its_default_follows_the_retuned_default(
        qtbot: QtBot, tmp_path: Path, tiny: Path, saved: dict[str, float], shown: float) -> None:
    settings = Settings.at_path(tmp_path / "settings.ini")
    settings.assistant_options = {**saved, "candidates": 3}
    first = make_window(qtbot, tmp_path, tiny)
    first.restore_settings()
    p = panel(first)
    assert p.temperature.value() == pytest.approx(shown) and p.count.value() == 3
    assert first.close()
    kept = Settings.at_path(tmp_path / "settings.ini").assistant_options
    assert kept["temperature"] == pytest.approx(shown) and kept["temperature_default"] == DEFAULT_TEMPERATURE


def test_overview_context_menu_runs_the_operations(qtbot: QtBot, window: MainWindow) -> None:
    p = panel(window)
    p.count.setValue(1)
    overview = window.overview
    bass = window.controller.score.tracks[1].id
    menu = overview.context_menu(overview.cell_rect(1, 5).center())  # outside the region: that cell becomes it
    assert window.state.region == Region((bass,), 5, 6)
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        menu.findChild(QAction, "context_vary").trigger()
    assert p.request.operation == "vary" and p.request.region == Region((bass,), 5, 6)
    p.style_box.setCurrentIndex(p.style_box.findText("pop"))
    menu = overview.context_menu(overview.cell_rect(0, 1).center())
    with qtbot.waitSignal(window.assistant_service.finished, timeout=WAIT_MS):
        menu.findChild(QAction, "context_restyle_track").trigger()
    melody = window.controller.score.tracks[0].id
    assert p.request.operation == "restyle" and p.request.region == Region((melody,), 0, 8)
    assert p.request.options.style == "pop"


def test_a_model_of_your_own_is_chosen_from_the_menu_and_remembered(qtbot: QtBot, window: MainWindow,
                                                                      tmp_path: Path) -> None:
    mine = save_tiny_model(tmp_path / "mine")
    window.file_ops.prompts.paths.append(Path(f"{mine}.json"))  # type: ignore[attr-defined]
    window.actions["ai_model"].trigger()
    qtbot.waitUntil(lambda: window.assistant_service.state is ServiceState.READY
                    and window.assistant_service.info is not None
                    and window.assistant_service.info.path == mine, timeout=WAIT_MS)
    assert window.settings.assistant_model == mine
    assert window.status.model.text() == "mine"
    window.file_ops.prompts.paths.append(None)  # type: ignore[attr-defined]
    window.actions["ai_model"].trigger()  # Cancel keeps the model
    assert window.settings.assistant_model == mine
    broken = tmp_path / "broken"
    Path(f"{broken}.json").write_text("{not json")
    window.file_ops.prompts.paths.append(Path(f"{broken}.json"))  # type: ignore[attr-defined]
    window.actions["ai_model"].trigger()
    qtbot.waitUntil(lambda: window.assistant_service.state is ServiceState.ERROR, timeout=WAIT_MS)
    assert "Model unavailable" in panel(window).model_label.text()
    assert window.editor.isEnabled()  # the editor goes on
    window.actions["ai_model_default"].trigger()
    assert window.settings.assistant_model is None
