"""The assistant API with a small random model: every operation returns notes inside the region,
on its tracks and bars, in any meter; options map onto the model's controls."""

from __future__ import annotations

import pytest
import torch

from composer.region import Region
from composer.score import Note, Score, Track
from composer.timing import PPQ, TimeSignature, TimeSignatureMap
from composer.tokens import Vocabulary, Window
from models.assistant import RESTYLE_GUIDANCE, RESTYLE_KEEP, Assistant, Options, Result
from models.engine import CellDone, Engine, Sampling
from models.transformer import ModelConfig, MusicTransformer

VOCAB = Vocabulary()


@pytest.fixture(scope="module")
def assistant() -> Assistant:
    torch.manual_seed(2)
    model = MusicTransformer(ModelConfig(len(VOCAB), n_layer=2, n_head=2, d_model=32, max_len=1024))
    return Assistant(Engine(model, VOCAB))


def _score() -> Score:
    sigs = TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(8 * PPQ, 3, 4)))
    melody = Track.create("Melody", [Note.create(67 + i % 5, i * PPQ, PPQ) for i in range(26)], program=73)
    chords = Track.create("Chords", [Note.create(p, i * 2 * PPQ, 2 * PPQ) for i in range(13) for p in (48, 52, 55)])
    return Score(tracks=(melody, chords), time_signatures=sigs)


def _result(events: list) -> Result:
    assert isinstance(events[-1], Result)
    return events[-1]


def _check(score: Score, region: Region, result: Result, n: int) -> None:
    start, end = region.ticks(score)
    assert len(result.candidates) == n
    for candidate in result.candidates:
        assert set(candidate) <= set(region.track_ids)
        for notes in candidate.values():
            assert all(start <= note.start < end for note in notes)


@pytest.mark.parametrize("operation", ["fill", "vary", "restyle"])
def test_operations_stay_in_the_region(assistant: Assistant, operation: str) -> None:
    score = _score()
    region = Region((score.tracks[0].id,), 2, 4)  # one 4/4 bar and one 3/4 bar
    options = Options(n=2, seed=5)
    if operation == "fill":
        events = list(assistant.fill(score, region, options))
    elif operation == "vary":
        events = list(assistant.vary(score, region, 0.3, options))
    else:
        events = list(assistant.restyle(score, region, "folk", ("harmony", "rhythm"), options))
    cells = {(e.candidate, e.cell) for e in events if isinstance(e, CellDone)}
    assert cells == {(c, (score.tracks[0].id, b)) for c in range(2) for b in (2, 3)}
    _check(score, region, _result(events), 2)


def test_continue_writes_after_the_end(assistant: Assistant) -> None:
    score = _score()
    result = _result(list(assistant.continue_(score, [score.tracks[1].id], 2, Options(n=1))))
    start = score.time_signatures.bar_start(score.bar_count)
    assert all(n.start >= start for notes in result.candidates[0].values() for n in notes)


def test_restyle_maps_keep_switches_to_controls(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Window] = []
    samplings: list[Sampling] = []

    def capture(window: Window, n: int, sampling: Sampling, *args: object, **kw: object):  # noqa: ANN202
        seen.append(window)
        samplings.append(sampling)
        yield []

    monkeypatch.setattr(assistant.engine, "generate", capture)
    score = _score()
    region = Region((score.tracks[0].id,), 0, 2)
    list(assistant.restyle(score, region, "pop", ("harmony",)))
    list(assistant.restyle(score, region, "pop", ("rhythm", "range")))
    harmony, rhythm = (list(w.controls.values())[0] for w in seen)
    assert harmony.chords is not None and harmony.onsets is None and harmony.pitch_range is None
    assert rhythm.chords is None and rhythm.onsets and rhythm.pitch_range == (67, 70)
    # restyle reads only the region (no bars around, no other tracks) and follows the style harder
    assert seen[0].style == "pop" and (seen[0].start_bar, seen[0].end_bar) == (0, 2)
    assert seen[0].track_ids == (score.tracks[0].id,) and len(score.tracks) > 1
    assert samplings[0].guidance == RESTYLE_GUIDANCE > 1
    list(assistant.restyle(score, region, "pop", options=Options(guidance=1.0)))
    default = list(seen[2].controls.values())[0]
    assert RESTYLE_KEEP == ("harmony", "range") and default.chords and default.pitch_range and default.onsets is None
    list(assistant.fill(score, region, Options(style="pop")))
    assert samplings[2].guidance == samplings[3].guidance == 1.0
    assert seen[3].end_bar == score.bar_count > 2 and len(seen[3].track_ids) == len(score.tracks)  # all the context
    with pytest.raises(ValueError, match="unknown style"):
        list(assistant.restyle(score, region, "dubstep"))
    with pytest.raises(ValueError, match="cannot keep"):
        list(assistant.restyle(score, region, "pop", ("tempo",)))
    monkeypatch.setattr(assistant, "_budget", lambda cells, controls: 5)  # no room even for the header
    with pytest.raises(ValueError, match="too large"):
        list(assistant.restyle(score, region, "pop"))


def test_regenerate_avoids_earlier_candidates(assistant: Assistant) -> None:
    score = _score()
    region = Region((score.tracks[0].id,), 1, 2)
    first = _result(list(assistant.fill(score, region, Options(n=2, seed=1))))
    second = _result(list(assistant.fill(score, region, Options(n=2, seed=1), avoid=set(first.fingerprints))))
    assert not set(first.fingerprints) & set(second.fingerprints)
    assert len(first.bits) == 2 and all(b > 0 for b in first.bits)


def test_typed_chords_are_what_restyle_and_fill_keep(assistant: Assistant) -> None:
    from dataclasses import replace as with_fields

    from composer.annotations import ChordMark
    from composer.harmony import Chord

    score = _score()
    bar2 = score.time_signatures.bar_start(2)
    typed = with_fields(score, chords=(ChordMark(bar2, "F"),))
    region = Region((score.tracks[0].id,), 2, 3)
    measured = assistant._measured(typed, [(score.tracks[0].id, 2)])
    assert set(measured[(score.tracks[0].id, 2)].chords) == {Chord(5, "maj")}  # the lane, not what is heard
    heard = assistant._measured(score, [(score.tracks[0].id, 2)])
    assert Chord(5, "maj") not in set(heard[(score.tracks[0].id, 2)].chords)
    events = list(assistant.fill(typed, region, Options(n=1, seed=1), keep_harmony=True))
    assert isinstance(events[-1], Result)


def test_long_restyle_goes_window_by_window_and_never_repeats(assistant: Assistant) -> None:
    from models.assistant import CHUNK_BARS, windows_of

    score = _score()
    track_id = score.tracks[0].id
    region = Region((track_id,), 0, 6)
    assert [(w.start_bar, w.end_bar) for w in windows_of(region)] == [(0, CHUNK_BARS), (CHUNK_BARS, 6)]
    events = list(assistant.restyle(score, region, "folk", ("rhythm",), Options(n=2, seed=3)))
    result = _result(events)
    _check(score, region, result, 2)
    cells = {(e.candidate, e.cell[1]) for e in events if isinstance(e, CellDone)}
    assert cells == {(c, b) for c in range(2) for b in range(6)}
    assert all(fp[0] == "chunks" and len(fp) == 3 for fp in result.fingerprints)
    assert len(result.bits) == 2 and all(b > 0 for b in result.bits)  # the windows' mean, per candidate
    again = _result(list(assistant.restyle(score, region, "folk", ("rhythm",), Options(n=2, seed=3),
                                           avoid=set(result.fingerprints))))
    assert not set(again.fingerprints) & set(result.fingerprints)
    assert all(set(fp[1:]).isdisjoint(set(old[1:])) for fp in again.fingerprints for old in result.fingerprints)


def test_steer_overrides_what_vary_measures(assistant: Assistant) -> None:
    from composer.tokens import BarControls

    score = _score()
    region = Region((score.tracks[0].id,), 0, 2)
    windows = []
    original = assistant._window
    assistant._window = lambda *args: windows.append(args[-1]) or original(*args)  # type: ignore[method-assign]
    try:
        list(assistant.vary(score, region, 0.0, Options(n=1), steer=BarControls(density=7, pitch_range=(40, 50))))
    finally:
        del assistant._window
    assert all(c.density == 7 and c.pitch_range == (40, 50) for c in windows[0].values())
    assert all(c.onsets is not None for c in windows[0].values())  # amount 0 keeps the rhythm


@pytest.mark.parametrize("amount", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_vary_amount_is_the_share_of_original_notes_rewritten(assistant: Assistant, amount: float) -> None:
    from composer.candidate_diff import kept_share

    score = _score()  # the melody has one note on every beat
    melody = score.tracks[0]
    region = Region((melody.id,), 0, 2)  # two 4/4 bars: 8 notes
    original = region.notes(score)[melody.id]
    events = list(assistant.vary(score, region, amount, Options(n=3, seed=4)))
    result = _result(events)
    for candidate in result.candidates:
        notes = candidate.get(melody.id, [])
        kept = [n for n in original if any(m.start == n.start and m.pitch == n.pitch for m in notes)]
        assert len(kept) >= round((1 - amount) * len(original))  # whole beats of the original are kept
        assert kept_share(original, notes, PPQ) >= 1 - amount - 1e-9
        assert all(0 <= n.start < score.time_signatures.bar_start(2) for n in notes)
    streamed = {e.cell: e.notes for e in events if isinstance(e, CellDone) and e.candidate == 0}
    assert sorted(n for ns in streamed.values() for n in ns) == sorted(result.candidates[0].get(melody.id, []))


def test_fill_takes_an_auto_density_from_the_nearest_bar_of_the_track(assistant: Assistant,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from composer.tokens import BarControls, density_bin

    seen: list[Window] = []

    def capture(window: Window, *args: object, **kw: object):  # noqa: ANN202
        seen.append(window)
        yield []

    monkeypatch.setattr(assistant.engine, "generate", capture)
    melody = Track.create("Melody", [Note.create(60, i * PPQ // 2, PPQ // 2) for i in range(8)]  # bar 0: 8 notes
                          + [Note.create(62, 4 * 4 * PPQ + i * PPQ, PPQ) for i in range(4)])  # bar 4: 4 notes
    empty = Track.create("New part")
    score = Score(tracks=(melody, empty))
    list(assistant.fill(score, Region((melody.id,), 1, 3)))  # bar 0 is nearer to both than bar 4
    assert {c.density for c in seen[-1].controls.values()} == {density_bin(8)}
    list(assistant.fill(score, Region((melody.id,), 2, 4)))  # bar 4 is next to bar 3; bar 2 is as near to 0 and 4
    assert seen[-1].controls[(melody.id, 3)].density == density_bin(4)
    list(assistant.fill(score, Region((melody.id,), 1, 2), controls=BarControls(density=1)))  # the user's wins
    assert seen[-1].controls[(melody.id, 1)].density == 1
    list(assistant.fill(score, Region((empty.id,), 1, 3)))  # nothing near: left to the model
    assert all(c.density is None for c in seen[-1].controls.values())
    list(assistant.continue_(score, [melody.id], 2))  # continue: the last bar's
    assert {c.density for c in seen[-1].controls.values()} == {density_bin(4)}


def test_vary_counts_the_notes_the_model_wrote_again_as_kept() -> None:
    """Half the notes asked back: when the model's bar already repeats one beat of the original, only
    one more beat of the original is kept, not two."""
    import random

    from composer.candidate_diff import kept_share
    from models.assistant import blend_bar

    score = _score()
    original = [Note.create(60 + b, b * PPQ + h * PPQ // 2, PPQ // 2) for b in range(4) for h in range(2)]
    written = [*original[:2], *(Note.create(72, b * PPQ, PPQ) for b in range(1, 4))]  # beat 0 written again
    for seed in range(10):
        blended = blend_bar(original, written, score, 0, 0.5, random.Random(seed))
        assert kept_share(original, blended, PPQ) == 0.5
