"""Hypothesis strategies for valid scores and edits, shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from composer.score import Note, Score, Track, new_id
from composer.timing import (
    PPQ,
    Key,
    KeyChange,
    KeyMap,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
)


@st.composite
def notes(draw: st.DrawFn, max_notes: int = 40, max_tick: int = 16 * PPQ) -> tuple[Note, ...]:
    """Notes with no overlapping same-pitch pair (what a valid track holds)."""
    raw = draw(
        st.lists(
            st.tuples(
                st.integers(0, max_tick),
                st.integers(0, 127),
                st.integers(1, 4 * PPQ),
                st.integers(1, 127),
            ),
            max_size=max_notes,
        )
    )
    out: list[Note] = []
    busy_until: dict[int, int] = {}
    for start, pitch, duration, velocity in sorted(raw):
        if start < busy_until.get(pitch, 0):
            continue
        busy_until[pitch] = start + duration
        out.append(Note(start, pitch, duration, velocity, new_id()))
    return tuple(out)


@st.composite
def tracks(draw: st.DrawFn) -> Track:
    is_drum = draw(st.booleans())
    return Track.create(
        draw(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F), max_size=12)),
        draw(notes()),
        program=draw(st.integers(0, 127)),
        is_drum=is_drum,
        channel=9 if is_drum else draw(st.integers(0, 15).filter(lambda c: c != 9)),
        volume=draw(st.integers(0, 127)),
        pan=draw(st.integers(0, 127)),
    )


def _map_ticks(draw: st.DrawFn, max_changes: int) -> list[int]:
    return [0, *sorted(draw(st.sets(st.integers(1, 32 * PPQ), max_size=max_changes)))]


@st.composite
def scores(draw: st.DrawFn, max_tracks: int = 4) -> Score:
    tempo_ticks = _map_ticks(draw, 3)
    sig_ticks = _map_ticks(draw, 3)
    key_ticks = _map_ticks(draw, 2)
    return Score(
        tracks=tuple(draw(st.lists(tracks(), min_size=1, max_size=max_tracks))),
        tempo_map=TempoMap(tuple(TempoChange(t, draw(st.integers(200_000, 2_000_000))) for t in tempo_ticks)),
        time_signatures=TimeSignatureMap(
            tuple(
                TimeSignature(t, draw(st.integers(1, 13)), draw(st.sampled_from([2, 4, 8, 16]))) for t in sig_ticks
            )
        ),
        key_map=KeyMap(tuple(KeyChange(t, Key(draw(st.integers(-7, 7)), draw(st.booleans()))) for t in key_ticks)),
        title=draw(st.text(max_size=20)),
    )
