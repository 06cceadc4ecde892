"""The shipped checkpoint and style classifier load and write valid notes for every operation on a
real song: inside the region, on its tracks, in range, and not all silent."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from composer.beat_grid import read_beat_file, with_annotated_meter
from composer.midi_import import read_midi
from composer.region import Region
from models import checkpoint
from models.assistant import Assistant, Options, Result
from models.cli import DEFAULT_MODEL
from models.engine import Engine
from models.style_classifier import excerpt_tokens, load_classifier

SONG = Path(__file__).parent / "data" / "pop909" / "001.mid"


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    torch.set_num_threads(1)
    model, vocab, info = checkpoint.load(DEFAULT_MODEL)
    assert info.extra["dtype"] == "float16" and "pop" in vocab.styles
    return Assistant(Engine(model, vocab))


@pytest.mark.parametrize("operation", ["fill", "vary", "restyle", "continue"])
def test_every_operation_writes_valid_notes(assistant: Assistant, operation: str) -> None:
    score = read_midi(SONG)[0]
    melody = score.tracks[0]
    region = Region((melody.id,), 10, 12)
    options = Options(n=2, seed=1, style="pop")
    if operation == "fill":
        events = list(assistant.fill(score, region, options))
    elif operation == "vary":
        events = list(assistant.vary(score, region, 0.6, options))
    elif operation == "restyle":
        events = list(assistant.restyle(score, region, "folk", ("harmony",), options))
    else:  # from bar 24, where the melody is singing (the song's last ten bars have none to go on)
        end = score.time_signatures.bar_start(24)
        score = replace(score, tracks=tuple(t.with_notes([n for n in t.notes if n.start < end]) for t in score.tracks))
        events = list(assistant.continue_(score, (melody.id,), 2, options))
        region = Region((melody.id,), score.bar_count, score.bar_count + 2)
    result = events[-1]
    assert isinstance(result, Result) and len(result.candidates) == 2
    start, end = region.ticks(score)
    written = 0
    for candidate in result.candidates:
        assert set(candidate) <= {melody.id}
        for note in candidate.get(melody.id, []):
            assert start <= note.start < end and note.duration > 0
            assert 0 <= note.pitch <= 127 and 1 <= note.velocity <= 127
            written += 1
    assert written > 0


def test_the_shipped_style_classifier_hears_a_pop_melody_as_pop() -> None:
    classifier = load_classifier(DEFAULT_MODEL.with_name("style_classifier"))
    assert set(classifier.styles) == {"chorale", "renaissance", "folk", "fiddle", "classical", "pop"}
    score = read_midi(SONG)[0]
    score = with_annotated_meter(score, *read_beat_file((SONG.parent / "001_beat_midi.txt").read_text()))
    melody = score.tracks[0]
    for bar in (8, 24):  # the verse and the chorus
        lo, hi = score.time_signatures.bar_start(bar), score.time_signatures.bar_start(bar + 4)
        excerpt = excerpt_tokens(melody.starting_in(lo, hi), score, bar, bar + 4)
        assert classifier.predict(excerpt) == "pop"
    sigs = score.time_signatures
    notes = {melody.id: list(melody.starting_in(sigs.bar_start(8), sigs.bar_start(12)))}
    confidence = classifier.confidence(score, 8, 12, notes, "pop")
    assert confidence is not None and confidence > classifier.confidence(score, 8, 12, notes, "chorale")
