"""MIDI export: the bytes as mido reads them, the write-read round trip, and atomic saving."""

from __future__ import annotations

import io
import os
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, given, settings

from composer.midi_export import write_midi
from composer.midi_import import read_midi
from composer.score import Note, Score, Track
from composer.timing import PPQ, Key, KeyChange, KeyMap, TempoChange, TempoMap, TimeSignature, TimeSignatureMap
from tests.midi_helpers import REAL_MIDI_FILES, assert_valid_score, midi_scores
from tests.score_compare import score_content


def sample_score() -> Score:
    lead = Track.create(
        "Lead ♪",
        [Note.create(60, 0, PPQ, 90), Note.create(60, PPQ, PPQ // 2, 100), Note.create(67, PPQ, 1, 127)],
        program=73,
        channel=2,
        volume=80,
        pan=20,
    )
    drums = Track.create("Kit", [Note.create(36, 0, 60), Note.create(42, 0, 30, 1)], is_drum=True, channel=9, program=8)
    return Score(
        tracks=(lead, drums, Track.create("Empty", program=48, channel=4)),
        tempo_map=TempoMap((TempoChange(0, 600_000), TempoChange(4 * PPQ, 450_000))),
        time_signatures=TimeSignatureMap((TimeSignature(0, 6, 8), TimeSignature(3 * PPQ, 7, 16))),
        key_map=KeyMap((KeyChange(0, Key(-3, True)), KeyChange(4 * PPQ, Key(5, False)))),
        title="Étude",
    )


def mido_file(data: bytes) -> mido.MidiFile:
    """mido's reading of the bytes; we write text as UTF-8 (mido assumes Latin-1 unless told)."""
    return mido.MidiFile(file=io.BytesIO(data), charset="utf-8")


def absolute(track: mido.MidiTrack) -> list[tuple[int, mido.Message]]:
    tick = 0
    out = []
    for msg in track:
        tick += msg.time
        out.append((tick, msg))
    return out


def test_file_is_type_1_at_our_ppq_with_a_conductor_track() -> None:
    mf = mido_file(write_midi(sample_score()))
    assert (mf.type, mf.ticks_per_beat, len(mf.tracks)) == (1, PPQ, 4)
    conductor = [(tick, msg.dict()) for tick, msg in absolute(mf.tracks[0])]
    assert [(tick, m["type"]) for tick, m in conductor] == [
        (0, "track_name"),
        (0, "time_signature"),
        (0, "key_signature"),
        (0, "set_tempo"),
        (3 * PPQ, "time_signature"),
        (4 * PPQ, "key_signature"),
        (4 * PPQ, "set_tempo"),
        (4 * PPQ, "end_of_track"),
    ]
    assert conductor[0][1]["name"] == "Étude"
    sig = conductor[1][1]
    assert (sig["numerator"], sig["denominator"], sig["clocks_per_click"], sig["notated_32nd_notes_per_beat"]) == (
        6,
        8,
        24,
        8,
    )
    assert conductor[2][1]["key"] == "Cm" and conductor[5][1]["key"] == "B"
    assert conductor[3][1]["tempo"] == 600_000


def test_track_chunk_holds_name_program_volume_pan_and_notes_on_its_channel() -> None:
    mf = mido_file(write_midi(sample_score()))
    lead = absolute(mf.tracks[1])
    head = [msg.dict() for _, msg in lead[:4]]
    assert head[0] == {"type": "track_name", "name": "Lead ♪", "time": 0}
    assert head[1] == {"type": "program_change", "channel": 2, "program": 73, "time": 0}
    assert head[2] == {"type": "control_change", "channel": 2, "control": 7, "value": 80, "time": 0}
    assert head[3] == {"type": "control_change", "channel": 2, "control": 10, "value": 20, "time": 0}
    notes = [(tick, msg.type, msg.note) for tick, msg in lead[4:-1]]
    # At tick 480 the first C ends before the second starts.
    assert notes == [
        (0, "note_on", 60),
        (PPQ, "note_off", 60),
        (PPQ, "note_on", 60),
        (PPQ, "note_on", 67),
        (PPQ + 1, "note_off", 67),
        (PPQ + PPQ // 2, "note_off", 60),
    ]
    assert lead[-1][1].type == "end_of_track" and lead[-1][0] == PPQ + PPQ // 2


def test_drums_go_on_channel_10_even_if_the_track_says_otherwise() -> None:
    drums = Track.create("Kit", [Note.create(36, 0, 60)], is_drum=True, channel=3)
    mf = mido_file(write_midi(Score(tracks=(drums,))))
    assert {msg.channel for msg in mf.tracks[1] if not msg.is_meta} == {9}
    assert read_midi(write_midi(Score(tracks=(drums,))))[0].tracks[0].channel == 9


def test_round_trip_of_a_hand_built_score_is_exact() -> None:
    score = sample_score()
    back, report = read_midi(write_midi(score))
    assert score_content(back, app_state=False) == score_content(score, app_state=False)
    assert not report.repairs and not report.ignored


def test_empty_score_round_trips() -> None:
    back, report = read_midi(write_midi(Score()))
    assert score_content(back) == score_content(Score()) and not report.repairs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(midi_scores())
def test_round_trip_of_any_valid_score_is_exact(score: Score) -> None:
    back, report = read_midi(write_midi(score))
    assert_valid_score(back)
    assert score_content(back, app_state=False) == score_content(score, app_state=False)
    assert not report.repairs


@pytest.mark.parametrize("path", REAL_MIDI_FILES, ids=lambda p: p.name)
def test_real_files_survive_export_and_reimport(path: Path) -> None:
    score, _ = read_midi(path)
    back, report = read_midi(write_midi(score))
    assert score_content(back) == score_content(score)
    assert not report.repairs


def test_writes_the_same_bytes_to_a_path_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "song.mid"
    path.write_bytes(b"old contents")
    data = write_midi(sample_score(), path)
    assert path.read_bytes() == data
    assert os.listdir(tmp_path) == ["song.mid"]


def test_failed_save_keeps_the_old_file_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "song.mid"
    path.write_bytes(b"old contents")

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_midi(sample_score(), path)
    assert path.read_bytes() == b"old contents"
    assert os.listdir(tmp_path) == ["song.mid"]
