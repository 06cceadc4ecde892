"""Edit > Preferences...: the SoundFont and the audio output that playback and audio export use.

The dialog only edits an :class:`~ui.settings.AudioOutput` value; the window stores it and
reopens the transport. The file chooser is injected (the window passes its Prompts'
``open_path``), so tests answer it without a modal file dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from composer.fluidsynth_api import SynthUnavailableError
from composer.synth import default_soundfont
from ui.settings import AudioOutput

DEFAULT_DRIVER = "Default"
DRIVERS = ("pulseaudio", "alsa", "jack", "coreaudio", "dsound", "wasapi", "file")
"""FluidSynth audio drivers a user may pick; each build supports only some (an unsupported one says so)."""
SOUNDFONT_SUFFIXES = (".sf2", ".sf3")
SOUNDFONT_FILTER = "SoundFonts (*.sf2 *.sf3);;All files (*)"
DEVICE_HINTS = {"": "the driver's default device", "file": "the WAV file to write (default: playback.wav)"}

ChooseFile = Callable[[str, Path | None, str], Path | None]
"""Asks for a file to open: (caption, start folder, filters) -> path or None, as Prompts.open_path."""


def soundfont_problem(text: str) -> str:
    """Why a typed SoundFont path cannot be used; "" when it can (or is empty: the default one)."""
    if not text.strip():
        return ""
    path = Path(text.strip()).expanduser()
    if path.suffix.lower() not in SOUNDFONT_SUFFIXES:
        return "Not a SoundFont: choose a .sf2 or .sf3 file"
    if not path.is_file():
        return "No such file"
    return ""


def bundled_soundfont() -> str:
    """The SoundFont used when none is chosen, as the dialog shows it."""
    try:
        return str(default_soundfont())
    except SynthUnavailableError as exc:
        return f"none found ({exc})"


class PreferencesDialog(QDialog):
    """SoundFont file (empty: the bundled one), audio driver and device."""

    def __init__(self, current: AudioOutput, choose_file: ChooseFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferences_dialog")
        self._choose_file = choose_file
        self.soundfont = QLineEdit(str(current.soundfont or ""), self)
        self.soundfont.setMinimumWidth(380)
        self.soundfont.setPlaceholderText(f"Default: {Path(bundled_soundfont()).name}")
        self.browse_button = QPushButton("Browse...", self)
        self.default_button = QPushButton("Use Default", self)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #d9534f;")
        self.driver = QComboBox(self)
        self.driver.addItems([DEFAULT_DRIVER, *DRIVERS])
        if current.driver and current.driver not in DRIVERS:  # typed into an older settings file: keep it
            self.driver.addItem(current.driver)
        self.driver.setCurrentText(current.driver or DEFAULT_DRIVER)
        self.device = QLineEdit(current.device or "", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._lay_out()
        self.browse_button.clicked.connect(self.browse)
        self.default_button.clicked.connect(self.soundfont.clear)
        self.soundfont.textChanged.connect(self._check)
        self.driver.currentTextChanged.connect(self._show_device_hint)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._check()
        self._show_device_hint()

    def _lay_out(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.soundfont, 1)
        row.addWidget(self.browse_button)
        row.addWidget(self.default_button)
        bundled = QLabel(f"Default: {bundled_soundfont()}", self)
        bundled.setEnabled(False)  # greyed: information, not a field
        bundled.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("SoundFont:", row)
        form.addRow("", bundled)
        form.addRow("", self.problem)
        form.addRow("Audio driver:", self.driver)
        form.addRow("Device:", self.device)
        form.addRow(self.buttons)

    def browse(self) -> None:
        """Pick a SoundFont file, starting in the folder of the current one."""
        current = Path(self.soundfont.text().strip() or bundled_soundfont())
        chosen = self._choose_file("Choose a SoundFont", current.parent if current.parent.is_dir() else None,
                                   SOUNDFONT_FILTER)
        if chosen is not None:
            self.soundfont.setText(str(chosen))

    def output(self) -> AudioOutput:
        """What the user chose; empty fields and "Default" are None (the defaults)."""
        soundfont = self.soundfont.text().strip()
        driver = self.driver.currentText()
        return AudioOutput(
            Path(soundfont).expanduser() if soundfont else None,
            None if driver == DEFAULT_DRIVER else driver,
            self.device.text().strip() or None,
        )

    def _check(self) -> None:
        problem = soundfont_problem(self.soundfont.text())
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.ok_button.setEnabled(not problem)

    def _show_device_hint(self) -> None:
        driver = self.driver.currentText()
        self.device.setPlaceholderText(DEVICE_HINTS.get("" if driver == DEFAULT_DRIVER else driver,
                                                        "the driver's default device"))
