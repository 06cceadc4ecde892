"""Byte-level MIDI builders, score invariants and strategies for the MIDI tests.

The builders encode bytes themselves (not through composer.smf), so a test file
states exactly which bytes the reader gets.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from composer.score import Score, Track
from composer.timing import PPQ
from tests.strategies import scores

POP909 = Path(__file__).parent / "data" / "pop909"
POP909_FILES = sorted(POP909.glob("*.mid"))
MUSIC21_FILES = sorted((Path(__file__).parent / "data" / "music21").glob("*.mid"))
REAL_MIDI_FILES = [*POP909_FILES, *MUSIC21_FILES]
"""POP909 songs and music21 corpus pieces converted by music21's own MIDI writer."""


def vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def ev(delta: int, *data: int) -> bytes:
    """One event: delta time, then raw bytes (status and data, or data alone for running status)."""
    return vlq(delta) + bytes(data)


def on(delta: int, pitch: int, velocity: int = 100, channel: int = 0) -> bytes:
    return ev(delta, 0x90 | channel, pitch, velocity)


def off(delta: int, pitch: int, channel: int = 0) -> bytes:
    return ev(delta, 0x80 | channel, pitch, 64)


def meta(delta: int, kind: int, payload: bytes) -> bytes:
    return vlq(delta) + bytes((0xFF, kind)) + vlq(len(payload)) + payload


def name(text: str, delta: int = 0) -> bytes:
    return meta(delta, 0x03, text.encode())


def tempo(us: int, delta: int = 0) -> bytes:
    return meta(delta, 0x51, us.to_bytes(3, "big"))


def time_sig(numerator: int, exponent: int, delta: int = 0) -> bytes:
    return meta(delta, 0x58, bytes((numerator, exponent, 24, 8)))


def key_sig(fifths: int, mode: int, delta: int = 0) -> bytes:
    return meta(delta, 0x59, bytes((fifths & 0xFF, mode)))


EOT = meta(0, 0x2F, b"")


def chunk(body: bytes, kind: bytes = b"MTrk", length: int | None = None) -> bytes:
    return kind + (len(body) if length is None else length).to_bytes(4, "big") + body


def track(*events: bytes, eot: bool = True) -> bytes:
    return chunk(b"".join(events) + (EOT if eot else b""))


def header(fmt: int = 1, ntracks: int = 1, division: int = PPQ) -> bytes:
    return (
        b"MThd"
        + (6).to_bytes(4, "big")
        + fmt.to_bytes(2, "big")
        + ntracks.to_bytes(2, "big")
        + division.to_bytes(2, "big")
    )


def midi(*tracks: bytes, fmt: int = 1, division: int = PPQ) -> bytes:
    """A whole file from track chunks built with :func:`track`."""
    return header(fmt, len(tracks), division) + b"".join(tracks)


def note_list(track: Track) -> list[tuple[int, int, int, int]]:
    """(start, pitch, duration, velocity) of every note, ids left out."""
    return [(n.start, n.pitch, n.duration, n.velocity) for n in track.notes]


def assert_valid_score(score: Score) -> None:
    """What every imported score must satisfy, whatever the file was."""
    for t in score.tracks:
        assert list(t.notes) == sorted(t.notes)
        assert 0 <= t.channel <= 15 and 0 <= t.program <= 127 and 0 <= t.volume <= 127 and 0 <= t.pan <= 127
        assert t.is_drum == (t.channel == 9)
        sounding_until: dict[int, int] = {}
        for n in t.notes:
            assert 0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration >= 1 and n.start >= 0, n
            assert n.start >= sounding_until.get(n.pitch, 0), f"overlapping same-pitch notes at {n}"
            sounding_until[n.pitch] = n.end


def midi_scores() -> st.SearchStrategy[Score]:
    """Valid scores with any tempo, time signature, key and name a MIDI file can hold."""
    return scores(min_tracks=0, midi_extremes=True)
