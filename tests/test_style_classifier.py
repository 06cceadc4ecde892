"""The style classifier: reads content only, learns two clearly different styles from real pieces,
saves and loads through safetensors, refuses damaged files, and judges candidates' notes."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from composer.midi_import import read_midi
from composer.score import Note
from models.checkpoint import CheckpointError
from models.corpus import Piece
from models.style_classifier import accuracy, excerpt_tokens, load_classifier, save, train

DATA = Path(__file__).parent / "data"


def _pieces() -> list[Piece]:
    chorales = [Piece(f"c{i}-{name}", "chorale", read_midi(DATA / "music21" / name)[0])
                for i in range(3) for name in ("bach_bwv66.6.mid", "bach_bwv304.mid")]
    reels = [Piece(f"r{i}-{name}", "fiddle", read_midi(DATA / "music21" / name)[0])
             for i in range(3) for name in ("ryans_acacia_reel.mid", "aird_ranting_highlandman.mid")]
    return chorales + reels


def test_excerpt_tokens_hold_content_only() -> None:
    score = _pieces()[0].score
    track = score.tracks[0]
    loud = [n._replace(velocity=127) for n in track.notes]
    soft = [n._replace(velocity=20) for n in track.notes]
    tokens = excerpt_tokens(loud, score, 0, 4)
    assert tokens == excerpt_tokens(soft, score, 0, 4)  # velocity is not style
    assert tokens.count("BAR") == 4 and not any(t.startswith(("VEL_", "PROGRAM_", "TEMPO_")) for t in tokens)
    assert any(t.startswith("PITCH_") for t in tokens)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    torch.manual_seed(0)
    torch.set_num_threads(1)
    pieces = _pieces()
    classifier, summary = train(pieces, pieces, ("chorale", "fiddle"), steps=150, batch=16, lr=3e-3, d_model=64,
                                n_layer=1)
    stem = tmp_path_factory.mktemp("clf") / "style"
    save(classifier, stem, {"training": summary})
    return classifier, stem


def test_learns_chorales_from_reels(trained) -> None:  # noqa: ANN001
    classifier, _ = trained
    score, confusion = accuracy(classifier, _pieces(), 10)
    assert score >= 0.8, confusion


def test_checkpoint_round_trip_gives_the_same_probabilities(trained) -> None:  # noqa: ANN001
    classifier, stem = trained
    loaded = load_classifier(stem)
    piece = _pieces()[0]
    excerpt = excerpt_tokens(piece.score.tracks[0].notes, piece.score, 0, 4)
    ours, theirs = classifier.probabilities([excerpt])[0], loaded.probabilities([excerpt])[0]
    assert ours.keys() == theirs.keys()
    assert all(abs(ours[s] - theirs[s]) < 0.02 for s in ours)  # fp16 weights


def test_confidence_of_candidate_notes(trained) -> None:  # noqa: ANN001
    classifier, _ = trained
    piece = _pieces()[0]
    track = piece.score.tracks[0]
    lo, hi = piece.score.time_signatures.bar_start(0), piece.score.time_signatures.bar_start(4)
    notes = {track.id: list(track.starting_in(lo, hi))}
    confidence = classifier.confidence(piece.score, 0, 4, notes, "chorale")
    assert confidence is not None and 0.0 <= confidence <= 1.0
    assert classifier.confidence(piece.score, 0, 4, notes, "pop") is None  # a style it does not know
    assert classifier.confidence(piece.score, 0, 4, {track.id: []}, "chorale") is None
    assert isinstance(notes[track.id][0], Note)


def test_damaged_or_missing_files_are_refused(trained, tmp_path: Path) -> None:  # noqa: ANN001
    _, stem = trained
    with pytest.raises(CheckpointError, match="cannot read"):
        load_classifier(tmp_path / "missing")
    bad = tmp_path / "bad"
    Path(f"{bad}.json").write_text(Path(f"{stem}.json").read_text())
    Path(f"{bad}.safetensors").write_bytes(b"not weights")
    with pytest.raises(CheckpointError, match="damaged"):
        load_classifier(bad)
