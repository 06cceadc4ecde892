"""The transport's state machine with a real synth on FluidSynth's real-time file driver."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from composer import edits as ed
from composer.live_playback import PlayRequest
from composer.score import Note, Score, Track
from composer.timing import PPQ, TempoMap
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.playback.transport import Transport, TransportState


@pytest.fixture
def transport(qtbot: QtBot, tmp_path: Path):  # noqa: ANN201
    controller = DocumentController()
    kit = Track.create("Kit", [Note.create(37, i * PPQ, PPQ // 4, 100) for i in range(8)], is_drum=True, channel=9)
    controller.load(Score(tracks=(kit,), tempo_map=TempoMap.constant(240)))  # 2 s of music
    state = EditorState()
    state.set_active_track(kit.id)
    transport = Transport(controller, state)
    with qtbot.waitSignal(transport.state_changed, timeout=5000):
        transport.open(driver="file", device=str(tmp_path / "out.wav"))
    yield transport
    transport.close()


def test_play_pause_resume_stop(transport: Transport, qtbot: QtBot) -> None:
    assert transport.state == TransportState.STOPPED
    transport.set_position(PPQ)
    transport.toggle()
    assert transport.state == TransportState.PLAYING
    qtbot.waitUntil(lambda: transport.position > 2 * PPQ, timeout=3000)
    transport.toggle()
    assert transport.state == TransportState.PAUSED
    paused_at = transport.position
    qtbot.wait(200)
    assert transport.position == paused_at  # paused: the playhead stays
    transport.play()
    qtbot.waitUntil(lambda: transport.position > paused_at + PPQ // 2, timeout=3000)
    transport.stop()
    assert transport.state == TransportState.STOPPED and transport.position == PPQ  # back to the start point


def test_stops_by_itself_after_the_song(transport: Transport, qtbot: QtBot) -> None:
    transport.set_position(6 * PPQ)
    transport.play()
    qtbot.waitUntil(lambda: transport.state == TransportState.STOPPED, timeout=4000)
    assert transport.position == 6 * PPQ


def test_loop_keeps_the_playhead_inside(transport: Transport, qtbot: QtBot) -> None:
    seen: list[int] = []
    transport.position_changed.connect(seen.append)
    transport.play_range(2 * PPQ, 4 * PPQ)  # half a second, looped
    qtbot.wait(1300)
    assert transport.state == TransportState.PLAYING
    assert all(2 * PPQ <= p < 4 * PPQ + PPQ // 4 for p in seen)
    assert any(b < a for a, b in zip(seen, seen[1:], strict=False))  # it wrapped around at least once
    transport.stop()


def test_edits_while_playing_reach_the_player(transport: Transport, qtbot: QtBot, monkeypatch) -> None:  # noqa: ANN001
    updates: list[Score] = []
    assert transport.player is not None
    monkeypatch.setattr(transport.player, "update", updates.append)
    transport.play()
    controller = transport.controller
    controller.push(ed.set_track_properties(controller.score, controller.score.tracks[0].id, mute=True))
    assert updates and updates[-1].tracks[0].mute
    transport.stop()
    controller.push(ed.set_title(controller.score, "x"))
    assert len(updates) == 1  # stopped: nothing to reschedule


def test_unavailable_audio_is_reported_not_fatal(qtbot: QtBot) -> None:
    controller = DocumentController()
    transport = Transport(controller, EditorState())
    messages: list[str] = []
    transport.message.connect(messages.append)
    with qtbot.waitSignal(transport.state_changed, timeout=5000):
        transport.open(driver="no-such-driver")
    assert transport.state == TransportState.UNAVAILABLE
    assert messages and "Playback is unavailable" in messages[0]
    assert not transport.play()
    transport.toggle()
    transport.audition(60)
    assert transport.state == TransportState.UNAVAILABLE


class FakePlayer:
    """Stands in for LivePlayer: records which output it was opened on and whether it was closed."""

    made: list[FakePlayer] = []

    def __init__(self, soundfont: Path | None, driver: str | None, device: str | None) -> None:
        self.device = device
        self.closed = False
        FakePlayer.made.append(self)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def test_reopening_and_closing_release_every_player_but_the_latest(qtbot: QtBot, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("ui.playback.transport.LivePlayer", FakePlayer)
    FakePlayer.made = []
    transport = Transport(DocumentController(), EditorState())
    transport.open(device="a")
    transport.open(device="b")  # the user chose another output before the first one was open
    qtbot.waitUntil(lambda: transport.player is not None and transport.player.device == "b", timeout=5000)
    assert transport.state == TransportState.STOPPED
    qtbot.waitUntil(lambda: len(FakePlayer.made) == 2 and FakePlayer.made[0].closed, timeout=5000)
    transport.open(device="c")  # reopening releases the open player at once
    assert FakePlayer.made[1].closed and transport.player is None
    transport.close()  # the window closed while "c" was still opening: it is closed on arrival
    qtbot.waitUntil(lambda: len(FakePlayer.made) == 3 and FakePlayer.made[2].closed, timeout=5000)
    assert transport.player is None


def test_options_changed_while_playing_are_heard_at_once(transport: Transport, monkeypatch) -> None:  # noqa: ANN001
    assert transport.player is not None
    requests: list[PlayRequest] = []
    monkeypatch.setattr(transport.player, "play", lambda _score, request: requests.append(request))
    transport.set_metronome(True)  # stopped: only remembered
    assert requests == [] and transport.metronome
    transport.play()
    transport.editor.set_loop((PPQ, 2 * PPQ))
    transport.set_loop_enabled(False)
    transport.set_metronome(False)
    assert [(r.metronome, r.loop) for r in requests] == [
        (True, None), (True, (PPQ, 2 * PPQ)), (True, None), (False, None)]
    transport.stop()


def test_without_a_chosen_driver_the_first_working_one_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from composer.errors import ComposerError
    from ui.playback import transport as module

    tried: list[str | None] = []

    def fake_player(soundfont: object, driver: str | None, device: object) -> str:
        tried.append(driver)
        if driver != "alsa":
            raise ComposerError(f"no audio output could be opened (driver {driver or 'default'})")
        return "player"

    monkeypatch.setattr(module, "LivePlayer", fake_player)
    assert module._first_working_player(None, None, None) == ("player", "")
    assert tried == [None, "pulseaudio", "pipewire", "alsa"]
    tried.clear()
    player, error = module._first_working_player(None, "jack", None)
    assert player is None and "driver jack" in error and tried == ["jack"]  # a chosen driver is not second-guessed
