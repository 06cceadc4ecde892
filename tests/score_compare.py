"""Compare scores by content, ignoring note and track ids (a file read gives new ids)."""

from __future__ import annotations

from typing import Any

from composer.score import Score, Track


def track_content(track: Track, *, app_state: bool = True) -> tuple[Any, ...]:
    notes = tuple((n.start, n.pitch, n.duration, n.velocity) for n in track.notes)
    props = (track.name, track.program, track.is_drum, track.channel, track.volume, track.pan)
    extra = (track.colour, track.mute, track.solo) if app_state else ()
    return (*props, *extra, notes)


def score_content(score: Score, *, app_state: bool = True) -> tuple[Any, ...]:
    """Everything a file must keep, minus ids (and minus colour/mute/solo unless ``app_state``)."""
    return (
        score.title,
        score.tempo_map,
        score.time_signatures,
        score.key_map,
        tuple(track_content(t, app_state=app_state) for t in score.tracks),
    )
