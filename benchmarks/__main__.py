"""Run every benchmark, each in a fresh process, and print one table with the goals beside.

    python -m benchmarks [--pop909 DIR] [--model CHECKPOINT] [--quick] [--only NAME[,NAME]] [--markdown]

A fresh process per benchmark keeps start-up times and peak memory (RSS) clean of the
others; the child runs the benchmark's ``measure(args)`` and hands its measurements
back as JSON. A benchmark that cannot run here (no audio server, no torch, no
checkpoint) is listed as skipped with the reason. The conditions (machine, load
average before and after, songs used) are printed under the table, because every
number on a shared or busy machine depends on them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measurement import Measurement

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
DEFAULT_MODEL = ROOT / "models" / "checkpoints" / "default"
TEST_SONGS = ROOT / "tests" / "data" / "pop909"
CHILD = "--child"


@dataclass(frozen=True)
class Data:
    """The songs the benchmarks use, and how to describe them in the conditions."""

    folder: Path  # POP909 songs as NNN/NNN.mid or NNN.mid
    song: Path  # one song for render and model latency
    description: str


@dataclass(frozen=True)
class Bench:
    name: str  # what --only takes
    module: str  # the script in benchmarks/, without .py
    options: Callable[[argparse.Namespace, Data], dict[str, Any]]  # command-line options (those it knows are used)
    needs: tuple[str, ...] = ()  # importable modules it cannot run without
    check: Callable[[argparse.Namespace], str | None] = lambda _args: None  # why it cannot run, or None


def _runs(args: argparse.Namespace, quick: int, full: int) -> int:
    return quick if args.quick else full


def _no_checkpoint(args: argparse.Namespace) -> str | None:
    weights = Path(args.model).with_suffix(".safetensors")
    return None if weights.is_file() else f"no checkpoint at {weights}"


BENCHES: tuple[Bench, ...] = (
    Bench("io", "bench_io", lambda a, d: {"--pop909": d.folder, "--songs": _runs(a, 2, 4), "--runs": _runs(a, 3, 7)}),
    Bench("pianoroll", "bench_pianoroll", lambda a, d: {"--runs": _runs(a, 10, 60)}),
    Bench("startup", "bench_startup", lambda a, d: {"--runs": _runs(a, 2, 5)}),
    Bench("render", "bench_render", lambda a, d: {"--song": d.song, "--runs": _runs(a, 1, 3)}),
    Bench("playback", "bench_playback", lambda a, d: {"--runs": _runs(a, 5, 20)}),
    Bench("recovery", "bench_recovery", lambda a, d: {"--runs": _runs(a, 2, 5)}),
    Bench("model", "bench_model", lambda a, d: {"--model": a.model, "--song": d.song, "--runs": _runs(a, 2, 5)},
          needs=("torch",), check=_no_checkpoint),
    Bench("assistant_gui", "bench_assistant_gui",
          lambda a, d: {"--model": a.model, "--runs": _runs(a, 1, 3)},  # on its own song: the demo, as users see it
          needs=("torch",), check=_no_checkpoint),
    Bench("training", "bench_training", lambda a, d: {"--pop909": d.folder, "--steps": _runs(a, 4, 12)},
          needs=("torch",)),
)


@dataclass
class Outcome:
    bench: Bench
    measurements: list[Measurement] = field(default_factory=list)
    skipped: str | None = None  # why it did not run
    error: str | None = None  # why it failed
    seconds: float = 0.0


# --- the child: one benchmark in its own process ---------------------------------------------------------------------


def _namespace(module: Any, options: dict[str, Any]) -> argparse.Namespace:
    """The benchmark's own parsed arguments: the suite's options it knows, its defaults for the rest."""
    make_parser = getattr(module, "make_parser", None)
    if make_parser is None:  # a benchmark without a parser takes the options as attributes
        return argparse.Namespace(**{k.lstrip("-").replace("-", "_"): v for k, v in options.items()})
    argv: list[str] = []
    for flag, value in options.items():
        if value is True:
            argv.append(flag)
        elif value is not False and value is not None:
            argv += [flag, str(value)]
    args, _unknown = make_parser().parse_known_args(argv)
    return args


def run_child(module_name: str, result: Path, options: dict[str, Any]) -> None:
    """Import one benchmark (as its script would see its neighbours), measure, write the outcome as JSON."""
    sys.path[:0] = [str(HERE), str(ROOT)]
    out: dict[str, Any] = {"measurements": [], "skipped": None, "error": None}
    try:
        module = importlib.import_module(module_name)
        out["measurements"] = [dataclasses.asdict(m) for m in module.measure(_namespace(module, options))]
    except ModuleNotFoundError as exc:
        out["skipped"] = f"needs the {exc.name} module"
    except SystemExit as exc:  # how the benchmarks say "cannot run here" (no files, no audio output)
        if isinstance(exc.code, str):
            out["skipped"] = exc.code
        else:
            out["error"] = f"exited with status {exc.code}"
    except Exception as exc:  # reported in the table; the other benchmarks still run
        out["error"] = f"{type(exc).__name__}: {exc}"
    result.write_text(json.dumps(out))


# --- the parent: run each, collect, print ----------------------------------------------------------------------------


def find_data(pop909: Path | None) -> Data:
    if pop909 is None:
        songs = sorted(TEST_SONGS.glob("*.mid"))
        return Data(TEST_SONGS, songs[0], f"{len(songs)} POP909 songs in tests/data/pop909 (pass --pop909 for more)")
    songs = sorted(pop909.glob("*/*.mid")) or sorted(pop909.glob("*.mid"))
    if not songs:
        raise SystemExit(f"no .mid files in {pop909} or its subfolders")
    return Data(pop909, songs[0], f"{len(songs)} POP909 songs in {pop909}")


def _child_env() -> dict[str, str]:
    """This checkout's code first on the path; Qt offscreen where no display is set."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def run_bench(bench: Bench, args: argparse.Namespace, data: Data) -> Outcome:
    if not (HERE / f"{bench.module}.py").is_file():
        return Outcome(bench, skipped=f"not available (benchmarks/{bench.module}.py does not exist yet)")
    for module in bench.needs:
        if importlib.util.find_spec(module) is None:
            return Outcome(bench, skipped=f"needs the {module} module")
    reason = bench.check(args)
    if reason:
        return Outcome(bench, skipped=reason)
    options = {k: str(v) if isinstance(v, Path) else v for k, v in bench.options(args, data).items()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        command = [sys.executable, "-m", "benchmarks", CHILD, bench.module, str(result), json.dumps(options)]
        try:
            process = subprocess.run(command, cwd=ROOT, env=_child_env(), capture_output=True, text=True,
                                     timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return Outcome(bench, error=f"timed out after {args.timeout} s", seconds=args.timeout)
        seconds = time.perf_counter() - started
        if not result.is_file():
            last = (process.stderr.strip().splitlines() or [f"exit status {process.returncode}"])[-1]
            return Outcome(bench, error=f"the benchmark process died: {last}", seconds=seconds)
        found = json.loads(result.read_text())
    return Outcome(bench, [Measurement(**m) for m in found["measurements"]], found["skipped"], found["error"], seconds)


def _number(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def _goal(m: Measurement) -> str:
    return "" if m.goal is None else f"{'<=' if m.lower_is_better else '>='} {_number(m.goal)}"


def table_rows(outcomes: list[Outcome]) -> list[tuple[str, str, str, str, str, str]]:
    """benchmark, measurement, value, unit, goal, met? for every measurement (or one row saying why none)."""
    rows = []
    for o in outcomes:
        if o.skipped or o.error:
            rows.append((o.bench.name, "-", "", "", "", f"skipped: {o.skipped}" if o.skipped else f"ERROR: {o.error}"))
        for m in o.measurements:
            met = {True: "yes", False: "NO", None: ""}[m.meets_goal]
            rows.append((o.bench.name, m.name, _number(m.value), m.unit, _goal(m), met))
    return rows


HEADER = ("benchmark", "measurement", "value", "unit", "goal", "met?")


def conditions(args: argparse.Namespace, data: Data, load_before: tuple[float, ...], load_after: tuple[float, ...],
               outcomes: list[Outcome]) -> list[str]:
    loads = "{:.2f} {:.2f} {:.2f}"
    lines = [
        f"date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"command: python -m benchmarks {shlex.join(sys.argv[1:])}".rstrip(),
        f"machine: {cpu_model()}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        f"load average (1, 5, 15 min) before: {loads.format(*load_before)}, after: {loads.format(*load_after)}",
        f"songs: {data.description}; render and model use {data.song.name}, assistant_gui the demo song",
    ]
    if any(o.bench.name in ("model", "assistant_gui") and not o.skipped for o in outcomes):
        lines.append(f"model: {args.model}")
    for o in outcomes:
        notes = list(dict.fromkeys(m.note for m in o.measurements if m.note))
        if notes:
            lines.append(f"{o.bench.name} ({o.seconds:.0f} s): {'; '.join(notes)}")
    return lines


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def format_text(rows: list[tuple[str, ...]], notes: list[str]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    right = {2, 4}  # values and goals line up on the right

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                                  strict=True)))
    out = [line(HEADER).rstrip(), "  ".join("-" * w for w in widths), *(line(r).rstrip() for r in rows), ""]
    return "\n".join(out + notes)


def format_markdown(rows: list[tuple[str, ...]], notes: list[str]) -> str:
    def escape(cell: str) -> str:
        return cell.replace("|", "\\|")

    out = ["| " + " | ".join(HEADER) + " |", "| --- | --- | ---: | --- | ---: | --- |"]
    out += ["| " + " | ".join(escape(c) for c in r) + " |" for r in rows]
    return "\n".join([*out, "", *(f"- {n}" for n in notes)])


def make_parser() -> argparse.ArgumentParser:
    names = ", ".join(b.name for b in BENCHES)
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pop909", type=Path, help="folder of POP909 songs (default: the few in tests/data/pop909)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="checkpoint stem (default: the shipped one)")
    parser.add_argument("--quick", action="store_true", help="fewer runs: a smoke check, not numbers to quote")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help=f"run only these ({names})")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one benchmark may take")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD]:
        run_child(argv[1], Path(argv[2]), json.loads(argv[3]))
        return 0
    args = make_parser().parse_args(argv)
    wanted = {name.strip() for item in args.only for name in item.split(",") if name.strip()}
    unknown = wanted - {b.name for b in BENCHES}
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(sorted(unknown))}; known: {', '.join(b.name for b in BENCHES)}")
    data = find_data(args.pop909)
    load_before = os.getloadavg()
    outcomes = []
    for bench in BENCHES:
        if wanted and bench.name not in wanted:
            continue
        print(f"running {bench.name} ...", file=sys.stderr, flush=True)
        outcomes.append(run_bench(bench, args, data))
    notes = conditions(args, data, load_before, os.getloadavg(), outcomes)
    rows = table_rows(outcomes)
    print(format_markdown(rows, notes) if args.markdown else format_text(rows, notes))
    return 1 if any(o.error for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
