"""Training: examples fit and hold their fills, a tiny model overfits one example and then
writes it back through the engine, and a training run resumes where it stopped."""

from __future__ import annotations

import random
from pathlib import Path

import torch

from composer.midi_import import read_midi
from composer.tokens import Vocabulary, Window, decode_fills, encode_training
from models import checkpoint, corpus
from models.corpus import Piece
from models.engine import Engine, Sampling
from models.train import SIZES, batch_tensors, length_grouped, loss_of, main, validation_batches
from models.training_data import SamplerConfig, WindowSampler, gridded
from models.transformer import ModelConfig, MusicTransformer

DATA = Path(__file__).parent / "data"
VOCAB = Vocabulary()


def _piece(name: str = "bach_bwv66.6.mid", style: str = "chorale") -> Piece:
    return Piece(name, style, read_midi(DATA / "music21" / name)[0])


def test_examples_fit_and_contain_fills() -> None:
    sampler = WindowSampler([_piece(), Piece("pop", "pop", read_midi(DATA / "pop909" / "001.mid")[0])], VOCAB,
                            SamplerConfig(max_len=512))
    rng = random.Random(0)
    for _ in range(30):
        ids = sampler.sample(rng)
        tokens = VOCAB.decode(ids)
        assert len(ids) <= 512 and tokens[0] == "BOS" and tokens[-1] == "EOS"
        assert tokens.count("FILL") == tokens.count("FILL_START") == tokens.count("FILL_END") >= 1


def test_scratch_examples_write_every_bar_with_nothing_around() -> None:
    """--scratch trains what restyle asks: the whole window is written, the prompt holds no notes."""
    pieces = [_piece(), Piece("pop", "pop", read_midi(DATA / "pop909" / "001.mid")[0])]
    rng = random.Random(0)
    scratch = WindowSampler(pieces, VOCAB, SamplerConfig(max_len=512, scratch=1.0))
    for _ in range(20):
        tokens = VOCAB.decode(scratch.sample(rng))
        prompt = tokens[:tokens.index("FILL_START")]
        assert not any(t.startswith("POS_") for t in prompt) and prompt.count("FILL") >= 1
        assert prompt.count("FILL") == prompt.count("TRACK") * (prompt.count("FILL") // prompt.count("TRACK"))
    plain = WindowSampler(pieces, VOCAB, SamplerConfig(max_len=512))
    with_notes = [VOCAB.decode(plain.sample(rng)) for _ in range(20)]
    assert any(any(t.startswith("POS_") for t in ts[:ts.index("FILL_START")]) for ts in with_notes)


def test_validation_batches_ignore_the_training_boost() -> None:
    """A run trained with --boost is measured on the same batches as one without, so the two compare."""
    pieces = [_piece(), Piece("pop", "pop", read_midi(DATA / "pop909" / "001.mid")[0])]
    plain = validation_batches(pieces, VOCAB, SamplerConfig(max_len=512), 4, count=3)
    boosted = SamplerConfig(max_len=512, boost=(("pop", 50.0),))
    assert validation_batches(pieces, VOCAB, boosted, 4, count=3) == plain
    assert validation_batches(pieces, VOCAB, SamplerConfig(max_len=512, scratch=0.5), 4, count=3) == plain
    assert len(plain) == 3 and all(len(b) == 4 for b in plain)
    heard, rng = WindowSampler(pieces, VOCAB, boosted), random.Random(1234)
    assert [[heard.sample(rng) for _ in range(4)] for _ in range(3)] != plain  # what training with the boost hears


def test_length_grouped_batches_waste_less_padding_and_keep_the_batch_size() -> None:
    sampler = WindowSampler([_piece(), Piece("pop", "pop", read_midi(DATA / "pop909" / "001.mid")[0])], VOCAB,
                            SamplerConfig(max_len=512))

    def real_share(batches: list[list[list[int]]]) -> float:
        return sum(len(e) for b in batches for e in b) / sum(len(b) * max(map(len, b)) for b in batches)

    grouped = length_grouped(sampler, random.Random(1), 4, 4)
    plain = [[sampler.sample(random.Random(2 + i * 4 + j)) for j in range(4)] for i in range(4)]
    assert [len(b) for b in grouped] == [4, 4, 4, 4]
    assert real_share(grouped) > real_share(plain)
    assert all(max(map(len, a)) <= min(map(len, b)) or max(map(len, b)) <= min(map(len, a))
               for a in grouped for b in grouped if a is not b)


def test_tiny_model_overfits_one_example_and_writes_it_back() -> None:
    score = gridded(_piece().score)
    soprano = score.tracks[0]
    window = Window(score, tuple(t.id for t in score.tracks), 0, 4, frozenset({(soprano.id, 2)}), "chorale")
    ids = VOCAB.encode(encode_training(window))
    torch.manual_seed(0)
    model = MusicTransformer(ModelConfig(len(VOCAB), n_layer=2, n_head=2, d_model=64, max_len=512))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    inputs, targets = batch_tensors([ids], VOCAB["PAD"], torch.device("cpu"))
    first = None
    for _ in range(150):
        loss = loss_of(model, inputs, targets, VOCAB["PAD"])
        first = first if first is not None else float(loss.detach())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(loss.detach()) < 0.05 < first
    events = list(Engine(model, VOCAB).generate(window, 1, Sampling(temperature=0)))
    written = events[-1][0].cells[(soprano.id, 2)]
    expected = decode_fills(window, VOCAB.decode(ids))[(soprano.id, 2)]
    assert [n[:4] for n in written] == [n[:4] for n in expected]


def test_training_run_saves_and_resumes(tmp_path: Path) -> None:
    data = ["--midi-folder", f"{DATA / 'music21'}:chorale", "--cache", str(tmp_path / "cache")]
    assert corpus.main([*data, "--workers", "1"]) == 0
    args = [*data, "--out", str(tmp_path / "run"), "--size", "tiny", "--batch", "2", "--max-len", "256",
            "--eval-every", "4", "--save-every", "4"]
    assert main([*args, "--steps", "4"]) == 0
    _, _, info = checkpoint.load(tmp_path / "run" / "model")
    assert info.extra["step"] == 4
    assert main([*args, "--steps", "6"]) == 0
    _, _, info = checkpoint.load(tmp_path / "run" / "model")
    assert info.extra["step"] == 6
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,loss") and len(log) == 7  # header and six steps, none repeated
    assert (tmp_path / "run" / "loss.svg").read_text().count('class="valid"') == 2  # drawn at each save


def test_corpus_build_order_interleaves_styles() -> None:
    sources = [corpus.Source(f"{style}{i}", style, "midi", f"{style}{i}") for style in ("a", "b") for i in range(3)]
    sources.append(corpus.Source("c0", "c", "midi", "c0"))
    order = [s.id for s in corpus.interleave_styles(sources)]
    assert order == ["a0", "b0", "c0", "a1", "b1", "a2", "b2"]


def test_own_style_trains_from_the_shipped_model_with_a_grown_vocabulary(tmp_path: Path) -> None:
    data = ["--midi-folder", f"{DATA / 'music21'}:mystyle", "--cache", str(tmp_path / "cache")]
    assert corpus.main([*data, "--workers", "1"]) == 0
    base = tmp_path / "base"
    torch.manual_seed(0)
    checkpoint.save(MusicTransformer(ModelConfig(len(VOCAB), **SIZES["tiny"], max_len=256)), VOCAB, base)
    args = [*data, "--out", str(tmp_path / "run"), "--size", "tiny", "--batch", "2", "--max-len", "256",
            "--steps", "1", "--lr", "1e-9", "--init-from", str(base)]
    assert main(args) == 0
    trained, vocab, info = checkpoint.load(tmp_path / "run" / "model")
    assert info.styles == (*VOCAB.styles, "mystyle")
    before, _, _ = checkpoint.load(base)
    rows, old = trained.tokens.weight, before.tokens.weight
    for token in ("PITCH_60", "STYLE_pop", "BAR"):  # the same token keeps its trained row
        assert torch.allclose(rows[vocab[token]], old[VOCAB[token]], atol=1e-4)
    assert "mystyle" in info.extra["data"]["styles"]


def test_new_styles_follow_the_known_ones() -> None:
    from models.train import styles_for

    pieces = [Piece("a", "zeuhl", None), Piece("b", "pop", None), Piece("c", "ambient", None)]  # type: ignore[arg-type]
    assert styles_for(("folk", "pop"), pieces) == ("folk", "pop", "ambient", "zeuhl")
