"""Live playback through FluidSynth's real-time 'file' audio driver, checked by ear: the WAV it
writes in real time is analysed for onsets, so scheduling, loops, edits while playing, the
metronome and auditioning are tested as heard, not as called."""

from __future__ import annotations

import time
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from composer.audio_analysis import onsets, rms
from composer.live_playback import LivePlayer, PlayRequest
from composer.score import Note, Score, Track
from composer.synth import SAMPLE_RATE
from composer.timing import PPQ, TempoMap

FAST = TempoMap.constant(240)  # a quarter note lasts 0.25 s: short tests


def _kit(beats: int, pitch: int = 37) -> Track:
    return Track.create("Kit", [Note.create(pitch, i * PPQ, PPQ // 4, 110) for i in range(beats)], is_drum=True,
                        channel=9)


def _record(tmp_path: Path, action, seconds: float) -> np.ndarray:  # noqa: ANN001 - a callable taking the player
    path = tmp_path / "heard.wav"
    player = LivePlayer(driver="file", device=str(path))
    try:
        action(player)
        time.sleep(seconds)
    finally:
        player.close()
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)


def test_notes_sound_on_time(tmp_path: Path) -> None:
    score = Score(tracks=(_kit(6),), tempo_map=FAST)
    audio = _record(tmp_path, lambda p: p.play(score, PlayRequest()), 2.0)
    found = onsets(audio)
    assert len(found) == 6
    assert np.diff(found) == pytest.approx([0.25] * 5, abs=0.003)


def test_position_follows_playback_and_stop_silences(tmp_path: Path) -> None:
    score = Score(tracks=(_kit(40),), tempo_map=FAST)
    positions: list[float | None] = []

    def play_then_stop(player: LivePlayer) -> None:
        player.play(score, PlayRequest(start=4 * PPQ))
        time.sleep(0.5)
        positions.append(player.position())
        time.sleep(0.5)
        positions.append(player.position())
        player.stop()
        positions.append(player.position())

    audio = _record(tmp_path, play_then_stop, 0.6)
    first, second, stopped = positions
    assert first is not None and second is not None and stopped is None
    assert 4 * PPQ < first < second  # moving forward from the start position
    assert (second - first) == pytest.approx(2 * PPQ, rel=0.25)  # 0.5 s at 240 BPM is two beats
    played = onsets(audio)
    assert 3 <= len(played) <= 5 and rms(audio, played[-1] + 0.3, len(audio) / SAMPLE_RATE) < 20


def test_loop_repeats_the_range(tmp_path: Path) -> None:
    score = Score(tracks=(_kit(8),), tempo_map=FAST)
    request = PlayRequest(start=PPQ, loop=(PPQ, 3 * PPQ))  # two beats, 0.5 s, from beat 2
    audio = _record(tmp_path, lambda p: p.play(score, request), 1.9)
    found = onsets(audio)
    assert len(found) >= 6
    assert np.diff(found[:6]) == pytest.approx([0.25] * 5, abs=0.003)


def test_muting_while_playing_is_heard_at_once(tmp_path: Path) -> None:
    kit = _kit(40)
    score = Score(tracks=(kit,), tempo_map=FAST)

    def play_then_mute(player: LivePlayer) -> None:
        player.play(score, PlayRequest())
        time.sleep(0.6)
        player.update(replace(score, tracks=(replace(kit, mute=True),)))

    audio = _record(tmp_path, play_then_mute, 1.2)
    found = onsets(audio)
    assert 2 <= len(found) <= 4  # the clicks before the mute, none of the 36 after it (within the look-ahead)


def test_metronome_count_in_and_audition(tmp_path: Path) -> None:
    melody = Track.create("Lead", [Note.create(72, 0, PPQ, 100)], program=40)
    score = Score(tracks=(melody,), tempo_map=FAST)
    request = PlayRequest(metronome=True, count_in_bars=1)
    audio = _record(tmp_path, lambda p: p.play(score, request), 2.0)
    found = onsets(audio, threshold=0.1)
    assert len(found) >= 5  # four count-in clicks, then the music with its click
    assert np.diff(found[:5]) == pytest.approx([0.25] * 4, abs=0.003)
    heard = _record(tmp_path, lambda p: p.audition(60, 100, program=0), 0.6)
    assert rms(heard, 0, 0.5) > 50
