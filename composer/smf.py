"""Low-level Standard MIDI File chunks and events, read defensively and written plainly.

The reader turns bytes into one list of event tuples per track chunk and never
raises on damaged track data: it keeps what it can read, tells the import report
what it skipped, and resynchronises on the next status byte. Only a file that is
not MIDI at all (no header, no track chunk) raises :class:`MidiFileError`.

Events are plain tuples ``(tick, status, a, b)`` rather than objects, because a
100k-note file has 200k events and an object per event would dominate the time:

- channel event: ``status`` 0x80..0xEF, ``a`` and ``b`` the data bytes (``b`` is 0
  for the one-byte program change and channel pressure);
- meta event: ``status`` 0xFF, ``a`` the meta type, ``b`` the payload bytes;
- SysEx: ``status`` 0xF0 or 0xF7, ``a`` 0, ``b`` the payload bytes.

Ticks are absolute and in the file's own time division.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, NamedTuple, TypeAlias

from composer.errors import MidiFileError
from composer.import_report import ImportReport

Event: TypeAlias = tuple[int, int, int, Any]
"""(tick, status, a, b); ``b`` is an int for channel events and bytes otherwise (see above)."""

META = 0xFF
META_TRACK_NAME = 0x03
META_END_OF_TRACK = 0x2F
META_TEMPO = 0x51
META_TIME_SIGNATURE = 0x58
META_KEY_SIGNATURE = 0x59

# Data bytes that follow the system common/real-time statuses, which do not belong in a file.
_SYSTEM_DATA_LENGTHS = {0xF1: 1, 0xF2: 2, 0xF3: 1}

MAX_VLQ = 0x0FFFFFFF
"""Largest value a (four-byte) variable-length quantity can hold."""

_HEADER = struct.Struct(">4sIHHH")
_CHUNK = struct.Struct(">4sI")


class Division(NamedTuple):
    """The header's time division: ticks per quarter, or SMPTE frames x subframes."""

    ppq: int = 0
    fps: int = 0
    subframes: int = 0

    @property
    def is_smpte(self) -> bool:
        return self.fps > 0


class MidiData(NamedTuple):
    """A parsed file: header fields and one event list per track chunk."""

    format: int
    division: Division
    tracks: list[list[Event]]


def parse_smf(data: bytes, report: ImportReport, source: str = "") -> MidiData:
    """Parse a whole file; raise :class:`MidiFileError` only when it cannot be MIDI."""
    path = source or None
    data = _unwrap(data)
    if data[:4] != b"MThd":
        raise MidiFileError("not a MIDI file (no MThd header)" if data else "the file is empty", path)
    if len(data) < _HEADER.size:
        raise MidiFileError("the MIDI header is truncated", path)
    _, length, fmt, ntracks, raw_division = _HEADER.unpack_from(data)
    if length < 6:
        raise MidiFileError(f"the MIDI header is {length} bytes long; it needs at least 6", path)
    division = _division(raw_division)
    if not (division.ppq or (division.fps and division.subframes)):
        raise MidiFileError("the MIDI header's time division is zero", path)
    tracks = _read_chunks(data, 8 + length, report)
    if not tracks:
        raise MidiFileError("the file has no track (MTrk) chunk", path)
    if len(tracks) != ntracks:
        found = f"header says {ntracks}, found {len(tracks)}"
        report.repair("wrong track count in header", "read every track chunk in the file", found)
    return MidiData(fmt, division, tracks)


def _unwrap(data: bytes) -> bytes:
    """The SMF inside a RIFF (RMID) file's 'data' chunk; any other input as it is."""
    if data[:4] != b"RIFF":
        return data
    start = data.find(b"MThd", 12, 64)
    if start < 0:
        return data
    length = int.from_bytes(data[start - 4 : start], "little")
    return data[start : start + length]


def _division(raw: int) -> Division:
    if raw & 0x8000:
        return Division(fps=256 - (raw >> 8), subframes=raw & 0xFF)
    return Division(ppq=raw)


def _read_chunks(data: bytes, pos: int, report: ImportReport) -> list[list[Event]]:
    """Walk the chunks after the header, parsing MTrk and skipping the rest."""
    tracks: list[list[Event]] = []
    size = len(data)
    while pos < size:
        if size - pos < _CHUNK.size or not _is_chunk_id(data[pos : pos + 4]):
            report.ignore("bytes after the last chunk", size - pos)
            break
        kind, length = _CHUNK.unpack_from(data, pos)
        body = pos + _CHUNK.size
        end = body + length
        if end > size:
            report.repair("truncated chunk", "read the part of the chunk that is in the file", kind.decode("ascii"))
            end = size
        if kind == b"MTrk":
            tracks.append(parse_track(data, body, end, report))
        else:
            report.ignore("unknown chunks")
        pos = end
    return tracks


def _is_chunk_id(tag: bytes) -> bool:
    return all(0x20 <= c < 0x7F for c in tag)


def parse_track(data: bytes, pos: int, end: int, report: ImportReport) -> list[Event]:
    """Events of one MTrk body ``data[pos:end]``, with running status and resync.

    A status byte where a data byte belongs drops the cut-off event and is read as
    the next status, which is what a synthesiser receiving the stream would do.
    """
    events: list[Event] = []
    append = events.append
    tick = 0
    running = 0
    need_delta = True
    stray = misplaced = 0  # bytes skipped and events dropped while resynchronising
    stray_tick = misplaced_tick = 0
    while pos < end:
        if need_delta:
            b = data[pos]
            pos += 1
            if b & 0x80:
                delta = b & 0x7F
                while b & 0x80:
                    if pos >= end:
                        break
                    b = data[pos]
                    pos += 1
                    delta = (delta << 7) | (b & 0x7F)
                    if delta > MAX_VLQ:  # a corrupt endless VLQ must not grow a giant int
                        delta = MAX_VLQ
                tick += delta
            else:
                tick += b
            if pos >= end:
                break
        need_delta = True
        status = data[pos]
        if status & 0x80:
            pos += 1
            if status < 0xF0:
                running = status
        elif running:
            status = running
        else:
            stray_tick = stray_tick if stray else tick
            stray += 1
            pos += 1
            need_delta = False
            continue
        hi = status & 0xF0
        if hi != 0xF0:
            if hi == 0xC0 or hi == 0xD0:
                if pos >= end:
                    _truncated(report, tick)
                    break
                a = data[pos]
                if a & 0x80:
                    misplaced_tick = misplaced_tick if misplaced else tick
                    misplaced += 1
                    need_delta = False
                    continue
                pos += 1
                append((tick, status, a, 0))
            else:
                if pos + 1 >= end:
                    _truncated(report, tick)
                    break
                a = data[pos]
                b = data[pos + 1]
                if (a | b) & 0x80:
                    misplaced_tick = misplaced_tick if misplaced else tick
                    misplaced += 1
                    need_delta = False
                    if not a & 0x80:
                        pos += 1
                    continue
                pos += 2
                append((tick, status, a, b))
        elif status == META:
            pos = _meta(data, pos, end, tick, append, report)
            if pos < 0:
                break
        elif status == 0xF0 or status == 0xF7:
            length, pos = read_vlq(data, pos, end)
            if pos + length > end:
                _truncated(report, tick)
                break
            append((tick, status, 0, data[pos : pos + length]))
            pos += length
        else:
            report.ignore("system messages (not allowed in a file)")
            pos += _SYSTEM_DATA_LENGTHS.get(status, 0)
    if stray:
        report.repair("data byte without status", "skipped the byte", f"tick {stray_tick}", stray)
    if misplaced:
        action = "dropped the cut-off event and read on from the status byte"
        report.repair("status byte inside an event", action, f"tick {misplaced_tick}", misplaced)
    return events


def _meta(data: bytes, pos: int, end: int, tick: int, append: Callable[[Event], None], report: ImportReport) -> int:
    """Read one meta event after its FF byte; return the next position, or -1 to stop the track."""
    if pos >= end:
        _truncated(report, tick)
        return -1
    kind = data[pos]
    length, pos = read_vlq(data, pos + 1, end)
    if pos + length > end:
        _truncated(report, tick)
        return -1
    append((tick, META, kind, data[pos : pos + length]))
    return -1 if kind == META_END_OF_TRACK else pos + length


def _truncated(report: ImportReport, tick: int) -> None:
    report.repair("truncated event", "dropped the event cut off by the end of its track", f"tick {tick}")


def read_vlq(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """A variable-length quantity and the position after it (stops at ``end``)."""
    value = 0
    while pos < end:
        b = data[pos]
        pos += 1
        value = min((value << 7) | (b & 0x7F), MAX_VLQ)
        if not b & 0x80:
            break
    return value, pos


def vlq(value: int) -> bytes:
    """Encode a non-negative int as a variable-length quantity."""
    if value < 0x80:
        return bytes((value,))
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def header_chunk(fmt: int, ntracks: int, ppq: int) -> bytes:
    return _HEADER.pack(b"MThd", 6, fmt, ntracks, ppq)


def track_chunk(body: bytes | bytearray) -> bytes:
    return _CHUNK.pack(b"MTrk", len(body)) + body


def meta_event(kind: int, payload: bytes) -> bytes:
    """A meta event without its delta time."""
    return bytes((META, kind)) + vlq(len(payload)) + payload
