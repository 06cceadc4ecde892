"""What to play when: a score turned into timed MIDI channel events.

One event source for live playback (scheduled ahead into FluidSynth's
sequencer) and for offline rendering (WAV export, tests), so what you hear
while editing is what you export. Times are seconds from the start of the
played range, through the tempo map; mute and solo decide which tracks sound.
"""

from __future__ import annotations

from typing import NamedTuple

from composer.score import DRUM_CHANNEL, Score, Track

NOTE_OFF, PROGRAM, CONTROL, NOTE_ON = 0, 1, 2, 3
"""Event kinds, ordered so that at one instant notes end before set-up and new notes."""
CC_VOLUME, CC_PAN = 7, 10


class PlayEvent(NamedTuple):
    time: float  # seconds from the start of the played range
    kind: int  # NOTE_OFF, PROGRAM, CONTROL or NOTE_ON
    channel: int
    a: int  # pitch, program or controller number
    b: int = 0  # velocity or controller value


def audible_tracks(score: Score) -> list[Track]:
    """Tracks that sound: the soloed ones if any track is soloed (solo beats mute), else the unmuted."""
    soloed = [t for t in score.tracks if t.solo]
    return soloed if soloed else [t for t in score.tracks if not t.mute]


def assign_channels(score: Score) -> dict[int, int]:
    """A MIDI channel per track for playback: drums on 10, melodic tracks keep their own channel
    where it is free and otherwise get a free one, so two instruments never share a program.

    Past 15 melodic tracks channels must be shared; a track then joins one that plays the same
    program if there is one.
    """
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    out: dict[int, int] = {}
    program_of: dict[int, int] = {}
    for track in score.tracks:
        if track.is_drum:
            out[track.id] = DRUM_CHANNEL
    waiting = []
    for track in score.tracks:
        if not track.is_drum and track.channel in free:
            free.remove(track.channel)
            out[track.id], program_of[track.channel] = track.channel, track.program
        elif not track.is_drum:
            waiting.append(track)
    for track in waiting:
        if free:
            channel = free.pop(0)
            out[track.id], program_of[channel] = channel, track.program
        else:
            same = [c for c, p in program_of.items() if p == track.program]
            out[track.id] = same[0] if same else sorted(program_of)[len(out) % len(program_of)]
    return out


def performance(score: Score, start_tick: int = 0, end_tick: int | None = None) -> list[PlayEvent]:
    """Timed events for the notes starting in [start_tick, end_tick) of the audible tracks.

    Each used channel first gets its program, volume and pan at time 0; notes still
    sounding at ``end_tick`` are cut there, so a looped range ends cleanly.
    """
    end = score.end_tick if end_tick is None else end_tick
    to_seconds = score.tempo_map.tick_to_seconds
    origin = to_seconds(start_tick)
    channels = assign_channels(score)
    events: list[PlayEvent] = []
    for track in audible_tracks(score):
        channel = channels[track.id]
        events += _setup(track, channel)
        for note in track.starting_in(start_tick, end):
            on = to_seconds(note.start) - origin
            off = to_seconds(min(note.end, end)) - origin
            events.append(PlayEvent(on, NOTE_ON, channel, note.pitch, note.velocity))
            events.append(PlayEvent(off, NOTE_OFF, channel, note.pitch))
    events.sort()
    return events


def _setup(track: Track, channel: int) -> list[PlayEvent]:
    program = [] if track.is_drum else [PlayEvent(0.0, PROGRAM, channel, track.program)]
    return [
        *program,
        PlayEvent(0.0, CONTROL, channel, CC_VOLUME, track.volume),
        PlayEvent(0.0, CONTROL, channel, CC_PAN, track.pan),
    ]
