"""Render resources/icons/composer-studio.svg to the PNG sizes desktops want (and an .ico).

Run from the repository root after editing the SVG: ``python packaging/render_icons.py``.
Qt's own SVG renderer draws offscreen, so no Inkscape or ImageMagick is needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "composer-studio.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"cannot read {SVG}", file=sys.stderr)
        return 1
    for size in SIZES:
        path = ICONS / f"composer-studio-{size}.png"
        if not render(renderer, size).save(str(path)):
            print(f"cannot write {path}", file=sys.stderr)
            return 1
        print(f"wrote {path}")
    ico = ICONS / "composer-studio.ico"  # Qt's ICO writer stores one size; 256 is what Windows scales from
    if render(renderer, 256).save(str(ico), "ICO"):
        print(f"wrote {ico}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
