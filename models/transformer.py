"""A decoder-only transformer over music tokens, with a KV cache for fast decoding.

Small and plain (nanoGPT-style): pre-norm blocks, causal self-attention through
``scaled_dot_product_attention``, learned positions, tied input/output embeddings.
The KV cache holds each layer's keys and values so decoding costs one token's
work per step, not a whole context's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int
    n_layer: int = 6
    n_head: int = 6
    d_model: int = 384
    max_len: int = 2048
    dropout: float = 0.0

    def to_json(self) -> dict[str, int | float]:
        return asdict(self)


class KVCache:
    """Keys and values of every layer for a batch, preallocated to ``max_len``."""

    def __init__(self, config: ModelConfig, batch: int, device: torch.device | str, dtype: torch.dtype) -> None:
        shape = (config.n_layer, batch, config.n_head, config.max_len, config.d_model // config.n_head)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.length = 0

    def select(self, rows: torch.Tensor) -> None:
        """Keep only the batch rows ``rows`` (e.g. to fork one prompt into candidates)."""
        self.k = self.k[:, rows]
        self.v = self.v[:, rows]


class SelfAttention(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.n_head = config.n_head
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model, bias=False)
        self.out = nn.Linear(config.d_model, config.d_model, bias=False)
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               dropout_p=self.dropout if self.training else 0.0)
        else:
            start = cache.length
            cache.k[layer, :, :, start : start + t] = k
            cache.v[layer, :, :, start : start + t] = v
            keys, values = cache.k[layer, :, :, : start + t], cache.v[layer, :, :, : start + t]
            if t == 1:
                y = F.scaled_dot_product_attention(q, keys, values)
            else:  # a prompt appended to a cache: causal within itself, full view of what came before
                mask = torch.ones(t, start + t, dtype=torch.bool, device=x.device).tril(diagonal=start)
                y = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask)
        return self.out(y.transpose(1, 2).contiguous().view(b, t, c))


class Block(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(config.d_model)
        self.attn = SelfAttention(config)
        self.ln2 = nn.LayerNorm(config.d_model)
        self.mlp = nn.Sequential(
            nn.Linear(config.d_model, 4 * config.d_model, bias=False),
            nn.GELU(),
            nn.Linear(4 * config.d_model, config.d_model, bias=False),
            nn.Dropout(config.dropout),
        )

    def forward(self, x: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), cache, layer)
        return x + self.mlp(self.ln2(x))


class MusicTransformer(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.positions = nn.Embedding(config.max_len, config.d_model)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.head.weight = self.tokens.weight  # tied: fewer parameters, better small-data training
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, ids: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Logits (B, T, V) for token ids (B, T); with a cache, ids continue what it holds."""
        start = cache.length if cache is not None else 0
        t = ids.shape[1]
        if start + t > self.config.max_len:
            raise ValueError(f"sequence of {start + t} tokens exceeds the model's {self.config.max_len}")
        pos = torch.arange(start, start + t, device=ids.device)
        x = self.drop(self.tokens(ids) + self.positions(pos))
        for i, block in enumerate(self.blocks):
            x = block(x, cache, i)
        if cache is not None:
            cache.length += t
        return self.head(self.ln_f(x))

    def new_cache(self, batch: int) -> KVCache:
        p = next(self.parameters())
        return KVCache(self.config, batch, p.device, p.dtype)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
