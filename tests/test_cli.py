"""composer-cli end to end: real files in, real files out, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from composer.midi_import import read_midi
from composer.project_file import load_project
from tests.score_compare import score_content

DATA = Path(__file__).parent / "data"
POP = DATA / "pop909" / "001.mid"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "composer.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_info_prints_tracks_tempo_key_and_counts() -> None:
    result = cli("info", POP)
    assert result.returncode == 0, result.stderr
    score, _ = read_midi(POP)
    out = result.stdout
    assert f"{score.note_count} in {len(score.tracks)} tracks" in out
    assert f"{score.bar_count} bars" in out
    assert f"Tempo:           {round(score.tempo_map.bpm_at(0), 3):g} BPM" in out
    assert f"Time signature:  {score.time_signatures.at(0)}" in out
    assert f"Key:             {score.key.name}" in out
    for track in score.tracks:
        assert track.name[:24] in out


def test_info_json_matches_the_score() -> None:
    result = cli("info", "--json", POP)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    score, _ = read_midi(POP)
    assert summary["notes"] == score.note_count
    assert [t["notes"] for t in summary["tracks"]] == [len(t.notes) for t in score.tracks]
    assert summary["kind"] == "midi" and summary["bars"] == score.bar_count


def test_convert_midi_to_project_to_midi_keeps_the_music(tmp_path: Path) -> None:
    project = tmp_path / "song.csproj.json"
    midi = tmp_path / "song.mid"
    first = cli("convert", POP, project)
    assert first.returncode == 0, first.stderr
    assert "wrote" in first.stderr
    second = cli("convert", project, midi)
    assert second.returncode == 0, second.stderr
    original, _ = read_midi(POP)
    assert score_content(load_project(project).score, app_state=False) == score_content(original, app_state=False)
    assert score_content(read_midi(midi)[0], app_state=False) == score_content(original, app_state=False)


def test_convert_musicxml_to_midi(tmp_path: Path) -> None:
    sources = sorted(p for p in (DATA / "musicxml").iterdir() if p.suffix in (".mxl", ".xml", ".musicxml"))
    if not sources:
        pytest.skip("no MusicXML fixtures")
    out = tmp_path / "piece.mid"
    result = cli("convert", sources[0], out)
    assert result.returncode == 0, result.stderr
    assert read_midi(out)[0].note_count > 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.mid", b"RIFF\x00\x00\x00\x00", "broken.mid"),
        ("empty.mid", b"", "empty.mid"),
        ("notes.txt", b"hello", "unsupported file type"),
        ("bad.csproj.json", b"{", "invalid JSON"),
    ],
)
def test_unreadable_files_fail_with_a_message_and_status_1(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("info", path)
    assert result.returncode == 1
    assert result.stderr.startswith("composer-cli: error:") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_unwritable_output(tmp_path: Path) -> None:
    missing = cli("info", tmp_path / "nothing.mid")
    assert missing.returncode == 1 and "nothing.mid" in missing.stderr and "Traceback" not in missing.stderr
    bad_out = cli("convert", POP, tmp_path / "no-such-dir" / "x.mid")
    assert bad_out.returncode == 1 and "Traceback" not in bad_out.stderr
    to_xml = cli("convert", POP, tmp_path / "x.musicxml")
    assert to_xml.returncode == 1 and "cannot write MusicXML" in to_xml.stderr


def test_usage_error_is_status_2() -> None:
    assert cli().returncode == 2
    assert cli("frobnicate").returncode == 2


def test_render_writes_a_wav_of_the_chosen_bars(tmp_path: Path) -> None:
    out = tmp_path / "song.wav"
    result = cli("render", POP, out, "--start-bar", "2", "--end-bar", "3")
    assert result.returncode == 0, result.stderr
    score, _ = read_midi(POP)
    sigs, tempo = score.time_signatures, score.tempo_map
    expected = tempo.tick_to_seconds(sigs.bar_start(3)) - tempo.tick_to_seconds(sigs.bar_start(1))
    with wave.open(str(out)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert expected <= seconds <= expected + 1.6  # the range plus the release tail
    bad = cli("render", POP, tmp_path / "x.wav", "--start-bar", "999")
    assert bad.returncode == 1 and "not a range" in bad.stderr
    assert cli("render", POP, tmp_path / "x.mp3").returncode == 1
