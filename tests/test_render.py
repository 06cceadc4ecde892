"""Offline FluidSynth render: what is heard matches the score (silence, onsets, pitch, mix, tempo)."""

from __future__ import annotations

import wave
from dataclasses import replace
from pathlib import Path

import pytest

from composer.audio_analysis import fundamental, midi_to_hz, onsets, rms
from composer.midi_import import read_midi
from composer.score import Note, Score, Track
from composer.synth import SAMPLE_RATE, RenderCancelled, export_wav, render_score
from composer.timing import PPQ, TempoChange, TempoMap

VIOLIN = 40  # a clear fundamental in the GM SoundFont, good for pitch checks


def _melody(pitches: list[int], **props: object) -> Track:
    notes = [Note.create(p, (2 + 2 * i) * PPQ, PPQ, 100) for i, p in enumerate(pitches)]
    return Track.create("Violin", notes, program=VIOLIN, **props)  # type: ignore[arg-type]


def test_silence_before_notes_then_sound_at_the_right_pitch() -> None:
    audio = render_score(Score(tracks=(_melody([57, 64, 72]),)))  # at 120 BPM: notes at 1 s, 2 s, 3 s
    assert audio.dtype.name == "int16" and audio.shape[1] == 2
    assert rms(audio, 0.0, 0.95) < 5
    loud = rms(audio, 1.05, 1.45)
    assert loud > 300
    for i, pitch in enumerate([57, 64, 72]):
        assert fundamental(audio, 1.1 + i, 1.45 + i) == pytest.approx(midi_to_hz(pitch), rel=0.02)
    assert rms(audio, 1.6, 1.95) < loud / 10  # released between notes


def test_onsets_land_on_time() -> None:
    kit = Track.create("Kit", [Note.create(37, i * PPQ // 2, 60, 110) for i in range(8)], is_drum=True, channel=9)
    audio = render_score(Score(tracks=(kit,)))  # a side stick every 0.25 s
    found = onsets(audio)
    assert len(found) == 8
    for i, t in enumerate(found):
        assert t == pytest.approx(i * 0.25, abs=0.003)


def test_tempo_changes_move_the_notes() -> None:
    tempo = TempoMap((TempoChange(0, 500_000), TempoChange(2 * PPQ, 1_000_000)))  # 120 then 60 BPM
    kit = Track.create("Kit", [Note.create(37, i * PPQ, 60, 110) for i in range(4)], is_drum=True, channel=9)
    found = onsets(render_score(Score(tracks=(kit,), tempo_map=tempo)))
    assert found == pytest.approx([0.0, 0.5, 1.0, 2.0], abs=0.003)


def test_mute_and_solo_are_heard() -> None:
    low = _melody([45])
    high = Track.create("High", [Note.create(81, 2 * PPQ, PPQ, 100)], program=VIOLIN, channel=1)
    both = render_score(Score(tracks=(low, high)))
    only_low = render_score(Score(tracks=(low, replace(high, mute=True))))
    solo_high = render_score(Score(tracks=(low, replace(high, solo=True))))
    assert fundamental(only_low, 1.1, 1.45) == pytest.approx(midi_to_hz(45), rel=0.02)
    assert fundamental(solo_high, 1.1, 1.45) == pytest.approx(midi_to_hz(81), rel=0.02)
    assert rms(both, 1.1, 1.45) > rms(only_low, 1.1, 1.45)
    muted_all = Score(tracks=(_melody([60], mute=True),))
    assert rms(render_score(muted_all), 0, 2) < 5


def test_range_render_and_wav_file(tmp_path: Path) -> None:
    score = Score(tracks=(_melody([60, 62, 64, 65]),))
    part = render_score(score, 4 * PPQ, 6 * PPQ)  # the third note only, from its own onset
    assert onsets(part) == pytest.approx([0.0], abs=0.01)
    path = tmp_path / "out.wav"
    seconds = export_wav(score, path)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, SAMPLE_RATE)
        assert w.getnframes() / SAMPLE_RATE == pytest.approx(seconds)
    assert seconds == pytest.approx(4.5 + 1.5, abs=0.01)  # last note ends at 4.5 s, then the tail


def test_real_song_renders_with_progress_and_cancels() -> None:
    score, _ = read_midi(Path(__file__).parent / "data" / "pop909" / "001.mid")
    seen: list[float] = []
    audio = render_score(score, 0, 16 * PPQ, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    assert rms(audio, 0, len(audio) / SAMPLE_RATE) > 100
    with pytest.raises(RenderCancelled):
        render_score(score, cancelled=lambda: True)
