"""The transport's face in the window: its actions, the bar.beat readout, the playhead and auditioning.

:class:`TransportControls` connects one :class:`~ui.playback.transport.Transport` to the
window's Transport actions (from the action table), to the piano roll (playhead on the
ruler and across the canvas, ruler clicks, auditioned keys and notes) and back: the Play
button is checked while playing and the readout follows the playhead. It holds no state
of its own; the transport and the editor state do.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QStyle, QWidget

from composer.timing import TimeSignatureMap
from ui.actions import ActionSet
from ui.pianoroll.editor import PianoRollEditor
from ui.playback.transport import Transport, TransportState

COUNT_IN_BARS = 1
ACTIVE = (TransportState.PLAYING, TransportState.PAUSED)


def bar_beat(sigs: TimeSignatureMap, tick: int) -> str:
    """A position as musicians read it, "bar.beat" counted from 1."""
    position = sigs.position(max(tick, 0))
    return f"{position.bar + 1}.{position.beat + 1}"


class TransportControls(QObject):
    """Play/Pause, Stop, Loop, Metronome, Count-in and Play Region, wired to the transport and the roll."""

    message = Signal(str)  # a line for the status bar

    def __init__(self, transport: Transport, actions: ActionSet, editor: PianoRollEditor, parent: QWidget) -> None:
        super().__init__(parent)
        self.transport = transport
        self.actions = actions
        self.editor = editor
        self.state = transport.editor
        self.position_label = self._readout(parent)
        self._play_tip = actions["play"].toolTip()
        self._icons = {playing: parent.style().standardIcon(icon) for playing, icon in
                       ((False, QStyle.StandardPixmap.SP_MediaPlay), (True, QStyle.StandardPixmap.SP_MediaPause))}
        actions["loop"].setChecked(transport.loop_enabled)
        actions["metronome"].setChecked(transport.metronome)
        actions["count_in"].setChecked(transport.count_in_bars > 0)
        self._connect()
        self._show_state()
        self._show_position(transport.position)

    @staticmethod
    def _readout(parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setObjectName("transport_position")
        label.setToolTip("Play position (bar.beat); click the ruler to move it")
        label.setMinimumWidth(64)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    def handlers(self) -> dict[str, Callable[[], object]]:
        """The window connects these by action id, like its other commands."""
        return {"play": self.play_pause, "stop": self.stop, "play_region": self.play_region}

    def _connect(self) -> None:
        t, a = self.transport, self.actions
        t.state_changed.connect(self._show_state)
        t.position_changed.connect(self._show_position)
        a["loop"].toggled.connect(self._loop_toggled)
        a["metronome"].toggled.connect(t.set_metronome)
        a["count_in"].toggled.connect(self._count_in_toggled)
        self.editor.ruler.position_clicked.connect(t.set_position)
        self.editor.audition.connect(t.audition)
        self.state.region_changed.connect(self._show_region)
        self._show_region(self.state.region)

    # commands ---------------------------------------------------------------------------

    def play_pause(self) -> None:
        """Space: play, or pause while playing (and say why not when audio is unavailable)."""
        self.transport.toggle()
        self._show_state()  # a checkable action toggled itself: put it back if nothing started

    def stop(self) -> None:
        """Stop and go back to where playing started; stopped already, go back to the beginning."""
        if self.transport.state in ACTIVE:
            self.transport.stop()
        else:
            self.transport.set_position(0)

    def play_region(self) -> None:
        """Loop the region selected in the overview (its bars; the ruler shows them as the loop)."""
        region = self.state.region
        if region is None:
            self.message.emit("Select bars in the overview to play them")
            return
        self.actions["loop"].setChecked(True)
        self.transport.play_range(*region.ticks(self.transport.controller.score))
        self._show_state()

    def _loop_toggled(self, on: bool) -> None:
        self.transport.set_loop_enabled(on)
        if on and self.state.loop is None:
            self.message.emit("Drag on the ruler to set the loop range")

    def _count_in_toggled(self, on: bool) -> None:
        self.transport.count_in_bars = COUNT_IN_BARS if on else 0

    # following the transport ------------------------------------------------------------

    def _show_state(self, *_: object) -> None:
        t = self.transport
        playing = t.state == TransportState.PLAYING
        play = self.actions["play"]
        play.setChecked(playing)
        play.setIcon(self._icons[playing])
        unavailable = t.state == TransportState.UNAVAILABLE
        play.setToolTip(f"Playback is unavailable: {t.reason}" if unavailable and t.reason else self._play_tip)
        self.position_label.setEnabled(not unavailable)

    def _show_position(self, tick: int) -> None:
        self.position_label.setText(bar_beat(self.transport.controller.score.time_signatures, tick))
        self.editor.show_playhead(tick, follow=self.transport.state == TransportState.PLAYING)

    def _show_region(self, region: object) -> None:
        self.actions["play_region"].setEnabled(region is not None)
