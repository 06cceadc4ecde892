"""Every edit's inverse restores the exact score; stale edits fail without a trace."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import edits as ed
from composer.errors import EditError
from composer.score import Note, Score, Track
from composer.timing import PPQ, Key
from tests.strategies import scores

EditFactory = Callable[[Score, st.DrawFn], ed.Edit]


def _selection(score: Score, draw: st.DrawFn) -> dict[int, list[int]]:
    track = draw(st.sampled_from(score.tracks))
    ids = [n.id for n in track.notes]
    return {track.id: draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []}


FACTORIES: dict[str, EditFactory] = {
    "add": lambda s, d: ed.add_notes(s.tracks[0].id, [Note.create(d(st.integers(0, 127)), 50_000, 10)]),
    "remove": lambda s, d: ed.remove_notes(s, _selection(s, d)),
    "move": lambda s, d: ed.move_notes(s, _selection(s, d), d(st.integers(-2000, 2000)), d(st.integers(-20, 20))),
    "transpose": lambda s, d: ed.transpose(s, _selection(s, d), d(st.integers(-130, 130))),
    "resize": lambda s, d: ed.resize_notes(s, _selection(s, d), d(st.integers(-900, 900)), from_start=d(st.booleans())),
    "velocity": lambda s, d: ed.set_velocity(s, _selection(s, d), d(st.integers(-10, 300))),
    "velocity_scale": lambda s, d: ed.set_velocity(s, _selection(s, d), lambda n: n.velocity * 0.7),
    "quantize": lambda s, d: ed.quantize(
        s, _selection(s, d), d(st.sampled_from([PPQ, PPQ // 2, PPQ // 3, PPQ // 8])), d(st.floats(0, 1)),
        ends=d(st.booleans()),
    ),
    "add_track": lambda s, d: ed.add_track(s, Track.create("New"), d(st.integers(0, len(s.tracks)))),
    "remove_track": lambda s, d: ed.remove_track(s, d(st.sampled_from(s.tracks)).id),
    "move_track": lambda s, d: ed.MoveTrack(d(st.integers(0, len(s.tracks) - 1)), d(st.integers(0, len(s.tracks) - 1))),
    "track_props": lambda s, d: ed.set_track_properties(
        s, s.tracks[-1].id, name="Lead", program=d(st.integers(0, 127)), mute=d(st.booleans()), volume=90
    ),
    "tempo": lambda s, d: ed.set_tempo(s, d(st.integers(0, 10_000)), d(st.floats(20, 300))),
    "time_signature": lambda s, d: ed.set_time_signature(s, d(st.integers(0, 20)), d(st.integers(1, 12)), 8),
    "key": lambda s, d: ed.set_key(s, d(st.integers(0, 5000)), Key(d(st.integers(-7, 7)), d(st.booleans()))),
    "title": lambda s, d: ed.set_title(s, d(st.text(max_size=5))),
}


@settings(max_examples=300, deadline=None)
@given(scores(), st.sampled_from(sorted(FACTORIES)), st.data())
def test_apply_then_inverse_gives_back_the_exact_score(score: Score, kind: str, data: st.DataObject) -> None:
    edit = FACTORIES[kind](score, data.draw)
    after, changes = edit.apply(score)
    restored, _ = edit.inverse().apply(after)
    assert restored == score
    assert edit.inverse().label == edit.label
    for track in after.tracks:
        assert list(track.notes) == sorted(track.notes)
        assert all(0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration >= 1 for n in track.notes)
    if after != score:
        assert not changes.is_empty


@settings(max_examples=100, deadline=None)
@given(scores(), st.lists(st.sampled_from(sorted(FACTORIES)), min_size=2, max_size=5), st.data())
def test_compound_edit_inverts_a_sequence(score: Score, kinds: list[str], data: st.DataObject) -> None:
    steps: list[ed.Edit] = []
    current = score
    for kind in kinds:
        if not current.tracks:
            break
        edit = FACTORIES[kind](current, data.draw)
        current, _ = edit.apply(current)
        steps.append(edit)
    compound = ed.CompoundEdit(tuple(steps), "Many")
    after, _ = compound.apply(score)
    assert after == current
    assert compound.inverse().apply(after)[0] == score


def _score() -> tuple[Score, Track]:
    track = Track.create("Piano", [Note.create(60, 0, PPQ), Note.create(64, PPQ, PPQ), Note.create(67, 2 * PPQ, PPQ)])
    return Score(tracks=(track,)), track


def test_move_keeps_ids_and_clamps_as_a_group() -> None:
    score, track = _score()
    ids = [n.id for n in track.notes]
    after, changes = ed.move_notes(score, {track.id: ids}, ticks=-5 * PPQ, semitones=100).apply(score)
    moved = after.track(track.id)
    assert [n.id for n in moved.notes] == ids
    assert [(n.start, n.pitch) for n in moved.notes] == [(0, 120), (PPQ, 124), (2 * PPQ, 127)]
    assert changes.note_tracks == {track.id} and changes.note_ids == set(ids)


def test_quantize_strength_and_label() -> None:
    track = Track.create("T", [Note.create(60, 100, 200), Note.create(62, 1000, 300)])
    score = Score(tracks=(track,))
    edit = ed.quantize(score, {track.id: [n.id for n in track.notes]}, PPQ, 0.5, ends=True)
    after, _ = edit.apply(score)
    assert [(n.start, n.end) for n in after.track(track.id).notes] == [(50, 390), (980, 1370)]
    assert edit.label == "Quantize"


def test_resize_from_start_keeps_end() -> None:
    score, track = _score()
    first = track.notes[1]
    after, _ = ed.resize_notes(score, {track.id: [first.id]}, 100, from_start=True).apply(score)
    note = after.track(track.id).note(first.id)
    assert note is not None and (note.start, note.end) == (first.start - 100, first.end)


def test_stale_edit_is_refused_and_changes_nothing() -> None:
    score, track = _score()
    delete = ed.remove_notes(score, {track.id: [track.notes[0].id]})
    after, _ = delete.apply(score)
    with pytest.raises(EditError):
        delete.apply(after)
    with pytest.raises(EditError):
        ed.remove_notes(after, {track.id: [track.notes[0].id]})
    with pytest.raises(EditError):
        ed.add_notes(track.id, [track.notes[1]]).apply(score)


def test_invalid_notes_are_refused() -> None:
    score, track = _score()
    for bad in (Note.create(128, 0, 10), Note.create(60, 0, 0), Note.create(60, -1, 10), Note.create(60, 0, 10, 0)):
        with pytest.raises(EditError):
            ed.add_notes(track.id, [bad]).apply(score)


def test_track_property_validation_and_drums() -> None:
    score, track = _score()
    with pytest.raises(EditError):
        ed.set_track_properties(score, track.id, program=128)
    with pytest.raises(EditError):
        ed.set_track_properties(score, track.id, colour="red")
    with pytest.raises(EditError):
        ed.set_track_properties(score, track.id, loudness=3)
    edit = ed.set_track_properties(score, track.id, is_drum=True)
    after, changes = edit.apply(score)
    assert after.track(track.id).channel == 9 and changes.track_props == {track.id}
    assert ed.set_track_properties(score, track.id, name="Keys").label == "Rename track"


def test_map_edits_validate() -> None:
    score, _ = _score()
    with pytest.raises(EditError):
        ed.set_tempo(score, 0, 0)
    with pytest.raises(EditError):
        ed.set_time_signature(score, 2, 4, 5)
    with pytest.raises(EditError):
        ed.remove_tempo(score, 0)
    after, changes = ed.set_time_signature(score, 2, 3, 4).apply(score)
    assert after.time_signatures.at(8 * PPQ).numerator == 3 and changes.time_signature
    assert ed.remove_time_signature(after, 8 * PPQ).apply(after)[0] == score


def test_stale_score_field_edit_is_refused() -> None:
    score, _ = _score()
    edit = ed.set_tempo(score, 0, 90)
    after, _ = edit.apply(score)
    with pytest.raises(EditError):
        edit.apply(after)


def test_changeset_union() -> None:
    a = ed.ChangeSet(note_tracks=frozenset({1}), tempo=True)
    b = ed.ChangeSet(note_tracks=frozenset({2}), key=True)
    both = a | b
    assert both.note_tracks == {1, 2} and both.tempo and both.key and not both.meta
