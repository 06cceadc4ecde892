"""Checkpoints round-trip exactly, refuse another vocabulary, and report damage clearly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from composer.tokens import Vocabulary
from models import checkpoint
from models.transformer import ModelConfig, MusicTransformer


def _model(vocab: Vocabulary) -> MusicTransformer:
    torch.manual_seed(0)
    return MusicTransformer(ModelConfig(len(vocab), n_layer=1, n_head=2, d_model=16, max_len=32))


def test_round_trip(tmp_path: Path) -> None:
    vocab = Vocabulary()
    model = _model(vocab)
    checkpoint.save(model, vocab, tmp_path / "m", extra={"step": 12})
    loaded, vocab2, info = checkpoint.load(tmp_path / "m")
    ids = torch.randint(0, len(vocab), (1, 10))
    assert torch.equal(loaded(ids), model.eval()(ids))
    assert vocab2.hash == vocab.hash and info.extra["step"] == 12 and info.extra["dtype"] == "float32"


def test_half_precision_is_close(tmp_path: Path) -> None:
    vocab = Vocabulary()
    model = _model(vocab).eval()
    checkpoint.save(model, vocab, tmp_path / "m", half=True)
    loaded, _, _ = checkpoint.load(tmp_path / "m")
    ids = torch.randint(0, len(vocab), (1, 10))
    assert torch.allclose(loaded(ids), model(ids), atol=1e-2)
    assert (tmp_path / "m.safetensors").stat().st_size < 0.6 * 4 * model.parameter_count()


def test_refuses_another_vocabulary(tmp_path: Path) -> None:
    vocab = Vocabulary()
    checkpoint.save(_model(vocab), vocab, tmp_path / "m")
    meta = tmp_path / "m.json"
    data = json.loads(meta.read_text())
    data["vocab_hash"] = "0123456789abcdef"
    meta.write_text(json.dumps(data))
    with pytest.raises(checkpoint.CheckpointError, match="another vocabulary"):
        checkpoint.load(tmp_path / "m")


def test_damaged_or_missing_files(tmp_path: Path) -> None:
    with pytest.raises(checkpoint.CheckpointError, match="cannot read"):
        checkpoint.load(tmp_path / "missing")
    vocab = Vocabulary()
    checkpoint.save(_model(vocab), vocab, tmp_path / "m")
    (tmp_path / "m.safetensors").write_bytes(b"not weights")
    with pytest.raises(checkpoint.CheckpointError, match="weights"):
        checkpoint.load(tmp_path / "m")
    (tmp_path / "m.json").write_text("{")
    with pytest.raises(checkpoint.CheckpointError, match="damaged"):
        checkpoint.load(tmp_path / "m")


def test_export_ships_fp16_with_the_run_metadata(tmp_path: Path) -> None:
    vocab = Vocabulary()
    model = _model(vocab).eval()
    checkpoint.save(model, vocab, tmp_path / "run", extra={"step": 350, "data": {"train_pieces": 3}})
    assert checkpoint.main([str(tmp_path / "run"), str(tmp_path / "shipped"), "--note", "a test run"]) == 0
    loaded, _, info = checkpoint.load(tmp_path / "shipped")
    assert info.extra["dtype"] == "float16" and info.extra["step"] == 350 and info.extra["note"] == "a test run"
    assert info.extra["data"] == {"train_pieces": 3}
    ids = torch.randint(0, len(vocab), (1, 10))
    assert torch.allclose(loaded(ids), model(ids), atol=1e-2)
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "shipped.safetensors").stat().st_mode & 0o777 == 0o666 & ~umask  # a document's, not 0600
