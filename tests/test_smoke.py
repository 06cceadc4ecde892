"""``composer-studio --smoke-test`` in a fresh process, as a packager or CI runs it on an install:
the demo opens, the shipped model generates one candidate, one second of audio renders, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_smoke(*extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run([sys.executable, "-m", "ui.app", "--smoke-test", *extra], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_smoke_test_opens_the_demo_generates_and_renders() -> None:
    done = run_smoke()
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    steps = ["smoke: window shown (offscreen platform)", "smoke: opened demo.mid: 3 tracks",
             "smoke: model default", "smoke: filled bar 2 of", "smoke: rendered 1.00 s of audio",
             "smoke test passed in"]
    assert len(lines) == len(steps), done.stdout
    for line, start in zip(lines, steps, strict=True):
        assert line.startswith(start), done.stdout
    assert "1 candidate" in lines[3]


def test_smoke_test_fails_loudly_without_a_soundfont(tmp_path: Path) -> None:
    """A broken install must not pass: with the SoundFont unreadable the render step fails, exit 1."""
    sitecustomize = tmp_path / "sitecustomize.py"
    sitecustomize.write_text(
        "from pathlib import Path\n"
        "import composer.synth\n"
        f"composer.synth.default_soundfont = lambda: Path({str(tmp_path / 'missing.sf2')!r})\n"
    )
    path = os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])
    done = run_smoke(env={"PYTHONPATH": path})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "smoke test FAILED" in done.stderr and "missing.sf2" in done.stderr
    assert "smoke test passed" not in done.stdout
