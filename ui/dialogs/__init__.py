"""Dialogs of the main window: tempo/meter/key, title, import report, keyboard shortcuts."""
