"""The diff view, kept shares, compare view and mix in the real assistant panel, with a tiny real model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from composer.candidate_diff import COMPOSITE, DiffKind, composite, diff_notes, region_kept_share
from composer.chord_symbols import outside_harmony
from composer.region import Region
from composer.score import Note, Score, Track
from composer.timing import PPQ
from composer.tokens import Vocabulary
from models import checkpoint, style_classifier
from models.style_classifier import ClassifierConfig, StyleClassifier, StyleNet, load_classifier
from models.transformer import ModelConfig, MusicTransformer
from ui.assistant.candidate_tools import CandidateTools
from ui.assistant.candidates import CandidateSet
from ui.assistant.ghost_layer import GhostLayer
from ui.assistant.panel import AssistantPanel
from ui.assistant.service import AssistantService
from ui.document_controller import DocumentController
from ui.editor_state import EditorState

WAIT_MS = 60_000
REGION_BARS = (2, 4)


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(5)
    vocab = Vocabulary()
    model = MusicTransformer(ModelConfig(len(vocab), n_layer=2, n_head=2, d_model=32, max_len=1024))
    stem = tmp_path_factory.mktemp("model") / "tiny"
    checkpoint.save(model, vocab, stem)
    return stem


def song(bars: int = 6) -> Score:
    melody = Track.create("Melody", [Note.create(60 + i % 7, i * PPQ, PPQ) for i in range(bars * 4)])
    bass = Track.create("Bass", [Note.create(36 + i % 5, i * 2 * PPQ, 2 * PPQ) for i in range(bars * 2)])
    return Score(tracks=(melody, bass))


class Rig:
    def __init__(self, qtbot: QtBot, checkpoint_stem: Path) -> None:
        self.controller = DocumentController()
        self.controller.load(song())
        self.state = EditorState()
        self.service = AssistantService(threads=1)
        self.ghosts = GhostLayer()
        self.panel = AssistantPanel(self.controller, self.state, self.service, self.ghosts)
        with qtbot.waitSignal(self.service.model_loaded, timeout=WAIT_MS):  # the panel learns the styles
            self.service.start(checkpoint_stem)
        qtbot.addWidget(self.panel)
        self.panel.resize(320, 1400)
        self.panel.show()
        qtbot.waitExposed(self.panel)
        self.tools: CandidateTools = self.panel.tools  # the panel puts them in its extras_layout
        assert self.panel.extras_layout.indexOf(self.tools) >= 0
        score = self.controller.score
        self.region = Region(tuple(t.id for t in score.tracks), *REGION_BARS)
        self.state.set_region(self.region)

    def ask(self, qtbot: QtBot, operation: str = "vary", n: int = 3) -> None:
        self.panel.count.setValue(n)
        with qtbot.waitSignal(self.service.finished, timeout=WAIT_MS):
            self.panel.run(operation)
        qtbot.waitUntil(lambda: self.panel.candidates is not None and self.panel.candidates.finished)


@pytest.fixture
def rig(qtbot: QtBot, tiny_checkpoint: Path) -> Rig:
    r = Rig(qtbot, tiny_checkpoint)
    yield r
    r.service.shutdown()


@pytest.fixture(scope="module")
def classified_checkpoint(tmp_path_factory: pytest.TempPathFactory, tiny_checkpoint: Path) -> Path:
    """The tiny model with a tiny (untrained) style classifier saved beside it, as the app ships them."""
    folder = tmp_path_factory.mktemp("classified")
    for suffix in (".json", ".safetensors"):
        (folder / f"tiny{suffix}").write_bytes(tiny_checkpoint.with_suffix(suffix).read_bytes())
    torch.manual_seed(7)
    styles = Vocabulary().styles
    config = ClassifierConfig(len(Vocabulary(styles)), len(styles), d_model=16, n_layer=1, n_head=2)
    style_classifier.save(StyleClassifier(StyleNet(config), styles), folder / "style_classifier")
    return folder / "tiny"


def click_cell(qtbot: QtBot, tools: CandidateTools, bar: int, candidate: int) -> None:
    grid = tools.mix.grid
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(bar, candidate).center())


def test_hidden_until_candidates_then_kept_shares_and_compare(qtbot: QtBot, rig: Rig) -> None:
    assert not rig.tools.isVisible()
    rig.panel.amount.setValue(30)
    rig.ask(qtbot, "vary", 3)
    c = rig.panel.candidates
    assert c is not None and rig.tools.isVisible()
    assert rig.tools.asked.isVisible() and rig.tools.asked.text() == "Vary asked: keep ~70% of the original notes"
    beat = PPQ
    for i, label in enumerate(rig.tools.kept_labels):
        share = region_kept_share(c.original, c.notes(i), beat)
        assert label.text() == f"<b>{'ABC'[i]}</b> kept {share:.0%} of the original notes"
    stats = rig.tools.compare.stats
    assert [s.label for s in stats] == ["A", "B", "C"]
    assert [s.notes_per_bar for s in stats] == [sum(map(len, c.notes(i).values())) / 2 for i in range(3)]
    assert all(s.style_confidence is None for s in stats)  # no classifier yet: "n/a"
    assert rig.tools.mix.isVisible() and rig.tools.mix.bars == (2, 3) and rig.tools.mix.accept_button.isEnabled()
    rig.panel.reject_all()
    assert not rig.tools.isVisible()


def test_the_diff_toggle_restyles_the_ghosts_and_back(qtbot: QtBot, rig: Rig) -> None:
    rig.ask(qtbot, "vary", 2)
    c = rig.panel.candidates
    assert c is not None
    rig.panel.show_candidate(1)
    track_ids = rig.region.track_ids
    assert {s for t in track_ids for _n, s in rig.ghosts.notes(t)} <= {"candidate", "outside"}
    qtbot.mouseClick(rig.tools.diff_toggle, Qt.MouseButton.LeftButton)
    assert rig.tools.diff_toggle.isChecked()
    for t in track_ids:
        expected = sorted((n, kind.value) for n, kind in diff_notes(c.original[t], c.notes(1)[t], PPQ))
        assert sorted(rig.ghosts.notes(t)) == expected
        removed = [n for n, s in rig.ghosts.notes(t) if s == DiffKind.REMOVED.value]
        assert set(removed) <= set(c.original[t])  # removed ghosts are the original's notes
    rig.panel.show_candidate(0)  # another candidate is diffed too
    t = track_ids[0]
    assert sorted(rig.ghosts.notes(t)) == sorted((n, k.value) for n, k in diff_notes(c.original[t], c.notes(0)[t], PPQ))
    qtbot.mouseClick(rig.tools.diff_toggle, Qt.MouseButton.LeftButton)
    assert {s for t in track_ids for _n, s in rig.ghosts.notes(t)} <= {"candidate", "outside"}


def test_accept_mix_by_clicks_is_one_undo_step_recorded_as_a_composite(qtbot: QtBot, rig: Rig) -> None:
    rig.ask(qtbot, "vary", 3)
    c = rig.panel.candidates
    assert c is not None
    before = rig.controller.score
    expected = composite([c.notes(i) for i in range(3)], {2: 2, 3: 1}, c.bar_ranges())
    mix = rig.tools.mix
    click_cell(qtbot, rig.tools, 2, 2)
    click_cell(qtbot, rig.tools, 3, 1)
    qtbot.mouseClick(mix.accept_button, Qt.MouseButton.LeftButton)
    score = rig.controller.score
    start, end = rig.region.ticks(score)
    for t in rig.region.track_ids:
        assert [n[:4] for n in score.track(t).starting_in(start, end)] == [n[:4] for n in expected[t]]
    (take,) = score.takes
    assert (take.candidate, take.operation, take.option("mix")) == (COMPOSITE, "vary", "C,B")
    assert take.option("candidates") == 3 and (take.start_bar, take.end_bar) == REGION_BARS
    assert rig.controller.undo_stack.count() == 1
    assert rig.panel.candidates is None and not rig.tools.isVisible()
    rig.controller.undo_stack.undo()
    assert rig.controller.score.tracks == before.tracks and rig.controller.score.takes == ()


def test_a_mix_from_one_candidate_accepts_that_candidate(qtbot: QtBot, rig: Rig) -> None:
    rig.ask(qtbot, "vary", 2)
    mix = rig.tools.mix
    for bar in mix.bars:
        click_cell(qtbot, rig.tools, bar, 1)
    qtbot.mouseClick(mix.accept_button, Qt.MouseButton.LeftButton)
    assert rig.controller.score.takes[-1].candidate == 1


def test_a_mixed_choice_previews_the_mix_as_ghosts_until_a_candidate_is_picked(qtbot: QtBot, rig: Rig) -> None:
    rig.ask(qtbot, "vary", 3)
    c = rig.panel.candidates
    assert c is not None
    rig.panel.show_candidate(0)
    click_cell(qtbot, rig.tools, 3, 2)  # bar 4 from C
    assert rig.tools.previewing_mix and rig.tools.mix_note.isVisible()
    expected = composite([c.notes(i) for i in range(3)], {2: 0, 3: 2}, c.bar_ranges())
    outside = outside_harmony(c.score, [n for ns in expected.values() for n in ns])  # no drums in this song
    for t in rig.region.track_ids:
        styled = sorted((n, "outside" if n.id in outside else "candidate") for n in expected[t])
        assert sorted(rig.ghosts.notes(t)) == styled
    qtbot.mouseClick(rig.tools.diff_toggle, Qt.MouseButton.LeftButton)  # the mix as a diff
    t = rig.region.track_ids[0]
    assert sorted(rig.ghosts.notes(t)) == sorted((n, k.value) for n, k in diff_notes(c.original[t], expected[t], PPQ))
    listing = rig.panel.candidate_list  # the user clicks B in the list: B alone again
    where = listing.visualItemRect(listing.item(1)).center()
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert c.shown == 1
    assert not rig.tools.previewing_mix and not rig.tools.mix_note.isVisible()
    assert sorted(rig.ghosts.notes(t)) == sorted((n, k.value) for n, k in diff_notes(c.original[t], c.notes(1)[t], PPQ))
    click_cell(qtbot, rig.tools, 3, 1)  # a mix again, then a click on B, the row already shown, ends it too
    click_cell(qtbot, rig.tools, 3, 2)
    assert rig.tools.previewing_mix
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert c.shown == 1 and not rig.tools.previewing_mix and not rig.tools.mix_note.isVisible()


def test_streamed_cells_are_redrawn_together_after_a_short_wait(qtbot: QtBot, rig: Rig) -> None:
    """A burst of cells costs one redraw; the start of a request shows at once, every slot laid out."""
    score = rig.controller.score
    c = CandidateSet(rig.service.new_id(), score, rig.region, 2)
    rig.panel.candidates = c
    rig.panel.candidates_changed.emit()  # a new request: laid out at once, its numbers come with the cells
    assert rig.tools.isVisible() and rig.tools.mix.count == 2 and len(rig.tools.kept_labels) == 2
    melody = rig.region.track_ids[0]
    for candidate in (0, 1):
        c.add_cell(candidate, (melody, 2), [Note.create(72, 2 * 4 * PPQ, PPQ)])
        rig.panel.candidates_changed.emit()
    assert rig.tools.compare.stats == ()  # not yet ...
    qtbot.waitUntil(lambda: [s.written for s in rig.tools.compare.stats] == [True, True], timeout=2000)  # ... together
    assert [s.low for s in rig.tools.compare.stats] == [72, 72]
    assert rig.tools.kept_labels[0].text().endswith("so far")


def test_style_confidence_comes_from_the_classifier_beside_the_model(qtbot: QtBot, classified_checkpoint: Path) -> None:
    rig = Rig(qtbot, classified_checkpoint)
    try:
        style = Vocabulary().styles[0]
        assert rig.panel.style_box.findData(style) > 0
        rig.panel.style_box.setCurrentIndex(rig.panel.style_box.findData(style))
        rig.ask(qtbot, "vary", 2)
        c = rig.panel.candidates
        assert c is not None
        classifier = load_classifier(classified_checkpoint.with_name("style_classifier"))
        expected = [classifier.confidence(c.score, 2, 4, c.notes(i), style) for i in range(2)]
        got = [s.style_confidence for s in rig.tools.compare.stats]
        assert all(e is not None for e in expected) and got == pytest.approx(expected)
        rig.panel.style_box.setCurrentIndex(0)  # "auto": no style to judge
        rig.ask(qtbot, "vary", 2)
        assert [s.style_confidence for s in rig.tools.compare.stats] == [None, None]
    finally:
        rig.service.shutdown()
