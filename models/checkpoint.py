"""Checkpoints: safetensors weights plus a JSON file (config, vocabulary hash, styles, data summary).

Loading never unpickles anything, and refuses weights made for another vocabulary:
a model trained with other tokens would decode nonsense without a word of warning.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from composer.atomic_file import write_atomically
from composer.errors import ComposerError
from composer.tokens import Vocabulary
from models.transformer import ModelConfig, MusicTransformer

FORMAT = "composer-studio-model"
VERSION = 1


class CheckpointError(ComposerError):
    """A checkpoint is missing, damaged, or made for another vocabulary; the message says which."""


@dataclass
class CheckpointInfo:
    config: ModelConfig
    styles: tuple[str, ...]
    vocab_hash: str
    extra: dict[str, Any] = field(default_factory=dict)  # training step, data summary, metrics


def paths(stem: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The weights file and metadata file of a checkpoint named ``stem`` (no suffix)."""
    stem = Path(stem)
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def write_weights(state: dict[str, torch.Tensor], path: Path) -> None:
    """Weights to a safetensors file through composer.atomic_file: a crash never leaves half a file,
    and the file gets a document's permissions (safetensors' own writer makes it private, 0600)."""
    write_atomically(path, safetensors_bytes(state))


def save(model: MusicTransformer, vocab: Vocabulary, stem: str | os.PathLike[str], *, half: bool = False,
         extra: dict[str, Any] | None = None) -> None:
    """Write weights (fp16 if ``half``) and metadata; the metadata last, so a complete JSON means a
    complete checkpoint."""
    weights, meta = paths(stem)
    state = {k: v.detach().to("cpu", torch.float16 if half else torch.float32).contiguous()
             for k, v in model.state_dict().items() if k != "head.weight"}  # tied to tokens.weight
    write_weights(state, weights)
    info = {"format": FORMAT, "version": VERSION, "config": model.config.to_json(), "styles": list(vocab.styles),
            "vocab_hash": vocab.hash, "dtype": "float16" if half else "float32", **(extra or {})}
    write_atomically(meta, json.dumps(info, indent=2).encode())


def read_info(stem: str | os.PathLike[str]) -> CheckpointInfo:
    _, meta = paths(stem)
    try:
        data = json.loads(meta.read_text())
        if data.get("format") != FORMAT:
            raise CheckpointError(f"{meta} is not a Composer Studio model")
        if data.get("version", 0) > VERSION:
            raise CheckpointError(f"{meta} is from a newer Composer Studio; please update")
        config = ModelConfig(**data["config"])
        extra = {k: v for k, v in data.items() if k not in ("format", "version", "config", "styles", "vocab_hash")}
        return CheckpointInfo(config, tuple(data["styles"]), data["vocab_hash"], extra)
    except OSError as exc:
        raise CheckpointError(f"cannot read the model description {meta}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"damaged model description {meta}: {exc}") from None


def load(stem: str | os.PathLike[str], device: str | torch.device = "cpu",
         dtype: torch.dtype = torch.float32) -> tuple[MusicTransformer, Vocabulary, CheckpointInfo]:
    """The model, its vocabulary and metadata; CheckpointError if anything does not fit."""
    info = read_info(stem)
    vocab = Vocabulary(info.styles)
    if vocab.hash != info.vocab_hash:
        raise CheckpointError(
            f"the model was trained with another vocabulary (hash {info.vocab_hash}, this app builds "
            f"{vocab.hash}); it cannot be used with this version"
        )
    if info.config.vocab_size != len(vocab):
        raise CheckpointError(f"the model expects {info.config.vocab_size} tokens, the vocabulary has {len(vocab)}")
    weights, _ = paths(stem)
    try:
        state = load_file(str(weights))
    except Exception as exc:  # safetensors raises its own error types for damaged files
        raise CheckpointError(f"cannot read the model weights {weights}: {exc}") from None
    model = MusicTransformer(info.config)
    state["head.weight"] = state["tokens.weight"]
    try:
        model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()})
    except RuntimeError as exc:
        raise CheckpointError(f"the weights in {weights} do not match the model description: {exc}") from None
    return model.to(device=device, dtype=dtype).eval(), vocab, info


def export(source: str | os.PathLike[str], target: str | os.PathLike[str], note: str = "") -> None:
    """Ship a training run's model: fp16 weights (half the size, same outputs to within fp16) and its
    metadata (step, data summary) with an optional note."""
    model, vocab, info = load(source)
    extra = {k: v for k, v in info.extra.items() if k != "dtype"}  # save() writes the new one
    save(model, vocab, target, half=True, extra={**extra, **({"note": note} if note else {})})


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description="Export a training run's model as a shipped fp16 checkpoint.")
    parser.add_argument("source", help="checkpoint to read (path without suffix), e.g. runs/small/model")
    parser.add_argument("target", help="where to write it, e.g. models/checkpoints/default")
    parser.add_argument("--note", default="", help="a line about the run, kept in the JSON")
    args = parser.parse_args(argv)
    export(args.source, args.target, args.note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
