"""One typed facade over QSettings: the only place in ui/ that reads or writes them.

QSettings hands back loosely typed values (an INI file returns "true" for True and a
plain string for a one-element list), so every value is read through a typed
property here with a default, and callers never see a QVariant. Tests pass a
QSettings on a temporary INI file, so the user's real settings are never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from composer.grid import Grid

ORGANISATION = "ComposerStudio"
APPLICATION = "Composer Studio"
MAX_RECENT = 10
JsonValue = str | int | float | bool | list | dict | None


@dataclass(frozen=True)
class AudioOutput:
    """Where playback and audio export get their sound; None everywhere means the default."""

    soundfont: Path | None = None  # a .sf2/.sf3 file; None: the bundled GM SoundFont
    driver: str | None = None  # a FluidSynth audio driver name ("pulseaudio", "file", ...); None: its default
    device: str | None = None  # the driver's device (for "file": the WAV to write); None: the default


class Settings:
    """Window layout, recent files, last folder, first start, grid, panel visibility and audio output."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else QSettings(ORGANISATION, APPLICATION)

    @classmethod
    def at_path(cls, path: str | Path) -> Settings:
        """Settings kept in one INI file at ``path`` (tests, portable installs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    @property
    def file_name(self) -> str:
        return self._store.fileName()

    def sync(self) -> None:
        """Write pending changes to disk now (QSettings otherwise writes lazily)."""
        self._store.sync()

    # window -----------------------------------------------------------------------------

    @property
    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._store.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        """Docks and toolbars, as QMainWindow.saveState() gives them."""
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._store.setValue("window/state", value)

    def panel_visible(self, name: str, default: bool = True) -> bool:
        return self._bool(f"panels/{name}", default)

    def set_panel_visible(self, name: str, visible: bool) -> None:
        self._store.setValue(f"panels/{name}", visible)

    # files ------------------------------------------------------------------------------

    @property
    def recent_files(self) -> list[Path]:
        """Most recent first; files that no longer exist are dropped (and forgotten)."""
        stored = self._strings("files/recent")
        existing = [p for p in (Path(s) for s in stored) if p.is_file()][:MAX_RECENT]
        if len(existing) != len(stored):
            self._set_recent(existing)
        return existing

    def add_recent(self, path: str | Path) -> None:
        """Put ``path`` first, without duplicates, keeping at most MAX_RECENT."""
        new = Path(path).resolve()
        self._set_recent([new, *(p for p in self.recent_files if p != new)][:MAX_RECENT])

    def remove_recent(self, path: str | Path) -> None:
        gone = Path(path).resolve()
        self._set_recent([p for p in self.recent_files if p != gone])

    def clear_recent(self) -> None:
        self._set_recent([])

    @property
    def last_directory(self) -> Path | None:
        """Where the last file was opened or saved, if it still exists."""
        text = self._string("files/last_directory")
        return Path(text) if text and Path(text).is_dir() else None

    @last_directory.setter
    def last_directory(self, value: str | Path) -> None:
        self._store.setValue("files/last_directory", str(value))

    # editor -----------------------------------------------------------------------------

    @property
    def first_start_done(self) -> bool:
        return self._bool("app/first_start_done", False)

    @first_start_done.setter
    def first_start_done(self, value: bool) -> None:
        self._store.setValue("app/first_start_done", bool(value))

    @property
    def grid(self) -> Grid:
        """The last snap grid chosen (1/16 when unset or unreadable)."""
        try:
            return Grid.parse(self._string("editor/grid") or "1/16")
        except ValueError:
            return Grid(16)

    @grid.setter
    def grid(self, value: Grid) -> None:
        self._store.setValue("editor/grid", str(value))

    @property
    def chord_lane_per_bar(self) -> bool:
        """The chord lane shows one chord per bar (True) or per beat (its visibility: ``panel_visible``)."""
        return self._bool("editor/chord_lane_per_bar", False)

    @chord_lane_per_bar.setter
    def chord_lane_per_bar(self, value: bool) -> None:
        self._store.setValue("editor/chord_lane_per_bar", bool(value))

    # audio ------------------------------------------------------------------------------

    @property
    def audio_output(self) -> AudioOutput:
        """The chosen SoundFont, driver and device (Edit > Preferences); empty values read as None."""
        soundfont = self._string("audio/soundfont")
        return AudioOutput(
            Path(soundfont) if soundfont else None,
            self._string("audio/driver") or None,
            self._string("audio/device") or None,
        )

    @audio_output.setter
    def audio_output(self, value: AudioOutput) -> None:
        for key, item in (("soundfont", value.soundfont), ("driver", value.driver), ("device", value.device)):
            if item:
                self._store.setValue(f"audio/{key}", str(item))
            else:
                self._store.remove(f"audio/{key}")

    # assistant --------------------------------------------------------------------------

    @property
    def assistant_model(self) -> Path | None:
        """The checkpoint the assistant loads (a path without suffix); None: the shipped model."""
        text = self._string("assistant/model")
        return Path(text) if text else None

    @assistant_model.setter
    def assistant_model(self, value: Path | None) -> None:
        if value:
            self._store.setValue("assistant/model", str(value))
        else:
            self._store.remove("assistant/model")

    @property
    def assistant_options(self) -> dict[str, JsonValue]:
        """The assistant panel's last options, as JSON (the panel validates what it reads)."""
        try:
            value = json.loads(self._string("assistant/options") or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @assistant_options.setter
    def assistant_options(self, value: dict[str, JsonValue]) -> None:
        self._store.setValue("assistant/options", json.dumps(value, sort_keys=True))

    # typed reads ------------------------------------------------------------------------

    def _set_recent(self, paths: Iterable[Path]) -> None:
        self._store.setValue("files/recent", [str(p) for p in paths])

    def _string(self, key: str) -> str:
        value = self._store.value(key, "")
        return value if isinstance(value, str) else ""

    def _strings(self, key: str) -> list[str]:
        value = self._store.value(key, [])
        if isinstance(value, str):  # an INI file gives back a one-item list as its item
            return [value] if value else []
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def _bool(self, key: str, default: bool) -> bool:
        value = self._store.value(key, default)
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None
