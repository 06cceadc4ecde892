"""Note similarity and the consensus star, on notes whose answers are known by hand."""

from __future__ import annotations

import math

from composer.note_similarity import (
    consensus,
    neighbour_bars,
    onset_f1,
    pitch_class_overlap,
    region_neighbours,
    similarity,
)
from composer.region import Region
from composer.score import Note, Score, Track
from composer.tokens import UNIT

Q = UNIT * 12  # a quarter


def notes(*pitch_beat: tuple[int, int]) -> list[Note]:
    return [Note.create(pitch, beat * Q, Q) for pitch, beat in pitch_beat]


def test_onset_f1_counts_shared_onsets_per_track() -> None:
    a = {0: notes((60, 0), (62, 1), (64, 2), (65, 3))}
    b = {0: notes((72, 0), (74, 1))}
    assert onset_f1(a, b, UNIT) == 2 * 2 / (4 + 2)
    assert onset_f1(a, {1: b[0]}, UNIT) == 0.0  # the same onsets on another track are not shared
    assert onset_f1({0: []}, {0: []}, UNIT) == 1.0
    nudged = {0: [n._replace(start=n.start + UNIT // 2) for n in a[0]]}  # off by less than the grid
    assert onset_f1(a, nudged, UNIT) == 1.0


def test_pitch_class_overlap_ignores_octaves_and_counts_mass() -> None:
    c_major = notes((60, 0), (64, 1), (67, 2), (72, 3))  # C counted twice
    assert math.isclose(pitch_class_overlap(c_major, notes((48, 0), (52, 1), (55, 2), (84, 3))), 1.0)
    assert math.isclose(pitch_class_overlap(c_major, notes((61, 0), (66, 1))), 0.0)
    assert math.isclose(pitch_class_overlap(c_major, notes((64, 0), (67, 1))), 0.25 + 0.25)
    assert pitch_class_overlap(c_major, []) == 0.0


def test_similarity_is_symmetric_and_one_for_equal_fills() -> None:
    a = {0: notes((60, 0), (64, 1))}
    b = {0: notes((60, 0), (65, 2))}
    assert similarity(a, a, UNIT) == 1.0
    assert similarity(a, b, UNIT) == similarity(b, a, UNIT) == (0.5 + 0.5) / 2


def test_the_consensus_is_the_candidate_nearest_the_others() -> None:
    theme = notes((60, 0), (62, 1), (64, 2), (65, 3))
    near_1 = theme[:3] + notes((67, 3))  # the theme with its last note changed
    near_2 = notes((59, 0)) + theme[1:]  # the theme with its first note changed
    outlier = notes((70, 0), (73, 2))
    candidates = [{0: outlier}, {0: near_1}, {0: theme}, {0: near_2}]
    assert consensus(candidates, UNIT) == 2  # the theme: one change from each of the near ones, which are two apart
    assert consensus(candidates, UNIT, bits=[0.1, 0.2, 3.0, 0.3]) == 2  # agreement beats likelihood


def test_ties_go_to_the_more_likely_then_the_earlier_candidate() -> None:
    a, b = {0: notes((60, 0))}, {0: notes((67, 2))}
    assert consensus([a, b], UNIT) == 0
    assert consensus([a, b], UNIT, bits=[1.5, 1.2]) == 1
    assert consensus([a], UNIT) is None and consensus([], UNIT) is None


BAR = 4 * Q  # 4/4


def test_the_bars_around_a_gap_vote_for_the_candidate_like_them() -> None:
    a, b = {0: notes((60, 0), (64, 2))}, {0: notes((62, 1), (65, 3))}
    assert consensus([a, b], UNIT) == 0  # a tie: the earlier
    before = {0: notes((62, 1), (65, 3))}  # the bar before, moved into the gap: b's onsets and pitches
    assert consensus([a, b], UNIT, neighbours=[before]) == 1
    assert consensus([a, b], UNIT, bits=[1.0, 2.0], neighbours=[before]) == 1  # fitting in beats likelihood
    other_track = {1: notes((60, 0))}  # compared only on its own track: a's and b's notes there are none alike
    assert consensus([a, b], UNIT, neighbours=[other_track]) == 0


def test_neighbour_bars_are_the_nearest_bars_with_notes_outside_the_cells() -> None:
    def bar_note(pitch: int, bar: int, beat: int = 0) -> Note:
        return Note.create(pitch, bar * BAR + beat * Q, Q)

    track = Track.create("melody", [bar_note(60, 0), bar_note(62, 1, 1), bar_note(64, 2), bar_note(67, 5, 3)])
    score = Score(tracks=(track,))
    t = track.id
    before, after = neighbour_bars(score, {(t, 2), (t, 3)}, (0, 6))
    # bar 2 is a cell, so bar 1 is the nearest bar before both; bar 4 is empty, so bar 5 is the nearest after
    assert {c: [(n.pitch, n.start) for n in ns] for c, ns in before.items()} == {
        (t, 2): [(62, 2 * BAR + Q)], (t, 3): [(62, 3 * BAR + Q)]}
    assert {c: [(n.pitch, n.start) for n in ns] for c, ns in after.items()} == {
        (t, 2): [(67, 2 * BAR + 3 * Q)], (t, 3): [(67, 3 * BAR + 3 * Q)]}
    assert neighbour_bars(score, {(t, 2), (t, 3)}, (2, 5)) == [{}, {}]  # nothing with notes within the bounds
    per_track_before, per_track_after = region_neighbours(score, Region((t,), 2, 4), reach=1)
    assert [(n.pitch, n.start) for n in per_track_before[t]] == [(62, 2 * BAR + Q), (62, 3 * BAR + Q)]
    assert per_track_after == {}  # bar 4, the one bar looked at after the region, is empty
