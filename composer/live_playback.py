"""Live playback: FluidSynth's own audio driver plays, its own sequencer schedules.

Notes are handed to FluidSynth's sequencer up to :data:`LOOKAHEAD` ahead by a
small pump thread; the sequencer runs on the audio clock (it advances as the
audio driver renders), so a busy Python thread (the model decoding, a slow
repaint) can delay the pump by over a second without a note coming late or the
tempo drifting. Edits made while playing (mute, solo, volume, pan, notes) are
taken in by rescheduling from the current position.

There is no Qt here: the transport in ``ui/`` drives this class and polls
:meth:`LivePlayer.position` for the playhead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from composer.fluidsynth_api import SynthUnavailableError
from composer.performance import (
    CONTROL,
    NOTE_OFF,
    NOTE_ON,
    PROGRAM,
    PlayEvent,
    assign_channels,
    audible_tracks,
    performance,
)
from composer.score import DRUM_CHANNEL, Score
from composer.synth import DEFAULT_GAIN, EXTRA_CHANNELS, SAMPLE_RATE, FluidSynth

LOOKAHEAD = 1.5  # seconds of music handed to the sequencer ahead of the audio
START_MARGIN_MS = 10  # the first events lie this far after Play, so none are late
PUMP_INTERVAL = 0.1  # seconds between pump runs
AUDITION_CHANNEL = 16  # spare channels (see synth.EXTRA_CHANNELS): never a track's
METRONOME_CHANNEL = 16 + DRUM_CHANNEL
CLICK_ACCENT, CLICK = 76, 77  # hi and low wood block in the GM drum map
AUDITION_SECONDS = 0.4


@dataclass(frozen=True)
class PlayRequest:
    """What to play: ticks from ``start``; with ``loop`` the range [a, b) repeats forever."""

    start: int = 0
    loop: tuple[int, int] | None = None
    metronome: bool = False
    count_in_bars: int = 0


class LivePlayer:
    """One synth with an audio driver and a sequencer; play, stop, audition, follow edits."""

    def __init__(self, soundfont: Path | None = None, driver: str | None = None, device: str | None = None,
                 gain: float = DEFAULT_GAIN, period_size: int = 256, periods: int = 2) -> None:
        settings: dict[str, int | str] = {"audio.period-size": period_size, "audio.periods": periods}
        if driver == "file":  # a WAV written in real time: for tests, and to capture what a user heard
            settings.update({"audio.driver": "file", "audio.file.name": device or "playback.wav",
                             "audio.file.type": "wav"})
        elif driver:
            settings["audio.driver"] = driver
            if device:
                settings[f"audio.{driver}.device"] = device
        self.synth = FluidSynth(soundfont, SAMPLE_RATE, gain, **settings)
        self.lib = self.synth.lib
        self.driver = self.lib.new_fluid_audio_driver(self.synth.settings.ptr, self.synth.ptr)
        if not self.driver:
            self.synth.close()
            raise SynthUnavailableError(f"no audio output could be opened (driver {driver or 'default'}); "
                                        "check the audio output in Edit > Preferences")
        self.output_latency = period_size * periods / SAMPLE_RATE
        self.seq = self.lib.new_fluid_sequencer2(0)  # 0: time follows the audio rendered, not the system clock
        self.dest = self.lib.fluid_sequencer_register_fluidsynth(self.seq, self.synth.ptr)
        self._event = self.lib.new_fluid_event()
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._pump_thread: threading.Thread | None = None
        self._session: _Session | None = None

    # transport ---------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._session is not None

    def play(self, score: Score, request: PlayRequest) -> None:
        """Start playing ``score`` as ``request`` says, replacing whatever plays now."""
        with self._lock:
            self._silence()
            now = self.lib.fluid_sequencer_get_tick(self.seq)
            self._session = _Session(score, request, now + START_MARGIN_MS)
            self._setup_channels(score)
            self._pump_locked()
        self._ensure_pump_thread()

    def stop(self) -> None:
        with self._lock:
            self._session = None
            self._silence()

    def position(self) -> float | None:
        """The playing position in ticks (None when stopped; negative during the count-in)."""
        with self._lock:
            session = self._session
            if session is None:
                return None
            return session.tick_at(self.lib.fluid_sequencer_get_tick(self.seq))

    def update(self, score: Score) -> None:
        """The score changed while playing: mixer values now, notes rescheduled from here on."""
        with self._lock:
            session = self._session
            if session is None:
                return
            now = self.lib.fluid_sequencer_get_tick(self.seq)
            self.lib.fluid_sequencer_remove_events(self.seq, -1, self.dest, -1)
            audible = {assign_channels(score)[t.id] for t in audible_tracks(score)}
            for channel in range(16):
                if channel not in audible:
                    self.lib.fluid_synth_all_notes_off(self.synth.ptr, channel)
            for at, channel, pitch in session.sounding(now):
                if channel in audible:  # let notes that still sound end as they would have
                    self._send(PlayEvent(0, NOTE_OFF, channel, pitch), at)
            session.restart(score, now)
            self._setup_channels(score)
            self._pump_locked()

    def audition(self, pitch: int, velocity: int = 96, program: int = 0, drum: bool = False) -> None:
        """Sound one note at once (a clicked key, a drawn note), on a channel no track uses."""
        channel = METRONOME_CHANNEL if drum else AUDITION_CHANNEL
        with self._lock:
            if not drum:
                self.synth.select(channel, program)
            now = self.lib.fluid_sequencer_get_tick(self.seq)
            self._send(PlayEvent(0, NOTE_ON, channel, pitch, velocity), now)
            self._send(PlayEvent(0, NOTE_OFF, channel, pitch), now + int(AUDITION_SECONDS * 1000))

    def close(self) -> None:
        self.stop()
        self._wake.set()
        thread, self._pump_thread = self._pump_thread, None
        if thread is not None:
            thread.join(timeout=1)
        with self._lock:
            if self.driver:
                self.lib.delete_fluid_audio_driver(self.driver)
                self.driver = None
            if self.seq:
                self.lib.delete_fluid_event(self._event)
                self.lib.delete_fluid_sequencer(self.seq)
                self.seq = None
            self.synth.close()

    # scheduling --------------------------------------------------------------------------------

    def _ensure_pump_thread(self) -> None:
        if self._pump_thread is None or not self._pump_thread.is_alive():
            self._pump_thread = threading.Thread(target=self._pump_loop, name="playback-pump", daemon=True)
            self._pump_thread.start()

    def _pump_loop(self) -> None:
        while self.seq is not None:
            self._wake.wait(PUMP_INTERVAL)
            self._wake.clear()
            with self._lock:
                if self.seq is None:
                    return
                if self._session is not None:
                    self._pump_locked()

    def _pump_locked(self) -> None:
        session = self._session
        assert session is not None
        horizon = self.lib.fluid_sequencer_get_tick(self.seq) + int(LOOKAHEAD * 1000)
        for at, event in session.due(horizon):
            self._send(event, at)

    def _send(self, event: PlayEvent, at_ms: int) -> None:
        lib, e = self.lib, self._event
        lib.fluid_event_set_source(e, -1)
        lib.fluid_event_set_dest(e, self.dest)
        if event.kind == NOTE_ON:
            lib.fluid_event_noteon(e, event.channel, event.a, event.b)
        elif event.kind == NOTE_OFF:
            lib.fluid_event_noteoff(e, event.channel, event.a)
        elif event.kind == PROGRAM:
            lib.fluid_event_program_select(e, event.channel, self.synth.sfont_id, 0, event.a)
        elif event.kind == CONTROL:
            lib.fluid_event_control_change(e, event.channel, event.a, event.b)
        lib.fluid_sequencer_send_at(self.seq, e, max(at_ms, 0), 1)

    def _setup_channels(self, score: Score) -> None:
        """Programs, volume and pan at once (not scheduled), so a change is heard immediately."""
        channels = assign_channels(score)
        for track in score.tracks:
            channel = channels[track.id]
            if not track.is_drum:
                self.synth.select(channel, track.program)
            self.lib.fluid_synth_cc(self.synth.ptr, channel, 7, track.volume)
            self.lib.fluid_synth_cc(self.synth.ptr, channel, 10, track.pan)

    def _silence(self) -> None:
        if self.seq:
            self.lib.fluid_sequencer_remove_events(self.seq, -1, self.dest, -1)
        for channel in range(16 + EXTRA_CHANNELS):
            self.lib.fluid_synth_all_notes_off(self.synth.ptr, channel)


class _Session:
    """One Play: the events of the played range, laid out on the sequencer's clock (ms),
    looping if asked, with a metronome and count-in."""

    def __init__(self, score: Score, request: PlayRequest, origin_ms: int) -> None:
        self.request = request
        self.score = score
        self._prepare(score)
        count_in = request.count_in_bars * self._bar_seconds(request.start)
        self.origin_ms = origin_ms + round(count_in * 1000)  # sequencer time of request.start, after the count-in
        self._count_in = self._clicks(request.start, request.count_in_bars, -count_in) if count_in else []
        self._scheduled_until = -1.0e9  # seconds from origin: everything before is handed over
        self._notes: list[tuple[int, int, int, int]] = []  # (on ms, off ms, channel, pitch) handed over

    def _prepare(self, score: Score) -> None:
        request = self.request
        to_seconds = score.tempo_map.tick_to_seconds
        if request.loop:
            a, b = request.loop
            self.first = [e for e in performance(score, request.start, b) if e.kind in (NOTE_ON, NOTE_OFF)]
            self.lap = [e for e in performance(score, a, b) if e.kind in (NOTE_ON, NOTE_OFF)]
            self.first_length = to_seconds(b) - to_seconds(request.start)
            self.lap_length = to_seconds(b) - to_seconds(a)
        else:
            self.first = [e for e in performance(score, request.start) if e.kind in (NOTE_ON, NOTE_OFF)]
            self.lap, self.first_length, self.lap_length = [], 0.0, 0.0
        if request.metronome:
            self.first = sorted(self.first + self._beat_clicks(score, request.start, request.loop[1] if request.loop
                                                               else max(score.end_tick, request.start + 1)))
            if request.loop:
                self.lap = sorted(self.lap + self._beat_clicks(score, request.loop[0], request.loop[1]))

    def _bar_seconds(self, tick: int) -> float:
        sigs, tempo = self.score.time_signatures, self.score.tempo_map
        start, end = sigs.bar_range(sigs.bar_at(tick))
        return tempo.tick_to_seconds(end) - tempo.tick_to_seconds(start)

    def _clicks(self, tick: int, bars: int, at: float) -> list[PlayEvent]:
        """Count-in clicks: ``bars`` bars in the meter at ``tick``, at the tempo there."""
        sig = self.score.time_signatures.at(tick)
        beat = self._bar_seconds(tick) / sig.numerator
        out = []
        for i in range(bars * sig.numerator):
            pitch = CLICK_ACCENT if i % sig.numerator == 0 else CLICK
            out += [PlayEvent(at + i * beat, NOTE_ON, METRONOME_CHANNEL, pitch, 100),
                    PlayEvent(at + i * beat + 0.05, NOTE_OFF, METRONOME_CHANNEL, pitch)]
        return out

    def _beat_clicks(self, score: Score, start: int, end: int) -> list[PlayEvent]:
        sigs, to_seconds = score.time_signatures, score.tempo_map.tick_to_seconds
        origin = to_seconds(start)
        out = []
        bar = sigs.bar_at(start)
        while sigs.bar_start(bar) < end:
            bar_start, bar_end = sigs.bar_range(bar)
            beat_ticks = sigs.at(bar_start).beat_ticks
            for i, tick in enumerate(range(bar_start, bar_end, beat_ticks)):
                if start <= tick < end:
                    t = to_seconds(tick) - origin
                    pitch = CLICK_ACCENT if i == 0 else CLICK
                    out += [PlayEvent(t, NOTE_ON, METRONOME_CHANNEL, pitch, 90),
                            PlayEvent(t + 0.05, NOTE_OFF, METRONOME_CHANNEL, pitch)]
            bar += 1
        return out

    def tick_at(self, now_ms: int) -> float:
        """The score position (ticks) playing at sequencer time ``now_ms``."""
        t = (now_ms - self.origin_ms) / 1000
        tempo, request = self.score.tempo_map, self.request
        if t < 0:
            return request.start + t * 1e6 / tempo.at(request.start).us_per_quarter * 480
        if request.loop and t >= self.first_length:
            a, _ = request.loop
            t = (t - self.first_length) % self.lap_length
            return tempo.seconds_to_tick(tempo.tick_to_seconds(a) + t)
        return tempo.seconds_to_tick(tempo.tick_to_seconds(request.start) + t)

    def due(self, horizon_ms: int) -> list[tuple[int, PlayEvent]]:
        """Events not yet handed over that fall before ``horizon_ms``, with their sequencer times."""
        until = (horizon_ms - self.origin_ms) / 1000
        out: list[tuple[int, PlayEvent]] = []
        for at, event in self._timeline(self._scheduled_until, until):
            ms = self.origin_ms + round(at * 1000)
            out.append((ms, event))
            self._remember(ms, event)
        self._scheduled_until = max(self._scheduled_until, until)
        return out

    def _timeline(self, after: float, until: float) -> list[tuple[float, PlayEvent]]:
        """(seconds from origin, event) for events in (after, until], loop laps unrolled.

        A looped range is cut at its end (note-offs there), and at one instant note-offs
        sort before note-ons, so a note at the loop start re-sounds cleanly.
        """
        out = [(e.time, e) for e in (*self._count_in, *self.first) if after < e.time <= until]
        if self.lap and self.lap_length > 0:
            lap = max(int((after - self.first_length) // self.lap_length), 0)
            while self.first_length + lap * self.lap_length <= until:
                base = self.first_length + lap * self.lap_length
                out += [(base + e.time, e) for e in self.lap if after < base + e.time <= until]
                lap += 1
        return sorted(out, key=lambda p: (p[0], p[1].kind))

    def _remember(self, ms: int, event: PlayEvent) -> None:
        if event.kind == NOTE_ON:
            self._notes.append((ms, -1, event.channel, event.a))
        elif event.kind == NOTE_OFF:
            for i in range(len(self._notes) - 1, -1, -1):
                on, off, channel, pitch = self._notes[i]
                if off < 0 and channel == event.channel and pitch == event.a:
                    self._notes[i] = (on, ms, channel, pitch)
                    break

    def sounding(self, now_ms: int) -> list[tuple[int, int, int]]:
        """(off ms, channel, pitch) of handed-over notes that sound at ``now_ms``."""
        return [(off, c, p) for on, off, c, p in self._notes if on <= now_ms < off]

    def restart(self, score: Score, now_ms: int) -> None:
        """Take a changed score: keep the clock, reschedule everything after ``now_ms``."""
        self.score = score
        self._prepare(score)
        self._notes = [n for n in self._notes if n[1] > now_ms]
        self._scheduled_until = (now_ms - self.origin_ms) / 1000
