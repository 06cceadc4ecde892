"""Copy, paste and duplicate give fresh ids and keep rhythm; undo removes exactly the pasted notes."""

from __future__ import annotations

import pytest

from composer.clipboard import NoteClip, duplicate, paste
from composer.score import Note, Score, Track
from composer.timing import PPQ


def test_paste_into_another_track_and_undo() -> None:
    source = Track.create("A", [Note.create(60, PPQ, PPQ), Note.create(64, 2 * PPQ, PPQ // 2, 70)])
    target = Track.create("B")
    score = Score(tracks=(source, target))
    clip = NoteClip.of(source.notes)
    assert clip.span == PPQ + PPQ // 2 and clip.notes[0].start == 0
    edit = paste(clip, target.id, 8 * PPQ)
    after, _ = edit.apply(score)
    pasted = after.track(target.id).notes
    assert [(n.start, n.pitch, n.duration, n.velocity) for n in pasted] == [
        (8 * PPQ, 60, PPQ, 96),
        (9 * PPQ, 64, PPQ // 2, 70),
    ]
    assert not {n.id for n in pasted} & {n.id for n in source.notes}
    assert edit.inverse().apply(after)[0] == score


def test_pasting_twice_gives_distinct_ids() -> None:
    track = Track.create("A", [Note.create(60, 0, PPQ)])
    score = Score(tracks=(track,))
    clip = NoteClip.of(track.notes)
    score, _ = paste(clip, track.id, PPQ).apply(score)
    score, _ = paste(clip, track.id, 2 * PPQ).apply(score)
    assert len({n.id for n in score.track(track.id).notes}) == 3


def test_duplicate_and_clip_origin() -> None:
    track = Track.create("A", [Note.create(60, PPQ, PPQ)])
    score = Score(tracks=(track,))
    after, _ = duplicate(track.notes, track.id, 4 * PPQ).apply(score)
    assert [n.start for n in after.track(track.id).notes] == [PPQ, 5 * PPQ]
    clip = NoteClip.of(track.notes, origin=0)
    assert clip.notes[0].start == PPQ and clip.span == 2 * PPQ
    assert not NoteClip.of([])


def test_json_round_trip_and_rejection() -> None:
    clip = NoteClip.of([Note.create(60, 100, 50, 80), Note.create(67, 300, 20)])
    again = NoteClip.from_json(clip.to_json())
    assert again.to_json() == clip.to_json()
    with pytest.raises(ValueError):
        NoteClip.from_json([[0, 0, 60, 80]])
    with pytest.raises(ValueError):
        NoteClip.from_json([[0, 10, 60]])
