"""``composer-cli``: the headless front end (inspect, convert and render files).

Exit status: 0 on success, 1 when a file cannot be read or written (the
message says why), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from composer.errors import ComposerError
from composer.general_midi import instrument_name
from composer.import_report import ImportReport
from composer.pitch import pitch_name
from composer.score import Score
from composer.score_files import LoadedFile, load_file, save_file


def main(argv: Sequence[str] | None = None) -> int:
    parser, _ = make_parser()
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; a file or model problem is a message and status 1, never a traceback."""
    try:
        return int(args.run(args))
    except ComposerError as exc:
        print(f"composer-cli: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"composer-cli: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1


def make_parser() -> tuple[argparse.ArgumentParser, Any]:
    """The parser and its sub-command group, which models.cli extends with the AI commands."""
    parser = argparse.ArgumentParser(prog="composer-cli", description="Composer Studio on the command line.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    info = sub.add_parser("info", help="show tracks, instruments, bars, tempo, key and notes of a file")
    info.add_argument("file", type=Path, help="MIDI, MusicXML or project file")
    info.add_argument("--json", action="store_true", help="print machine-readable JSON")
    info.set_defaults(run=_info)
    convert = sub.add_parser("convert", help="convert between MIDI, MusicXML (in only) and project files")
    convert.add_argument("input", type=Path, help="MIDI, MusicXML or project file")
    convert.add_argument("output", type=Path, help=".mid or .csproj.json")
    convert.add_argument("-q", "--quiet", action="store_true", help="do not print the import report")
    convert.set_defaults(run=_convert)
    render = sub.add_parser("render", help="render audio (WAV) through the built-in General MIDI synth")
    render.add_argument("input", type=Path, help="MIDI, MusicXML or project file")
    render.add_argument("output", type=Path, help=".wav file to write")
    render.add_argument("--start-bar", type=int, default=1, help="first bar to render (1-based)")
    render.add_argument("--end-bar", type=int, help="last bar to render (inclusive; default: the end)")
    render.add_argument("--soundfont", type=Path, help=".sf2/.sf3 SoundFont (default: the bundled GM one)")
    render.set_defaults(run=_render)
    return parser, sub


def _info(args: argparse.Namespace) -> int:
    loaded = load_file(args.file)
    summary = summarize(loaded)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(_format_summary(args.file, summary))
    return 0


def _convert(args: argparse.Namespace) -> int:
    loaded = load_file(args.input)
    save_file(args.output, loaded.score, loaded.app_state)
    if not args.quiet:
        _print_report(loaded.report, sys.stderr)
        print(f"wrote {args.output} ({loaded.score.note_count} notes, {len(loaded.score.tracks)} tracks)",
              file=sys.stderr)
    return 0


def _render(args: argparse.Namespace) -> int:
    from composer.synth import export_wav  # noqa: PLC0415 - numpy and FluidSynth only when rendering

    if args.output.suffix.lower() != ".wav":
        raise ComposerError(f"{args.output}: audio is written as WAV; name the output .wav")
    score = load_file(args.input).score
    sigs = score.time_signatures
    last_bar = score.bar_count if args.end_bar is None else args.end_bar
    if not 1 <= args.start_bar <= last_bar:
        raise ComposerError(f"bars {args.start_bar}..{last_bar} are not a range of this {score.bar_count}-bar piece")
    start, end = sigs.bar_start(args.start_bar - 1), sigs.bar_start(last_bar)
    progress = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    seconds = export_wav(score, args.output, start, end, soundfont=args.soundfont, progress=progress)
    print(f"\rwrote {args.output} ({seconds:.1f} s of audio)", file=sys.stderr)
    return 0


class _ProgressBar:
    """A one-line text progress bar for a terminal."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.shown = -1

    def __call__(self, fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != self.shown:
            self.shown = percent
            filled = percent // 4
            self.stream.write(f"\rrendering [{'#' * filled}{'.' * (25 - filled)}] {percent:3d}%")
            self.stream.flush()


def summarize(loaded: LoadedFile) -> dict[str, Any]:
    """The facts ``info`` shows, as plain data."""
    score = loaded.score
    return {
        "kind": loaded.kind,
        "title": score.title,
        "bars": score.bar_count,
        "seconds": round(score.duration_seconds, 3),
        "notes": score.note_count,
        "tempo": [{"bar_beat": _where(score, c.tick), "bpm": round(c.bpm, 3)} for c in score.tempo_map],
        "time_signatures": [{"bar_beat": _where(score, c.tick), "value": str(c)} for c in score.time_signatures],
        "keys": [{"bar_beat": _where(score, c.tick), "key": c.key.name} for c in score.key_map],
        "tracks": [_track_summary(score, i) for i in range(len(score.tracks))],
        "repairs": loaded.report.lines(),
    }


def _where(score: Score, tick: int) -> str:
    position = score.time_signatures.position(tick)
    return f"{position.bar + 1}.{position.beat + 1}"


def _track_summary(score: Score, index: int) -> dict[str, Any]:
    track = score.tracks[index]
    pitches = [n.pitch for n in track.notes]
    return {
        "name": track.name,
        "instrument": instrument_name(track.program, track.is_drum),
        "program": track.program,
        "drums": track.is_drum,
        "channel": track.channel + 1,
        "notes": len(track.notes),
        "range": f"{pitch_name(min(pitches))}-{pitch_name(max(pitches))}" if pitches else "",
    }


def _format_summary(path: Path, s: dict[str, Any]) -> str:
    minutes, seconds = divmod(s["seconds"], 60)
    lines = [
        f"File:            {path} ({s['kind']})",
        f"Title:           {s['title'] or '(none)'}",
        f"Length:          {s['bars']} bars, {int(minutes)}:{seconds:04.1f}",
        f"Tempo:           {_changes(s['tempo'], _bpm_text)}",
        f"Time signature:  {_changes(s['time_signatures'], lambda c: c['value'])}",
        f"Key:             {_changes(s['keys'], lambda c: c['key'])}",
        f"Notes:           {s['notes']} in {len(s['tracks'])} tracks",
        "",
        f"  {'#':>2}  {'Track':<24} {'Instrument':<26} {'Ch':>2} {'Notes':>6}  Range",
    ]
    for i, t in enumerate(s["tracks"], 1):
        lines.append(f"  {i:>2}  {t['name'][:24]:<24} {t['instrument'][:26]:<26} {t['channel']:>2} "
                     f"{t['notes']:>6}  {t['range']}")
    if s["repairs"]:
        lines += ["", "Import report:", *(f"  - {r}" for r in s["repairs"])]
    return "\n".join(lines)


def _bpm_text(change: dict[str, Any]) -> str:
    return f"{change['bpm']:g} BPM"


def _changes(changes: list[dict[str, Any]], fmt: Any) -> str:
    first = fmt(changes[0])
    if len(changes) == 1:
        return first
    rest = ", ".join(f"{fmt(c)} at {c['bar_beat']}" for c in changes[1:6])
    more = f", ... ({len(changes) - 6} more)" if len(changes) > 6 else ""
    return f"{first}; then {rest}{more}"


def _print_report(report: ImportReport, stream: Any) -> None:
    lines = report.lines()
    if lines:
        print("Import report:", file=stream)
        for line in lines:
            print(f"  - {line}", file=stream)


if __name__ == "__main__":
    sys.exit(main())
