"""Import never crashes: any bytes give a valid score or a MidiFileError, nothing else.

A score that comes back must also be a valid score (sorted notes, values in
range, no overlapping same-pitch notes) and survive our own export unchanged.
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.errors import MidiFileError
from composer.midi_export import write_midi
from composer.midi_import import read_midi
from composer.score import Score
from composer.timing import PPQ
from tests.midi_helpers import POP909_FILES, assert_valid_score, ev, header, meta, midi, off, on, track
from tests.score_compare import score_content

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(data: bytes) -> Score | None:
    """Read ``data``; anything but a valid score or a MidiFileError fails the test."""
    try:
        score, _ = read_midi(data)
    except MidiFileError as exc:
        assert exc.__cause__ is None or isinstance(exc.__cause__, OSError), f"a bug caught by the last resort: {exc}"
        return None
    assert_valid_score(score)
    back, _ = read_midi(write_midi(score))
    assert score_content(back) == score_content(score)
    return score


@cache
def small_real_file() -> bytes:
    """The first 4 bars of a POP909 song: real content, small enough to cut at every offset."""
    score, _ = read_midi(POP909_FILES[0])
    tracks = tuple(t.with_notes(n for n in t.notes if n.start < 16 * PPQ) for t in score.tracks)
    return write_midi(Score(tracks, score.tempo_map, score.time_signatures, score.key_map, score.title))


@cache
def tricky_file() -> bytes:
    """Running status, sysex, meta, every channel-event size and SMPTE: the parser's other paths."""
    return midi(
        track(meta(0, 0x03, b"conductor"), meta(0, 0x51, b"\x07\xa1\x20"), meta(0, 0x58, b"\x03\x02\x18\x08")),
        track(
            ev(0, 0xC0, 5),
            ev(0, 0x90, 60, 100),
            ev(0, 64, 90),
            ev(120, 0xF0, 2, 1, 0xF7),
            ev(0, 0xB0, 64, 127),
            ev(10, 0xE0, 0, 64),
            ev(5, 0xD0, 3),
            ev(0, 0xF7, 1, 0),
            on(0, 36, channel=9),
            off(0, 36, channel=9),
            ev(300, 0x80, 60, 0),
            ev(0, 64, 0),
            meta(0, 0x05, b"la"),
        ),
        division=0xE728,
    )


def real_files() -> list[bytes]:
    return [small_real_file(), tricky_file(), *(p.read_bytes() for p in POP909_FILES)]


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.binary(max_size=600), st.integers(0, 2), st.sampled_from([1, 96, 480, 0x7FFF, 0xE728, 0xE301]))
def test_random_track_chunks_behind_a_valid_header(body: bytes, fmt: int, division: int) -> None:
    check(header(fmt, 2, division) + b"MTrk" + len(body).to_bytes(4, "big") + body)


@FUZZ
@given(st.lists(st.binary(min_size=1, max_size=6), max_size=80))
def test_random_events_in_a_track(events: list[bytes]) -> None:
    """Short byte runs read as events: deltas, statuses and data bytes in every order."""
    check(midi(track(*events, eot=False)))


def test_truncation_at_every_offset_of_small_files() -> None:
    for data in (small_real_file(), tricky_file()):
        for end in range(len(data) + 1):
            check(data[:end])


@pytest.mark.parametrize("index", range(len(POP909_FILES)))
def test_truncation_of_a_whole_real_file_every_few_bytes(index: int) -> None:
    data = POP909_FILES[index].read_bytes()
    for end in range(0, len(data), 257):
        check(data[:end])


@FUZZ
@given(st.data())
def test_bit_flips_in_real_files(data: st.DataObject) -> None:
    files = real_files()
    raw = bytearray(data.draw(st.sampled_from(files)))
    for bit in data.draw(st.lists(st.integers(0, len(raw) * 8 - 1), min_size=1, max_size=8)):
        raw[bit // 8] ^= 1 << (bit % 8)
    check(bytes(raw))


@FUZZ
@given(st.data())
def test_byte_splices_in_real_files(data: st.DataObject) -> None:
    """Bytes deleted or inserted shift every later event: the reader must resync or stop cleanly."""
    raw = data.draw(st.sampled_from(real_files()))
    at = data.draw(st.integers(0, len(raw)))
    cut = data.draw(st.integers(0, 8))
    check(raw[:at] + data.draw(st.binary(max_size=8)) + raw[at + cut :])
