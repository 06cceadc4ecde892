"""Loss curves of a training run as an SVG (no plotting library needed; any browser shows it).

    python -m models.loss_curve runs/base            # writes runs/base/loss.svg
    python -m models.loss_curve runs/base -o curve.svg

Reads the run's ``log.csv``: the training loss per step (faint) with its moving average,
and the validation loss (dots), both in nats per token, over the step axis. Training
rewrites ``loss.svg`` beside the log at every save, so a long run can be watched.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

WIDTH, HEIGHT, MARGIN = 720, 360, 48


def read_log(path: Path) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """(step, training loss) and (step, validation loss) pairs from a run's log.csv, by step. A resumed
    run logs again the steps after its last save; the later row of a step wins."""
    train: dict[int, float] = {}
    valid: dict[int, float] = {}
    with path.open(newline="") as f:
        for row in csv.DictReader(f):
            try:
                step = int(row["step"])
                train[step] = float(row["loss"])
                if row.get("valid_loss"):
                    valid[step] = float(row["valid_loss"])
            except (KeyError, TypeError, ValueError):
                continue  # a row cut short by a crash mid-write
    return sorted(train.items()), sorted(valid.items())


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """The mean of the last ``window`` values at each point (fewer at the start)."""
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def svg(train: list[tuple[int, float]], valid: list[tuple[int, float]], title: str) -> str:
    """The chart: steps across, loss up (nats per token)."""
    if not train:
        raise ValueError("the log has no training rows yet")
    steps = [s for s, _ in train]
    losses = [v for _, v in train]
    smooth = moving_average(losses, max(1, len(losses) // 20))
    x0, x1 = min(steps), max(max(steps), min(steps) + 1)
    values = [*smooth, *(v for _, v in valid)]
    y0, y1 = min(values) * 0.95, max(values) * 1.05

    def x(step: float) -> float:
        return MARGIN + (step - x0) / (x1 - x0) * (WIDTH - 2 * MARGIN)

    def y(value: float) -> float:
        clipped = min(max(value, y0), y1)
        return HEIGHT - MARGIN - (clipped - y0) / (y1 - y0) * (HEIGHT - 2 * MARGIN)

    def line(points: list[tuple[float, float]], style: str) -> str:
        coords = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in points)
        return f'<polyline fill="none" {style} points="{coords}"/>'

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" '
        'font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{MARGIN}" y="20" font-size="14">{_escape(title)}</text>',
        line(train, 'stroke="#9ecae1" stroke-width="1" stroke-opacity="0.4" class="train"'),
        line(list(zip(steps, smooth, strict=True)), 'stroke="#08519c" stroke-width="2" class="smooth"'),
    ]
    parts += [f'<circle class="valid" cx="{x(s):.1f}" cy="{y(v):.1f}" r="4" fill="#d94801"/>' for s, v in valid]
    for i in range(5):  # axis labels
        value = y0 + (y1 - y0) * i / 4
        step = x0 + (x1 - x0) * i / 4
        parts.append(f'<text x="4" y="{y(value) + 4:.1f}">{value:.2f}</text>')
        parts.append(f'<text x="{x(step) - 12:.1f}" y="{HEIGHT - 20}">{step:.0f}</text>')
    parts.append(f'<text x="{MARGIN}" y="{MARGIN - 12}">loss (nats/token) by step: training (faint; dark: '
                 'moving average), validation (dots)</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write(run: Path, out: Path | None = None) -> Path:
    """Draw ``run``'s log.csv to ``out`` (default: loss.svg in the run folder), written atomically."""
    train, valid = read_log(run / "log.csv")
    target = out or run / "loss.svg"
    tmp = target.with_suffix(".svg.tmp")
    tmp.write_text(svg(train, valid, f"{run.name}: {len(train)} steps"), encoding="utf-8")
    tmp.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="run folder (holds log.csv)")
    parser.add_argument("-o", "--output", type=Path, help="SVG to write (default: RUN/loss.svg)")
    args = parser.parse_args(argv)
    try:
        print(write(args.run, args.output))
    except (OSError, ValueError) as error:
        print(f"cannot draw {args.run}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
