"""Evaluation pieces: metrics are right on known answers, baselines run through the same engine."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from composer.midi_import import read_midi
from composer.tokens import Vocabulary, Window, encode_training
from models.baselines import NGramModel, copy_nearest_bar
from models.engine import Engine, Sampling
from models.evaluate import fill_bits, note_metrics, with_controls
from models.training_data import gridded

VOCAB = Vocabulary()
SONG = Path(__file__).parent / "data" / "pop909" / "001.mid"


def _window() -> Window:
    score = gridded(read_midi(SONG)[0])
    melody = score.tracks[0]
    return Window(score, tuple(t.id for t in score.tracks), 8, 16, frozenset({(melody.id, 11), (melody.id, 12)}))


def test_the_real_bars_score_perfectly() -> None:
    window = _window()
    real = {c: list(window.score.track(c[0]).starting_in(*window.bar_ticks(c[1]))) for c in window.fill}
    metrics = note_metrics(window, real)
    assert metrics["onset_f1"] == 1.0 and math.isclose(metrics["pch_overlap"], 1.0)
    assert metrics["density_err"] == 0 and metrics["polyphony_err"] == 0 and metrics["out_of_range"] == 0
    assert metrics["chord_match"] == 1.0
    assert note_metrics(window, {c: [] for c in window.fill})["onset_f1"] == 0.0


def test_copy_baseline_moves_a_neighbouring_bar() -> None:
    window = _window()
    track_id, bar = min(window.fill)
    copied = copy_nearest_bar(window, (track_id, bar))
    start, end = window.bar_ticks(bar)
    source = window.score.track(track_id).starting_in(*window.bar_ticks(bar - 1))
    assert copied and all(start <= n.start < end for n in copied)
    assert [n.pitch for n in copied] == [n.pitch for n in source][: len(copied)]


def test_ngram_is_a_distribution_and_runs_in_the_engine() -> None:
    window = _window()
    ids = VOCAB.encode(encode_training(window))
    ngram = NGramModel(len(VOCAB)).fit([ids])
    assert math.isclose(float(np.exp(ngram.log_probs(ids[:5])).sum()), 1.0, rel_tol=1e-6)
    bits, count = fill_bits(ngram, VOCAB, window)
    assert count > 0 and 0 < bits / count < 3  # it has seen this very sequence
    events = list(Engine(ngram, VOCAB).generate(with_controls(window), 1, Sampling(seed=1)))  # type: ignore[arg-type]
    assert set(events[-1][0].cells) == set(window.fill)


def test_restyle_task_and_metrics_on_known_answers(tmp_path: Path) -> None:
    import torch

    from models.evaluate import restyle_metrics, restyle_task
    from models.style_classifier import train

    window = _window()
    window = Window(window.score, window.track_ids, window.start_bar, window.end_bar, window.fill, "pop")
    task = restyle_task(window, VOCAB.styles, 0)
    assert task.style != "pop" and task.fill == window.fill
    # the assistant's default restyle: harmony and range kept, nothing read around the bars
    assert all(c.chords is not None and c.density is None and c.onsets is None for c in task.controls.values())
    melody = window.score.track(min(window.fill)[0])
    assert all((c.pitch_range is not None) == bool(melody.starting_in(*window.bar_ticks(bar)))  # an empty bar has none
               for (_, bar), c in task.controls.items())
    assert any(c.pitch_range for c in task.controls.values())
    bars = sorted(b for _, b in window.fill)
    assert (task.start_bar, task.end_bar) == (bars[0], bars[-1] + 1)
    assert set(task.track_ids) == {t for t, _ in window.fill} != set(window.track_ids)
    torch.manual_seed(0)
    from models.corpus import Piece

    classifier, _ = train([Piece("p", "pop", window.score)], [], ("pop", "folk"), steps=2, batch=2)
    real = {c: list(window.score.track(c[0]).starting_in(*window.bar_ticks(c[1]))) for c in window.fill}
    metrics = restyle_metrics(window, real, classifier, "folk")
    assert metrics["chords_kept"] == 1.0  # the source bars keep their own chords
    assert metrics["as_target"] in (0.0, 1.0) and metrics["as_source"] == 1.0 - metrics["as_target"]  # 2 styles
    assert "as_source" not in restyle_metrics(replace(window, style="chorale"), real, classifier, "folk")
    silent = restyle_metrics(window, {c: [] for c in window.fill}, classifier, "folk")
    assert silent["as_target"] == 0.0 and silent["chords_kept"] < 1.0


def test_fills_are_evaluated_as_the_panels_default_fill() -> None:
    """Auto density from the neighbouring bars, and the harmony the other tracks make (the panel keeps
    harmony by default), never read from the real bars being filled."""
    from composer.chord_symbols import chords_per_beat
    from composer.region import Region
    from composer.tokens import density_bin
    from models.evaluate import as_filled

    window = _window()
    track_id = min(window.fill)[0]
    track = window.score.track(track_id)
    controls = as_filled(window).controls
    assert controls[(track_id, 11)].density == density_bin(len(track.starting_in(*window.bar_ticks(10))))
    assert controls[(track_id, 12)].density == density_bin(len(track.starting_in(*window.bar_ticks(13))))
    assert all(c.onsets is None for c in controls.values())
    lane = Region((track_id,), 11, 13).cut(window.score)[0].apply(window.score)[0]
    for bar in (11, 12):
        chords = controls[(track_id, bar)].chords
        assert chords and chords == tuple(chords_per_beat(lane, *window.bar_ticks(bar)))
    assert as_filled(replace(window, score=lane)).controls == controls  # the real bars emptied: the same asks


def test_evaluates_every_piece_of_new_songs_with_the_baseline_fit_elsewhere(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """Songs the model never saw: --split all evaluates all of them; the n-gram learns from another corpus."""
    import pytest
    import torch

    from models import checkpoint, corpus, style_classifier
    from models.evaluate import RESTYLE_GAP, RESTYLE_SYSTEMS, main
    from models.style_classifier import ClassifierConfig, StyleClassifier, StyleNet
    from models.transformer import ModelConfig, MusicTransformer

    torch.manual_seed(3)
    vocab = Vocabulary()
    stem = tmp_path / "tiny"
    checkpoint.save(MusicTransformer(ModelConfig(len(vocab), n_layer=1, n_head=2, d_model=32, max_len=1024)), vocab,
                    stem)
    judge = StyleNet(ClassifierConfig(len(Vocabulary(vocab.styles)), len(vocab.styles), d_model=16, n_layer=1))
    style_classifier.save(StyleClassifier(judge, vocab.styles), tmp_path / "judge")
    new, training = tmp_path / "new", tmp_path / "training"
    data = Path(__file__).parent / "data"
    assert corpus.main(["--midi-folder", f"{data / 'pop909'}:pop", "--midi-folder", f"{data / 'music21'}:mine",
                        "--cache", str(new), "--workers", "1"]) == 0
    assert corpus.main(["--midi-folder", f"{data / 'music21'}:chorale", "--cache", str(training),
                        "--workers", "1"]) == 0
    capsys.readouterr()
    with pytest.raises(SystemExit):  # the baseline would learn the evaluated songs
        main(["--cache", str(new), "--model", str(stem), "--split", "all"])
    report = tmp_path / "report.md"
    assert main(["--cache", str(new), "--model", str(stem), "--split", "all", "--ngram-cache", str(training),
                 "--tasks", "2", "--ngram-examples", "20", "--classifier", str(tmp_path / "judge"),
                 "--report", str(report)]) == 0
    text, restyle = report.read_text().split("\n\nRestyle (", 1)
    assert f"every piece of {new}" in text
    styles = {line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| ") and "---" not in line}
    assert styles == {"style", "pop", "mine", "all styles"}  # a style the model does not know: none given
    assert "| pop | model |" in text and "| pop | copy bar |" in text and "| mine | model |" in text
    gaps = [line for line in text.splitlines() if "| star of 4 - copy bar |" in line]
    assert [g.split("|")[1].strip() for g in gaps] == ["mine", "pop", "all styles"]  # styles sorted
    assert all(g.count(" ± ") == 2 for g in gaps)
    assert "no style 'mine'" in capsys.readouterr().err
    restyled = [line.split("|")[1:3] for line in restyle.splitlines() if line.startswith(("| pop |", "| mine |"))]
    assert [(s.strip(), system.strip()) for s, system in restyled] == [
        (style, system) for style in ("mine", "pop") for system in (*RESTYLE_SYSTEMS, RESTYLE_GAP)]
    restyle_gaps = {line.split("|")[1].strip(): line.count(" ± ") for line in restyle.splitlines()
                    if f"| {RESTYLE_GAP} |" in line}
    assert restyle_gaps == {"mine": 3, "pop": 4, "all styles": 4}  # as_source only where the judge knows the style
    assert "| target | tasks | model | model, star of 4 | n-gram | n-gram, star of 4 |" in restyle


def test_the_star_row_is_the_consensus_of_four_candidates() -> None:
    """"model, star of 4" scores the candidate the panel would star for a fill, from the same four
    candidates, with the bars around the gap voting."""
    import torch

    from composer.note_similarity import consensus, neighbour_bars
    from composer.tokens import UNIT
    from models.evaluate import SAMPLING, as_filled, star_of
    from models.transformer import ModelConfig, MusicTransformer

    torch.manual_seed(5)
    engine = Engine(MusicTransformer(ModelConfig(len(VOCAB), n_layer=1, n_head=2, d_model=32, max_len=1024)), VOCAB)
    window = as_filled(_window())
    candidates = list(engine.generate(window, 4, Sampling(SAMPLING.temperature, SAMPLING.top_p, 7)))[-1]
    neighbours = neighbour_bars(window.score, window.fill, (window.start_bar, window.end_bar))
    assert all(neighbours)  # the gap has music on both sides
    expected = consensus([c.cells for c in candidates], UNIT, [c.bits_per_token for c in candidates], neighbours)
    def plain(cells: dict) -> dict:  # notes without their ids, which are fresh on every decode
        return {cell: [n[:4] for n in notes] for cell, notes in cells.items()}

    assert expected is not None and plain(star_of(engine, window, 7)) == plain(candidates[expected].cells)


def test_paired_gap_on_known_answers() -> None:
    """The gap is the mean task-by-task difference; its interval is 1.96 standard errors of that mean."""
    from models.evaluate import gap_row, paired_gap

    mean, half = paired_gap([0.5, 0.7, 0.9, 0.6], [0.4, 0.5, 0.8, 0.6])  # differences 0.1, 0.2, 0.1, 0.0
    assert math.isclose(mean, 0.1)
    assert math.isclose(half, 1.96 * math.sqrt(2 / 300) / 2)
    assert paired_gap([1.0, 1.0], [1.0, 1.0]) == (0.0, 0.0)  # the same fills: no gap, no doubt
    row = gap_row("folk", {"onset_f1": [0.9, 0.7], "pch_overlap": [0.5, 0.5]},
                  {"onset_f1": [0.8, 0.6], "pch_overlap": [0.6, 0.6]})
    assert row["onset_f1"] == "+0.100 ± 0.000" and row["pch_overlap"] == "-0.100 ± 0.000"
