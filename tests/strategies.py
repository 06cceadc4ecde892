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


NAMES = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x24F), max_size=12)
MIDI_NAMES = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F), min_size=1, max_size=12).filter(str.strip)
"""A MIDI file names a blank track after its instrument, so round-trip tests use non-blank names."""


@st.composite
def tracks(
    draw: st.DrawFn, names: st.SearchStrategy[str] = NAMES, max_notes: int = 40, max_tick: int = 16 * PPQ
) -> Track:
    """Valid tracks; drums on channel 10 and only there (as MIDI files can tell them)."""
    is_drum = draw(st.booleans())
    return Track.create(
        draw(names),
        draw(notes(max_notes=max_notes, max_tick=max_tick)),
        program=draw(st.integers(0, 127)),
        is_drum=is_drum,
        channel=9 if is_drum else draw(st.integers(0, 15).filter(lambda c: c != 9)),
        volume=draw(st.integers(0, 127)),
        pan=draw(st.integers(0, 127)),
    )


def _map_ticks(draw: st.DrawFn, max_changes: int, max_tick: int) -> list[int]:
    return [0, *sorted(draw(st.sets(st.integers(1, max_tick), max_size=max_changes)))]


@st.composite
def scores(draw: st.DrawFn, min_tracks: int = 1, max_tracks: int = 4, midi_extremes: bool = False) -> Score:
    """Valid scores; ``midi_extremes`` spans every tempo, meter and name a MIDI file can hold."""
    span = 64 * PPQ if midi_extremes else 32 * PPQ
    tempo = st.integers(1, 0xFFFFFF) if midi_extremes else st.integers(200_000, 2_000_000)
    numerator = st.integers(1, 255) if midi_extremes else st.integers(1, 13)
    denominator = st.sampled_from([1, 2, 4, 8, 16, 32, 64] if midi_extremes else [2, 4, 8, 16])
    track = tracks(MIDI_NAMES, 60, 64 * PPQ) if midi_extremes else tracks()
    return Score(
        tracks=tuple(draw(st.lists(track, min_size=min_tracks, max_size=max_tracks))),
        tempo_map=TempoMap(tuple(TempoChange(t, draw(tempo)) for t in _map_ticks(draw, 4, span))),
        time_signatures=TimeSignatureMap(
            tuple(TimeSignature(t, draw(numerator), draw(denominator)) for t in _map_ticks(draw, 4, span))
        ),
        key_map=KeyMap(
            tuple(KeyChange(t, Key(draw(st.integers(-7, 7)), draw(st.booleans()))) for t in _map_ticks(draw, 3, span))
        ),
        title=draw(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)),
    )
