"""MIDI import: hand-built files for every rule and repair, plus real files against independent readers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import mido
import pretty_midi
import pytest

from composer.errors import MidiFileError
from composer.general_midi import program_name
from composer.import_report import ImportReport
from composer.midi_import import MAX_NOTE_TICKS, MIN_NOTE_TICKS, read_midi
from composer.score import TRACK_COLOURS, Score
from composer.smf import parse_smf
from composer.timing import PPQ, Key, KeyChange, TempoChange, TimeSignature
from tests.midi_helpers import (
    EOT,
    REAL_MIDI_FILES,
    assert_valid_score,
    chunk,
    ev,
    header,
    key_sig,
    meta,
    midi,
    name,
    note_list,
    off,
    on,
    tempo,
    time_sig,
    track,
)


def read(data: bytes) -> tuple[Score, ImportReport]:
    score, report = read_midi(data)
    assert_valid_score(score)
    return score, report


def notes_of(data: bytes) -> list[tuple[int, int, int, int]]:
    score, _ = read(data)
    assert len(score.tracks) == 1
    return note_list(score.tracks[0])


def one_track(*events: bytes, **kw: int) -> bytes:
    return midi(track(*events), **kw)


# --- what a well-formed file gives ---------------------------------------------------------------


def test_format_1_file_gives_title_maps_and_track_settings() -> None:
    data = midi(
        track(name("My Song"), tempo(600_000), time_sig(3, 2), key_sig(-3, 1), tempo(400_000, delta=1440)),
        track(
            name("Lead"),
            ev(0, 0xC0, 73),
            ev(0, 0xB0, 7, 90),
            ev(0, 0xB0, 10, 30),
            on(0, 60, 80),
            off(480, 60),
            on(0, 62, 127),
            off(240, 62),
        ),
    )
    score, report = read(data)
    assert score.title == "My Song"
    assert score.tempo_map.changes == (TempoChange(0, 600_000), TempoChange(1440, 400_000))
    assert score.time_signatures.changes == (TimeSignature(0, 3, 4),)
    assert score.key_map.changes == (KeyChange(0, Key(-3, True)),)
    (lead,) = score.tracks
    assert (lead.name, lead.program, lead.channel, lead.is_drum, lead.volume, lead.pan) == (
        "Lead",
        73,
        0,
        False,
        90,
        30,
    )
    assert lead.colour == TRACK_COLOURS[0]
    assert note_list(lead) == [(0, 60, 480, 80), (480, 62, 240, 127)]
    assert not report.repairs and not report.ignored


def test_defaults_when_the_file_sets_nothing() -> None:
    score, report = read(one_track(on(0, 60), off(480, 60)))
    assert score.tempo_map.changes == (TempoChange(0, 500_000),)
    assert score.time_signatures.changes == (TimeSignature(0, 4, 4),)
    assert score.key_map.changes == (KeyChange(0, Key(0, False)),)
    (t,) = score.tracks
    assert (t.name, t.program, t.volume, t.pan, score.title) == ("Acoustic Grand Piano", 0, 100, 64, "")
    assert not report.repairs


def test_first_map_change_after_tick_0_gets_defaults_before_it() -> None:
    score, _ = read(one_track(tempo(400_000, delta=960), time_sig(6, 3), key_sig(2, 0), on(0, 60), off(10, 60)))
    assert score.tempo_map.changes == (TempoChange(0, 500_000), TempoChange(960, 400_000))
    assert score.time_signatures.changes == (TimeSignature(0, 4, 4), TimeSignature(960, 6, 8))
    assert score.key_map.changes == (KeyChange(0, Key()), KeyChange(960, Key(2, False)))


def test_tempo_events_from_every_track_merge_and_the_last_at_a_tick_wins() -> None:
    data = midi(
        track(tempo(500_000), tempo(450_000, delta=480), time_sig(2, 2, delta=480)),
        track(tempo(300_000, delta=480), tempo(350_000), time_sig(5, 2), on(0, 60), off(480, 60)),
    )
    score, _ = read(data)
    assert score.tempo_map.changes == (TempoChange(0, 500_000), TempoChange(480, 350_000))
    assert score.time_signatures.changes == (TimeSignature(0, 4, 4), TimeSignature(480, 5, 4), TimeSignature(960, 2, 4))


def test_running_status_and_note_on_velocity_0_as_note_off() -> None:
    data = one_track(ev(0, 0x91, 60, 100), ev(0, 64, 90), ev(480, 60, 0), ev(0, 64, 0), ev(0, 67, 70), ev(240, 67, 0))
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100), (0, 64, 480, 90), (480, 67, 240, 70)]
    assert score.tracks[0].channel == 1 and not report.repairs


def test_running_status_survives_meta_events() -> None:
    data = one_track(on(0, 60), meta(0, 0x06, b"verse"), ev(480, 60, 0))
    assert notes_of(data) == [(0, 60, 480, 100)]


def test_type_0_file_splits_into_one_track_per_channel_named_by_instrument() -> None:
    data = one_track(
        ev(0, 0xC1, 33),
        ev(0, 0xC9, 25),
        on(0, 36, 100, channel=9),
        on(0, 40, 90, channel=1),
        on(0, 72, 80, channel=0),
        off(480, 36, channel=9),
        off(0, 40, channel=1),
        off(0, 72, channel=0),
        fmt=0,
    )
    score, report = read(data)
    got = [(t.name, t.channel, t.program, t.is_drum, note_list(t)) for t in score.tracks]
    assert got == [
        ("Acoustic Grand Piano", 0, 0, False, [(0, 72, 480, 80)]),
        ("Electric Bass (finger)", 1, 33, False, [(0, 40, 480, 90)]),
        ("Drums", 9, 25, True, [(0, 36, 480, 100)]),
    ]
    assert [t.colour for t in score.tracks] == list(TRACK_COLOURS[:3])
    assert score.title == "" and not report.repairs


def test_named_chunk_that_splits_keeps_its_name_with_the_instrument() -> None:
    data = one_track(name("Band"), on(0, 60, channel=0), on(0, 36, channel=9), off(480, 60), off(0, 36, channel=9))
    score, _ = read(data)
    assert [t.name for t in score.tracks] == ["Band - Acoustic Grand Piano", "Band - Drums"]


def test_same_instrument_on_two_channels_is_told_apart_by_channel() -> None:
    score, _ = read(one_track(on(0, 60, channel=0), on(0, 64, channel=2), off(480, 60), off(0, 64, channel=2)))
    assert [t.name for t in score.tracks] == ["Acoustic Grand Piano, channel 1", "Acoustic Grand Piano, channel 3"]


def test_program_change_mid_track_splits_by_program_at_the_note_on() -> None:
    data = one_track(name("Keys"), on(0, 60), ev(240, 0xC0, 5), off(240, 60), on(0, 62), off(480, 62))
    score, _ = read(data)
    got = [(t.name, t.program, note_list(t)) for t in score.tracks]
    assert got == [
        ("Keys - Acoustic Grand Piano", 0, [(0, 60, 480, 100)]),
        ("Keys - Electric Piano 2", 5, [(480, 62, 480, 100)]),
    ]


def test_drums_on_channel_10_keep_their_program_and_short_hits() -> None:
    data = midi(
        track(name("Kit"), ev(0, 0xC9, 16), on(0, 36, channel=9), off(0, 36, channel=9), on(240, 38, channel=9))
    )
    score, report = read(data)
    (drums,) = score.tracks
    assert (drums.name, drums.is_drum, drums.channel, drums.program) == ("Kit", True, 9, 16)
    assert note_list(drums) == [(0, 36, MIN_NOTE_TICKS, 100), (240, 38, PPQ, 100)]
    assert report.count("zero-length notes") == 1 and report.count("note-on without note-off") == 1


def test_unnamed_drum_track_is_called_drums() -> None:
    score, _ = read(one_track(on(0, 42, channel=9), off(120, 42, channel=9)))
    assert score.tracks[0].name == "Drums"


def test_chunk_with_settings_but_no_notes_gives_one_empty_track() -> None:
    data = midi(track(name("Song")), track(name("Strings"), ev(0, 0xC3, 48), ev(0, 0xB3, 7, 70), ev(0, 0xB3, 10, 0)))
    score, _ = read(data)
    (strings,) = score.tracks
    assert (strings.name, strings.channel, strings.program, strings.volume, strings.pan) == ("Strings", 3, 48, 70, 0)
    assert strings.notes == () and score.title == "Song"


def test_first_chunk_with_channel_events_is_a_track_not_a_conductor() -> None:
    score, _ = read(midi(track(name("Piano"), on(0, 60), off(480, 60)), track(name("Second"))))
    assert score.title == "" and [t.name for t in score.tracks] == ["Piano"]


def test_only_the_first_volume_and_pan_count_and_the_rest_is_ignored() -> None:
    data = one_track(ev(0, 0xB0, 7, 50), ev(0, 0xB0, 10, 20), on(0, 60), ev(0, 0xB0, 7, 90), off(480, 60))
    score, report = read(data)
    assert (score.tracks[0].volume, score.tracks[0].pan) == (50, 20)
    assert report.ignored == {"volume (CC7) changes after the first": 1}


def test_controllers_bends_aftertouch_sysex_and_text_are_counted_as_ignored() -> None:
    data = one_track(
        ev(0, 0xB0, 64, 127),
        ev(0, 0xB0, 64, 0),
        ev(0, 0xB0, 1, 5),
        ev(0, 0xB0, 20, 5),
        ev(0, 0xE0, 0, 64),
        ev(0, 0xD0, 10),
        ev(0, 0xA0, 60, 10),
        ev(0, 0xF0, 3, 0x7E, 0x7F, 0xF7),
        meta(0, 0x05, b"la"),
        meta(0, 0x06, b"Chorus"),
        meta(0, 0x01, b"hello"),
        on(0, 60),
        off(480, 60),
    )
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert report.ignored == {
        "sustain pedal (CC64) events": 2,
        "modulation (CC1) events": 1,
        "controller (CC20) events": 1,
        "pitch bends": 1,
        "channel aftertouch events": 1,
        "polyphonic aftertouch events": 1,
        "SysEx messages": 1,
        "lyrics": 1,
        "markers": 1,
        "text events": 1,
    }
    assert not report.repairs


def test_latin_1_names_are_decoded() -> None:
    score, _ = read(midi(track(meta(0, 0x03, "Café".encode("latin-1"))), track(on(0, 60), off(1, 60))))
    assert score.title == "Café"


# --- time division -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ppq", "start", "end", "expected"),
    [
        (96, 96, 144, (480, 60, 240)),
        (384, 100, 300, (125, 60, 250)),  # 100 * 480 / 384 = 125, 300 -> 375
        (1000, 333, 1000, (160, 60, 320)),  # 159.84 -> 160, 480 - 160 = 320
        (960, 1, 2, (1, 60, 0)),  # 0.5 -> 1 and 1 -> 1: zero length after rescaling, repaired below
    ],
)
def test_any_ppq_is_rescaled_to_ours_with_rounding(
    ppq: int, start: int, end: int, expected: tuple[int, int, int]
) -> None:
    data = midi(track(tempo(400_000, delta=2 * ppq)), track(on(start, 60), off(end - start, 60)), division=ppq)
    score, report = read(data)
    begin, pitch, duration = expected
    assert note_list(score.tracks[0]) == [(begin, pitch, duration or MIN_NOTE_TICKS, 100)]
    assert score.tempo_map.changes[1] == TempoChange(2 * PPQ, 400_000)
    assert report.count("tick resolution rescaled") == 1
    assert report.count("zero-length notes") == (0 if duration else 1)


def test_smpte_division_maps_seconds_to_ticks_at_120_bpm() -> None:
    division = (256 - 25) << 8 | 40  # 25 fps x 40 subframes: 1000 ticks per second
    data = one_track(tempo(300_000), on(1000, 60), off(500, 60), division=division)
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(2 * PPQ, 60, PPQ, 100)]  # 1 s = 2 quarters at 120 BPM
    assert score.tempo_map.changes == (TempoChange(0, 500_000),)
    assert report.count("SMPTE time division") == 1
    assert report.ignored == {"tempo events in an SMPTE-timed file": 1}


def test_smpte_drop_frame_runs_at_29_97_frames_per_second() -> None:
    division = (256 - 29) << 8 | 100  # 2997 ticks per second
    score, _ = read(one_track(on(2997, 60), off(2997, 60), division=division))
    assert note_list(score.tracks[0]) == [(960, 60, 960, 100)]


# --- repairs ---------------------------------------------------------------------------------------------------


def test_note_on_while_sounding_ends_the_earlier_note() -> None:
    score, report = read(one_track(on(0, 60, 90), on(240, 60, 80), off(240, 60), off(0, 60)))
    assert note_list(score.tracks[0]) == [(0, 60, 240, 90), (240, 60, 240, 80)]
    assert report.count("overlapping same-pitch notes") == 1
    assert report.count("note-off without note-on") == 0  # the second off belongs to the repaired overlap
    assert "pitch 60, tick 240" in report.repairs["overlapping same-pitch notes"].example


def test_on_on_off_at_one_tick_is_a_repeated_note_not_an_overlap() -> None:
    score, report = read(one_track(on(0, 60, 90), on(480, 60, 80), off(0, 60), off(480, 60)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 90), (480, 60, 480, 80)]
    assert not report.repairs


def test_doubled_note_ons_become_one_note_with_the_louder_velocity() -> None:
    score, report = read(one_track(on(0, 60, 50), on(0, 60, 90), off(480, 60), off(0, 60)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 90)]
    assert report.count("duplicate notes") == 1 and report.count("note-off without note-on") == 0


def test_a_spare_off_is_only_excused_once() -> None:
    score, report = read(one_track(on(0, 60), on(240, 60), off(240, 60), off(0, 60), off(0, 60)))
    assert note_list(score.tracks[0]) == [(0, 60, 240, 100), (240, 60, 240, 100)]
    assert report.count("note-off without note-on") == 1


def test_note_off_without_note_on_is_ignored() -> None:
    score, report = read(one_track(off(0, 61), on(0, 60), off(480, 60), off(0, 62)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert report.count("note-off without note-on") == 2


def test_note_without_note_off_ends_at_the_tracks_last_event() -> None:
    score, report = read(one_track(on(0, 60), on(0, 64), off(480, 64), meta(1440, 0x01, b"end")))
    assert note_list(score.tracks[0]) == [(0, 60, 1920, 100), (0, 64, 480, 100)]
    assert report.count("note-on without note-off") == 1


def test_note_without_note_off_at_the_last_event_gets_one_beat() -> None:
    score, report = read(one_track(on(0, 64), off(480, 64), on(0, 60, 70)))
    assert note_list(score.tracks[0]) == [(0, 64, 480, 100), (480, 60, PPQ, 70)]
    assert report.count("note-on without note-off") == 1


def test_zero_length_notes_get_a_32nd_and_are_never_dropped() -> None:
    score, report = read(one_track(on(0, 36), off(0, 36), on(240, 36), off(0, 36)))
    assert note_list(score.tracks[0]) == [(0, 36, MIN_NOTE_TICKS, 100), (240, 36, MIN_NOTE_TICKS, 100)]
    assert report.count("zero-length notes") == 2


def test_lengthened_zero_length_note_stops_where_the_next_of_its_pitch_starts() -> None:
    score, report = read(one_track(on(0, 36), off(0, 36), on(20, 36), off(100, 36)))
    assert note_list(score.tracks[0]) == [(0, 36, 20, 100), (20, 36, 100, 100)]
    assert report.count("zero-length notes") == 1 and report.count("overlapping same-pitch notes") == 1


def test_zero_length_note_under_a_real_one_of_the_same_onset_is_a_duplicate() -> None:
    score, report = read(one_track(on(0, 36), off(0, 36), on(0, 36), off(480, 36)))
    assert note_list(score.tracks[0]) == [(0, 36, 480, 100)]
    assert report.count("duplicate notes") == 1


def test_overly_long_notes_are_cut_to_64_bars() -> None:
    score, report = read(one_track(on(0, 60), off(MAX_NOTE_TICKS + 5000, 60)))
    assert note_list(score.tracks[0]) == [(0, 60, MAX_NOTE_TICKS, 100)]
    assert report.count("overly long notes") == 1


def test_events_past_24_hours_are_dropped() -> None:
    day = 24 * 3600 * 2 * PPQ  # ticks in 24 hours at 120 BPM
    data = one_track(on(0, 60), off(480, 60), tempo(400_000, delta=day + 1), on(0, 62), off(480, 62))
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert score.tempo_map.changes == (TempoChange(0, 500_000),)
    assert report.count("events past the time limit") == 2


def test_events_past_tick_2_to_the_31_are_dropped() -> None:
    deltas = [ev(0x0FFFFFFF, 0xB0, 20, 0) for _ in range(9)]  # 9 x 2**28 ticks > 2**31
    # At 1 microsecond per quarter, 24 hours are far more than 2**31 ticks.
    score, report = read(one_track(tempo(1), on(0, 60), off(480, 60), *deltas, tempo(500_000), on(0, 61), off(1, 61)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert score.tempo_map.changes == (TempoChange(0, 1),)
    assert report.count("events past the time limit") == 2


def test_zero_tempo_becomes_120_bpm() -> None:
    score, report = read(one_track(tempo(1_000_000), tempo(0, delta=480), on(0, 60), off(480, 60)))
    assert score.tempo_map.changes == (TempoChange(0, 1_000_000), TempoChange(480, 500_000))
    assert report.count("invalid tempo") == 1


def test_invalid_time_signatures_are_repaired() -> None:
    score, report = read(one_track(time_sig(0, 3), time_sig(7, 9, delta=480), on(0, 60), off(1, 60)))
    assert score.time_signatures.changes == (TimeSignature(0, 4, 8), TimeSignature(480, 7, 4))
    assert report.count("invalid time signature") == 2


def test_invalid_key_signatures_are_repaired() -> None:
    score, report = read(one_track(key_sig(9, 0), key_sig(-2, 3, delta=480), on(0, 60), off(1, 60)))
    assert score.key_map.changes == (KeyChange(0, Key(0, False)), KeyChange(480, Key(-2, False)))
    assert report.count("invalid key signature") == 2


def test_malformed_meta_events_are_skipped() -> None:
    data = one_track(meta(0, 0x51, b"\x07"), meta(0, 0x58, b"\x03"), meta(0, 0x59, b""), on(0, 60), off(1, 60))
    score, report = read(data)
    assert score.tempo_map.changes == (TempoChange(0, 500_000),) and len(score.time_signatures) == 1
    assert report.count("malformed meta events") == 3


def test_format_2_is_read_like_format_1() -> None:
    score, report = read(midi(track(on(0, 60), off(1, 60)), track(on(0, 62), off(1, 62)), fmt=2))
    assert len(score.tracks) == 2 and report.count("format 2 file") == 1


def test_unknown_format_is_read_like_format_1() -> None:
    score, report = read(midi(track(on(0, 60), off(1, 60)), fmt=7))
    assert len(score.tracks) == 1 and report.count("unknown file format") == 1


def test_chunk_that_runs_past_the_end_of_the_file_is_read_as_far_as_it_goes() -> None:
    body = on(0, 60) + off(480, 60) + on(0, 62) + off(480, 62)
    data = header() + chunk(body, length=len(body) + 100)
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100), (480, 62, 480, 100)]
    assert report.count("truncated chunk") == 1


def test_event_cut_off_by_the_end_of_its_chunk_is_dropped() -> None:
    data = header() + chunk(on(0, 60) + off(480, 60) + on(0, 62)[:-1])
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert report.count("truncated event") == 1


def test_meta_event_longer_than_its_chunk_is_dropped() -> None:
    data = header() + chunk(on(0, 60) + off(480, 60) + ev(0, 0xFF, 0x01, 50) + b"abc")
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)] and report.count("truncated event") == 1


def test_status_byte_where_data_belongs_resyncs_on_it() -> None:
    # The note-on lacks its velocity: the reader drops it and reads 0x80 as the next status.
    data = one_track(on(0, 64), ev(0, 0x90, 60, 0x80, 64, 0), on(0, 67), off(480, 67))
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 64, MIN_NOTE_TICKS, 100), (0, 67, 480, 100)]
    assert report.count("status byte inside an event") == 1


def test_data_byte_with_no_running_status_is_skipped() -> None:
    score, report = read(one_track(ev(0, 0x3C, 0x40), on(0, 60), off(480, 60)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert report.count("data byte without status") == 3  # both data bytes and the next delta (0)


def test_endless_variable_length_quantities_stop_at_the_end_of_the_chunk() -> None:
    # 0xFF bytes never end a VLQ; reading them must neither crash nor build a giant number (it was quadratic).
    endless = b"\xff" * 100_000
    score, report = read(header() + chunk(on(0, 60) + off(480, 60) + endless))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)] and not report.repairs
    score, report = read(header() + chunk(on(0, 60) + off(480, 60) + b"\x00\xff\x01" + endless))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)] and report.count("truncated event") == 1


def test_missing_end_of_track_is_fine() -> None:
    score, report = read(midi(track(on(0, 60), off(480, 60), eot=False)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)] and not report.repairs


def test_events_after_end_of_track_are_not_read() -> None:
    score, _ = read(header() + chunk(on(0, 60) + off(480, 60) + EOT + on(0, 70) + off(10, 70)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]


def test_unknown_chunks_are_skipped_and_garbage_after_the_last_chunk_ignored() -> None:
    data = header(ntracks=1) + chunk(b"xyz", kind=b"XFIH") + track(on(0, 60), off(480, 60)) + b"\x00\x01garbage\xff"
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert report.ignored == {"unknown chunks": 1, "bytes after the last chunk": 10}
    assert not report.repairs


def test_wrong_track_count_in_header_reads_every_chunk() -> None:
    data = header(ntracks=5) + track(on(0, 60), off(1, 60)) + track(on(0, 62), off(1, 62))
    score, report = read(data)
    assert len(score.tracks) == 2 and report.count("wrong track count in header") == 1


def test_system_messages_inside_a_track_are_skipped() -> None:
    score, report = read(one_track(ev(0, 0xF2, 1, 2), ev(0, 0xF8), on(0, 60), off(480, 60)))
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)]
    assert report.ignored == {"system messages (not allowed in a file)": 2}


def test_riff_wrapped_midi_is_read() -> None:
    smf = midi(track(on(0, 60), off(480, 60)))
    info = b"LIST" + (4).to_bytes(4, "little") + b"INFO"
    data = b"RIFF" + (len(smf) + 24).to_bytes(4, "little") + b"RMIDdata" + len(smf).to_bytes(4, "little") + smf + info
    score, report = read(data)
    assert note_list(score.tracks[0]) == [(0, 60, 480, 100)] and not report.repairs and not report.ignored


# --- unreadable files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "not a MIDI file"),
        (b"MThd\x00\x00\x00\x06\x00\x01", "truncated"),
        (b"MThd\x00\x00\x00\x04\x00\x01\x00\x01\x01\xe0", "at least 6"),
        (header(division=0) + track(), "time division is zero"),
        (header(division=0xE700) + track(), "time division is zero"),
        (header(), "no track"),
        (header() + chunk(b"abc", kind=b"XXXX"), "no track"),
    ],
)
def test_unreadable_files_raise_midi_file_error(data: bytes, message: str) -> None:
    with pytest.raises(MidiFileError, match=message):
        read_midi(data, source="song.mid")


def test_error_names_the_source() -> None:
    with pytest.raises(MidiFileError, match="^song.mid: "):
        read_midi(b"nope", source="song.mid")


def test_missing_path_and_directory_raise_midi_file_error(tmp_path: Path) -> None:
    with pytest.raises(MidiFileError, match="cannot open"):
        read_midi(tmp_path / "missing.mid")
    with pytest.raises(MidiFileError, match="cannot open"):
        read_midi(tmp_path)


def test_reads_paths_and_bytearrays(tmp_path: Path) -> None:
    data = midi(track(on(0, 60), off(480, 60)))
    path = tmp_path / "a.mid"
    path.write_bytes(data)
    from_path, report = read_midi(path)
    assert report.source == str(path)
    assert note_list(from_path.tracks[0]) == note_list(read_midi(bytearray(data))[0].tracks[0])


# --- real files, against independent readers -------------------------------------------------------------------


def _without_overlaps(notes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """pretty_midi's notes under our rules: one note per onset and pitch, each ending where the next starts."""
    by_pitch: dict[int, list[list[int]]] = {}
    for start, pitch, end, velocity in sorted(notes):
        kept = by_pitch.setdefault(pitch, [])
        if kept and kept[-1][0] == start:
            kept[-1] = max(kept[-1], [start, pitch, end, velocity], key=lambda n: (n[2], n[3]))
            continue
        if kept and kept[-1][2] > start:
            kept[-1][2] = start
        kept.append([start, pitch, end, velocity])
    return sorted((s, p, e - s, v) for kept in by_pitch.values() for s, p, e, v in kept)


@pytest.mark.parametrize("path", REAL_MIDI_FILES, ids=lambda p: p.name)
def test_real_files_agree_with_pretty_midi(path: Path) -> None:
    score, report = read_midi(path)
    assert_valid_score(score)
    pm = pretty_midi.PrettyMIDI(str(path))
    # A blank track name is named after the instrument (pretty_midi leaves it blank).
    assert [(i.name or program_name(i.program), i.program, i.is_drum) for i in pm.instruments] == [
        (t.name, t.program, t.is_drum) for t in score.tracks
    ]
    scale = PPQ / pm.resolution
    unterminated = 0
    for inst, t in zip(pm.instruments, score.tracks, strict=True):
        theirs = [
            (round(pm.time_to_tick(n.start) * scale), n.pitch, round(pm.time_to_tick(n.end) * scale), n.velocity)
            for n in inst.notes
        ]
        ours, expected = Counter(note_list(t)), Counter(_without_overlaps(theirs))
        assert expected - ours == Counter()
        unterminated += (ours - expected).total()
    # pretty_midi drops a note-on that is never switched off; we keep it and report it.
    assert unterminated == report.count("note-on without note-off")
    tempos = [
        TempoChange(round(pm.time_to_tick(s) * scale), round(60_000_000 / bpm))
        for s, bpm in zip(*pm.get_tempo_changes(), strict=True)
    ]
    # pretty_midi drops a tempo event that repeats the tempo in effect; we keep the file's events.
    changes = list(score.tempo_map)
    assert [c for i, c in enumerate(changes) if i == 0 or c.us_per_quarter != changes[i - 1].us_per_quarter] == tempos


_META_TYPES = {
    0x01: "text",
    0x02: "copyright",
    0x03: "track_name",
    0x04: "instrument_name",
    0x05: "lyrics",
    0x06: "marker",
    0x07: "cue_marker",
    0x20: "channel_prefix",
    0x21: "midi_port",
    0x54: "smpte_offset",
    0x7F: "sequencer_specific",
    0x2F: "end_of_track",
    0x51: "set_tempo",
    0x58: "time_signature",
    0x59: "key_signature",
}


def _mido_events(track: mido.MidiTrack) -> list[tuple[int, ...]]:
    """(tick, status, data...) of mido's messages, in the shape of our event tuples."""
    tick = 0
    out: list[tuple[int, ...]] = []
    for msg in track:
        tick += msg.time
        raw = msg.bytes()
        out.append((tick, 0xFF, msg.type) if msg.is_meta else (tick, raw[0], raw[1], raw[2] if len(raw) > 2 else 0))
    return out


@pytest.mark.parametrize("path", REAL_MIDI_FILES, ids=lambda p: p.name)
def test_real_files_parse_to_the_same_events_as_mido(path: Path) -> None:
    ours = parse_smf(path.read_bytes(), ImportReport())
    theirs = mido.MidiFile(path)
    assert ours.division.ppq == theirs.ticks_per_beat and len(ours.tracks) == len(theirs.tracks)
    for events, mido_track in zip(ours.tracks, theirs.tracks, strict=True):
        got = [(t, s, _META_TYPES[a]) if s == 0xFF else (t, s, a, b) for t, s, a, b in events]
        assert got == _mido_events(mido_track)
