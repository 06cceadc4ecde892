"""The transformer: shapes, and cached decoding agrees with a full forward pass."""

from __future__ import annotations

import pytest
import torch

from models.transformer import ModelConfig, MusicTransformer


@pytest.fixture
def model() -> MusicTransformer:
    torch.manual_seed(0)
    return MusicTransformer(ModelConfig(vocab_size=50, n_layer=2, n_head=2, d_model=32, max_len=64)).eval()


def test_shapes_and_length_limit(model: MusicTransformer) -> None:
    ids = torch.randint(0, 50, (3, 10))
    assert model(ids).shape == (3, 10, 50)
    with pytest.raises(ValueError):
        model(torch.zeros(1, 65, dtype=torch.long))


def test_kv_cache_matches_full_forward(model: MusicTransformer) -> None:
    ids = torch.randint(0, 50, (2, 20))
    with torch.no_grad():
        full = model(ids)
        cache = model.new_cache(2)
        prompt = model(ids[:, :12], cache)  # a prompt, then one token at a time
        steps = [model(ids[:, i : i + 1], cache) for i in range(12, 20)]
    cached = torch.cat([prompt, *steps], dim=1)
    assert torch.allclose(full, cached, atol=1e-5)
    assert cache.length == 20


def test_cache_rows_can_fork(model: MusicTransformer) -> None:
    ids = torch.randint(0, 50, (1, 8))
    nxt = torch.randint(0, 50, (3, 1))
    with torch.no_grad():
        cache = model.new_cache(1)
        model(ids, cache)
        cache.select(torch.zeros(3, dtype=torch.long))
        forked = model(nxt, cache)[:, -1]
        full = model(torch.cat([ids.expand(3, -1), nxt], dim=1))[:, -1]
    assert torch.allclose(forked, full, atol=1e-5)
