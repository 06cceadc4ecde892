"""The settings facade: typed round trips on a temporary INI file, never the user's settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings

from composer.grid import Grid
from ui.settings import APPLICATION, MAX_RECENT, ORGANISATION, AudioOutput, Settings


@pytest.fixture(autouse=True)
def _no_user_settings(tmp_path: Path) -> None:
    """Point QSettings' default locations at the test's folder, in case anything uses them."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "user-settings"))


def _files(folder: Path, count: int) -> list[Path]:
    paths = [folder / f"song{i}.mid" for i in range(count)]
    for p in paths:
        p.write_bytes(b"")
    return paths


def test_every_value_survives_a_round_trip(tmp_path: Path) -> None:
    ini = tmp_path / "settings.ini"
    settings = Settings.at_path(ini)
    (song,) = _files(tmp_path, 1)
    settings.window_geometry = QByteArray(b"geometry\x00\x01")
    settings.window_state = QByteArray(b"state")
    settings.add_recent(song)
    settings.last_directory = tmp_path
    settings.first_start_done = True
    settings.grid = Grid(8, triplet=True)
    settings.set_panel_visible("history", False)
    settings.audio_output = AudioOutput(tmp_path / "gm.sf2", "file", str(tmp_path / "out.wav"))
    settings.sync()

    again = Settings.at_path(ini)
    assert again.window_geometry == QByteArray(b"geometry\x00\x01")
    assert again.window_state == QByteArray(b"state")
    assert again.recent_files == [song.resolve()]  # one item: INI returns it as a plain string
    assert again.last_directory == tmp_path
    assert again.first_start_done is True
    assert again.grid == Grid(8, triplet=True)
    assert again.panel_visible("history") is False and again.panel_visible("tracks") is True
    assert again.audio_output == AudioOutput(tmp_path / "gm.sf2", "file", str(tmp_path / "out.wav"))
    again.audio_output = AudioOutput()  # back to the defaults: the keys are removed
    assert Settings.at_path(ini).audio_output == AudioOutput()


def test_defaults_when_empty_or_damaged(tmp_path: Path) -> None:
    ini = tmp_path / "settings.ini"
    ini.write_text("[editor]\ngrid=1/7\n[files]\nlast_directory=/no/such/folder\n")
    settings = Settings.at_path(ini)
    assert settings.grid == Grid(16)
    assert settings.last_directory is None
    assert settings.recent_files == []
    assert settings.window_geometry is None and settings.window_state is None
    assert settings.first_start_done is False
    assert settings.audio_output == AudioOutput()


def test_recent_files_newest_first_unique_capped_and_pruned(tmp_path: Path) -> None:
    settings = Settings.at_path(tmp_path / "settings.ini")
    paths = _files(tmp_path, MAX_RECENT + 3)
    for p in paths:
        settings.add_recent(p)
    settings.add_recent(paths[-3])  # opened again: moves to the top, no duplicate
    recent = settings.recent_files
    assert len(recent) == MAX_RECENT
    assert recent[0] == paths[-3].resolve() and recent[1] == paths[-1].resolve()
    assert len(set(recent)) == MAX_RECENT
    paths[-1].unlink()
    assert paths[-1].resolve() not in settings.recent_files
    assert len(Settings.at_path(tmp_path / "settings.ini").recent_files) == MAX_RECENT - 1  # forgotten on disk too
    settings.remove_recent(paths[-3])
    assert paths[-3].resolve() not in settings.recent_files
    settings.clear_recent()
    assert settings.recent_files == []


def test_default_store_is_the_apps_and_tests_redirect_it(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    try:
        settings = Settings()
        assert ORGANISATION in settings.file_name and APPLICATION in settings.file_name
        assert settings.file_name.startswith(str(tmp_path))
    finally:
        QSettings.setDefaultFormat(QSettings.Format.NativeFormat)
