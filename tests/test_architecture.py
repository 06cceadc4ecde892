"""The layer rule of ARCHITECTURE.md, enforced on the sources so it cannot drift.

composer/ (pure) imports no Qt, no torch, and neither ui nor models; models/ imports no
Qt and not ui; ui/ never imports training code. Imports are found anywhere in a file,
including inside functions and through importlib, because a lazy import still drags
the dependency into the layer.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QT = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "pyqtgraph")

RULES = {
    "composer": (*QT, "torch", "ui", "models"),
    "models": (*QT, "ui"),
}


def imported_modules(source: str, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, a file of package ``package``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb from the file's package
                parts = package.split(".")
                parent = parts[: max(len(parts) - (node.level - 1), 0)]
                base = ".".join([*parent, base] if base else parent)
            yield node.lineno, base
            for alias in node.names:  # `from models import train` imports models.train
                yield node.lineno, f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def violations(package: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """Every import of a ``forbidden`` module (or a submodule of one) in the sources of ``package``."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root)
        file_package = ".".join(rel.parent.parts)
        for line, name in imported_modules(path.read_text(encoding="utf-8"), file_package):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{rel.as_posix()}:{line} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(RULES))
def test_layer_imports(package: str) -> None:
    if not (ROOT / package).is_dir():
        pytest.skip(f"{package}/ does not exist yet")
    assert violations(package, RULES[package]) == []


def test_ui_never_imports_training_code() -> None:
    if not ((ROOT / "models" / "train.py").exists() or (ROOT / "models" / "train").is_dir()):
        pytest.skip("models/train does not exist yet")
    assert violations("ui", ("models.train",)) == []


def test_scanner_sees_every_form_of_import() -> None:
    """The rule is only as good as the scanner: every way of importing must be caught."""
    source = """
import numpy
import torch.nn as nn
from PySide6.QtCore import QObject
from models import train
from . import sibling
from ..ui import app

def later():
    import pyqtgraph
    importlib.import_module("shiboken6")
    __import__("PyQt6.QtWidgets")
"""
    names = {name for _, name in imported_modules(source, "composer.sub")}
    assert {"torch.nn", "PySide6.QtCore", "models.train", "pyqtgraph", "shiboken6", "PyQt6.QtWidgets"} <= names
    assert {"composer.sub", "composer.sub.sibling", "composer.ui.app"} <= names
    assert "numpy" in names


def test_violations_reports_a_forbidden_import(tmp_path: Path) -> None:
    pkg = tmp_path / "composer" / "inner"
    pkg.mkdir(parents=True)
    (pkg / "bad.py").write_text("import numpy\n\ndef f():\n    from PySide6 import QtCore\n")
    assert violations("composer", RULES["composer"], root=tmp_path) == [
        "composer/inner/bad.py:4 imports PySide6",
        "composer/inner/bad.py:4 imports PySide6.QtCore",
    ]
