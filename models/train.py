"""Train the composition model: CPU or CUDA, resumable, multi-GPU through torchrun.

    python -m models.train --music21 --pop909 PATH --out runs/base --size base --steps 20000
    torchrun --nproc_per_node=4 -m models.train ...   # DistributedDataParallel, one process a GPU

Every ``--save-every`` steps the run folder gets the model (safetensors + JSON), the
optimizer state (safetensors) and the trainer state (JSON); ``--resume`` (the
default when the folder has them) continues from there, so a long run can be spread
over several sittings. Losses go to ``log.csv`` beside them and are drawn to
``loss.svg`` at every save (``python -m models.loss_curve RUN``); validation reports the
loss on the filled bars' tokens in bits per token.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import distributed as dist
from torch.nn import functional as F

from composer.tokens import Vocabulary
from models import checkpoint, corpus, loss_curve
from models.training_data import SamplerConfig, WindowSampler
from models.transformer import ModelConfig, MusicTransformer

SIZES = {
    "tiny": {"n_layer": 2, "n_head": 2, "d_model": 64},
    "small": {"n_layer": 4, "n_head": 4, "d_model": 256},
    "base": {"n_layer": 6, "n_head": 6, "d_model": 384},
}


def batch_tensors(examples: list[list[int]], pad: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets (shifted by one), padded; padding is ignored by the loss."""
    length = max(len(e) for e in examples)
    ids = torch.full((len(examples), length), pad, dtype=torch.long)
    for i, e in enumerate(examples):
        ids[i, : len(e)] = torch.tensor(e)
    ids = ids.to(device)
    return ids[:, :-1], ids[:, 1:]


def length_grouped(sampler: WindowSampler, rng: random.Random, batch: int, groups: int) -> list[list[list[int]]]:
    """``groups`` batches cut from ``batch * groups`` examples sorted by length, in random order.

    Examples vary from tens to ``max_len`` tokens and a batch is padded to its longest, so
    random batches are mostly padding (43 % real tokens measured on the corpus); neighbours
    in length waste little (78 % with 4 groups) and each step still sees ``batch`` examples.
    """
    pool = sorted((sampler.sample(rng) for _ in range(batch * groups)), key=len)
    batches = [pool[i: i + batch] for i in range(0, len(pool), batch)]
    rng.shuffle(batches)
    return batches


def fill_mask(targets: torch.Tensor, vocab: Vocabulary) -> torch.Tensor:
    """True at target tokens inside fill sections (after the first FILL_START), for the bits/token metric."""
    starts = (targets == vocab["FILL_START"]).long().cumsum(dim=1) > 0
    return starts & (targets != vocab["PAD"])


def loss_of(model: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor, pad: int) -> torch.Tensor:
    logits = model(inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1), ignore_index=pad)


def train_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, inputs: torch.Tensor, targets: torch.Tensor,
               pad: int, autocast: AbstractContextManager) -> torch.Tensor:
    """One optimizer step on a batch: the forward under ``autocast``, gradients clipped to norm 1.
    Shared with benchmarks/bench_training.py, so the benchmark times exactly this."""
    with autocast:
        loss = loss_of(model, inputs, targets, pad)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


def validation_batches(pieces: Sequence[corpus.Piece], vocab: Vocabulary, config: SamplerConfig, batch: int,
                       count: int = 8) -> list[list[list[int]]]:
    """Fixed validation batches in the corpus's own style mix and without ``--scratch`` examples:
    ``--boost`` and ``--scratch`` change what a run trains on, not what it is measured on, so runs compare."""
    sampler = WindowSampler(pieces, vocab, replace(config, boost=(), scratch=0.0))
    rng = random.Random(1234)
    return [[sampler.sample(rng) for _ in range(batch)] for _ in range(count)]


@torch.no_grad()
def validate(model: MusicTransformer, batches: list[list[list[int]]], vocab: Vocabulary,
             device: torch.device, autocast: object) -> dict[str, float]:
    """Mean loss over all tokens and bits per token of the filled bars."""
    model.eval()
    total = fill_total = 0.0
    count = fill_count = 0
    pad = vocab["PAD"]
    for examples in batches:
        inputs, targets = batch_tensors(examples, pad, device)
        with autocast:  # type: ignore[attr-defined]
            logits = model(inputs)
        nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none",
                              ignore_index=pad).view_as(targets)
        valid = targets != pad
        fills = fill_mask(targets, vocab)
        total += float(nll[valid].sum())
        count += int(valid.sum())
        fill_total += float(nll[fills].sum())
        fill_count += int(fills.sum())
    model.train()
    return {"loss": total / max(count, 1), "fill_bits_per_token": fill_total / max(fill_count, 1) / math.log(2)}


class Run:
    """The run folder: model, optimizer and trainer state, and the loss log."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def stem(self) -> Path:
        return self.folder / "model"

    def exists(self) -> bool:
        return (self.folder / "trainer.json").exists()

    def save(self, model: MusicTransformer, vocab: Vocabulary, optimizer: torch.optim.Optimizer, step: int,
             extra: dict) -> None:
        checkpoint.save(model, vocab, self.stem, extra={"step": step, **extra})
        flat = {}
        for index, state in optimizer.state_dict()["state"].items():
            for name, value in state.items():
                flat[f"{index}.{name}"] = value.detach().cpu().contiguous() if torch.is_tensor(value) else \
                    torch.tensor(value)
        checkpoint.write_weights(flat, self.folder / "optimizer.safetensors")
        (self.folder / "trainer.json").write_text(json.dumps({"step": step, **extra}, indent=2))
        try:
            loss_curve.write(self.folder)
        except (OSError, ValueError) as error:  # a chart never stops a run
            print(f"warning: loss curve not drawn: {error}", file=sys.stderr)

    def restore(self, optimizer: torch.optim.Optimizer) -> int:
        flat = load_file(str(self.folder / "optimizer.safetensors"))
        state = optimizer.state_dict()
        for key, value in flat.items():
            index, name = key.split(".", 1)
            state["state"].setdefault(int(index), {})[name] = value
        optimizer.load_state_dict(state)
        return int(json.loads((self.folder / "trainer.json").read_text())["step"])

    LOG_FIELDS = ("step", "loss", "lr", "tokens_per_s", "minutes", "valid_loss", "valid_fill_bits_per_token")

    def log(self, row: dict) -> None:
        path = self.folder / "log.csv"
        new = not path.exists()
        with path.open("a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self.LOG_FIELDS)
            if new:
                writer.writeheader()
            writer.writerow(row)


def parse_boost(text: str) -> tuple[str, float]:
    style, _, factor = text.partition("=")
    try:
        return style, float(factor)
    except ValueError:
        raise SystemExit(f"--boost takes STYLE=FACTOR, not {text!r}") from None


def styles_for(known: tuple[str, ...], pieces: list[corpus.Piece]) -> tuple[str, ...]:
    """The styles a run trains: those the model already knows, then any new ones in the data (a
    user's own MIDI folder under a style name of their choosing), in a stable order."""
    return (*known, *sorted({p.style for p in pieces} - set(known)))


def transfer_weights(source: torch.nn.Module, source_vocab: Vocabulary, target: torch.nn.Module,
                     target_vocab: Vocabulary) -> None:
    """Copy ``source``'s weights into ``target``; token embeddings go row by row by token name, so
    a vocabulary with new styles starts from the trained model (new tokens keep their fresh rows)."""
    state = target.state_dict()
    for name, value in source.state_dict().items():
        if name in ("tokens.weight", "head.weight"):
            continue
        state[name] = value
    rows = state["tokens.weight"].clone()
    old = source.state_dict()["tokens.weight"]
    for token, index in target_vocab.ids.items():
        if token in source_vocab.ids:
            rows[index] = old[source_vocab[token]]
    state["tokens.weight"] = rows
    state["head.weight"] = rows
    target.load_state_dict(state)


def learning_rate(step: int, peak: float, warmup: int, total: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min((step - warmup) / max(total - warmup, 1), 1.0)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus.add_source_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="run folder (resumed if it holds a run)")
    parser.add_argument("--size", choices=sorted(SIZES), default="base")
    parser.add_argument("--max-len", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length-groups", type=int, default=4,
                        help="draw this many batches at once and group their examples by length (1: off)")
    parser.add_argument("--lr", type=float, default=6e-4)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--bf16", action="store_true",
                        help="bf16 autocast: for GPUs, and CPUs with native bf16 (avx512_bf16 or AMX; "
                             "benchmarks/bench_training.py measures it); 10-20x SLOWER on CPUs without it")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch's default)")
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--save-every", type=int, default=250)
    parser.add_argument("--max-minutes", type=float, default=0, help="stop (after saving) when this time is up")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--boost", action="append", default=[], metavar="STYLE=FACTOR",
                        help="draw a style's examples FACTOR times more often (e.g. pop=3)")
    parser.add_argument("--scratch", type=float, default=0.0, metavar="SHARE",
                        help="share of examples with no context, every bar written from style and controls "
                             "(what restyle asks of the model), e.g. 0.1")
    parser.add_argument("--init-from", type=Path, help="start a new run from these weights (e.g. the shipped model)")
    args = parser.parse_args(argv)

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    rank = 0
    if distributed:
        dist.init_process_group("nccl" if args.device.startswith("cuda") else "gloo")
        rank = dist.get_rank()
        if args.device.startswith("cuda"):
            args.device = f"cuda:{int(os.environ['LOCAL_RANK'])}"
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sources = corpus.sources_from_args(args)
    train_pieces = list(corpus.load(args.cache, sources or None, "train"))
    valid_pieces = list(corpus.load(args.cache, sources or None, "validation"))
    run = Run(args.out)
    base = run.stem if run.exists() else args.init_from
    known = checkpoint.read_info(base).styles if base else Vocabulary().styles
    vocab = Vocabulary(styles_for(known, train_pieces))
    sampler_config = SamplerConfig(max_len=args.max_len, boost=tuple(parse_boost(b) for b in args.boost),
                                   scratch=args.scratch)
    sampler = WindowSampler(train_pieces, vocab, sampler_config)
    if not valid_pieces and rank == 0:
        print("warning: no validation pieces in this corpus; validating on training pieces", file=sys.stderr)
    valid_batches = validation_batches(valid_pieces or train_pieces, vocab, sampler_config, args.batch)

    config = ModelConfig(vocab_size=len(vocab), max_len=args.max_len, **SIZES[args.size])
    model = MusicTransformer(config).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    step = 0
    if args.init_from and not run.exists():
        loaded, loaded_vocab, _ = checkpoint.load(args.init_from, device)
        if replace(loaded.config, vocab_size=config.vocab_size) != config:
            raise SystemExit(f"{args.init_from} is a {loaded.config} model, not --size {args.size}")
        transfer_weights(loaded, loaded_vocab, model, vocab)
    if run.exists():
        loaded, _, info = checkpoint.load(run.stem, device)
        if loaded.config != config:
            raise SystemExit(f"{args.out} holds a {loaded.config} run; use another --out for a new size")
        model.load_state_dict(loaded.state_dict())
        step = run.restore(optimizer)
        if rank == 0:
            print(f"resumed {args.out} at step {step}", file=sys.stderr)
    trained = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if args.bf16 else nullcontext()
    data_summary = {"train_pieces": len(train_pieces), "validation_pieces": len(valid_pieces),
                    "styles": {s: len(p) for s, p in sampler.by_style.items()}}
    if rank == 0:
        print(f"model {model.parameter_count() / 1e6:.1f}M parameters; {data_summary}", file=sys.stderr)

    rng = random.Random(args.seed * 1000 + rank + step)
    started = time.monotonic()
    tokens_seen = 0
    trained.train()
    queued: list[list[list[int]]] = []
    while step < args.steps:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.lr, args.warmup, args.steps)
        if not queued:
            queued = length_grouped(sampler, rng, args.batch, max(1, args.length_groups))
        inputs, targets = batch_tensors(queued.pop(), vocab["PAD"], device)
        loss = train_step(trained, optimizer, inputs, targets, vocab["PAD"], autocast)
        step += 1
        tokens_seen += int((targets != vocab["PAD"]).sum())
        elapsed = time.monotonic() - started
        out_of_time = args.max_minutes and elapsed > args.max_minutes * 60
        if rank == 0:
            row = {"step": step, "loss": round(float(loss.detach()), 4), "lr": f"{optimizer.param_groups[0]['lr']:.2e}",
                   "tokens_per_s": round(tokens_seen / elapsed), "minutes": round(elapsed / 60, 2)}
            if step % args.eval_every == 0 or step == args.steps or out_of_time:
                row |= {f"valid_{k}": round(v, 4) for k, v in validate(model, valid_batches, vocab, device,
                                                                        autocast).items()}
            if step % 10 == 0 or len(row) > 5:
                print(" ".join(f"{k}={v}" for k, v in row.items()), file=sys.stderr, flush=True)
            run.log(row)
            if step % args.save_every == 0 or step == args.steps or out_of_time:
                run.save(model, vocab, optimizer, step, {"size": args.size, "data": data_summary})
        if out_of_time:
            break
    if distributed:
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
