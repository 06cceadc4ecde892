"""Bar lines from beat annotations: POP909's 1/4 and 2/4 files get the 4/4 bars their beat
files mark, notes move by less than half a beat, and a pickup becomes a short first bar."""

from __future__ import annotations

from pathlib import Path

from composer.beat_grid import read_beat_file, with_annotated_meter
from composer.midi_import import read_midi
from composer.score import Note, Score, Track
from composer.timing import PPQ, TempoMap, TimeSignature
from models.corpus import _with_beat_file

DATA = Path(__file__).parent / "data" / "pop909"


def test_pop909_song_gets_the_annotated_four_four_bars() -> None:
    score = read_midi(DATA / "001.mid")[0]
    beats, downbeats = read_beat_file((DATA / "001_beat_midi.txt").read_text())
    assert len(beats) > 100 and abs(len(beats) - 4 * len(downbeats)) < 8
    fixed = with_annotated_meter(score, beats, downbeats)
    assert [c.numerator for c in fixed.time_signatures][-1] == 4
    sigs = fixed.time_signatures
    tempo = fixed.tempo_map
    # Every annotated downbeat, moved like the notes were, now falls on a bar line (within a 32nd).
    shift = fixed.tracks[0].notes[0].start - score.tracks[0].notes[0].start
    assert abs(shift) <= PPQ // 2
    for seconds in downbeats[:40]:
        tick = round(tempo.seconds_to_tick(seconds)) + shift
        assert abs(tick - sigs.bar_start(sigs.bar_at(tick + PPQ // 8))) <= PPQ // 8
    assert [n.pitch for n in fixed.tracks[0].notes] == [n.pitch for n in score.tracks[0].notes]
    assert fixed.note_count == score.note_count


def test_pickup_becomes_a_short_first_bar() -> None:
    tempo = TempoMap.constant(120)  # a quarter is half a second
    melody = Track.create("M", [Note.create(60, 2 * PPQ, PPQ)])
    score = Score(tracks=(melody,), tempo_map=tempo)
    beats = [i * 0.5 for i in range(16)]
    downbeats = [b for b in beats if (b / 0.5) % 4 == 2]  # downbeats on the third quarter: a 2-beat pickup
    fixed = with_annotated_meter(score, beats, downbeats)
    assert list(fixed.time_signatures) == [TimeSignature(0, 2, 4), TimeSignature(2 * PPQ, 4, 4)]


def test_annotations_that_do_not_fit_leave_the_score_alone() -> None:
    score = read_midi(DATA / "001.mid")[0]
    beats, downbeats = read_beat_file((DATA / "001_beat_midi.txt").read_text())
    assert with_annotated_meter(score, [b * 1.7 for b in beats], downbeats) is score  # beats not quarters
    assert with_annotated_meter(score, beats[:3], downbeats[:1]) is score


def test_corpus_reads_a_beat_file_beside_the_midi(tmp_path: Path) -> None:
    (tmp_path / "001.mid").write_bytes((DATA / "001.mid").read_bytes())
    (tmp_path / "beat_midi.txt").write_text((DATA / "001_beat_midi.txt").read_text())
    fixed = _with_beat_file(read_midi(tmp_path / "001.mid")[0], tmp_path / "beat_midi.txt")
    assert fixed.time_signatures.changes[-1].numerator == 4
    plain = read_midi(DATA / "001.mid")[0]
    assert _with_beat_file(plain, tmp_path / "missing.txt") is plain
