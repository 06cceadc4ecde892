"""The desktop app (PySide6): the composition root that wires documents, views, playback and the model worker.

Only this package imports Qt. It may import ``composer`` and ``models``; neither imports it.
"""
