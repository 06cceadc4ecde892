"""The diff of a candidate against the original bars, its kept share, the composite and the compare stats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer.candidate_diff import (
    CandidateStats,
    DiffKind,
    candidate_label,
    candidate_stats,
    composite,
    diff_notes,
    kept_share,
    match_notes,
    mix_option,
    region_kept_share,
)
from composer.score import Note
from composer.timing import PPQ
from tests.strategies import notes

BEAT = PPQ
BAR = 4 * PPQ


def n(pitch: int, start: int, duration: int = PPQ, velocity: int = 90) -> Note:
    return Note.create(pitch, start, duration, velocity)


def kinds(original: list[Note], candidate: list[Note]) -> list[tuple[int, int, DiffKind]]:
    return [(note.pitch, note.start, kind) for note, kind in diff_notes(original, candidate, BEAT)]


def test_same_pitch_and_onset_is_kept_whatever_the_duration_and_velocity() -> None:
    original = [n(60, 0, PPQ, 90)]
    assert kinds(original, [n(60, 0, 3 * PPQ, 20)]) == [(60, 0, DiffKind.KEPT)]


def test_a_shift_of_up_to_a_beat_is_moved_and_beyond_is_new_plus_removed() -> None:
    original = [n(60, PPQ)]
    assert kinds(original, [n(60, PPQ + BEAT)]) == [(60, 2 * PPQ, DiffKind.MOVED)]
    assert kinds(original, [n(60, PPQ - 120)]) == [(60, PPQ - 120, DiffKind.MOVED)]
    assert kinds(original, [n(60, PPQ + BEAT + 1)]) == [(60, 2 * PPQ + 1, DiffKind.NEW), (60, PPQ, DiffKind.REMOVED)]


@pytest.mark.parametrize(("step", "kind"), [(1, DiffKind.MOVED), (-2, DiffKind.MOVED), (12, DiffKind.MOVED),
                                             (-12, DiffKind.MOVED), (3, DiffKind.NEW), (7, DiffKind.NEW)])
def test_same_onset_pitch_moved_by_a_whole_tone_or_an_octave(step: int, kind: DiffKind) -> None:
    original = [n(60, 0)]
    result = kinds(original, [n(60 + step, 0)])
    assert result[0] == (60 + step, 0, kind)
    assert ((60, 0, DiffKind.REMOVED) in result) == (kind is DiffKind.NEW)


def test_both_shifted_and_repitched_is_not_a_move() -> None:
    assert kinds([n(60, 0)], [n(62, 120)]) == [(62, 120, DiffKind.NEW), (60, 0, DiffKind.REMOVED)]


def test_an_exact_keep_wins_over_a_cheaper_looking_move_in_order() -> None:
    """Original C at 0 and D at 0; candidate D at 0 and C at 0: both kept, not crossed as moves."""
    original = [n(60, 0), n(62, 0)]
    candidate = [n(62, 0), n(60, 0)]
    assert [k for _n, k in diff_notes(original, candidate, BEAT)] == [DiffKind.KEPT, DiffKind.KEPT]


def test_the_nearer_shift_takes_the_original_and_the_other_is_new() -> None:
    original = [n(60, 0)]
    candidate = [n(60, 400), n(60, 100)]
    assert kinds(original, candidate) == [(60, 400, DiffKind.NEW), (60, 100, DiffKind.MOVED)]
    assert match_notes(original, candidate, BEAT) == {1: 0}


def test_a_small_move_beats_an_octave() -> None:
    original = [n(60, 0)]
    candidate = [n(72, 0), n(61, 0)]
    assert kinds(original, candidate) == [(72, 0, DiffKind.NEW), (61, 0, DiffKind.MOVED)]


def test_kept_share_counts_only_exact_keeps_of_the_original() -> None:
    original = [n(60, 0), n(64, 0), n(67, 0), n(72, BEAT)]
    candidate = [n(60, 0), n(64, 0), n(65, 0), n(48, 2 * BEAT), n(50, 3 * BEAT)]
    assert kept_share(original, candidate, BEAT) == 0.5  # 60 and 64 kept; 67->65 moved; 72 removed
    assert kept_share(original, [], BEAT) == 0.0
    assert kept_share([], candidate, BEAT) == 1.0


def test_region_kept_share_pools_tracks() -> None:
    original = {1: [n(60, 0), n(62, BEAT)], 2: [n(36, 0), n(38, BEAT)]}
    candidate = {1: [n(60, 0), n(62, BEAT)], 2: [n(40, 2 * BEAT)]}
    assert region_kept_share(original, candidate, BEAT) == 0.5
    assert region_kept_share({1: []}, candidate, BEAT) == 1.0


def test_bad_beat_is_refused() -> None:
    with pytest.raises(ValueError, match="beat_ticks"):
        diff_notes([n(60, 0)], [n(60, 0)], 0)


@given(notes())
def test_diff_with_itself_is_all_kept(ns: tuple[Note, ...]) -> None:
    result = diff_notes(ns, ns, BEAT)
    assert result == [(note, DiffKind.KEPT) for note in ns]
    assert kept_share(ns, ns, BEAT) == 1.0


@given(notes(max_notes=30, max_tick=4 * BAR), notes(max_notes=30, max_tick=4 * BAR), st.sampled_from([240, 480, 720]))
def test_every_note_is_accounted_for_exactly_once(
    original: tuple[Note, ...], candidate: tuple[Note, ...], beat: int
) -> None:
    result = diff_notes(original, candidate, beat)
    assert [note for note, kind in result if kind is not DiffKind.REMOVED] == list(candidate)
    matched = match_notes(original, candidate, beat)
    assert len(set(matched.values())) == len(matched)  # no original matched twice
    removed = [note for note, kind in result if kind is DiffKind.REMOVED]
    assert sorted(removed + [original[i] for i in matched.values()]) == sorted(original)
    kept = sum(kind is DiffKind.KEPT for _n, kind in result)
    assert kept_share(original, candidate, beat) == (kept / len(original) if original else 1.0)
    for j, i in matched.items():  # a match is within the rule
        o, c = original[i], candidate[j]
        assert (o.pitch == c.pitch and abs(o.start - c.start) <= beat) or (
            o.start == c.start and (abs(o.pitch - c.pitch) <= 2 or abs(o.pitch - c.pitch) == 12)
        )


# --- composite -----------------------------------------------------------------------------------------

RANGES = {b: (b * BAR, (b + 1) * BAR) for b in range(4)}


def test_composite_takes_each_bar_from_its_choice_and_defaults_to_a() -> None:
    a = {1: [n(60, 0), n(62, BAR), n(64, 2 * BAR), n(65, 3 * BAR)]}
    b = {1: [n(70, 0), n(72, BAR), n(74, 2 * BAR)], 2: [n(40, BAR + BEAT)]}
    mixed = composite([a, b], {1: 1, 2: 1}, RANGES)
    assert [(x.pitch, x.start) for x in mixed[1]] == [(60, 0), (72, BAR), (74, 2 * BAR), (65, 3 * BAR)]
    assert [(x.pitch, x.start) for x in mixed[2]] == [(40, BAR + BEAT)]
    assert composite([a, b], {}, RANGES) == {1: sorted(a[1]), 2: []}


def test_composite_cuts_a_note_where_its_candidate_stops_being_the_source() -> None:
    long_a = n(60, BEAT, 3 * BAR)  # from bar 0 into bar 3
    a = {1: [long_a]}
    b = {1: [n(70, 2 * BAR)]}
    # Bars 0 and 1 from A, bar 2 from B: A's note is cut at bar 2's start, keeping its id.
    (cut,) = [x for x in composite([a, b], {2: 1}, RANGES)[1] if x.pitch == 60]
    assert (cut.start, cut.end, cut.id) == (BEAT, 2 * BAR, long_a.id)
    # All from A: held whole up to the last bar's end.
    assert composite([a, b], {}, RANGES)[1] == [long_a]
    # Over-long notes are clipped at the end of the bars, like Region.put.
    assert composite([{1: [n(60, 3 * BAR, 2 * BAR)]}], {}, RANGES)[1][0].end == 4 * BAR


def test_composite_drops_notes_outside_the_bars_and_refuses_unknown_candidates() -> None:
    a = {1: [n(60, 5 * BAR), n(62, 0)]}
    assert [x.pitch for x in composite([a], {}, RANGES)[1]] == [62]
    with pytest.raises(ValueError, match="candidate 2"):
        composite([a, a], {0: 2}, RANGES)
    with pytest.raises(ValueError):
        composite([], {}, RANGES)


@st.composite
def candidates_in_bars(draw: st.DrawFn) -> dict[int, list[Note]]:
    """A candidate as the assistant writes one: notes starting in the bars and ending by their end."""
    out = {}
    for track_id in draw(st.sets(st.integers(1, 4), min_size=1, max_size=3)):
        ns = draw(notes(max_notes=20, max_tick=4 * BAR - 1))
        out[track_id] = [x._replace(duration=min(x.duration, 4 * BAR - x.start)) for x in ns]
    return out


@given(candidates_in_bars(), st.dictionaries(st.integers(0, 3), st.just(0)))
def test_composite_of_one_candidate_is_that_candidate(cand: dict[int, list[Note]], choice: dict[int, int]) -> None:
    assert composite([cand], choice, RANGES) == {t: sorted(ns) for t, ns in cand.items()}


@given(candidates_in_bars(), candidates_in_bars(), st.dictionaries(st.integers(0, 3), st.integers(0, 1)))
def test_composite_notes_come_from_their_bars_choice(
    a: dict[int, list[Note]], b: dict[int, list[Note]], choice: dict[int, int]
) -> None:
    cands = [a, b]
    mixed = composite(cands, choice, RANGES)
    for track_id, ns in mixed.items():
        for note in ns:
            bar = note.start // BAR
            source = {x.id: x for x in cands[choice.get(bar, 0)].get(track_id, [])}
            assert note.id in source and note.start == source[note.id].start
            assert note.end <= source[note.id].end and note.duration >= 1


# --- compare stats -------------------------------------------------------------------------------------


def test_candidate_stats() -> None:
    stats = candidate_stats("B", {1: [n(60, 0), n(72, BAR)], 2: [n(40, 0)]}, 2, 0.75)
    assert stats == CandidateStats("B", 1.5, 40, 72, 0.75)
    assert candidate_stats("A", {}, 4) == CandidateStats("A", 0.0, None, None, None)
    with pytest.raises(ValueError):
        candidate_stats("A", {}, 0)


def test_mix_option_names_each_bars_candidate() -> None:
    assert mix_option({4: 2, 6: 1}, range(4, 8)) == "C,A,B,A"


def test_candidate_labels() -> None:
    assert [candidate_label(i) for i in (0, 1, 2, 25, 26, 27)] == ["A", "B", "C", "Z", "AA", "AB"]
