"""The transport: play, pause, stop, loop, metronome, count-in, playhead, auditioning.

A state machine over :class:`composer.live_playback.LivePlayer`. The player (and
its audio device) is opened in a background thread when the window starts, so the
window never waits on audio; if it cannot be opened the transport is
``UNAVAILABLE`` and says why, and the editor keeps working. While playing, a
timer reads the position for the playhead and every document change is handed to
the player, so mute, solo, mixer and note edits are heard at once.
"""

from __future__ import annotations

import threading
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from composer.errors import ComposerError
from composer.live_playback import LivePlayer, PlayRequest
from ui.document_controller import DocumentController
from ui.editor_state import EditorState

PLAYHEAD_INTERVAL_MS = 30  # about 33 playhead updates a second
END_TAIL_TICKS = 480  # keep playing a beat past the last note so it can ring


class TransportState(Enum):
    OPENING = "opening audio"
    STOPPED = "stopped"
    PLAYING = "playing"
    PAUSED = "paused"
    UNAVAILABLE = "unavailable"


class Transport(QObject):
    state_changed = Signal(object)  # TransportState
    position_changed = Signal(int)  # tick of the playhead
    message = Signal(str)  # something the user should read (why playback is unavailable)
    _opened = Signal(object, str)  # LivePlayer | None, error text (from the opening thread)

    def __init__(self, controller: DocumentController, state: EditorState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.editor = state
        self.player: LivePlayer | None = None
        self.reason = ""
        self.loop_enabled = True
        self.metronome = False
        self.count_in_bars = 0
        self._state = TransportState.OPENING
        self._start = 0  # where Play starts and Stop returns to
        self._position = 0
        self._timer = QTimer(self)
        self._timer.setInterval(PLAYHEAD_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._opened.connect(self._on_opened)
        controller.changed.connect(self._score_changed)
        controller.score_replaced.connect(self.stop)
        state.loop_changed.connect(self._loop_changed)

    # opening the audio device ------------------------------------------------------------------

    def open(self, soundfont: Path | None = None, driver: str | None = None, device: str | None = None) -> None:
        """Open the synth and audio device in the background; state goes STOPPED or UNAVAILABLE."""
        self._set_state(TransportState.OPENING)

        def work() -> None:
            try:
                self._opened.emit(LivePlayer(soundfont, driver, device), "")
            except ComposerError as exc:
                self._opened.emit(None, str(exc))

        threading.Thread(target=work, name="open-audio", daemon=True).start()

    def _on_opened(self, player: LivePlayer | None, error: str) -> None:
        if self.player is not None:
            self.player.close()
        self.player, self.reason = player, error
        if player is None:
            self._set_state(TransportState.UNAVAILABLE)
            self.message.emit(f"Playback is unavailable: {error}")
        else:
            self._set_state(TransportState.STOPPED)

    def close(self) -> None:
        self._timer.stop()
        if self.player is not None:
            self.player.close()
            self.player = None

    # state ------------------------------------------------------------------------------------

    @property
    def state(self) -> TransportState:
        return self._state

    @property
    def position(self) -> int:
        return self._position

    def _set_state(self, state: TransportState) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def set_position(self, tick: int) -> None:
        """Move the start point (a click on the ruler); restarts playback there if playing."""
        self._start = self._position = max(int(tick), 0)
        self.position_changed.emit(self._position)
        if self._state == TransportState.PLAYING:
            self._play_from(self._start)

    # commands ---------------------------------------------------------------------------------

    def toggle(self) -> None:
        """Space: play, or pause when playing."""
        if self._state == TransportState.PLAYING:
            self.pause()
        else:
            self.play()

    def play(self) -> bool:
        """Play from the paused position or the start point; False (with a message) when it cannot."""
        if self.player is None:
            self.message.emit(f"Playback is unavailable: {self.reason}" if self.reason else "Audio is still opening")
            return False
        self._play_from(self._position if self._state == TransportState.PAUSED else self._start)
        return True

    def play_range(self, start: int, end: int) -> bool:
        """Loop the ticks [start, end) (the selected region, an AI candidate in context)."""
        self.editor.set_loop((start, end))
        self._start = self._position = start
        return self.play()

    def pause(self) -> None:
        if self._state == TransportState.PLAYING and self.player is not None:
            self.player.stop()
            self._timer.stop()
            self._set_state(TransportState.PAUSED)

    def stop(self) -> None:
        """Stop and return the playhead to where playing started."""
        if self.player is not None:
            self.player.stop()
        self._timer.stop()
        if self._state in (TransportState.PLAYING, TransportState.PAUSED):
            self._set_state(TransportState.STOPPED)
        self._position = self._start
        self.position_changed.emit(self._position)

    def audition(self, pitch: int, velocity: int = 96) -> None:
        """Sound a pitch with the active track's instrument (keyboard clicks, drawn notes)."""
        if self.player is None:
            return
        score = self.controller.score
        track_id = self.editor.active_track
        track = score.track(track_id) if track_id is not None and score.has_track(track_id) else None
        self.player.audition(pitch, velocity, track.program if track else 0, bool(track and track.is_drum))

    # internals --------------------------------------------------------------------------------

    def _request(self, start: int) -> PlayRequest:
        loop = self.editor.loop if self.loop_enabled else None
        if loop is not None and not loop[0] <= start < loop[1]:
            start = loop[0]
        return PlayRequest(start, loop, self.metronome, self.count_in_bars)

    def _play_from(self, start: int) -> None:
        assert self.player is not None
        self.player.play(self.controller.score, self._request(start))
        self._timer.start()
        self._set_state(TransportState.PLAYING)

    def _tick(self) -> None:
        position = self.player.position() if self.player is not None else None
        if position is None:
            return
        self._position = max(int(position), 0)
        self.position_changed.emit(self._position)
        looping = self.loop_enabled and self.editor.loop is not None
        if not looping and position > self.controller.score.end_tick + END_TAIL_TICKS:
            self.stop()

    def _loop_changed(self, _loop: object) -> None:
        if self._state == TransportState.PLAYING:
            self._play_from(self._position)

    def _score_changed(self, _changes: object) -> None:
        if self._state == TransportState.PLAYING and self.player is not None:
            self.player.update(self.controller.score)
