"""Loss curves: a run's log.csv drawn as SVG, resumed steps counted once, bad rows skipped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from models import loss_curve

NS = {"svg": "http://www.w3.org/2000/svg"}


def _log(folder: Path) -> None:
    rows = ["step,loss,lr,tokens_per_s,minutes,valid_loss,valid_fill_bits_per_token"]
    rows += [f"{s},{3.0 - s * 0.1},1e-4,100,{s},," for s in range(1, 11)]
    rows[5] = "5,2.5,1e-4,100,5,2.7,3.1"  # validated at step 5
    rows += ["9,1.5,1e-4,100,9,,", "10,1.4,1e-4,100,10,1.6,2.0"]  # resumed after a save at step 8
    rows += ["11,2.0"]  # cut short by a crash
    (folder / "log.csv").write_text("\n".join(rows) + "\n")


def test_log_reads_steps_once_with_the_later_row_winning(tmp_path: Path) -> None:
    _log(tmp_path)
    train, valid = loss_curve.read_log(tmp_path / "log.csv")
    assert [s for s, _ in train] == list(range(1, 12))
    assert dict(train)[9] == 1.5 and dict(train)[10] == 1.4
    assert valid == [(5, 2.7), (10, 1.6)]


def test_the_svg_has_every_step_and_the_validation_dots(tmp_path: Path) -> None:
    _log(tmp_path)
    assert loss_curve.main([str(tmp_path)]) == 0
    root = ET.parse(tmp_path / "loss.svg").getroot()
    raw = root.find("svg:polyline[@class='train']", NS)
    assert raw is not None and len(raw.get("points", "").split()) == 11
    dots = root.findall("svg:circle[@class='valid']", NS)
    assert len(dots) == 2
    heights = [float(d.get("cy", 0)) for d in dots]
    assert heights[1] > heights[0]  # lower loss sits lower on the chart (SVG y grows downwards)


def test_an_empty_or_missing_log_is_a_message(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert loss_curve.main([str(tmp_path / "nothing")]) == 1
    (tmp_path / "log.csv").write_text("step,loss\n")
    assert loss_curve.main([str(tmp_path)]) == 1
    assert "cannot draw" in capsys.readouterr().err
