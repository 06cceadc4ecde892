"""Decoding: several candidates as one batch, grammar-masked, seeded, streaming, cancellable.

The context (tokens before the first fill) is run once; its KV cache is forked
into one row per candidate. Each row then advances one token per step: forced
tokens (``FILL_START`` and that cell's controls) where the grammar dictates them,
sampled tokens (temperature, top-p) otherwise, always under a mask so every
sample decodes to valid notes: positions increase inside the bar, pitches rise
within a position and stay in the instrument's range (the drum map on drum
tracks), every PITCH is followed by a DUR and a VEL. A finished cell is decoded at
once and streamed to the caller; a candidate equal to an earlier one (this batch
or ``avoid``) is decoded again with a fresh seed, so regenerate never repeats.

Style guidance (classifier-free guidance): the model was trained with the style token
dropped at random, so it also knows the music without a style. With ``guidance`` w > 1
each row is decoded twice, with the style and with ``STYLE_NONE``, and samples from
``uncond + w * (cond - uncond)`` of the log-probabilities: the difference the style makes
is amplified, which restyle needs when the music around the region is in another style.

Each candidate also carries the log-probability of its sampled tokens under the
grammar-masked distribution it was drawn from (before temperature and top-p), so callers
can tell which of several candidates the model finds most likely (the panel's tie-break
between equally agreed-on candidates; its tooltips show it).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import torch

from composer.score import Note
from composer.tokens import MAX_BAR_UNITS, UNIT, Vocabulary, Window, decode_notes, encode_context, fill_prefix
from models.transformer import MusicTransformer

DRUM_RANGE = (27, 87)  # GM percussion keys the SoundFonts play
MAX_NOTES_PER_BAR = 48
MAX_RETRIES = 3


class Cancelled(Exception):
    """The request was cancelled; raised between tokens."""


@dataclass
class CellDone:
    """One bar of one candidate is written."""

    candidate: int
    cell: tuple[int, int]  # (track id, bar)
    notes: list[Note]


@dataclass
class CandidateRestarted:
    """A finished candidate repeated an earlier one; its bars are being written again."""

    candidate: int
    bars: tuple[int, int] | None = None  # [first, end) bars rewritten; None: all of the request's


@dataclass
class Candidate:
    cells: dict[tuple[int, int], list[Note]] = field(default_factory=dict)
    log_prob: float = 0.0  # natural log-probability of the sampled tokens (forced ones excluded)
    sampled: int = 0  # how many tokens were sampled

    @property
    def bits_per_token(self) -> float:
        """How surprising the model found its own candidate: lower is more likely."""
        return -self.log_prob / math.log(2) / self.sampled if self.sampled else 0.0

    def fingerprint(self) -> tuple:
        return tuple(sorted((cell, tuple(sorted(n[:4] for n in notes))) for cell, notes in self.cells.items()))


@dataclass(frozen=True)
class Sampling:
    temperature: float = 1.0
    top_p: float = 0.95
    seed: int = 0
    guidance: float = 1.0  # style guidance scale: 1 = plain sampling, >1 = follow the style token harder


class _Grammar:
    """Which tokens may come next in one candidate's current fill cell."""

    def __init__(self, vocab: Vocabulary, window: Window) -> None:
        self.vocab = vocab
        self.window = window
        self.cells = window.fill_order()
        self.pos_ids = vocab.range_of("POS_")
        self.pitch_ids = vocab.range_of("PITCH_")
        self.dur_ids = vocab.range_of("DUR_")
        self.vel_ids = vocab.range_of("VEL_")
        self.end_id = vocab["FILL_END"]

    def cell_mask(self, cell: tuple[int, int]) -> tuple[int, tuple[int, int]]:
        """(grid units in the cell's bar, allowed pitch range) for a cell."""
        track_id, bar = cell
        start, end = self.window.bar_ticks(bar)
        track = self.window.score.track(track_id)
        return min((end - start) // UNIT, MAX_BAR_UNITS), DRUM_RANGE if track.is_drum else (0, 127)


class _Row:
    """Decoding state of one candidate."""

    def __init__(self, grammar: _Grammar) -> None:
        self.g = grammar
        self.cell_index = 0
        self.forced: list[int] = []
        self.tokens: list[str] = []  # tokens of the current cell
        self.candidate = Candidate()
        self.done = False
        self._start_cell()

    def _start_cell(self) -> None:
        if self.cell_index >= len(self.g.cells):
            self.done = True
            return
        cell = self.g.cells[self.cell_index]
        self.forced = self.g.vocab.encode(fill_prefix(self.g.window, cell))
        self.tokens = []
        self.units, self.pitch_range = self.g.cell_mask(cell)
        self.phase, self.last_pos, self.last_pitch, self.notes = "start", -1, -1, 0

    def allowed(self, size: int) -> torch.Tensor:
        """A boolean mask of the tokens this row may sample next."""
        g = self.g
        mask = torch.zeros(size, dtype=torch.bool)
        if self.phase == "dur":
            mask[g.dur_ids.start : g.dur_ids.stop] = True
        elif self.phase == "vel":
            mask[g.vel_ids.start : g.vel_ids.stop] = True
        elif self.phase == "pitch":  # right after a POS: a note must follow
            self._allow_pitches(mask, -1)
        else:  # "start" or after a note
            if self.notes < MAX_NOTES_PER_BAR:
                mask[g.pos_ids.start + self.last_pos + 1 : g.pos_ids.start + self.units] = True
                if self.phase == "note":
                    self._allow_pitches(mask, self.last_pitch)
            mask[g.end_id] = True
        return mask

    def _allow_pitches(self, mask: torch.Tensor, above: int) -> None:
        lo, hi = self.pitch_range
        lo = max(lo, above + 1)
        if lo <= hi:
            mask[self.g.pitch_ids.start + lo : self.g.pitch_ids.start + hi + 1] = True

    def take(self, token_id: int) -> CellDone | None:
        """Advance the grammar by one token; returns the cell when it is complete."""
        token = self.g.vocab.tokens[token_id]
        if self.forced:
            self.forced.pop(0)
            return None
        self.tokens.append(token)
        if token.startswith("POS_"):
            self.last_pos, self.last_pitch, self.phase = int(token[4:]), -1, "pitch"
        elif token.startswith("PITCH_"):
            self.last_pitch, self.phase = int(token[6:]), "dur"
        elif token.startswith("DUR_"):
            self.phase = "vel"
        elif token.startswith("VEL_"):
            self.phase, self.notes = "note", self.notes + 1
        elif token == "FILL_END":
            cell = self.g.cells[self.cell_index]
            start, _ = self.g.window.bar_ticks(cell[1])
            notes = decode_notes(self.tokens, start)
            self.candidate.cells[cell] = notes
            self.cell_index += 1
            self._start_cell()
            return CellDone(-1, cell, notes)
        return None


class Engine:
    """Runs a model over windows; one instance per model, used from one thread at a time."""

    def __init__(self, model: MusicTransformer, vocab: Vocabulary) -> None:
        self.model = model.eval()
        self.vocab = vocab
        self.device = next(model.parameters()).device

    @torch.no_grad()
    def generate(
        self,
        window: Window,
        n: int,
        sampling: Sampling = Sampling(),
        cancel: threading.Event | None = None,
        avoid: set[tuple] | None = None,
    ) -> Iterator[CellDone | CandidateRestarted | list[Candidate]]:
        """Yields each finished cell as it is written, then the list of ``n`` distinct candidates."""
        avoid = set(avoid or ())
        generator = torch.Generator(device="cpu").manual_seed(sampling.seed)
        slots: list[Candidate | None] = [None] * n
        pending = list(range(n))
        for _attempt in range(MAX_RETRIES + 1):
            if not pending:
                break
            rows = yield from self._decode(window, pending, sampling, generator, cancel)
            retry = []
            for slot, row in zip(pending, rows, strict=True):
                fingerprint = row.candidate.fingerprint()
                if fingerprint in avoid and _attempt < MAX_RETRIES:
                    retry.append(slot)
                    yield CandidateRestarted(slot)
                else:
                    avoid.add(fingerprint)
                    slots[slot] = row.candidate
            pending = retry
        yield [s for s in slots if s is not None]

    def _decode(self, window: Window, slots: list[int], sampling: Sampling, generator: torch.Generator,
                cancel: threading.Event | None) -> Iterator[CellDone]:
        grammar = _Grammar(self.vocab, window)
        guided = sampling.guidance != 1.0 and window.style is not None
        prompts = [self.vocab.encode(encode_context(window))]
        if guided:  # the same context without the style: same length, so one batch
            prompts.append(self.vocab.encode(encode_context(replace(window, style=None))))
        model, size, k = self.model, len(self.vocab), len(slots)
        cache = model.new_cache(len(prompts))
        logits = model(torch.tensor(prompts, device=self.device), cache)[:, -1]
        fork = torch.arange(len(prompts), device=self.device).repeat_interleave(k)
        cache.select(fork)
        logits = logits[fork]
        rows = [_Row(grammar) for _ in slots]
        while not all(r.done for r in rows):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if cache.length >= model.config.max_len:
                raise ValueError("the request does not fit the model's context; select fewer bars or tracks")
            chosen = self._choose(rows, _guided(logits.float().cpu(), k, sampling.guidance), size, sampling,
                                  generator)
            for i, (row, token) in enumerate(zip(rows, chosen, strict=True)):
                if row.done:
                    continue
                done = row.take(token)
                if done is not None:
                    done.candidate = slots[i]
                    yield done
            fed = chosen * len(prompts)
            logits = model(torch.tensor(fed, device=self.device).view(-1, 1), cache)[:, -1]
        return rows

    def _choose(self, rows: list[_Row], logits: torch.Tensor, size: int, sampling: Sampling,
                generator: torch.Generator) -> list[int]:
        out = []
        pad = self.vocab["PAD"]
        for row, row_logits in zip(rows, logits, strict=True):
            if row.done:
                out.append(pad)
            elif row.forced:
                out.append(row.forced[0])
            else:
                masked = row_logits.masked_fill(~row.allowed(size), float("-inf"))
                token = sample(masked, sampling, generator)
                row.candidate.log_prob += float(torch.log_softmax(masked, dim=-1)[token])
                row.candidate.sampled += 1
                out.append(token)
        return out


def _guided(logits: torch.Tensor, k: int, scale: float) -> torch.Tensor:
    """The ``k`` rows to sample from: as they are, or guided when the batch holds unconditioned twins."""
    if logits.shape[0] == k:
        return logits
    log_probs = torch.log_softmax(logits, dim=-1)
    cond, uncond = log_probs[:k], log_probs[k:]
    return uncond + scale * (cond - uncond)


def sample(logits: torch.Tensor, sampling: Sampling, generator: torch.Generator) -> int:
    """Temperature and nucleus sampling; tokens the grammar forbids come in masked to -inf."""
    if sampling.temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / sampling.temperature, dim=-1)
    if sampling.top_p < 1.0:
        sorted_probs, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < sampling.top_p
        keep[0] = True
        probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_probs[keep])
    return int(torch.multinomial(probs, 1, generator=generator))
