"""Note similarity and the consensus star, on notes whose answers are known by hand."""

from __future__ import annotations

import math

from composer.note_similarity import consensus, onset_f1, pitch_class_overlap, similarity
from composer.score import Note
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
