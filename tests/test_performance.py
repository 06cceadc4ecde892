"""The event source: timing through the tempo map, mute/solo, channels, ranges."""

from __future__ import annotations

import pytest

from composer.performance import NOTE_OFF, NOTE_ON, PROGRAM, assign_channels, audible_tracks, performance
from composer.score import Note, Score, Track
from composer.timing import PPQ, TempoChange, TempoMap


def _score(**props: object) -> Score:
    a = Track.create("A", [Note.create(60, 0, PPQ), Note.create(62, PPQ, PPQ)], program=40, channel=0)
    b = Track.create("B", [Note.create(36, 0, PPQ // 2)], is_drum=True, channel=9)
    c = Track.create("C", [Note.create(72, 2 * PPQ, PPQ)], program=0, channel=0, **props)  # type: ignore[arg-type]
    return Score(tracks=(a, b, c), tempo_map=TempoMap((TempoChange(0, 500_000), TempoChange(PPQ, 1_000_000))))


def test_times_follow_the_tempo_map() -> None:
    score = _score()
    notes = sorted((e.time, e.a) for e in performance(score) if e.kind == NOTE_ON)
    assert notes == [(0.0, 36), (0.0, 60), (pytest.approx(0.5), 62), (pytest.approx(1.5), 72)]
    offs = {e.a: e.time for e in performance(score) if e.kind == NOTE_OFF}
    assert offs[62] == pytest.approx(1.5) and offs[36] == pytest.approx(0.25)


def test_channels_never_share_two_programs() -> None:
    score = _score()
    channels = assign_channels(score)
    a, b, c = score.tracks
    assert channels[b.id] == 9 and channels[a.id] == 0 and channels[c.id] not in (0, 9)
    programs = {(e.channel, e.a) for e in performance(score) if e.kind == PROGRAM}
    assert programs == {(0, 40), (channels[c.id], 0)}  # the drum channel gets no program change


def test_many_tracks_share_channels_by_program() -> None:
    tracks = tuple(Track.create(f"T{i}", program=i % 3, channel=0) for i in range(20))
    channels = assign_channels(Score(tracks=tracks))
    assert 9 not in channels.values() and len(set(channels.values())) == 15
    for t in tracks[15:]:
        assert any(channels[o.id] == channels[t.id] and o.program == t.program for o in tracks[:15])


def test_mute_and_solo() -> None:
    muted = _score(mute=True)
    assert [t.name for t in audible_tracks(muted)] == ["A", "B"]
    soloed = _score(solo=True, mute=True)
    assert [t.name for t in audible_tracks(soloed)] == ["C"]
    assert {e.a for e in performance(soloed) if e.kind == NOTE_ON} == {72}


def test_range_starts_at_zero_and_cuts_notes_at_its_end() -> None:
    score = _score()
    events = performance(score, PPQ, 2 * PPQ + PPQ // 2)
    on = [(e.time, e.a) for e in events if e.kind == NOTE_ON]
    assert on == [(0.0, 62), (pytest.approx(1.0), 72)]
    off72 = next(e.time for e in events if e.kind == NOTE_OFF and e.a == 72)
    assert off72 == pytest.approx(1.5)  # cut at the range end, half a beat at 60 BPM after its start
