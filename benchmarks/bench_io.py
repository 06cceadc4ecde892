"""MIDI import/export speed on typical POP909 songs and on a 100,000-note file tiled from them.

    python benchmarks/bench_io.py --pop909 DIR [--songs 4] [--runs 7]

DIR holds POP909 songs as ``NNN/NNN.mid`` (the dataset's layout) or ``NNN.mid``. Needs the
project installed (``pip install -e .``).
Times are medians over ``--runs`` runs; import reads from bytes in memory, so disk
speed is not measured. Goals: typical song <= 30 ms each way, 100k notes <= 1.5 s.
Project-file save (to text) and load (from text) of the same scores are shown beside.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from measurement import Measurement

from composer.midi_export import write_midi
from composer.midi_import import read_midi
from composer.project_file import Project, dumps_project, loads_project
from composer.score import Note, Score, Track

TYPICAL_NOTES = 3_000
TYPICAL_GOAL_S = 0.030
LARGE_GOAL_S = 1.5
LARGE_NOTES = 100_000


def median_time(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def find_songs(folder: Path) -> list[Path]:
    songs = sorted(folder.glob("*/*.mid")) or sorted(folder.glob("*.mid"))
    if not songs:
        raise SystemExit(f"no .mid files in {folder} or its subfolders")
    return songs


def typical_songs(songs: list[Path], count: int) -> list[Path]:
    """The ``count`` songs among the first 100 whose note count is nearest a typical pop song's."""
    notes = {path: read_midi(path)[0].note_count for path in songs[:100]}
    return sorted(notes, key=lambda path: abs(notes[path] - TYPICAL_NOTES))[:count]


def tiled_score(songs: list[Path], notes: int) -> Score:
    """Songs one after another, track i of each song appended to track i, until ``notes`` notes."""
    parts: dict[int, tuple[Track, list[Note]]] = {}
    offset = total = 0
    while total < notes:
        for path in songs:
            score, _ = read_midi(path)
            for i, track in enumerate(score.tracks):
                parts.setdefault(i, (track, []))[1].extend(n._replace(start=n.start + offset) for n in track.notes)
            total += score.note_count
            offset += score.time_signatures.bar_start(score.bar_count)  # next song starts on a bar line
            if total >= notes:
                break
    first, _ = read_midi(songs[0])
    tracks = tuple(track.with_notes(found) for track, found in parts.values())
    return Score(tracks, first.tempo_map, first.time_signatures, first.key_map, "tiled POP909")


Row = tuple[str, int, float, float, float, float, float]


def time_file(label: str, data: bytes, runs: int, goal: float) -> Row:
    """MIDI import/export against ``goal``, and project-file save/load of the same score (no goal set)."""
    score, _ = read_midi(data)
    import_s = median_time(lambda: read_midi(data), runs)
    export_s = median_time(lambda: write_midi(score), runs)
    text = dumps_project(Project(score))
    save_s = median_time(lambda: dumps_project(Project(score)), runs)
    load_s = median_time(lambda: loads_project(text), runs)
    return label, score.note_count, import_s, export_s, goal, save_s, load_s


def print_table(rows: list[Row]) -> None:
    print(f"{'file':<28} {'notes':>7} {'import ms':>10} {'export ms':>10} {'goal ms':>8}  ok  "
          f"{'project save ms':>16} {'project load ms':>16}")
    for label, notes, import_s, export_s, goal, save_s, load_s in rows:
        ok = "yes" if max(import_s, export_s) <= goal else "NO "
        print(f"{label:<28} {notes:>7} {import_s * 1e3:>10.1f} {export_s * 1e3:>10.1f} {goal * 1e3:>8.0f}  {ok}"
              f" {save_s * 1e3:>16.1f} {load_s * 1e3:>16.1f}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pop909", type=Path, required=True, help="folder with POP909 songs")
    parser.add_argument("--songs", type=int, default=4, help="how many typical songs (near 3,000 notes) to time")
    parser.add_argument("--runs", type=int, default=7, help="runs per measurement (the median is shown)")
    return parser


def measure_rows(args: argparse.Namespace) -> list[Row]:
    """The typical songs' rows, then the tiled 100k-note file's row."""
    songs = find_songs(args.pop909)
    rows = [time_file(p.name, p.read_bytes(), args.runs, TYPICAL_GOAL_S) for p in typical_songs(songs, args.songs)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tiled_100k.mid"
        write_midi(tiled_score(songs, LARGE_NOTES), path)
        rows.append(time_file(f"{path.name} (tiled)", path.read_bytes(), max(3, args.runs // 2), LARGE_GOAL_S))
    return rows


def measure(args: argparse.Namespace) -> list[Measurement]:
    """The suite's rows: the slowest typical song each way, and the large file (python -m benchmarks)."""
    rows = measure_rows(args)
    typical, (_, large_notes, large_in, large_out, _, large_save, large_load) = rows[:-1], rows[-1]
    songs = f"{len(typical)} POP909 songs of {min(r[1] for r in typical):,}-{max(r[1] for r in typical):,} notes"
    note = f"{songs}, median of {args.runs} runs each"
    large = f"{large_notes:,} notes"
    return [
        Measurement("MIDI import, typical song (slowest)", max(r[2] for r in typical) * 1e3, "ms", 30.0, note=note),
        Measurement("MIDI export, typical song (slowest)", max(r[3] for r in typical) * 1e3, "ms", 30.0, note=note),
        Measurement(f"MIDI import, {large}", large_in * 1e3, "ms", LARGE_GOAL_S * 1e3, note="POP909 songs tiled"),
        Measurement(f"MIDI export, {large}", large_out * 1e3, "ms", LARGE_GOAL_S * 1e3),
        Measurement(f"project load, {large}", large_load * 1e3, "ms"),
        Measurement(f"project save, {large}", large_save * 1e3, "ms"),
    ]


def main(argv: list[str] | None = None) -> int:
    print_table(measure_rows(make_parser().parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
