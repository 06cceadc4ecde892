"""A small, separate style classifier: which style does a few bars of one track sound like?

It judges restyle (are restyled bars heard as the target style?) in the evaluation and
gives the app's compare view a confidence per candidate. It reads only musical
content — onsets on the token grid, pitches, durations and bar lines of one track —
never the instrument, velocity, tempo or key tokens, so it cannot recognise a corpus
by how it was encoded rather than by how it sounds.

    python -m models.style_classifier train --music21 --pop909 PATH --out models/checkpoints/style_classifier
    python -m models.style_classifier evaluate --music21 --pop909 PATH --model models/checkpoints/style_classifier

Weights are safetensors plus a JSON description, like the composition model's.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn
from torch.nn import functional as F

from composer.atomic_file import write_atomically
from composer.score import Note, Score
from composer.tokens import Vocabulary, bar_note_tokens, on_grid, time_signature_token
from models import corpus
from models.checkpoint import CheckpointError, write_weights
from models.training_data import transposed

FORMAT = "composer-studio-style-classifier"
EXCERPT_BARS = 4
MAX_TOKENS = 384


@dataclass(frozen=True)
class ClassifierConfig:
    vocab_size: int
    n_styles: int
    d_model: int = 128
    n_layer: int = 2
    n_head: int = 4
    max_len: int = MAX_TOKENS


def excerpt_tokens(notes: Sequence[Note], score: Score, start_bar: int, end_bar: int) -> list[str]:
    """One track's notes over [start_bar, end_bar) as content-only tokens (no velocity, program or tempo)."""
    sigs = score.time_signatures
    out = [time_signature_token(sigs.at(sigs.bar_start(start_bar)))]
    ordered = sorted((on_grid(n) for n in notes), key=lambda n: n.start)
    for bar in range(start_bar, end_bar):
        lo, hi = sigs.bar_range(bar)
        in_bar = [n for n in ordered if lo <= n.start < hi]
        out += ["BAR", *(t for t in bar_note_tokens(in_bar, lo) if not t.startswith("VEL_")), "BAR_END"]
    return out[:MAX_TOKENS]


class StyleNet(nn.Module):
    """Token and position embeddings, a small transformer encoder, mean pooling, a linear head."""

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__()
        self.config = config
        self.tokens = nn.Embedding(config.vocab_size, config.d_model)
        self.positions = nn.Embedding(config.max_len, config.d_model)
        layer = nn.TransformerEncoderLayer(config.d_model, config.n_head, 2 * config.d_model, dropout=0.1,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.n_layer, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.n_styles)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits per style; ``mask`` is True at real (not padding) positions."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.encoder(self.tokens(ids) + self.positions(positions), src_key_padding_mask=~mask)
        x = self.norm(x) * mask.unsqueeze(-1)
        return self.head(x.sum(1) / mask.sum(1, keepdim=True).clamp(min=1))


class StyleClassifier:
    """The trained net with its vocabulary: probabilities per style for excerpts of music."""

    def __init__(self, net: StyleNet, styles: Sequence[str]) -> None:
        self.net = net.eval()
        self.styles = tuple(styles)
        self.vocab = Vocabulary(self.styles)

    @torch.no_grad()
    def probabilities(self, excerpts: Sequence[list[str]]) -> list[dict[str, float]]:
        ids, mask = _batch([self.vocab.encode(e) for e in excerpts])
        probs = F.softmax(self.net(ids, mask).float(), dim=-1)
        return [dict(zip(self.styles, row.tolist(), strict=True)) for row in probs]

    def confidence(self, score: Score, start_bar: int, end_bar: int, notes_by_track: Mapping[int, Sequence[Note]],
                   style: str) -> float | None:
        """Mean probability of ``style`` over the pitched tracks' notes in [start_bar, end_bar);
        None when the style is unknown to the classifier or there are no notes to judge."""
        if style not in self.styles:
            return None
        excerpts = [excerpt_tokens(notes, score, start_bar, end_bar) for track_id, notes in notes_by_track.items()
                    if notes and not score.track(track_id).is_drum]
        if not excerpts:
            return None
        return sum(p[style] for p in self.probabilities(excerpts)) / len(excerpts)

    def predict(self, excerpt: list[str]) -> str:
        probs = self.probabilities([excerpt])[0]
        return max(probs, key=probs.__getitem__)


def _batch(rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(map(len, rows))
    ids = torch.zeros(len(rows), length, dtype=torch.long)
    mask = torch.zeros(len(rows), length, dtype=torch.bool)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = True
    return ids, mask


# --- checkpoints ---------------------------------------------------------------------------------


def save(classifier: StyleClassifier, stem: str | os.PathLike[str], extra: dict | None = None) -> None:
    weights, meta = Path(f"{stem}.safetensors"), Path(f"{stem}.json")
    state = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in classifier.net.state_dict().items()}
    write_weights(state, weights)
    info = {"format": FORMAT, "config": asdict(classifier.net.config), "styles": list(classifier.styles),
            "vocab_hash": classifier.vocab.hash, **(extra or {})}
    write_atomically(meta, json.dumps(info, indent=2).encode())


def load_classifier(stem: str | os.PathLike[str]) -> StyleClassifier:
    """The classifier saved at ``stem``; CheckpointError if it is missing, damaged or does not fit."""
    weights, meta = Path(f"{stem}.safetensors"), Path(f"{stem}.json")
    try:
        info = json.loads(meta.read_text())
        if info.get("format") != FORMAT:
            raise CheckpointError(f"{meta} is not a style classifier")
        config = ClassifierConfig(**info["config"])
        styles = tuple(info["styles"])
        if Vocabulary(styles).hash != info["vocab_hash"]:
            raise CheckpointError(f"{meta} was trained with another vocabulary")
        net = StyleNet(config)
        net.load_state_dict({k: v.float() for k, v in load_file(str(weights)).items()})
    except CheckpointError:
        raise
    except OSError as exc:
        raise CheckpointError(f"cannot read the style classifier {stem}: {exc.strerror or exc}") from None
    except Exception as exc:  # json, safetensors and state-dict errors: all mean a damaged file
        raise CheckpointError(f"damaged style classifier {stem}: {exc}") from None
    return StyleClassifier(net, styles)


# --- data and training ---------------------------------------------------------------------------


class ExcerptSampler:
    """Random EXCERPT_BARS-bar excerpts of one pitched track, styles drawn uniformly, transposed at random."""

    def __init__(self, pieces: Sequence[corpus.Piece], styles: Sequence[str], seed: int = 0) -> None:
        self.styles = tuple(styles)
        self.by_style: dict[str, list[corpus.Piece]] = defaultdict(list)
        for piece in pieces:
            if piece.style in self.styles and piece.score.bar_count >= 2:
                self.by_style[piece.style].append(piece)
        self.present = [s for s in self.styles if self.by_style[s]]
        self.rng = random.Random(seed)

    def sample(self, style: str | None = None) -> tuple[list[str], int] | None:
        rng = self.rng
        style = style or rng.choice(self.present)
        piece = rng.choice(self.by_style[style])
        score = transposed(piece.score, rng.randint(-5, 5))
        pitched = [t for t in score.tracks if not t.is_drum and len(t.notes) >= 4]
        if not pitched:
            return None
        track = rng.choice(pitched)
        bars = min(EXCERPT_BARS, score.bar_count)
        start = rng.randint(0, score.bar_count - bars)
        lo, hi = score.time_signatures.bar_start(start), score.time_signatures.bar_start(start + bars)
        notes = track.starting_in(lo, hi)
        if len(notes) < 3:
            return None
        return excerpt_tokens(notes, score, start, start + bars), self.styles.index(style)

    def batch(self, size: int, vocab: Vocabulary) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        rows, labels = [], []
        while len(rows) < size:
            found = self.sample()
            if found is not None:
                rows.append(vocab.encode(found[0]))
                labels.append(found[1])
        ids, mask = _batch(rows)
        return ids, mask, torch.tensor(labels)


def train(pieces: Sequence[corpus.Piece], valid: Sequence[corpus.Piece], styles: Sequence[str], *,
          steps: int | None = None, minutes: float | None = None, batch: int = 32, lr: float = 1e-3, seed: int = 0,
          d_model: int = 128, n_layer: int = 2) -> tuple[StyleClassifier, dict]:
    """Train for ``steps`` steps or ``minutes`` of wall time (a cosine schedule over whichever is given);
    returns the classifier and a summary."""
    if (steps is None) == (minutes is None):
        raise ValueError("give steps or minutes")
    torch.manual_seed(seed)
    vocab = Vocabulary(styles)
    net = StyleNet(ClassifierConfig(len(vocab), len(styles), d_model=d_model, n_layer=n_layer))
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    sampler = ExcerptSampler(pieces, styles, seed)
    started, step, losses = time.monotonic(), 0, []

    def progress() -> float:
        return step / steps if steps is not None else (time.monotonic() - started) / (60 * (minutes or 1))

    while progress() < 1.0:
        elapsed = time.monotonic() - started
        for group in optimizer.param_groups:
            group["lr"] = lr * min(1.0, (step + 1) / 50) * 0.5 * (1 + math.cos(math.pi * progress()))
        net.train()
        ids, mask, labels = sampler.batch(batch, vocab)
        loss = F.cross_entropy(net(ids, mask), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        step += 1
        if step % 50 == 0:
            print(f"step {step} loss {sum(losses[-50:]) / 50:.3f} ({elapsed / 60:.1f} min)", file=sys.stderr)
    classifier = StyleClassifier(net, styles)
    summary = {"steps": step, "minutes": round((time.monotonic() - started) / 60, 1), "train_pieces": len(pieces),
               "validation_accuracy": round(accuracy(classifier, valid, 40)[0], 3)}
    return classifier, summary


def accuracy(classifier: StyleClassifier, pieces: Sequence[corpus.Piece], per_style: int,
             seed: int = 1) -> tuple[float, dict[str, dict[str, int]]]:
    """Balanced accuracy over ``per_style`` excerpts of each style present, and the confusion counts."""
    sampler = ExcerptSampler(pieces, classifier.styles, seed)
    confusion: dict[str, dict[str, int]] = {s: defaultdict(int) for s in sampler.present}
    for style in sampler.present:
        excerpts = []
        for _ in range(per_style * 5):
            found = sampler.sample(style)
            if found is not None:
                excerpts.append(found[0])
            if len(excerpts) == per_style:
                break
        for probs in classifier.probabilities(excerpts) if excerpts else []:
            confusion[style][max(probs, key=probs.__getitem__)] += 1
    rates = [c[s] / max(sum(c.values()), 1) for s, c in confusion.items()]
    return (sum(rates) / len(rates) if rates else 0.0), {s: dict(c) for s, c in confusion.items()}


def confusion_table(confusion: dict[str, dict[str, int]], styles: Sequence[str]) -> str:
    lines = ["| true \\ predicted | " + " | ".join(styles) + " | accuracy |", "|---" * (len(styles) + 2) + "|"]
    for style, row in confusion.items():
        total = max(sum(row.values()), 1)
        cells = " | ".join(str(row.get(s, 0)) for s in styles)
        lines.append(f"| {style} | {cells} | {row.get(style, 0) / total:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("train", "evaluate"):
        p = sub.add_parser(name)
        corpus.add_source_arguments(p)
        p.add_argument("--per-style", type=int, default=100, help="test excerpts per style")
        p.add_argument("--threads", type=int, default=0)
        p.add_argument("--report", type=Path, help="also write the evaluation (markdown) here")
    t = sub.choices["train"]
    t.add_argument("--out", type=Path, required=True, help="checkpoint stem to write")
    t.add_argument("--minutes", type=float, default=10)
    t.add_argument("--styles", default=",".join(Vocabulary().styles))
    sub.choices["evaluate"].add_argument("--model", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sources = corpus.sources_from_args(args) or None
    if args.command == "train":
        styles = tuple(args.styles.split(","))
        pieces = list(corpus.load(args.cache, sources, "train"))
        valid = list(corpus.load(args.cache, sources, "validation"))
        classifier, summary = train(pieces, valid, styles, minutes=args.minutes)
        save(classifier, args.out, {"training": summary})
        print(json.dumps(summary))
    else:
        classifier = load_classifier(args.model)
    test = list(corpus.load(args.cache, sources, "test"))
    score, confusion = accuracy(classifier, test, args.per_style)
    text = (f"Style classifier `{args.out if args.command == 'train' else args.model}` on the test split, "
            f"{args.per_style} {EXCERPT_BARS}-bar one-track excerpts per style (fewer where a style has few "
            f"test pieces): balanced accuracy {score:.3f}.\n\n{confusion_table(confusion, classifier.styles)}\n")
    print(text)
    if args.report:
        args.report.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
