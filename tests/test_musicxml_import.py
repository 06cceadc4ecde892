"""MusicXML import over real corpus files, checked against music21's own reading and MIDI output."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from composer.errors import MusicXmlError
from composer.musicxml_import import read_musicxml
from composer.score import DRUM_CHANNEL, Score
from composer.timing import PPQ, Key, TimeSignature

DATA = Path(__file__).parent / "data"
XML = DATA / "musicxml"
FILES = sorted(p.name for p in XML.glob("*.mxl"))


@cache
def imported(name: str) -> tuple[Score, list[str]]:
    score, report = read_musicxml(XML / name)
    return score, report.lines()


def oracle_notes(path: Path, shift_ql: float = 0.0) -> list[tuple[int, int, int]]:
    """(start, pitch, duration) of every sounding note, from music21's flattened, tie-stripped parts."""
    from music21 import converter

    out = []
    for part in converter.parse(str(path), forceSource=True, storePickle=False).parts:
        for el in part.stripTies().flatten().notes:
            if el.duration.isGrace:
                continue
            start = round((float(el.offset) + shift_ql) * PPQ)
            end = round((float(el.offset + el.duration.quarterLength) + shift_ql) * PPQ)
            for p in el.pitches:
                out.append((start, p.midi, end - start))
    return sorted(out)


def score_notes(score: Score) -> list[tuple[int, int, int]]:
    return sorted((n.start, n.pitch, n.duration) for t in score.tracks for n in t.notes)


def test_files_present() -> None:
    assert len(FILES) >= 3


# Where we knowingly differ from music21's stripTies: (ours only, music21's only).
KNOWN_DIFFERENCES = {
    # Bar 4: an E4 eighth tied into a chord holding E4. music21 leaves the tie split; we merge it.
    "clara_schumann_polonaise_op1no4.mxl": ([(5520, 64, 480)], [(5520, 64, 240), (5760, 64, 240)]),
}


@pytest.mark.parametrize("name", FILES)
def test_notes_match_music21(name: str) -> None:
    score, _ = imported(name)
    shift = 3.0 if name == "bach_bwv66.6.mxl" else 0.0  # the pickup is padded to a full bar
    ours, theirs = Counter(score_notes(score)), Counter(oracle_notes(XML / name, shift))
    assert (sorted((ours - theirs).elements()), sorted((theirs - ours).elements())) == KNOWN_DIFFERENCES.get(
        name, ([], [])
    )
    for track in score.tracks:
        assert all(0 <= n.pitch <= 127 and n.duration > 0 and 1 <= n.velocity <= 127 for n in track.notes)


@pytest.mark.parametrize("name", ["bach_bwv66.6", "bach_bwv304"])
def test_notes_match_music21_midi_writer(name: str) -> None:
    """An independent oracle: the MIDI music21 writes from the same file (no repeats in these)."""
    mido = pytest.importorskip("mido")
    score, _ = imported(f"{name}.mxl")
    mf = mido.MidiFile(DATA / "music21" / f"{name}.mid")
    shift = 3 * PPQ if name == "bach_bwv66.6" else 0  # music21's MIDI starts the one-beat pickup at tick 0
    expected = []
    for track in mf.tracks:
        now, started = 0, {}
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                started[(msg.channel, msg.note)] = now
            elif msg.type in ("note_on", "note_off") and (msg.channel, msg.note) in started:
                begin = started.pop((msg.channel, msg.note))
                scale = PPQ / mf.ticks_per_beat
                expected.append((round(begin * scale) + shift, msg.note, round((now - begin) * scale)))
    assert score_notes(score) == sorted(expected)


def test_chorale_with_pickup() -> None:
    score, report = imported("bach_bwv66.6.mxl")
    assert [t.name for t in score.tracks] == ["Soprano", "Alto", "Tenor", "Bass"]
    assert [t.channel for t in score.tracks] == [0, 1, 2, 3]
    assert not any(t.is_drum for t in score.tracks)
    assert score.tempo_map.bpm_at(0) == pytest.approx(96)
    assert score.time_signatures.changes == (TimeSignature(0, 4, 4),)
    assert score.key == Key(3, minor=True)
    # The one-beat pickup ends the first bar, so the first downbeat falls on bar 2's first tick.
    soprano = score.tracks[0].notes
    assert (soprano[0].start, soprano[0].pitch) == (3 * PPQ, 73)  # C#5
    assert (soprano[2].start, soprano[2].pitch) == (score.time_signatures.bar_start(1), 69)  # A4 on the downbeat
    assert score.bar_count == 10
    assert score.title == ""  # the file has no title; the file name is not one
    assert report == []


def test_time_signature_change() -> None:
    score, _ = imported("bach_bwv304.mxl")
    assert score.time_signatures.changes == (TimeSignature(0, 4, 4), TimeSignature(32 * PPQ, 3, 4))
    assert score.key == Key(2)
    assert score.tempo_map.bpm_at(0) == pytest.approx(120)  # no mark: music21's and MIDI's default


def test_quartet_key_change_grace_notes_and_repeats_as_written() -> None:
    from music21 import bar, converter

    score, report = imported("mozart_k80_mvt3.mxl")
    assert [t.name for t in score.tracks] == ["Violin I", "Violin II", "Viola", "Cello"]
    assert {t.program for t in score.tracks} == {48}  # <midi-program>49</midi-program>, 1-based in MusicXML
    assert [(c.tick, c.key) for c in score.key_map] == [(0, Key(1)), (84 * PPQ, Key(0))]
    assert score.title == "Quartet No.1 in G Major, K. 80, Mvmnt. 3"
    assert "ignored 10 grace notes" in report
    parsed = converter.parse(str(XML / "mozart_k80_mvt3.mxl"))
    assert parsed.flatten().getElementsByClass(bar.Repeat)  # the file has repeats ...
    assert score.bar_count == len(parsed.parts[0].getElementsByClass("Measure")) == 52  # ... not expanded


def test_piano_staves_merge_and_tempo_change() -> None:
    score, report = imported("clara_schumann_polonaise_op1no4.mxl")
    assert [(t.name, t.program) for t in score.tracks] == [("Piano", 0)]
    assert [(c.tick, round(c.bpm)) for c in score.tempo_map] == [(0, 92), (48 * PPQ, 120)]
    assert score.time_signatures.changes == (TimeSignature(0, 3, 4),)
    assert "ignored 7 grace notes" in report


@pytest.mark.parametrize("suffix", [".xml", ".musicxml"])
def test_uncompressed_suffixes(tmp_path: Path, suffix: str) -> None:
    with zipfile.ZipFile(XML / "bach_bwv66.6.mxl") as z:
        text = z.read("bwv66.6.xml")
    path = tmp_path / f"chorale{suffix}"
    path.write_bytes(text)
    score, _ = read_musicxml(path)
    assert score_notes(score) == score_notes(imported("bach_bwv66.6.mxl")[0])


def _partwise(parts: list[tuple[str, str, str]]) -> str:
    """A minimal score-partwise document; each part is (score-part extras, attributes, notes)."""
    head = "".join(
        f'<score-part id="P{i}"><part-name>Part {i}</part-name>{extra}</score-part>'
        for i, (extra, _, _) in enumerate(parts)
    )
    body = "".join(
        f'<part id="P{i}"><measure number="1"><attributes><divisions>1</divisions>{attrs}'
        f"<time><beats>4</beats><beat-type>4</beat-type></time></attributes>{notes}</measure></part>"
        for i, (_, attrs, notes) in enumerate(parts)
    )
    return f'<?xml version="1.0"?><score-partwise version="3.1"><part-list>{head}</part-list>{body}</score-partwise>'


PITCHED = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>4</duration><type>whole</type></note>"


def test_ties_merge_across_bars_and_into_chords(tmp_path: Path) -> None:
    def note(step: str, duration: int, tie: str = "", chord: bool = False) -> str:
        ties = "".join(f'<tie type="{t}"/>' for t in tie.split()) if tie else ""
        return (
            f"<note>{'<chord/>' if chord else ''}<pitch><step>{step}</step><octave>4</octave></pitch>"
            f"<duration>{duration}</duration>{ties}</note>"
        )

    bar1 = note("C", 2) + note("E", 2, "start")
    bar2 = note("E", 1, "stop start") + note("G", 1, chord=True) + note("E", 1, "stop") + note("D", 2)
    bar3 = note("E", 4)
    attrs = "<divisions>1</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"
    xml = (
        '<?xml version="1.0"?><score-partwise version="3.1"><part-list><score-part id="P1"><part-name>Tied</part-name>'
        f'</score-part></part-list><part id="P1"><measure number="1"><attributes>{attrs}</attributes>{bar1}</measure>'
        f'<measure number="2">{bar2}</measure><measure number="3">{bar3}</measure></part></score-partwise>'
    )
    path = tmp_path / "ties.xml"
    path.write_text(xml)
    score, _ = read_musicxml(path)
    # E4 tied from bar 1 through a chord to the next beat is one note; G4 in the chord and the E4 of bar 3 are not.
    assert [(n.start, n.pitch, n.duration) for n in score.tracks[0].notes] == [
        (0, 60, 2 * PPQ),
        (2 * PPQ, 64, 4 * PPQ),
        (4 * PPQ, 67, PPQ),
        (6 * PPQ, 62, 2 * PPQ),
        (8 * PPQ, 64, 4 * PPQ),
    ]


def test_drum_part(tmp_path: Path) -> None:
    kit = (
        '<score-instrument id="P0-I36"><instrument-name>Bass Drum 1</instrument-name></score-instrument>'
        '<midi-instrument id="P0-I36"><midi-channel>10</midi-channel>'
        "<midi-unpitched>37</midi-unpitched></midi-instrument>"
    )
    hit = "<unpitched><display-step>F</display-step><display-octave>4</display-octave></unpitched>"
    hit += "<duration>1</duration>"
    notes = f"<note>{hit}</note><note dynamics='50'>{hit}</note>" + "<note><rest/><duration>2</duration></note>"
    path = tmp_path / "drums.musicxml"
    path.write_text(_partwise([(kit, "<clef><sign>percussion</sign></clef>", notes), ("", "", PITCHED)]))
    score, _ = read_musicxml(path)
    drums, piano = score.tracks
    assert (drums.is_drum, drums.channel) == (True, DRUM_CHANNEL)
    # music21 names the sound from the instrument name (Bass Drum 1 = GM 36) and ignores <midi-unpitched>;
    # dynamics="50" is 50% of MusicXML's forte (90).
    assert [(n.start, n.pitch, n.velocity) for n in drums.notes] == [(0, 36, 80), (PPQ, 36, 45)]
    assert (piano.is_drum, piano.channel, piano.notes[0].pitch) == (False, 0, 60)


def test_channels_skip_the_drum_channel(tmp_path: Path) -> None:
    path = tmp_path / "many.xml"
    path.write_text(_partwise([("", "", PITCHED)] * 12))
    score, _ = read_musicxml(path)
    assert [t.channel for t in score.tracks] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12]


@pytest.mark.parametrize(
    "name, content, phrase",
    [
        ("empty.xml", b"", "file is empty"),
        ("truncated.xml", b'<?xml version="1.0"?><score-partwise><part-list>', "not readable as MusicXML"),
        ("page.xml", b"<html><body>hello</body></html>", "not readable as MusicXML"),
        ("garbage.mxl", b"PK\x03\x04 this is not a zip archive", "not readable as MusicXML"),
        ("text.musicxml", b"just some words", "not readable as MusicXML"),
        ("silent.xml", _partwise([("", "", "<note><rest/><duration>4</duration></note>")]).encode(), "no notes"),
    ],
)
def test_bad_files_raise_clear_error(tmp_path: Path, name: str, content: bytes, phrase: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MusicXmlError) as info:
        read_musicxml(path)
    assert phrase in str(info.value)
    assert name in str(info.value)
    assert info.value.path == str(path)


def test_truncated_mxl(tmp_path: Path) -> None:
    path = tmp_path / "cut.mxl"
    path.write_bytes((XML / "bach_bwv66.6.mxl").read_bytes()[:1200])
    with pytest.raises(MusicXmlError, match="not readable as MusicXML"):
        read_musicxml(path)


def test_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    with pytest.raises(MusicXmlError, match="cannot open file"):
        read_musicxml(tmp_path / "absent.xml")
    midi = tmp_path / "song.mid"
    midi.write_bytes(b"MThd")
    with pytest.raises(MusicXmlError, match="not a MusicXML file name"):
        read_musicxml(midi)


def test_module_import_does_not_load_music21() -> None:
    code = "import sys, composer.musicxml_import; sys.exit('music21' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
