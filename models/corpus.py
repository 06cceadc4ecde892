"""The training corpus: real pieces with style labels, parsed once and cached.

Sources: the music21 corpus (labelled by collection), POP909 (pop) and any folder
of the user's own MIDI files under a style name they choose. Each source file is
parsed in a worker process and its pieces are cached as one JSON-lines file
(scores in the project file's ``score`` format, no pickles), so an interrupted
build resumes where it stopped and a rebuild costs nothing.

    python -m models.corpus --music21 --pop909 PATH --midi-folder PATH:STYLE --cache data_cache/corpus

The split into train/validation/test is by piece and deterministic (a hash of the
piece id), so the same piece never lands in two splits.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from composer.errors import ComposerError
from composer.project_file import score_from_json, score_to_json
from composer.score import Score

# music21 corpus collection -> style. Collections not listed are left out: analyses (rntxt),
# theory exercises, demos, atonal pieces.
MUSIC21_STYLES = {
    "bach": "chorale",
    "palestrina": "renaissance", "josquin": "renaissance", "monteverdi": "renaissance", "trecento": "renaissance",
    "ciconia": "renaissance", "luca": "renaissance", "lusitano": "renaissance",
    "essenFolksong": "folk", "miscFolk": "folk",
    "ryansMammoth": "fiddle", "oneills1850": "fiddle", "airdsAirs": "fiddle", "nottingham-dataset": "fiddle",
    "beethoven": "classical", "mozart": "classical", "haydn": "classical", "schubert": "classical",
    "schumann_clara": "classical", "schumann_robert": "classical", "chopin": "classical", "handel": "classical",
    "corelli": "classical", "cpebach": "classical", "weber": "classical", "verdi": "classical",
    "beach": "classical", "joplin": "classical", "liliuokalani": "classical", "johnson_j_r": "classical",
}  # fmt: skip
MUSIC21_SUFFIXES = (".mxl", ".xml", ".musicxml", ".krn", ".abc")
SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Source:
    """One file to parse: where it is, what style its pieces are, and how to read it."""

    path: str
    style: str
    kind: str  # "music21" or "midi"
    id: str

    @property
    def cache_name(self) -> str:
        return hashlib.sha1(self.id.encode()).hexdigest()[:20] + ".jsonl.gz"


@dataclass(frozen=True)
class Piece:
    id: str
    style: str
    score: Score

    @property
    def split(self) -> str:
        return split_of(self.id)


def split_of(piece_id: str, validation: float = 0.05, test: float = 0.05) -> str:
    """train / validation / test by a stable hash of the piece id."""
    x = int(hashlib.sha1(piece_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if x < test else "validation" if x < test + validation else "train"


def music21_sources() -> list[Source]:
    import music21  # noqa: PLC0415 - slow: only when building

    root = Path(str(music21.corpus.getCorePaths()[0])).parents[0]
    while root.name != "corpus" and root != root.parent:
        root = root.parent
    out = []
    for path in music21.corpus.getCorePaths():
        path = Path(str(path))
        collection = path.relative_to(root).parts[0]
        style = MUSIC21_STYLES.get(collection)
        if style and path.suffix.lower() in MUSIC21_SUFFIXES:
            out.append(Source(str(path), style, "music21", f"music21:{path.relative_to(root)}"))
    return out


def midi_sources(folder: Path, style: str, prefix: str) -> list[Source]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mid", ".midi"))
    return [Source(str(p), style, "midi", f"{prefix}:{p.relative_to(folder)}") for p in files]


def parse_source(source: Source) -> tuple[list[dict], list[str]]:
    """Pieces (as JSON-ready dicts) of one file, and the problems met; never raises."""
    problems: list[str] = []
    pieces: list[dict] = []
    try:
        for i, score in enumerate(_scores(source, problems)):
            if score.note_count:
                pieces.append({"id": f"{source.id}#{i}", "style": source.style, "score": score_to_json(score)})
    except Exception as exc:  # a corpus file music21 cannot read is skipped, and said
        problems.append(f"{source.id}: {type(exc).__name__}: {exc}")
    return pieces, problems


def _scores(source: Source, problems: list[str]) -> Iterator[Score]:
    if source.kind == "midi":
        from composer.midi_import import read_midi  # noqa: PLC0415

        yield _with_beat_file(read_midi(source.path)[0], Path(source.path).with_name("beat_midi.txt"))
        return
    import music21  # noqa: PLC0415

    from composer.musicxml_import import score_from_music21  # noqa: PLC0415

    parsed = music21.converter.parse(source.path, forceSource=True, storePickle=False)
    items = list(parsed.scores) if isinstance(parsed, music21.stream.Opus) else [parsed]
    for i, item in enumerate(items):
        try:
            yield score_from_music21(item, f"{source.id}#{i}")[0]
        except ComposerError as exc:
            problems.append(str(exc))


def _with_beat_file(score: Score, beat_file: Path) -> Score:
    """The score with bar lines from a POP909-style beat file beside it, if there is one."""
    if not beat_file.exists():
        return score
    from composer.beat_grid import read_beat_file, with_annotated_meter  # noqa: PLC0415

    return with_annotated_meter(score, *read_beat_file(beat_file.read_text()))


def build(sources: list[Source], cache: Path, workers: int = 2) -> None:
    """Parse every source not yet cached, with a progress line; resumable."""
    cache.mkdir(parents=True, exist_ok=True)
    todo = interleave_styles([s for s in sources if not (cache / s.cache_name).exists()])
    print(f"corpus: {len(sources)} files, {len(sources) - len(todo)} cached, {len(todo)} to parse", file=sys.stderr)
    started, done, problems, shown = time.monotonic(), 0, 0, 0.0
    tty = sys.stderr.isatty()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(parse_source, s): s for s in todo}
        for future in as_completed(futures):
            source = futures[future]
            pieces, errors = future.result()
            _write_lines(cache / source.cache_name, pieces)
            problems += len(errors)
            for error in errors[:3]:
                print(f"  skipped: {error[:200]}", file=sys.stderr)
            done += 1
            elapsed = time.monotonic() - started
            if elapsed - shown >= (1 if tty else 30) or done == len(todo):
                shown = elapsed
                eta = elapsed / done * (len(todo) - done)
                start, end = ("\r", "") if tty else ("", "\n")
                print(f"{start}  {done}/{len(todo)} files, {problems} problems, {elapsed:.0f} s, "
                      f"about {eta:.0f} s left ", end=end, file=sys.stderr, flush=True)
    if tty:
        print(file=sys.stderr)


def interleave_styles(sources: list[Source]) -> list[Source]:
    """Round-robin over styles, so a build cut short still holds some of every style."""
    by_style: dict[str, list[Source]] = {}
    for source in sources:
        by_style.setdefault(source.style, []).append(source)
    queues = list(by_style.values())
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


def _write_lines(path: Path, pieces: list[dict]) -> None:
    tmp = path.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        for piece in pieces:
            f.write(json.dumps(piece, separators=(",", ":")) + "\n")
    os.replace(tmp, path)


def load(cache: Path, sources: list[Source] | None = None, split: str | None = None) -> Iterator[Piece]:
    """Cached pieces (of ``sources`` if given, else all), optionally of one split."""
    files = [cache / s.cache_name for s in sources] if sources is not None else sorted(cache.glob("*.jsonl.gz"))
    for file in files:
        if not file.exists():
            continue
        with gzip.open(file, "rt", encoding="utf-8") as f:
            for line in f:
                data = json.loads(line)
                if split is None or split_of(data["id"]) == split:
                    yield Piece(data["id"], data["style"], score_from_json(data["score"]))


def sources_from_args(args: argparse.Namespace) -> list[Source]:
    sources = music21_sources() if args.music21 else []
    if args.pop909:
        sources += midi_sources(Path(args.pop909), "pop", "pop909")
    for spec in args.midi_folder or []:
        folder, _, style = spec.rpartition(":")
        if not folder or not style:
            raise SystemExit(f"--midi-folder takes PATH:STYLE, not {spec!r}")
        sources += midi_sources(Path(folder), style, f"user-{style}")
    return sources


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--music21", action="store_true", help="include the music21 corpus")
    parser.add_argument("--pop909", help="POP909 folder (style pop)")
    parser.add_argument("--midi-folder", action="append", metavar="PATH:STYLE", help="your own MIDI files")
    parser.add_argument("--cache", type=Path, default=Path("data_cache/corpus"), help="parsed-piece cache folder")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_arguments(parser)
    parser.add_argument("--workers", type=int, default=max(os.cpu_count() or 1, 1))
    args = parser.parse_args(argv)
    sources = sources_from_args(args)
    if not sources:
        raise SystemExit("no sources: give --music21, --pop909 and/or --midi-folder")
    build(sources, args.cache, args.workers)
    counts: Counter[tuple[str, str]] = Counter()
    notes: Counter[str] = Counter()
    for piece in load(args.cache, sources):
        counts[(piece.style, piece.split)] += 1
        notes[piece.style] += piece.score.note_count
    print(f"{'style':<14} {'train':>7} {'valid':>7} {'test':>7} {'notes':>10}")
    for style in sorted({s for s, _ in counts}):
        print(f"{style:<14} {counts[(style, 'train')]:>7} {counts[(style, 'validation')]:>7} "
              f"{counts[(style, 'test')]:>7} {notes[style]:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
