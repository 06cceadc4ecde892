"""Bar lines from beat annotations, for files whose own time signature is wrong.

POP909's MIDI files mostly declare 1/4 or 2/4 while their ``beat_midi.txt`` marks the
downbeats of 4/4 bars, and their first beat lies a few ticks after tick 0. Trained on
one-beat "bars", the model would learn nothing about how a pop bar is built, so the
corpus rebuilds the meter from the annotations: the notes move by less than half a
beat so downbeats fall on the tick grid, a pickup becomes a short first bar, and the
bar length is the usual count of beats between downbeats.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from composer.score import Score
from composer.timing import PPQ, TimeSignature, TimeSignatureMap


def read_beat_file(text: str) -> tuple[list[float], list[float]]:
    """(beat times, downbeat times) in seconds from POP909's ``beat_midi.txt`` format:
    one beat per line, ``seconds  <2/4 downbeat flag>  <4/4 downbeat flag>``."""
    beats, downbeats = [], []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        seconds = float(fields[0])
        beats.append(seconds)
        if float(fields[2]) >= 0.5:
            downbeats.append(seconds)
    return beats, downbeats


def with_annotated_meter(score: Score, beats: Sequence[float], downbeats: Sequence[float]) -> Score:
    """``score`` with bar lines at the annotated downbeats (one quarter per beat); unchanged when the
    annotations are too few or do not agree with the score's tempo."""
    tempo = score.tempo_map
    beat_ticks = [tempo.seconds_to_tick(s) for s in beats]
    if len(downbeats) < 2 or len(beat_ticks) < 4:
        return score
    spacing = statistics.median(b - a for a, b in zip(beat_ticks, beat_ticks[1:], strict=False))
    if abs(spacing - PPQ) > PPQ * 0.1:  # beats are not quarters at this tempo: leave the file as it is
        return score
    per_bar = statistics.median(
        sum(1 for b in beats if a <= b < c) for a, c in zip(downbeats, downbeats[1:], strict=False)
    )
    numerator = int(per_bar)
    if numerator != per_bar or not 2 <= numerator <= 7:
        return score
    first = tempo.seconds_to_tick(downbeats[0])
    offset = round(first) % PPQ
    shift = -offset if offset <= PPQ // 2 else PPQ - offset
    lowest = min((n.start for t in score.tracks for n in t.notes), default=0)
    if lowest + shift < 0:
        shift += PPQ
    pickup = (round(first) + shift) // PPQ % numerator
    changes = (TimeSignature(0, numerator, 4),) if not pickup else (
        TimeSignature(0, pickup, 4), TimeSignature(pickup * PPQ, numerator, 4))
    tracks = tuple(t.with_notes(n._replace(start=n.start + shift) for n in t.notes) for t in score.tracks)
    return replace(score, tracks=tracks, time_signatures=TimeSignatureMap(changes))
