"""Shared test setup: Qt must run without a display (CI and developers' machines have none)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
