"""The shared view of one piano roll: the transform that the canvas, keyboard, ruler and
velocity lane all draw with, so scrolling or zooming one moves them all."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ui.pianoroll.transform import RollTransform


class RollViewport(QObject):
    changed = Signal(object)  # the new RollTransform

    def __init__(self, transform: RollTransform | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._transform = transform or RollTransform()

    @property
    def transform(self) -> RollTransform:
        return self._transform

    def set_transform(self, transform: RollTransform) -> None:
        if transform != self._transform:
            self._transform = transform
            self.changed.emit(transform)
