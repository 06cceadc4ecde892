"""composer-cli fill/vary/restyle/continue end to end with a small checkpoint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from composer.midi_import import read_midi
from composer.tokens import Vocabulary
from models import checkpoint
from models.transformer import ModelConfig, MusicTransformer

POP = Path(__file__).parent / "data" / "pop909" / "001.mid"


@pytest.fixture(scope="module")
def model_stem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vocab = Vocabulary()
    torch.manual_seed(0)
    stem = tmp_path_factory.mktemp("model") / "tiny"
    checkpoint.save(MusicTransformer(ModelConfig(len(vocab), 2, 2, 32, 1024)), vocab, stem, half=True)
    return stem


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "models.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_fill_writes_one_file_per_candidate_changing_only_the_region(tmp_path: Path, model_stem: Path) -> None:
    out = tmp_path / "filled.mid"
    result = cli("fill", POP, "--tracks", "1", "--bars", "9-10", "-n", "2", "-o", out, "--model", model_stem)
    assert result.returncode == 0, result.stderr
    assert "candidate B: bar 10 written" in result.stderr
    original, _ = read_midi(POP)
    sigs = original.time_signatures
    start, end = sigs.bar_start(8), sigs.bar_start(10)
    for name in ("filled-A.mid", "filled-B.mid"):
        score, _ = read_midi(tmp_path / name)
        for before, after in zip(original.tracks, score.tracks, strict=True):
            outside = [n[:4] for n in before.notes if not (before is original.tracks[0] and start <= n.start < end)]
            kept = [n[:4] for n in after.notes if not (before is original.tracks[0] and start <= n.start < end)]
            assert kept == outside


@pytest.mark.parametrize("args", [["vary", "--bars", "3-3", "--amount", "0.8"],
                                  ["restyle", "--bars", "3-4", "--style", "folk", "--keep", "harmony,rhythm"],
                                  ["fill", "--bars", "3-4", "--style", "folk", "--style-strength", "3"],
                                  ["continue", "--bars", "2"]])
def test_other_operations(tmp_path: Path, model_stem: Path, args: list[str]) -> None:
    out = tmp_path / "out.mid"
    result = cli(args[0], POP, *args[1:], "-o", out, "--model", model_stem)
    assert result.returncode == 0, result.stderr
    assert read_midi(out)[0].note_count > 0


def test_fill_follows_the_harmony_unless_told_not_to(tmp_path: Path, model_stem: Path) -> None:
    """As in the panel, Fill keeps the harmony by default: the same seed with the chords asked for and
    without them gives different bars; the default is the same as asking for them."""
    def notes(*extra: str) -> list[tuple]:
        out = tmp_path / f"{extra[0].lstrip('-') if extra else 'default'}.mid"
        result = cli("fill", POP, "--bars", "9-10", "--seed", "3", "-o", out, "--model", model_stem, *extra)
        assert result.returncode == 0, result.stderr
        return [n[:4] for n in read_midi(out)[0].tracks[0].notes]

    default = notes()
    assert default == notes("--keep-harmony")
    assert default != notes("--no-keep-harmony")


def test_errors_are_messages(tmp_path: Path, model_stem: Path) -> None:
    missing = cli("fill", POP, "--bars", "1-2", "-o", tmp_path / "x.mid", "--model", tmp_path / "nothing")
    assert missing.returncode == 1 and "cannot read the model" in missing.stderr
    style = cli("restyle", POP, "--bars", "1-2", "--style", "dubstep", "-o", tmp_path / "x.mid", "--model", model_stem)
    assert style.returncode == 1 and "unknown style" in style.stderr and "Traceback" not in style.stderr
    tracks = cli("fill", POP, "--tracks", "9", "--bars", "1-2", "-o", tmp_path / "x.mid", "--model", model_stem)
    assert tracks.returncode == 1 and "tracks 1..3" in tracks.stderr
    assert cli("info", POP).returncode == 0  # the file commands are there too
