"""The inference service with a tiny real model saved as a checkpoint: loading (and failing to),
streaming, cancel, supersede, stale drop, regenerate, chunked whole-track restyle, CPU fallback."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import torch
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from composer.edits import ChangeSet
from composer.region import Region
from composer.score import Note, Score, Track
from composer.timing import PPQ
from composer.tokens import Vocabulary
from models import checkpoint
from models.transformer import ModelConfig, MusicTransformer
from ui.assistant.service import (
    GIL_SWITCH_INTERVAL_S,
    AssistantService,
    Request,
    RequestOptions,
    ServiceState,
    stale_change,
)

WAIT_MS = 60_000


def save_tiny_model(stem: Path) -> Path:
    """A tiny random transformer saved as a real checkpoint (fast to load and to run)."""
    torch.manual_seed(3)
    vocab = Vocabulary()
    model = MusicTransformer(ModelConfig(len(vocab), n_layer=2, n_head=2, d_model=32, max_len=1024))
    checkpoint.save(model, vocab, stem)
    return stem


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("model") / "tiny")


def song(bars: int = 8) -> Score:
    melody = Track.create("Melody", [Note.create(60 + i % 7, i * PPQ, PPQ) for i in range(bars * 4)], program=0)
    bass = Track.create("Bass", [Note.create(36 + i % 5, i * 2 * PPQ, 2 * PPQ) for i in range(bars * 2)])
    return Score(tracks=(melody, bass))


@pytest.fixture
def service(qtbot: QtBot, tiny_checkpoint: Path) -> AssistantService:
    svc = AssistantService(threads=1)
    with qtbot.waitSignal(svc.model_loaded, timeout=WAIT_MS):
        svc.start(tiny_checkpoint)
    yield svc
    svc.shutdown()


def request(svc: AssistantService, score: Score, region: Region, operation: str = "fill", n: int = 2,
            seed: int = 1, avoid: frozenset[tuple] = frozenset(), **options: object) -> Request:
    return Request(svc.new_id(), 0, operation, score, region, RequestOptions(candidates=n, **options), seed, avoid)


class Recorder:
    """Every signal the service emits, in order."""

    def __init__(self, svc: AssistantService) -> None:
        self.events: list[tuple] = []
        svc.cell_done.connect(lambda r, c, cell, notes: self.events.append(("cell", r.id, c, cell, notes)))
        svc.finished.connect(lambda r, result, s: self.events.append(("finished", r.id, result)))
        svc.failed.connect(lambda r, text: self.events.append(("failed", r.id, text)))
        svc.cancelled.connect(lambda r: self.events.append(("cancelled", r.id)))
        svc.stale.connect(lambda r: self.events.append(("stale", r.id)))
        svc.message.connect(lambda text: self.events.append(("message", text)))

    def kinds(self, request_id: int | None = None) -> list[str]:
        return [e[0] for e in self.events if request_id is None or (len(e) > 1 and e[1] == request_id)]


def test_loads_after_start_with_a_visible_loading_state(qtbot: QtBot, tiny_checkpoint: Path) -> None:
    svc = AssistantService(threads=1)
    states: list[ServiceState] = []
    svc.state_changed.connect(lambda state, _detail: states.append(state))
    assert svc.state is ServiceState.IDLE
    with qtbot.waitSignal(svc.model_loaded, timeout=WAIT_MS) as loaded:
        svc.start(tiny_checkpoint)
        assert svc.state is ServiceState.LOADING
    info = loaded.args[0]
    assert states == [ServiceState.LOADING, ServiceState.READY]
    assert info.device == "cpu" and "folk" in info.styles and info.name.startswith("tiny")
    assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_INTERVAL_S)  # the GUI thread gets the GIL back soon
    svc.shutdown()


def test_request_streams_cells_before_the_result(qtbot: QtBot, service: AssistantService) -> None:
    rec = Recorder(service)
    score = song()
    region = Region((score.tracks[0].id,), 2, 4)
    req = request(service, score, region, n=3)
    with qtbot.waitSignal(service.finished, timeout=WAIT_MS):
        service.submit(req)
        assert service.state is ServiceState.BUSY
    kinds = rec.kinds(req.id)
    assert kinds[-1] == "finished" and kinds.count("cell") >= 3 * 2
    cells = {(e[2], e[3]) for e in rec.events if e[0] == "cell"}
    assert cells == {(c, (score.tracks[0].id, b)) for c in range(3) for b in (2, 3)}
    result = rec.events[-1][2]
    start, end = region.ticks(score)
    assert len(result.candidates) == 3 and len(set(result.fingerprints)) == 3
    assert all(start <= n.start < end for c in result.candidates for ns in c.values() for n in ns)
    assert service.state is ServiceState.READY


def test_cancel_stops_the_worker_and_drops_everything_after(qtbot: QtBot, service: AssistantService) -> None:
    rec = Recorder(service)
    posted: list[str] = []

    def on_worker(item: tuple) -> None:  # runs on the worker thread as it posts
        posted.append(item[0])
        if item[0] == "cell" and posted.count("cell") == 1:
            service._cancel.set()  # the user's Cancel lands between two tokens

    service._posted.connect(on_worker, Qt.ConnectionType.DirectConnection)
    score = song()
    req = request(service, score, Region((score.tracks[0].id,), 0, 4), n=4)
    with qtbot.waitSignal(service.cell_done, timeout=WAIT_MS):
        service.submit(req)
    assert service.cancel()
    assert service.wait_idle(5.0)
    qtbot.wait(50)
    assert posted == ["cell"]  # the worker stopped at once: no later cell, no result
    kinds = rec.kinds(req.id)
    assert kinds == ["cell", "cancelled"]
    assert service.state is ServiceState.READY and service.current is None


def test_a_new_request_supersedes_the_running_one(qtbot: QtBot, service: AssistantService) -> None:
    rec = Recorder(service)
    score = song()
    first = request(service, score, Region((score.tracks[0].id,), 0, 4), n=4)
    second = request(service, score, Region((score.tracks[1].id,), 1, 2), n=1)
    service.submit(first)
    with qtbot.waitSignal(service.finished, timeout=WAIT_MS) as done:
        service.submit(second)
    assert done.args[0].id == second.id
    assert "finished" not in rec.kinds(first.id)
    assert all(e[1] == second.id for e in rec.events if e[0] == "cell")  # nothing of the first got through


def test_a_note_edit_while_generating_drops_the_request(qtbot: QtBot, service: AssistantService) -> None:
    rec = Recorder(service)
    score = song()
    req = request(service, score, Region((score.tracks[0].id,), 0, 4), n=4)
    with qtbot.waitSignal(service.stale, timeout=WAIT_MS):
        service.submit(req)
        service.song_changed(ChangeSet(track_props=frozenset({score.tracks[1].id})))  # a mute: still valid
        assert service.current is req
        service.song_changed(ChangeSet(note_tracks=frozenset({score.tracks[1].id})))
    service.wait_idle(5.0)
    qtbot.wait(100)
    assert "finished" not in rec.kinds(req.id) and "cell" not in rec.kinds(req.id)[rec.kinds(req.id).index("stale"):]
    assert stale_change(ChangeSet(everything=True)) and not stale_change(ChangeSet(takes=True))


def test_regenerate_never_repeats_an_earlier_candidate(qtbot: QtBot, service: AssistantService) -> None:
    score = song()
    region = Region((score.tracks[0].id,), 3, 4)
    results = []
    avoid: frozenset[tuple] = frozenset()
    for _ in range(2):
        with qtbot.waitSignal(service.finished, timeout=WAIT_MS) as done:
            service.submit(request(service, score, region, n=2, seed=7, avoid=avoid, temperature=0.3))
        results.append(done.args[1])
        avoid = avoid | set(done.args[1].fingerprints)
    assert not set(results[0].fingerprints) & set(results[1].fingerprints)
    assert results[0].candidates != results[1].candidates


def test_whole_track_restyle_runs_window_by_window(qtbot: QtBot, service: AssistantService) -> None:
    score = song(bars=6)
    track = score.tracks[0].id
    rec = Recorder(service)
    req = request(service, score, Region.whole_track(score, track), "restyle", n=2, style="folk",
                  keep=("harmony", "rhythm"))
    with qtbot.waitSignal(service.finished, timeout=WAIT_MS) as done:
        service.submit(req)
    bars = {e[3][1] for e in rec.events if e[0] == "cell"}
    assert bars == set(range(6))
    result = done.args[1]
    assert all(fp[0] == "chunks" and len(fp) == 3 for fp in result.fingerprints)
    assert {n.start // (4 * PPQ) for n in result.candidates[0][track]} >= {0, 5}  # both windows wrote notes
    with qtbot.waitSignal(service.finished, timeout=WAIT_MS) as again:  # regenerate avoids each window
        service.submit(request(service, score, req.region, "restyle", n=2, style="folk",
                               avoid=frozenset(result.fingerprints)))
    assert not set(again.args[1].fingerprints) & set(result.fingerprints)


def test_model_errors_become_messages_and_the_service_keeps_working(qtbot: QtBot, service: AssistantService) -> None:
    score = song(bars=40)
    track_ids = tuple(t.id for t in score.tracks)
    with qtbot.waitSignal(service.failed, timeout=WAIT_MS) as failed:
        service.submit(request(service, score, Region(track_ids, 0, 40), "fill"))
    assert "too large" in failed.args[1] and service.state is ServiceState.READY
    with qtbot.waitSignal(service.failed, timeout=WAIT_MS) as failed:
        service.submit(request(service, score, Region(track_ids[:1], 0, 1), "restyle"))
    assert "needs a style" in failed.args[1]
    with qtbot.waitSignal(service.finished, timeout=WAIT_MS):
        service.submit(request(service, score, Region(track_ids[:1], 0, 1), "vary", n=1, amount=0.2, density=3))


def test_a_missing_checkpoint_is_an_error_state_not_a_crash(qtbot: QtBot, tmp_path: Path) -> None:
    svc = AssistantService(threads=1)
    with qtbot.waitSignal(svc.state_changed, timeout=WAIT_MS,
                          check_params_cb=lambda state, _d: state is ServiceState.ERROR) as blocker:
        svc.start(tmp_path / "nothing")
    assert "cannot read the model description" in blocker.args[1]
    score = song()
    with qtbot.waitSignal(svc.failed, timeout=WAIT_MS) as failed:
        svc.submit(request(svc, score, Region((score.tracks[0].id,), 0, 1)))
    assert "unavailable" in failed.args[1]
    svc.shutdown()


@pytest.mark.parametrize("damage", ["json", "weights"])
def test_a_damaged_checkpoint_is_reported(qtbot: QtBot, tiny_checkpoint: Path, tmp_path: Path, damage: str) -> None:
    stem = tmp_path / "bad"
    weights, meta = checkpoint.paths(tiny_checkpoint)
    new_weights, new_meta = checkpoint.paths(stem)
    new_weights.write_bytes(b"not safetensors" if damage == "weights" else weights.read_bytes())
    new_meta.write_text("{ truncated" if damage == "json" else meta.read_text())
    svc = AssistantService(threads=1)
    with qtbot.waitSignal(svc.state_changed, timeout=WAIT_MS,
                          check_params_cb=lambda state, _d: state is ServiceState.ERROR) as blocker:
        svc.start(stem)
    assert ("damaged model description" if damage == "json" else "cannot read the model weights") in blocker.args[1]
    svc.shutdown()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the fallback where CUDA is missing")
def test_a_cuda_failure_falls_back_to_the_cpu_with_a_message(qtbot: QtBot, tiny_checkpoint: Path) -> None:
    svc = AssistantService(device="cuda", threads=1)
    messages: list[str] = []
    svc.message.connect(messages.append)
    with qtbot.waitSignal(svc.model_loaded, timeout=WAIT_MS) as loaded:
        svc.start(tiny_checkpoint)
    assert loaded.args[0].device == "cpu"
    assert messages and "using the CPU" in messages[0]
    svc.shutdown()


def test_options_round_trip_through_a_take() -> None:
    options = RequestOptions(3, 0.8, "folk", 0.25, ("rhythm", "range"), 4, None, (48, 72), 4.5)
    assert RequestOptions.from_pairs(options.as_pairs()) == options
    assert RequestOptions.from_pairs(RequestOptions().as_pairs()) == RequestOptions()


def _capturing_worker(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Any], list[Any]]:
    """A worker whose assistant runs a tiny real model, with the engine replaced by one that records the
    windows and sampling it is asked for (and writes nothing)."""
    from models.assistant import Assistant
    from models.engine import Engine
    from ui.assistant.service import _Worker

    vocab = Vocabulary()
    assistant = Assistant(Engine(MusicTransformer(ModelConfig(len(vocab), n_layer=1, n_head=1, d_model=16,
                                                              max_len=1024)), vocab))
    windows: list[Any] = []
    samplings: list[Any] = []

    def capture(window: object, n: int, sampling: object, *args: object, **kw: object):  # noqa: ANN202
        windows.append(window)
        samplings.append(sampling)
        yield []

    monkeypatch.setattr(assistant.engine, "generate", capture)
    worker = _Worker(lambda *args: None, "cpu", 1)
    worker.assistant = assistant
    return worker, windows, samplings


def test_keep_harmony_follows_the_chord_lane_and_user_controls_win(monkeypatch: pytest.MonkeyPatch) -> None:
    from composer.annotations import ChordMark
    from composer.chord_symbols import parse_chord
    worker, seen, _ = _capturing_worker(monkeypatch)
    score = song()
    score = Score(tracks=score.tracks, chords=(ChordMark(4 * PPQ, "Am"), ChordMark(6 * PPQ, "F")))
    track = score.tracks[0].id
    steer = {"density": 2, "pitch_range": (50, 70)}
    for operation in ("restyle", "fill"):
        req = Request(1, 0, operation, score, Region((track,), 1, 2), RequestOptions(style="folk", **steer), 0)
        list(worker._events(req, threading.Event()))
        controls = seen[-1].controls[(track, 1)]
        assert controls.chords == (parse_chord("Am"),) * 2 + (parse_chord("F"),) * 2  # typed marks win
        assert controls.density == 2 and controls.pitch_range == (50, 70)  # the user's controls win
    empty = Score(tracks=(Track.create("Solo"),))
    list(worker._events(Request(2, 0, "fill", empty, Region((empty.tracks[0].id,), 0, 1), RequestOptions(), 0),
                        threading.Event()))
    assert seen[-1].controls[(empty.tracks[0].id, 0)].chords is None  # no chord anywhere: left free


def test_style_strength_reaches_the_engine_and_auto_means_the_operations_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from models.assistant import RESTYLE_GUIDANCE

    worker, _, seen = _capturing_worker(monkeypatch)
    score = song()
    region = Region((score.tracks[0].id,), 1, 2)
    for operation in ("restyle", "fill"):
        for strength in (None, 3.0):
            options = RequestOptions(style="folk", style_strength=strength)
            list(worker._events(Request(1, 0, operation, score, region, options, 0), threading.Event()))
    assert [s.guidance for s in seen] == [RESTYLE_GUIDANCE, 3.0, 1.0, 3.0]
