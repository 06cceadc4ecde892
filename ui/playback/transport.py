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


FALLBACK_DRIVERS = ("pulseaudio", "pipewire", "alsa", "coreaudio", "wasapi", "dsound", "sdl2", "jack")
"""Tried in turn when no driver is chosen and FluidSynth's default cannot open a device."""


def _first_working_player(
    soundfont: Path | None, driver: str | None, device: str | None
) -> tuple[LivePlayer | None, str]:
    """A player on the chosen driver, or with none chosen on the first driver that works here."""
    candidates = [driver] if driver else [None, *FALLBACK_DRIVERS]
    error = ""
    for candidate in candidates:
        try:
            return LivePlayer(soundfont, candidate, device), ""
        except ComposerError as exc:
            error = error or str(exc)
            if "SoundFont" in str(exc) or "library" in str(exc):
                break  # no driver will help
    return None, error


class Transport(QObject):
    state_changed = Signal(object)  # TransportState
    position_changed = Signal(int)  # tick of the playhead
    message = Signal(str)  # something the user should read (why playback is unavailable)
    _opened = Signal(int, object, str)  # request, LivePlayer | None, error text (from the opening thread)

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
        self._open_request = 0  # the latest open(); an older result that arrives late is closed, not used
        self._closed = False
        self._lock = threading.Lock()  # guards _open_request and _closed against the opening thread
        self._timer = QTimer(self)
        self._timer.setInterval(PLAYHEAD_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._opened.connect(self._on_opened)
        controller.changed.connect(self._score_changed)
        controller.score_replaced.connect(self._score_replaced)
        state.loop_changed.connect(self._loop_changed)

    # opening the audio device ------------------------------------------------------------------

    def open(self, soundfont: Path | None = None, driver: str | None = None, device: str | None = None) -> None:
        """Open the synth and audio device in the background; state goes STOPPED or UNAVAILABLE.

        Opening again (the user chose another device) stops and releases the current player first.
        """
        self.stop()
        self._release_player()
        with self._lock:
            self._open_request += 1
            request, self._closed = self._open_request, False
        self._set_state(TransportState.OPENING)
        args = (request, soundfont, driver, device)
        threading.Thread(target=self._open_player, args=args, name="open-audio", daemon=True).start()

    def _open_player(self, request: int, soundfont: Path | None, driver: str | None, device: str | None) -> None:
        """On the opening thread: hand the player over if it is still wanted, else close it at once."""
        player, error = _first_working_player(soundfont, driver, device)
        with self._lock:
            wanted = not self._closed and request == self._open_request
        if wanted:
            try:
                self._opened.emit(request, player, error)
                return
            except RuntimeError:  # the transport was deleted without close()
                pass
        if player is not None:
            player.close()

    def _on_opened(self, request: int, player: LivePlayer | None, error: str) -> None:
        if request != self._open_request or self._closed:  # overtaken after the thread checked
            if player is not None:
                player.close()
            return
        self.player, self.reason = player, error
        if player is None:
            self._set_state(TransportState.UNAVAILABLE)
            self.message.emit(f"Playback is unavailable: {error}")
        else:
            self._set_state(TransportState.STOPPED)

    def close(self) -> None:
        """Release the audio device (the window closes); a player still being opened is closed on arrival."""
        with self._lock:
            self._closed = True
        self.stop()
        self._release_player()

    def _release_player(self) -> None:
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

    def set_loop_enabled(self, enabled: bool) -> None:
        """Loop on or off (the Loop button); heard at once when playing."""
        self._set_option("loop_enabled", enabled)

    def set_metronome(self, enabled: bool) -> None:
        self._set_option("metronome", enabled)

    def _set_option(self, name: str, value: bool) -> None:
        if getattr(self, name) != value:
            setattr(self, name, value)
            if self._state == TransportState.PLAYING:
                self._play_from(self._position)

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

    def _score_replaced(self) -> None:
        """Another song: stop, and start the next Play from its beginning."""
        self._start = 0
        self.stop()

    def _score_changed(self, _changes: object) -> None:
        if self._state == TransportState.PLAYING and self.player is not None:
            self.player.update(self.controller.score)
