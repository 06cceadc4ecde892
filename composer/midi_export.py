"""Standard MIDI File export: a :class:`Score` to type-1 bytes at our PPQ, written atomically.

Track 0 is the conductor (title, tempo, time and key signatures); then one track
chunk per Track with its name, program, volume, pan and notes. What
:func:`composer.midi_import.read_midi` reads back from these bytes is the same
score (notes, track settings, maps, title), which the tests check.
"""

from __future__ import annotations

import os

from composer.atomic_file import write_atomically
from composer.score import DRUM_CHANNEL, Score, Track
from composer.smf import (
    META_END_OF_TRACK,
    META_KEY_SIGNATURE,
    META_TEMPO,
    META_TIME_SIGNATURE,
    META_TRACK_NAME,
    header_chunk,
    meta_event,
    track_chunk,
    vlq,
)
from composer.timing import PPQ

CLOCKS_PER_CLICK = 24
NOTATED_32NDS_PER_QUARTER = 8
_END_OF_TRACK = meta_event(META_END_OF_TRACK, b"")


def write_midi(score: Score, path: str | os.PathLike[str] | None = None) -> bytes:
    """The score as a type-1 MIDI file; also written to ``path`` (atomically) when given."""
    chunks = [_conductor_chunk(score), *(_track_chunk(track) for track in score.tracks)]
    data = header_chunk(1, len(chunks), PPQ) + b"".join(chunks)
    if path is not None:
        write_atomically(path, data)
    return data


def _text(text: str) -> bytes:
    return text.encode("utf-8", errors="replace")


def _conductor_chunk(score: Score) -> bytes:
    """Title and every map change, in tick order (signatures before tempo at one tick)."""
    events: list[tuple[int, int, bytes]] = []
    for sig in score.time_signatures:
        payload = bytes((sig.numerator, sig.denominator.bit_length() - 1, CLOCKS_PER_CLICK, NOTATED_32NDS_PER_QUARTER))
        events.append((sig.tick, 0, meta_event(META_TIME_SIGNATURE, payload)))
    for change in score.key_map:
        payload = bytes((change.key.fifths & 0xFF, int(change.key.minor)))
        events.append((change.tick, 1, meta_event(META_KEY_SIGNATURE, payload)))
    for tempo in score.tempo_map:
        events.append((tempo.tick, 2, meta_event(META_TEMPO, tempo.us_per_quarter.to_bytes(3, "big"))))
    events.sort(key=lambda e: (e[0], e[1]))
    body = bytearray(b"\x00" + meta_event(META_TRACK_NAME, _text(score.title)) if score.title else b"")
    last = 0
    for tick, _, event in events:
        body += vlq(tick - last)
        body += event
        last = tick
    body += b"\x00" + _END_OF_TRACK
    return track_chunk(body)


def _track_chunk(track: Track) -> bytes:
    """Name, program, volume and pan at tick 0, then the notes; note-offs go first at equal ticks."""
    channel = DRUM_CHANNEL if track.is_drum else track.channel & 0x0F
    body = bytearray(b"\x00" + meta_event(META_TRACK_NAME, _text(track.name)))
    body += bytes((0, 0xC0 | channel, track.program & 0x7F))
    body += bytes((0, 0xB0 | channel, 7, min(max(track.volume, 0), 127)))
    body += bytes((0, 0xB0 | channel, 10, min(max(track.pan, 0), 127)))
    body += _note_events(track, channel)
    body += b"\x00" + _END_OF_TRACK
    return track_chunk(body)


def _note_events(track: Track, channel: int) -> bytearray:
    """Note events encoded from sorted ints: tick << 16 | is_on << 15 | pitch << 8 | velocity.

    Sorting plain ints is several times faster than sorting tuples, and the bit
    order makes a note-off (is_on 0) sort before a note-on at the same tick.
    """
    keys = [n.start << 16 | 0x8000 | n.pitch << 8 | n.velocity for n in track.notes]
    keys += [(n.start + n.duration) << 16 | n.pitch << 8 for n in track.notes]
    keys.sort()
    on, off = 0x90 | channel, 0x80 | channel
    out = bytearray()
    append = out.append
    last = 0
    for key in keys:
        tick = key >> 16
        delta = tick - last
        last = tick
        if delta < 0x80:
            append(delta)
        else:
            out += vlq(delta)
        if key & 0x8000:
            append(on)
            append(key >> 8 & 0x7F)
            append(key & 0x7F)
        else:
            append(off)
            append(key >> 8 & 0x7F)
            append(0x40)
    return out
