"""Rebuild ``demo.mid`` from a POP909 song: a bar-aligned excerpt, written with mido.

Kept so the bundled demo can be regenerated or replaced reproducibly; the app never
runs it (and it is not shipped). Usage::

    python resources/demo/make_demo.py /path/to/pop909 --song 006 --first-bar 32 --bars 24

POP909's own time-signature event says 2/4, but its ``beat_midi.txt`` marks a downbeat
every four beats; the excerpt starts on such a downbeat and is written in 4/4.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import mido

PPQ = 480
KEYS = {"maj": "", "min": "m"}


def downbeat_seconds(song_dir: Path) -> list[float]:
    """Seconds of each bar's first beat (third column of beat_midi.txt is 1 on a 4/4 downbeat)."""
    rows = (line.split() for line in (song_dir / "beat_midi.txt").read_text().splitlines() if line.strip())
    return [float(r[0]) for r in rows if float(r[2]) == 1.0]


def key_name(song_dir: Path) -> str:
    """mido's key name (e.g. "Cm") of the song's first key in key_audio.txt."""
    tonic, mode = (song_dir / "key_audio.txt").read_text().split()[2].split(":")
    return tonic + KEYS[mode]


def notes_of(track: mido.MidiTrack) -> list[tuple[int, int, int, int]]:
    """(start, end, pitch, velocity) in absolute ticks."""
    now, sounding, out = 0, {}, []
    for msg in track:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            sounding[msg.note] = (now, msg.velocity)
        elif msg.type in ("note_on", "note_off") and msg.note in sounding:
            start, velocity = sounding.pop(msg.note)
            out.append((start, now, msg.note, velocity))
    return out


def to_track(name: str, events: list[tuple[int, int, mido.Message]]) -> mido.MidiTrack:
    """A track from absolute-time events; note-offs sort before note-ons at the same tick."""
    track = mido.MidiTrack([mido.MetaMessage("track_name", name=name, time=0)])
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def make_demo(song_dir: Path, first_bar: int, bars: int, out: Path) -> None:
    source = mido.MidiFile(song_dir / f"{song_dir.name}.mid")
    if source.ticks_per_beat != PPQ:
        raise SystemExit(f"expected {PPQ} ticks per beat, found {source.ticks_per_beat}")
    tempos = [m.tempo for m in source.tracks[0] if m.type == "set_tempo"]
    if len(tempos) != 1:
        raise SystemExit("pick a song with one tempo: the excerpt keeps bar lines by a single tempo")
    tempo = tempos[0]
    seconds = downbeat_seconds(song_dir)[first_bar]
    begin = round(mido.second2tick(seconds, PPQ, tempo))
    end = begin + bars * 4 * PPQ

    conductor = to_track(
        "",
        [
            (0, 0, mido.MetaMessage("set_tempo", tempo=tempo)),
            (0, 0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
            (0, 0, mido.MetaMessage("key_signature", key=key_name(song_dir))),
        ],
    )
    result = mido.MidiFile(type=1, ticks_per_beat=PPQ, tracks=[conductor])
    for channel, track in enumerate(source.tracks[1:]):
        events = [(0, 0, mido.Message("program_change", channel=channel, program=0))]
        for start, stop, pitch, velocity in notes_of(track):
            if begin <= start < end:
                on, off = start - begin, min(stop, end) - begin
                events.append((on, 1, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
                events.append((off, 0, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        result.tracks.append(to_track(track.name, events))
    result.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pop909", type=Path, help="POP909 folder holding NNN/NNN.mid")
    parser.add_argument("--song", default="006")
    parser.add_argument("--first-bar", type=int, default=32, help="0-based bar of the song where the excerpt starts")
    parser.add_argument("--bars", type=int, default=24)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("demo.mid"))
    args = parser.parse_args()
    make_demo(args.pop909 / args.song, args.first_bar, args.bars, args.out)


if __name__ == "__main__":
    main()
