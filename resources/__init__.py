"""Data shipped with the app (the demo song), found through ``importlib.resources``.

A package rather than a bare folder so ``pip install .`` carries it and code can locate
it without path arithmetic.
"""
