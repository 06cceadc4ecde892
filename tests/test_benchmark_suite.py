"""``python -m benchmarks`` runs benchmarks in child processes and prints one table (shape only: no timings).

The io benchmark is the fast one; a missing checkpoint shows how a benchmark that
cannot run is reported (skipped, with the reason) instead of crashing the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["benchmark", "measurement", "value", "unit", "goal", "met?"]


def run_suite(*args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_quick_io_prints_one_table_with_goals_and_conditions(tmp_path: Path) -> None:
    out = run_suite("--quick", "--only", "io", "--model", str(tmp_path / "none"), "--only", "model")
    lines = out.splitlines()
    assert lines[0].split() == HEADER
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = lines[2 : lines.index("")]
    io_rows = [r for r in rows if r.startswith("io ")]
    assert len(io_rows) == 6
    import_row = next(r for r in io_rows if "MIDI import, typical song" in r)
    value, unit, goal_op, goal, met = import_row.split()[-5:]
    assert float(value.replace(",", "")) > 0 and unit == "ms" and (goal_op, goal) == ("<=", "30")
    assert met in ("yes", "NO")
    assert any("101,871 notes" in r and "<= 1,500" in r for r in io_rows)  # the tiled large file, its goal
    (model_row,) = [r for r in rows if r.startswith("model ")]
    assert "skipped: no checkpoint at" in model_row and "none.safetensors" in model_row
    notes = "\n".join(lines[lines.index("") + 1 :])
    for condition in ("date:", "command: python -m benchmarks --quick", "machine:", "logical CPUs",
                      "load average (1, 5, 15 min) before:", "after:", "songs: 3 POP909 songs in tests/data/pop909",
                      "io ("):
        assert condition in notes, condition


def test_markdown_table_and_unknown_names(tmp_path: Path) -> None:
    out = run_suite("--only", "model", "--model", str(tmp_path / "none"), "--markdown")
    lines = out.splitlines()
    assert lines[0] == "| " + " | ".join(HEADER) + " |"
    assert lines[1].count("|") == 7 and set(lines[1]) <= set("|-: ")
    assert lines[2].startswith("| model | - |") and "skipped: no checkpoint" in lines[2]
    assert any(line.startswith("- machine: ") for line in lines)
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "nonsense"], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert done.returncode != 0 and "unknown benchmark nonsense" in done.stderr


def test_training_benchmark_times_real_batches_in_each_precision() -> None:
    """bench_training runs composer-train's step on examples cut from the test songs and prints tokens/s."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_training.py"), "--size", "tiny",
                           "--steps", "1", "--batch", "2", "--threads", "1"], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {line.rsplit(None, 2)[0].strip(): float(line.split()[-2])
            for line in done.stdout.splitlines() if line.startswith(("training speed", "  --bf16"))}
    assert rows["training speed, fp32"] > 0
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    native = "avx512_bf16" in cpuinfo or "amx_bf16" in cpuinfo
    assert ("training speed, --bf16" in rows) == native
    assert "--size tiny, batch 2, median of 1 steps" in done.stdout
