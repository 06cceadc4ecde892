"""Evaluate a checkpoint on held-out pieces against two baselines; prints (and writes) a table.

    python -m models.evaluate --cache data_cache/corpus --model runs/base/model --tasks 10 --report REPORT.md

Task: fill two bars of one pitched track inside an 8-bar window of a test-split piece.
Per style, for the model, an n-gram token model (trained on the training split) and
"copy the nearest context bar":
- bits per token of the real filled bars (teacher forcing; not defined for copying);
- onset F1 and pitch-class histogram overlap of one generated fill against the real bars,
  the fill written as the panel's Fill writes it by default (every option on "auto": each bar's
  density from the nearest bar of its track; "keep harmony" on: each bar follows the chords the
  other tracks make there, never the real bars' own notes); the row "model, no auto" shows the model with
  no controls at all, "model, star of 4" the one the panel stars of four candidates: the consensus,
  the one most alike to the other three and to the bars on either side of the gap;
- in-key ratio of the generated notes (key estimated from the window; the real bars' ratio
  is shown as a reference);
- with the real bars' controls given: density and polyphony bin errors, the share of notes
  outside the requested pitch range, and the chord match rate per beat.
With ``--classifier``, restyle too: the same two bars rewritten in another style (each task's
target style taken in turn from the other styles) as the assistant's default restyle does it
(keeping harmony and range, reading nothing around the bars, its style guidance); the share classified as the
target style by the separate style classifier, the chord agreement per beat with the
source bars and the in-key ratio, for one candidate and for the one starred of four (the
consensus, as the panel stars a restyle), the n-gram given the same four tries. The real bars'
share shows what "not restyled" scores.
Each style ends with the row "star of 4 - copy bar": the paired gap in onset F1 and pitch-class
overlap, task by task, with its 95 % interval; the last row pools every style's tasks. The restyle
table does the same for the model's star of 4 against the n-gram's.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch

from composer.harmony import chords_per_span, estimate_key, scale_of
from composer.note_similarity import consensus, neighbour_bars, onset_f1, pitch_class_overlap
from composer.region import Region
from composer.score import Note
from composer.tokens import UNIT, Vocabulary, Window, encode_training, measure_controls
from models import checkpoint, corpus
from models.assistant import fill_controls, kept_controls, restyle_window
from models.baselines import NGramModel, copy_nearest_bar
from models.defaults import DEFAULT_TEMPERATURE, RESTYLE_GUIDANCE, RESTYLE_KEEP
from models.engine import Engine, Sampling
from models.style_classifier import StyleClassifier, excerpt_tokens, load_classifier
from models.training_data import SamplerConfig, WindowSampler, gridded

Fill = Callable[[Window, int], list[Note]]


def make_tasks(pieces: list[corpus.Piece], per_style: int, seed: int, max_len: int) -> dict[str, list[Window]]:
    """Seeded infill tasks per style: 8-bar windows, two bars of one pitched track to fill, that fit
    ``max_len`` tokens with their controls."""
    rng = random.Random(seed)
    by_style: dict[str, list[corpus.Piece]] = defaultdict(list)
    for piece in pieces:
        by_style[piece.style].append(piece)
    tasks: dict[str, list[Window]] = {}
    for style, items in sorted(by_style.items()):
        found: list[Window] = []
        for _ in range(per_style * 20):
            if len(found) == per_style:
                break
            window = _task(gridded(rng.choice(items).score), style, rng)
            if window is not None and len(encode_training(with_controls(window))) <= max_len:
                found.append(window)
        tasks[style] = found
    return tasks


def _task(score, style: str, rng: random.Random) -> Window | None:  # noqa: ANN001 - Score
    if score.bar_count < 8:
        return None
    start = rng.randint(0, score.bar_count - 8)
    sigs = score.time_signatures
    lo, hi = sigs.bar_start(start), sigs.bar_start(start + 8)
    tracks = [t for t in score.tracks if t.starting_in(lo, hi)][:3]
    pitched = [t for t in tracks if not t.is_drum]
    if not pitched:
        return None
    target = rng.choice(pitched)
    first = rng.randint(start + 2, start + 5)
    if not all(target.starting_in(*sigs.bar_range(b)) for b in (first, first + 1)):
        return None
    cells = frozenset({(target.id, first), (target.id, first + 1)})
    return Window(score, tuple(t.id for t in tracks), start, start + 8, cells, style)


def as_filled(window: Window) -> Window:
    """The window with the controls the panel's Fill sets by default (models.assistant.fill_controls):
    every option "auto", so each cell's density comes from the nearest bar of its track in the
    window, and "keep harmony" on, so each bar follows the chords the other tracks make there."""
    bars = [b for _, b in window.fill]
    region = Region(tuple(sorted({t for t, _ in window.fill})), min(bars), max(bars) + 1)
    controls = fill_controls(window.score, region, keep_harmony=True, bounds=(window.start_bar, window.end_bar))
    return replace(window, controls=controls)


def with_controls(window: Window) -> Window:
    """The window with each cell's real controls (density, polyphony, range, chords) given."""
    score = window.score
    controls = {}
    for track_id, bar in window.fill:
        start, end = window.bar_ticks(bar)
        harmony = [n for t in score.tracks if not t.is_drum for n in t.sounding_in(start, end)]
        measured = measure_controls(score.track(track_id).starting_in(start, end), (start, end),
                                    score.time_signatures.at(start).beat_ticks, harmony)
        controls[(track_id, bar)] = replace(measured, onsets=None)
    return replace(window, controls=controls)


def fill_bits(model, vocab: Vocabulary, window: Window) -> tuple[float, int]:  # noqa: ANN001 - model-like
    """Summed bits and count of the real fill tokens under ``model`` (teacher forcing)."""
    ids = vocab.encode(encode_training(window))
    first = ids.index(vocab["FILL_START"])
    with torch.no_grad():
        logits = model(torch.tensor([ids[:-1]]))[0].float()
    log_probs = torch.log_softmax(logits, dim=-1)
    targets = torch.tensor(ids[1:])
    picked = log_probs[torch.arange(len(targets)), targets][first:]
    return float(-picked.sum()) / 0.6931471805599453, len(picked)


SAMPLING = Sampling(DEFAULT_TEMPERATURE, 0.95, 0)


def generate(engine: Engine, window: Window, seed: int,
             sampling: Sampling = SAMPLING) -> dict[tuple[int, int], list[Note]]:
    events = list(engine.generate(window, 1, replace(sampling, seed=seed)))
    return events[-1][0].cells


def star_of(engine: Engine, window: Window, seed: int, sampling: Sampling = SAMPLING,
            n: int = 4, around: bool = True) -> dict[tuple[int, int], list[Note]]:
    """Of ``n`` candidates, the one the panel stars: the consensus (composer.note_similarity), with
    the bars around the gap voting when ``around`` (a fill; not a restyle)."""
    candidates = list(engine.generate(window, n, replace(sampling, seed=seed)))[-1]
    neighbours = neighbour_bars(window.score, window.fill, (window.start_bar, window.end_bar)) if around else ()
    index = consensus([c.cells for c in candidates], UNIT, [c.bits_per_token for c in candidates], neighbours)
    return candidates[index or 0].cells


def copy_fill(window: Window) -> dict[tuple[int, int], list[Note]]:
    return {cell: copy_nearest_bar(window, cell) for cell in window.fill}


def note_metrics(window: Window, cells: dict[tuple[int, int], list[Note]]) -> dict[str, float]:
    """Onset F1 and pitch-class overlap against the real bars; in-key ratio; control errors."""
    score = window.score
    real = {c: list(score.track(c[0]).starting_in(*window.bar_ticks(c[1]))) for c in window.fill}
    context = [n for t in window.track_ids for n in score.track(t).starting_in(*_window_ticks(window))]
    scale = scale_of(*estimate_key(context))
    generated = [n for notes in cells.values() for n in notes]
    out = {
        "onset_f1": onset_f1(cells, real, UNIT),
        "pch_overlap": pitch_class_overlap([n for ns in real.values() for n in ns], generated),
        "in_key": sum(n.pitch % 12 in scale for n in generated) / len(generated) if generated else 0.0,
    }
    out |= _control_errors(window, cells)
    return out


def _window_ticks(window: Window) -> tuple[int, int]:
    sigs = window.score.time_signatures
    return sigs.bar_start(window.start_bar), sigs.bar_start(window.end_bar)


def _control_errors(window: Window, cells: dict[tuple[int, int], list[Note]]) -> dict[str, float]:
    """Errors against the real bars' controls (what a controlled request asks for)."""
    score = window.score
    target = with_controls(window).controls
    density, polyphony, outside, chord_hits, chord_total = [], [], 0, 0, 0
    notes_total = 0
    for cell, notes in cells.items():
        start, end = window.bar_ticks(cell[1])
        beat = score.time_signatures.at(start).beat_ticks
        got = measure_controls(notes, (start, end), beat)
        want = target[cell]
        density.append(abs((got.density or 0) - (want.density or 0)))
        polyphony.append(abs((got.polyphony or 0) - (want.polyphony or 0)))
        if want.pitch_range:
            lo, hi = want.pitch_range
            outside += sum(not lo <= n.pitch <= hi for n in notes)
        notes_total += len(notes)
        # Everything sounding in the bar except the cell's own real notes, which the generated ones replace.
        others = [n for t in score.tracks if not t.is_drum for n in t.sounding_in(start, end)
                  if not (t.id == cell[0] and start <= n.start < end)]
        for want_chord, got_chord in zip(want.chords or (), chords_per_span([*notes, *others], start, end, beat),
                                         strict=False):
            if want_chord is not None:
                chord_total += 1
                chord_hits += got_chord == want_chord
    return {
        "density_err": statistics.mean(density),
        "polyphony_err": statistics.mean(polyphony),
        "out_of_range": outside / notes_total if notes_total else 0.0,
        "chord_match": chord_hits / chord_total if chord_total else 1.0,
    }


def restyle_task(window: Window, styles: tuple[str, ...], index: int) -> Window:
    """The task's bars to be rewritten in another style as the assistant's restyle does by default:
    keeping what RESTYLE_KEEP names of the real bars, reading nothing around them (restyle_window)."""
    others = [s for s in styles if s != window.style]
    target = others[index % len(others)]
    controlled = with_controls(window).controls
    keep = set(RESTYLE_KEEP)
    return restyle_window(replace(window, style=target,
                                  controls={c: kept_controls(controlled[c], keep) for c in window.fill}))


def restyle_metrics(window: Window, cells: dict[tuple[int, int], list[Note]], classifier: StyleClassifier,
                    target: str) -> dict[str, float]:
    """Classified as ``target`` (0/1, judged on the first filled track), as the window's own style
    (when the classifier knows it: the "(source bars)" row is then the classifier's accuracy on such
    excerpts, and a restyle should score lower) and chord agreement per beat."""
    score = window.score
    bars = sorted({b for _, b in window.fill})
    by_track: dict[int, list[Note]] = defaultdict(list)
    for (track_id, _bar), notes in cells.items():
        by_track[track_id].extend(notes)
    probs = [classifier.probabilities([excerpt_tokens(notes, score, bars[0], bars[-1] + 1)])[0]
             for notes in by_track.values() if notes]
    heard = max(probs[0], key=probs[0].__getitem__) if probs else None
    source = {"as_source": float(heard == window.style)} if window.style in classifier.styles else {}
    agree = total = 0
    for (track_id, bar), notes in cells.items():
        start, end = window.bar_ticks(bar)
        beat = score.time_signatures.at(start).beat_ticks
        others = [n for t in score.tracks if not t.is_drum for n in t.sounding_in(start, end)
                  if not (t.id == track_id and start <= n.start < end)]
        real = [n for t in score.tracks if not t.is_drum for n in t.sounding_in(start, end)]
        for want, got in zip(chords_per_span(real, start, end, beat),
                             chords_per_span([*notes, *others], start, end, beat), strict=False):
            if want is not None:
                total += 1
                agree += got == want
    return {"as_target": float(heard == target), **source, "chords_kept": agree / total if total else 1.0}


def _evaluate_restyle(style: str, system: str, windows: list[Window], engines: dict[str, Engine],
                      classifier: StyleClassifier, styles: tuple[str, ...], sampling: Sampling,
                      by_target: dict[str, list[float]] | None = None,
                      guidance: float = RESTYLE_GUIDANCE) -> tuple[dict[str, object], dict[str, list[float]]]:
    """One row of the restyle table and the per-task values behind it; each task's hit is also filed under
    its target in ``by_target``."""
    metrics: dict[str, list[float]] = defaultdict(list)
    for i, window in enumerate(windows):
        task = restyle_task(window, styles, i)
        if system == "copy bar":  # a reference like the source bars: the nearest bar of the old music around
            cells = copy_fill(window)
        elif system == "(source bars)":
            cells = {c: list(window.score.track(c[0]).starting_in(*window.bar_ticks(c[1]))) for c in window.fill}
        elif system in STARS:
            cells = star_of(engines[STARS[system]], task, i, replace(sampling, guidance=guidance), around=False)
        else:
            cells = generate(engines[system], task, i, replace(sampling, guidance=guidance))
        metrics["in_key"].append(note_metrics(window, cells)["in_key"])
        for k, v in restyle_metrics(window, cells, classifier, task.style or "").items():
            metrics[k].append(v)
        if by_target is not None:
            by_target.setdefault(task.style or "", []).append(metrics["as_target"][-1])
    return {"style": style, "system": system} | {k: float(statistics.mean(v)) for k, v in metrics.items()}, metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    corpus.add_source_arguments(parser)
    parser.add_argument("--model", type=Path, required=True, help="checkpoint (path without suffix)")
    parser.add_argument("--tasks", type=int, default=10, help="tasks per style")
    parser.add_argument("--ngram-examples", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, help="also write the table (markdown) here")
    parser.add_argument("--temperature", type=float, default=SAMPLING.temperature)
    parser.add_argument("--top-p", type=float, default=SAMPLING.top_p)
    parser.add_argument("--classifier", type=Path, help="style classifier checkpoint: also evaluate restyle")
    parser.add_argument("--split", choices=("test", "validation", "all"), default="test",
                        help="pieces to evaluate on: the held-out test split, the validation split (to tune "
                             "defaults on), or all of the given sources (music the model never saw, e.g. "
                             "--midi-folder NEW_SONGS:pop)")
    parser.add_argument("--guidance", type=float, default=RESTYLE_GUIDANCE,
                        help="restyle's style guidance (default: the assistant's)")
    parser.add_argument("--ngram-cache", type=Path,
                        help="fit the n-gram baseline on the training split of this cache (all its sources) "
                             "instead of the evaluated sources'; needed with --split all")
    args = parser.parse_args(argv)
    if args.split == "all" and args.ngram_cache is None:
        parser.error("--split all evaluates on every piece of the sources: give --ngram-cache (the training "
                     "corpus) so the n-gram baseline does not learn the evaluated songs")
    sampling = Sampling(args.temperature, args.top_p, 0)
    started = time.monotonic()
    model, vocab, info = checkpoint.load(args.model)
    sources = corpus.sources_from_args(args) or None
    test = list(corpus.load(args.cache, sources, None if args.split == "all" else args.split))
    train = list(corpus.load(args.ngram_cache, None, "train") if args.ngram_cache else
                 corpus.load(args.cache, sources, "train"))
    if not test:
        raise SystemExit(f"no pieces to evaluate in {args.cache} (split {args.split}): build it with "
                         "python -m models.corpus and the same sources")
    sampler = WindowSampler(train, vocab, SamplerConfig(max_len=model.config.max_len))
    rng = random.Random(args.seed)
    ngram = NGramModel(len(vocab)).fit(sampler.sample(rng) for _ in range(args.ngram_examples))
    engines = {"model": Engine(model, vocab), "n-gram": Engine(ngram, vocab)}  # type: ignore[arg-type]
    tasks = make_tasks(test, args.tasks, args.seed, model.config.max_len)
    for style in [s for s in tasks if s not in vocab.styles]:  # e.g. a folder of your own, new to this model
        print(f"note: the model has no style {style!r}; its tasks are written with no style given", file=sys.stderr)
        tasks[style] = [replace(w, style=None) for w in tasks[style]]
    rows = []
    pooled: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for style, windows in tasks.items():
        per_task = {}
        for system in ("model", BEST, BARE, "n-gram", "copy bar"):
            row, per_task[system] = _evaluate(style, system, windows, engines, vocab, sampling)
            rows.append(row)
        rows.append(_reference(style, windows))
        rows.append(gap_row(style, per_task[BEST], per_task["copy bar"]))
        for system in (BEST, "copy bar"):
            for metric in GAP_METRICS:
                pooled[system][metric].extend(per_task[system][metric])
        print(f"  {style}: {len(windows)} tasks done ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    rows.append(gap_row("all styles", pooled[BEST], pooled["copy bar"]))
    table = _table(rows, COLUMNS)
    if args.classifier:
        classifier = load_classifier(args.classifier)
        by_target: dict[str, dict[str, list[float]]] = defaultdict(dict)
        restyle_rows = []
        restyle_pooled: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for style, windows in tasks.items():
            per_task = {}
            for system in RESTYLE_SYSTEMS:
                row, per_task[system] = _evaluate_restyle(style, system, windows, engines, classifier, vocab.styles,
                                                          sampling, by_target[system], args.guidance)
                restyle_rows.append(row)
            restyle_rows.append(gap_row(style, per_task[BEST], per_task[NGRAM_BEST], RESTYLE_GAP_METRICS,
                                        RESTYLE_GAP))
            for system in (BEST, NGRAM_BEST):
                for metric in RESTYLE_GAP_METRICS:
                    restyle_pooled[system][metric].extend(per_task[system][metric])
        restyle_rows.append(gap_row("all styles", restyle_pooled[BEST], restyle_pooled[NGRAM_BEST],
                                    RESTYLE_GAP_METRICS, RESTYLE_GAP))
        target_rows = [{"target": target, "tasks": len(hits)} | {
                           system: statistics.mean(by_target[system].get(target, [0.0]))
                           for system in RESTYLE_SYSTEMS}
                       for target, hits in sorted(by_target["model"].items())]
        table += ("\n\nRestyle (source style in the first column; targets rotate through the other styles; "
                  f"keep {' and '.join(RESTYLE_KEEP)}; the systems read only the bars being restyled, style "
                  f"guidance {args.guidance:g} for the model, as the assistant's restyle does):\n\n"
                  + _table(restyle_rows, RESTYLE_COLUMNS)
                  + "\n\nRestyle by target style (share of tasks heard as the target):\n\n"
                  + _table(target_rows, ("target", "tasks", *RESTYLE_SYSTEMS)))
    pieces = f"every piece of {args.cache}" if args.split == "all" else f"the {args.split} split"
    header = (f"Evaluation of `{args.model}` (step {info.extra.get('step')}, {model.parameter_count() / 1e6:.1f}M "
              f"parameters) on {pieces}: "
              f"{args.tasks} two-bar infill tasks per style, seed {args.seed}, "
              f"sampling temperature {args.temperature}, top-p {args.top_p}.\n"
              f"Command: `python -m models.evaluate {' '.join(argv or sys.argv[1:])}`\n")
    print(header)
    print(table)
    if args.report:
        args.report.write_text(header + "\n" + table + "\n")
    return 0


def _evaluate(style: str, system: str, windows: list[Window], engines: dict[str, Engine],
              vocab: Vocabulary, sampling: Sampling) -> tuple[dict[str, object], dict[str, list[float]]]:
    """One row of the fill table, and the per-task values behind its means (for the paired gaps)."""
    metrics: dict[str, list[float]] = defaultdict(list)
    bits_sum = count = 0.0
    for i, window in enumerate(windows):
        if system == "copy bar":
            free = controlled = copy_fill(window)
        elif system == BARE:
            free, controlled = generate(engines["model"], window, i, sampling), {}
        elif system == BEST:
            free, controlled = star_of(engines["model"], as_filled(window), i, sampling), {}
        else:
            engine = engines[system]
            b, n = fill_bits(engine.model, vocab, window)
            bits_sum, count = bits_sum + b, count + n
            free = generate(engine, as_filled(window), i, sampling)
            controlled = generate(engine, with_controls(window), i, sampling)
        for k, v in note_metrics(window, free).items():
            if k in ("onset_f1", "pch_overlap", "in_key"):
                metrics[k].append(v)
        for k, v in (note_metrics(window, controlled) if controlled else {}).items():
            if k not in ("onset_f1", "pch_overlap", "in_key"):
                metrics[k].append(v)
    row: dict[str, object] = {"style": style, "system": system,
                              "bits/token": bits_sum / count if count else None}
    row |= {k: float(statistics.mean(v)) for k, v in metrics.items()}
    return row, metrics


GAP_METRICS = ("onset_f1", "pch_overlap")


def paired_gap(a: list[float], b: list[float]) -> tuple[float, float]:
    """Mean of a - b over the same tasks and the half-width of its 95 % confidence interval (normal
    approximation): pairing takes the tasks' own difficulty out of the noise."""
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    if len(diffs) < 2:
        return (diffs[0] if diffs else 0.0), float("nan")
    return statistics.mean(diffs), 1.96 * statistics.stdev(diffs) / len(diffs) ** 0.5


def gap_row(style: str, best: dict[str, list[float]], other: dict[str, list[float]],
            metrics: tuple[str, ...] = GAP_METRICS, label: str = "") -> dict[str, object]:
    """The row "star of 4 - copy bar" (or ``label``): paired gaps with their 95 % intervals; an interval
    that stays above zero is a win beyond noise."""
    row: dict[str, object] = {"style": style, "system": label or GAP}
    for metric in (m for m in metrics if best.get(m)):  # as_source only where the classifier knows the style
        mean, half = paired_gap(best[metric], other[metric])
        row[metric] = f"{mean:+.3f} ± {half:.3f}"
    return row


BARE = "model, no auto"  # the model with no controls at all, to show what Fill's auto density adds
BEST = "model, star of 4"  # the consensus of four candidates, the bars around voting (the one the panel stars)
NGRAM_BEST = "n-gram, star of 4"  # restyle: the baseline given the same four tries
STARS = {BEST: "model", NGRAM_BEST: "n-gram"}
RESTYLE_SYSTEMS = ("model", BEST, "n-gram", NGRAM_BEST, "copy bar", "(source bars)")
GAP = "star of 4 - copy bar"  # paired gap, 95 % interval
RESTYLE_GAP = "star of 4 - n-gram star of 4"  # restyle's paired gap, 95 % interval
RESTYLE_GAP_METRICS = ("as_target", "as_source", "chords_kept", "in_key")


def _reference(style: str, windows: list[Window]) -> dict[str, object]:
    real = [{c: list(w.score.track(c[0]).starting_in(*w.bar_ticks(c[1]))) for c in w.fill} for w in windows]
    in_key = [note_metrics(w, cells)["in_key"] for w, cells in zip(windows, real, strict=True)]
    return {"style": style, "system": "(real bars)", "in_key": statistics.mean(in_key) if in_key else None}


COLUMNS = ("style", "system", "bits/token", "onset_f1", "pch_overlap", "in_key", "density_err", "polyphony_err",
           "out_of_range", "chord_match")


RESTYLE_COLUMNS = ("style", "system", "as_target", "as_source", "chords_kept", "in_key")


def _table(rows: list[dict[str, object]], columns: tuple[str, ...]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [row.get(c) for c in columns]
        lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else ("" if v is None else str(v))
                                       for v in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
