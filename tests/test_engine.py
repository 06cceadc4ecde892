"""The decoding engine with a small random model: every sample decodes to valid notes,
candidates stream bar by bar, seeds reproduce, regenerate never repeats, cancel stops."""

from __future__ import annotations

import math
import threading

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.score import Note, Score, Track
from composer.timing import PPQ, TimeSignature, TimeSignatureMap
from composer.tokens import UNIT, Vocabulary, Window
from models.engine import Cancelled, CandidateRestarted, CellDone, Engine, Sampling
from models.transformer import ModelConfig, MusicTransformer

VOCAB = Vocabulary()


@pytest.fixture(scope="module")
def engine() -> Engine:
    torch.manual_seed(1)
    model = MusicTransformer(ModelConfig(vocab_size=len(VOCAB), n_layer=2, n_head=2, d_model=32, max_len=1024))
    return Engine(model, VOCAB)


def _window(drums: bool = False, sigs: TimeSignatureMap | None = None) -> Window:
    piano = Track.create("Piano", [Note.create(60 + i % 12, i * PPQ, PPQ) for i in range(32)])
    kit = Track.create("Kit", [Note.create(36, i * PPQ, 60) for i in range(32)], is_drum=True, channel=9)
    score = Score(tracks=(piano, kit), time_signatures=sigs or TimeSignatureMap())
    target = kit if drums else piano
    return Window(score, (piano.id, kit.id), 0, 8, frozenset({(target.id, 2), (target.id, 3)}))


def _run(engine: Engine, window: Window, n: int, **kw: object) -> tuple[list, list]:
    events = list(engine.generate(window, n, **kw))  # type: ignore[arg-type]
    return events[:-1], events[-1]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                               HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10_000), st.booleans(), st.sampled_from([(4, 4), (3, 4), (7, 8)]), st.floats(0.5, 2.0))
def test_samples_always_decode_to_valid_notes(engine: Engine, seed: int, drums: bool, sig: tuple[int, int],
                                              temperature: float) -> None:
    window = _window(drums, TimeSignatureMap((TimeSignature(0, *sig),)))
    _, candidates = _run(engine, window, 2, sampling=Sampling(temperature, 0.95, seed))
    assert len(candidates) == 2
    for candidate in candidates:
        assert set(candidate.cells) == set(window.fill)
        for (_track_id, bar), notes in candidate.cells.items():
            start, end = window.bar_ticks(bar)
            assert len(notes) <= 48
            for n in notes:
                assert start <= n.start < end and n.duration > 0 and 1 <= n.velocity <= 127
                assert 27 <= n.pitch <= 87 if drums else 0 <= n.pitch <= 127
            onsets = [(n.start, n.pitch) for n in notes]
            assert onsets == sorted(set(onsets))  # positions rise, pitches rise within a position


def test_cells_stream_before_the_result_and_seeds_reproduce(engine: Engine) -> None:
    window = _window()
    events, candidates = _run(engine, window, 3, sampling=Sampling(seed=7))
    done = [e for e in events if isinstance(e, CellDone)]
    assert {(e.candidate, e.cell) for e in done} >= {(c, cell) for c in range(3) for cell in window.fill}
    again = _run(engine, window, 3, sampling=Sampling(seed=7))[1]
    assert [c.fingerprint() for c in again] == [c.fingerprint() for c in candidates]


def test_regenerate_never_repeats(engine: Engine) -> None:
    window = _window()
    first = _run(engine, window, 4, sampling=Sampling(seed=3))[1]
    seen = {c.fingerprint() for c in first}
    assert len(seen) == 4
    events, second = _run(engine, window, 4, sampling=Sampling(seed=3), avoid=seen)
    assert any(isinstance(e, CandidateRestarted) for e in events)  # same seed: the repeats were redone
    assert not seen & {c.fingerprint() for c in second}


def test_cancel_stops_between_tokens(engine: Engine) -> None:
    cancel = threading.Event()
    stream = engine.generate(_window(), 2, cancel=cancel)
    next(stream)  # the first finished cell
    cancel.set()
    with pytest.raises(Cancelled):
        list(stream)


def test_style_guidance_samples_from_the_amplified_difference(engine: Engine) -> None:
    """With guidance w, the first written token is the argmax of uncond + w * (cond - uncond), where
    cond reads the style and uncond STYLE_NONE; w = 1 is plain decoding; no style: nothing to guide."""
    from dataclasses import replace

    from composer.tokens import encode_context, fill_prefix

    window = replace(_window(), style="folk")
    cell = window.fill_order()[0]

    def log_probs(w: Window) -> torch.Tensor:
        ids = VOCAB.encode([*encode_context(w), *fill_prefix(w, cell)])
        with torch.no_grad():
            return torch.log_softmax(engine.model(torch.tensor([ids]))[0, -1].float(), dim=-1)

    cond, uncond = log_probs(window), log_probs(replace(window, style=None))
    start, end = window.bar_ticks(cell[1])
    positions = VOCAB.range_of("POS_")
    allowed = [*range(positions.start, positions.start + (end - start) // UNIT), VOCAB["FILL_END"]]

    def first_onset(scale: float) -> int | None:
        notes = next(iter(engine.generate(window, 1, Sampling(temperature=0, guidance=scale)))).notes
        return notes[0].start if notes else None

    for scale in (1.0, 3.0, 8.0):
        mixed = uncond + scale * (cond - uncond)
        token = VOCAB.tokens[max(allowed, key=lambda i: float(mixed[i]))]
        assert first_onset(scale) == (None if token == "FILL_END" else start + int(token[4:]) * UNIT)
    plain = list(engine.generate(replace(window, style=None), 2, Sampling(seed=4, guidance=5.0)))[-1]
    same = list(engine.generate(replace(window, style=None), 2, Sampling(seed=4)))[-1]
    assert [c.fingerprint() for c in plain] == [c.fingerprint() for c in same]


def test_candidates_carry_their_likelihood_for_ranking(engine: Engine) -> None:
    """Each candidate's log-probability sums its sampled tokens (notes and FILL_END) under the grammar-masked
    distribution: never below the unmasked teacher-forced sum, never above zero."""
    from dataclasses import replace

    from composer.tokens import encode_training

    window = _window()
    _, candidates = _run(engine, window, 3, sampling=Sampling(1.0, 1.0, 11))
    for candidate in candidates:
        track_id = min(window.fill)[0]
        track = window.score.track(track_id)
        lo, hi = window.bar_ticks(2)[0], window.bar_ticks(3)[1]
        written = [n for notes in candidate.cells.values() for n in notes]
        score = window.score.with_track(track.with_notes([n for n in track.notes if not lo <= n.start < hi] + written))
        tokens = encode_training(replace(window, score=score))
        ids = VOCAB.encode(tokens)
        with torch.no_grad():
            log_probs = torch.log_softmax(engine.model(torch.tensor([ids[:-1]]))[0].float(), dim=-1)
        inside, positions = False, []
        for i, token in enumerate(tokens):
            if token == "FILL_START":
                inside = True
            elif inside:
                positions.append(i)
                inside = token != "FILL_END"
        unmasked = sum(float(log_probs[i - 1, ids[i]]) for i in positions)
        assert candidate.sampled == len(positions)
        assert unmasked - 1e-3 <= candidate.log_prob <= 0
        assert candidate.bits_per_token == pytest.approx(-candidate.log_prob / math.log(2) / len(positions))
