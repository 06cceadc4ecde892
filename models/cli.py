"""``composer-cli``: the file commands of :mod:`composer.cli` plus the assistant's
fill, vary, restyle and continue, through the same API the app uses.

    composer-cli fill song.mid --tracks 1 --bars 5-8 -n 4 -o filled.mid

With ``-n`` above one, candidates go to ``OUT-A.mid``, ``OUT-B.mid``, ...; the model
loads on CUDA when present, else the CPU. torch is imported only by these commands,
so the file commands stay fast and work without it.
"""

from __future__ import annotations

import argparse
import string
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from composer.cli import make_parser, run
from composer.errors import ComposerError
from composer.region import Region
from composer.score import Score
from composer.score_files import load_file, save_file
from composer.tokens import BarControls
from models.defaults import DEFAULT_TEMPERATURE, RESTYLE_GUIDANCE, RESTYLE_KEEP

DEFAULT_MODEL = Path(__file__).parent / "checkpoints" / "default"


def main(argv: Sequence[str] | None = None) -> int:
    parser, sub = make_parser()
    add_commands(sub)
    return run(parser.parse_args(argv))


def add_commands(sub: Any) -> None:
    fill = _command(sub, "fill", "write new bars in a region (infill)")
    fill.add_argument("--density", type=int, choices=range(8), help="notes per bar, as a bin 0..7")
    fill.add_argument("--range", help="pitch range LOW-HIGH (MIDI numbers)")
    _harmony_switch(fill)
    _command(sub, "vary", "vary the bars of a region").add_argument(
        "--amount", type=float, default=0.5, help="0: close to the original .. 1: free")
    _command(sub, "restyle", "rewrite a region in another style").add_argument(
        "--keep", default=",".join(RESTYLE_KEEP),
        help=f"comma list of harmony, rhythm, contour, range (default {','.join(RESTYLE_KEEP)}; '' keeps nothing)")
    _harmony_switch(_command(sub, "continue", "write new bars after the end", bars_help="how many bars to add"))


def _harmony_switch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep-harmony", action=argparse.BooleanOptionalAction, default=True,
                        help="follow the chord lane: typed chords, else the chords the other tracks make "
                             "(default on, as in the app's panel)")


def _command(
    sub: Any, name: str, help_text: str, bars_help: str = "bars FIRST-LAST (1-based, inclusive)"
) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_text)
    p.add_argument("input", type=Path, help="MIDI, MusicXML or project file")
    p.add_argument("-o", "--output", type=Path, required=True, help=".mid or .csproj.json to write")
    p.add_argument("--tracks", default="1", help="comma list of track numbers (1-based), as `info` lists them")
    p.add_argument("--bars", required=True, help=bars_help)
    p.add_argument("-n", "--candidates", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                   help=f"sampling temperature (default {DEFAULT_TEMPERATURE}; lower: safer, higher: more surprising)")
    p.add_argument("--style", help="target style (required for restyle)")
    p.add_argument("--style-strength", type=float, metavar="W",
                   help=f"how hard to follow --style (1: plain; default: {RESTYLE_GUIDANCE:g} for restyle, "
                        "1 otherwise)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="checkpoint (path without suffix)")
    p.set_defaults(run=_generate, operation=name)
    return p


def _generate(args: argparse.Namespace) -> int:
    import torch  # noqa: PLC0415 - only the AI commands need torch

    from models import checkpoint  # noqa: PLC0415
    from models.assistant import Assistant, Options, Result  # noqa: PLC0415
    from models.engine import CellDone, Engine  # noqa: PLC0415

    loaded = load_file(args.input)
    score = loaded.score
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, vocab, _ = checkpoint.load(args.model, device)
    assistant = Assistant(Engine(model, vocab))
    tracks = _track_ids(score, args.tracks)
    options = Options(args.candidates, args.seed, args.temperature, style=args.style, guidance=args.style_strength)
    started = time.perf_counter()
    try:
        events = _events(assistant, score, tracks, args, options)
        result = None
        for event in events:
            if isinstance(event, CellDone):
                print(f"  candidate {string.ascii_uppercase[event.candidate]}: bar {event.cell[1] + 1} written "
                      f"({len(event.notes)} notes)", file=sys.stderr)
            elif isinstance(event, Result):
                result = event
    except ValueError as exc:
        raise ComposerError(str(exc)) from None
    assert result is not None
    region = _region(score, tracks, args)
    for i, candidate in enumerate(result.candidates):
        edit = region.put(score, candidate, "Assistant")
        out = args.output if len(result.candidates) == 1 else args.output.with_name(
            f"{args.output.stem}-{string.ascii_uppercase[i]}{args.output.suffix}")
        save_file(out, edit.apply(score)[0], loaded.app_state)
        print(f"wrote {out}", file=sys.stderr)
    print(f"{len(result.candidates)} candidates in {time.perf_counter() - started:.2f} s on {device}", file=sys.stderr)
    return 0


def _events(assistant: Any, score: Score, tracks: tuple[int, ...], args: argparse.Namespace, options: Any) -> Any:
    if args.operation == "continue":
        return assistant.continue_(score, tracks, int(args.bars), options, keep_harmony=args.keep_harmony)
    region = _region(score, tracks, args)
    if args.operation == "fill":
        return assistant.fill(score, region, options, _fill_controls(args), keep_harmony=args.keep_harmony)
    if args.operation == "vary":
        return assistant.vary(score, region, args.amount, options)
    if not args.style:
        raise ComposerError("restyle needs --style")
    return assistant.restyle(score, region, args.style, [k.strip() for k in args.keep.split(",") if k.strip()],
                             options)


def _region(score: Score, tracks: tuple[int, ...], args: argparse.Namespace) -> Region:
    if args.operation == "continue":
        start = score.bar_count if score.end_tick else 0
        return Region(tracks, start, start + int(args.bars))
    first, _, last = args.bars.partition("-")
    try:
        start, end = int(first) - 1, int(last or first)
        return Region(tracks, start, end)
    except ValueError:
        raise ComposerError(f"--bars takes FIRST-LAST (1-based), not {args.bars!r}") from None


def _track_ids(score: Score, spec: str) -> tuple[int, ...]:
    try:
        numbers = [int(x) for x in spec.split(",") if x.strip()]
        return tuple(score.tracks[n - 1].id for n in numbers if n >= 1)
    except (ValueError, IndexError):
        raise ComposerError(f"--tracks {spec!r}: this piece has tracks 1..{len(score.tracks)}") from None


def _fill_controls(args: argparse.Namespace) -> BarControls | None:
    pitch_range = None
    if args.range:
        low, _, high = args.range.partition("-")
        pitch_range = (int(low), int(high))
    if args.density is None and pitch_range is None:
        return None
    return BarControls(density=args.density, pitch_range=pitch_range)


if __name__ == "__main__":
    sys.exit(main())
