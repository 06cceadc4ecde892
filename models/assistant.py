"""The assistant API the app and the CLI share: fill, vary, restyle and continue a region.

Each operation turns (score, region, options) into a :class:`~composer.tokens.Window`
(the region's cells to write, the bars around them as context, the controls that
say what the new bars should keep) and runs the engine; restyle reads no context (see
:func:`restyle_window`). Events stream out as
bars are written; the final event holds every candidate as notes per track,
ready for :meth:`composer.region.Region.put`.

Keeping things under restyle maps onto the model's controls: harmony -> the
chord of each beat, rhythm -> the onsets, range -> the pitch range, contour ->
onsets and pitch range of each bar (a coarse outline of the melody's shape).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from composer.chord_symbols import chords_per_beat
from composer.region import Region
from composer.score import Note, Score
from composer.tokens import BarControls, Window, density_bin, encode_context, measure_controls
from models.defaults import DEFAULT_TEMPERATURE, RESTYLE_GUIDANCE, RESTYLE_KEEP
from models.engine import Candidate, CandidateRestarted, CellDone, Engine, Sampling

CONTEXT_BARS = 8
CHUNK_BARS = 4  # vary and restyle of a longer region (a whole track) go window by window of this many bars
KEEP_OPTIONS = ("harmony", "rhythm", "contour", "range")
FILL_TOKEN_BUDGET = 160  # tokens reserved per bar to be written
TOO_LARGE = "the selection is too large for the model: select fewer bars or tracks"


@dataclass(frozen=True)
class Options:
    """What every operation takes: how many candidates, the seed and the sampling temperature."""

    n: int = 4
    seed: int = 0
    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = 0.95
    style: str | None = None
    guidance: float | None = None  # how hard to follow the style; None: the operation's default


@dataclass
class Result:
    """The candidates of one request, as notes per track id (absolute ticks)."""

    candidates: list[dict[int, list[Note]]]
    fingerprints: list[tuple]
    bits: list[float] = field(default_factory=list)  # per candidate: bits per sampled token, lower = more likely


Event = CellDone | CandidateRestarted | Result


class Assistant:
    def __init__(self, engine: Engine, context_bars: int = CONTEXT_BARS) -> None:
        self.engine = engine
        self.context_bars = context_bars

    @property
    def styles(self) -> tuple[str, ...]:
        return self.engine.vocab.styles

    # operations ----------------------------------------------------------------------------------

    def fill(self, score: Score, region: Region, options: Options = Options(), controls: BarControls | None = None,
             cancel: threading.Event | None = None, avoid: set[tuple] | None = None,
             keep_harmony: bool = False) -> Iterator[Event]:
        """New bars in the region, following ``controls`` (all optional) in every bar, an "auto"
        density and, with ``keep_harmony``, the chord lane (see :func:`fill_controls`)."""
        wanted = fill_controls(score, region, controls, keep_harmony, self.context_bars)
        window = self._window(score, region, list(wanted), options.style, wanted)
        return self._run(window, options, cancel, avoid)

    def vary(self, score: Score, region: Region, amount: float = 0.5, options: Options = Options(),
             cancel: threading.Event | None = None, avoid: set[tuple] | None = None,
             steer: BarControls | None = None) -> Iterator[Event]:
        """Variations of the region's bars. ``amount`` is the share of the original to rewrite: each
        candidate keeps about (1 - amount) of the original notes, whole beats of them, and the model
        writes the other beats with the original's controls loosened by ``amount`` (rhythm kept when
        small). ``steer`` overrides density, polyphony or range. Long regions go window by window."""
        def one(part: Region, avoid_part: set[tuple]) -> Iterator[Event]:
            rng = random.Random(options.seed + 7919 * (part.start_bar - region.start_bar))
            cells = _cells(part)
            controls = {c: _steered(_loosen(m, amount, rng), steer) for c, m in self._measured(score, cells).items()}
            window = self._window(score, part, cells, options.style, controls)
            originals = {c: score.track(c[0]).starting_in(*score.time_signatures.bar_range(c[1])) for c in cells}
            return _blended(self._run(window, options, cancel, avoid_part), score, originals, amount, options.seed)

        return self._in_windows(region, one, avoid)

    def restyle(self, score: Score, region: Region, style: str, keep: Iterable[str] = RESTYLE_KEEP,
                options: Options = Options(), cancel: threading.Event | None = None,
                avoid: set[tuple] | None = None, steer: BarControls | None = None) -> Iterator[Event]:
        """The region rewritten in ``style``, keeping what ``keep`` names (see KEEP_OPTIONS); ``steer``
        overrides density, polyphony or range. A longer region (a whole track) goes window by window."""
        keep = set(keep)
        unknown = keep - set(KEEP_OPTIONS)
        if unknown:
            raise ValueError(f"cannot keep {sorted(unknown)}; choose from {KEEP_OPTIONS}")
        if style not in self.styles:
            raise ValueError(f"unknown style {style!r}; this model knows {', '.join(self.styles)}")

        def one(part: Region, avoid_part: set[tuple]) -> Iterator[Event]:
            cells = _cells(part)
            controls = {c: _steered(kept_controls(m, keep), steer) for c, m in self._measured(score, cells).items()}
            track_ids = tuple(t.id for t in score.tracks if t.id in part.track_ids)
            window = restyle_window(Window(score, track_ids, part.start_bar, part.end_bar, frozenset(cells), style,
                                           controls))
            if len(encode_context(window)) > self._budget(cells, controls):
                raise ValueError(TOO_LARGE)
            guidance = RESTYLE_GUIDANCE if options.guidance is None else options.guidance
            return self._run(window, replace(options, style=style, guidance=guidance), cancel, avoid_part)

        return self._in_windows(region, one, avoid)

    def continue_(self, score: Score, track_ids: Iterable[int], bars: int, options: Options = Options(),
                  controls: BarControls | None = None, cancel: threading.Event | None = None,
                  avoid: set[tuple] | None = None, keep_harmony: bool = False) -> Iterator[Event]:
        """``bars`` new bars after the end of the music, for the given tracks."""
        start = score.bar_count if score.end_tick else 0
        return self.fill(score, Region(tuple(track_ids), start, start + bars), options, controls, cancel, avoid,
                         keep_harmony)

    # machinery ---------------------------------------------------------------------------------

    def _in_windows(self, region: Region, one: Callable[[Region, set[tuple]], Iterator[Event]],
                    avoid: set[tuple] | None) -> Iterator[Event]:
        """``one`` over the region, or over its CHUNK_BARS-bar windows in turn with the results joined.

        Every window is written with the original music around it (not the windows written before),
        so the candidates stay independent and each window streams as soon as it starts. A joined
        result's fingerprints are ("chunks", fp1, fp2, ...): avoiding one avoids each of its windows.
        """
        parts = windows_of(region)
        if len(parts) == 1:
            return one(region, set(avoid or ()))
        return _joined(parts, one, _expanded(avoid or set()))

    def _measured(self, score: Score, cells: list[tuple[int, int]]) -> dict[tuple[int, int], BarControls]:
        sigs = score.time_signatures
        out = {}
        for track_id, bar in cells:
            start, end = sigs.bar_range(bar)
            notes = score.track(track_id).starting_in(start, end)
            harmony = [n for t in score.tracks if not t.is_drum for n in t.sounding_in(start, end)]
            measured = measure_controls(notes, (start, end), sigs.at(start).beat_ticks, harmony)
            if score.chords:  # chords typed in the chord lane win over the ones heard
                measured = replace(measured, chords=tuple(chords_per_beat(score, start, end)))
            out[(track_id, bar)] = measured
        return out

    def _budget(self, cells: list[tuple[int, int]], controls: dict[tuple[int, int], BarControls]) -> int:
        """Tokens left for the context once the cells' controls and the bars to be written are set aside."""
        reserved = FILL_TOKEN_BUDGET * len(cells) + sum(len(c.tokens()) for c in controls.values())
        return self.engine.model.config.max_len - reserved

    def _window(self, score: Score, region: Region, cells: list[tuple[int, int]], style: str | None,
                controls: dict[tuple[int, int], BarControls]) -> Window:
        """The region's cells with as much context around them (at most the assistant's context bars,
        then the other tracks) as the model's length allows."""
        if style is not None and style not in self.styles:
            raise ValueError(f"unknown style {style!r}; this model knows {', '.join(self.styles)}")
        budget = self._budget(cells, controls)
        others = [t.id for t in score.tracks if t.id not in region.track_ids]
        last_bar = max(score.bar_count, region.end_bar)
        for context in range(self.context_bars, -1, -1):
            for extra in range(len(others), -1, -1):
                track_ids = tuple(t.id for t in score.tracks if t.id in region.track_ids or t.id in others[:extra])
                start = max(region.start_bar - context, 0)
                end = min(region.end_bar + context, last_bar)
                window = Window(score, track_ids, start, end, frozenset(cells), style, controls)
                if len(encode_context(window)) <= budget:
                    return window
        raise ValueError(TOO_LARGE)

    def _run(self, window: Window, options: Options, cancel: threading.Event | None,
             avoid: set[tuple] | None) -> Iterator[Event]:
        sampling = Sampling(options.temperature, options.top_p, options.seed,
                            1.0 if options.guidance is None else options.guidance)
        for event in self.engine.generate(window, options.n, sampling, cancel, avoid):
            if isinstance(event, list):
                yield _result(event)
            else:
                yield event


def restyle_window(window: Window) -> Window:
    """What restyle lets the model read: the cells being rewritten and nothing around them.

    Any music in the old style, the bars around or the other tracks, pulls the new bars back to that
    style; what the user keeps (chords, onsets, range) reaches the model as controls instead. Measured on
    the validation split (see models/defaults.py): heard as the target style 11 % with one bar around
    and the other tracks, 29 % with neither.
    """
    tracks = {t for t, _ in window.fill}
    bars = sorted(b for _, b in window.fill)
    return replace(window, track_ids=tuple(t for t in window.track_ids if t in tracks),
                   start_bar=bars[0], end_bar=bars[-1] + 1)


def windows_of(region: Region, bars: int = CHUNK_BARS) -> list[Region]:
    """The region cut into windows of ``bars`` bars (the last may be shorter)."""
    return [Region(region.track_ids, b, min(b + bars, region.end_bar))
            for b in range(region.start_bar, region.end_bar, bars)] or [region]


def _joined(parts: list[Region], one: Callable[[Region, set[tuple]], Iterator[Event]],
            avoid: set[tuple]) -> Iterator[Event]:
    merged: list[dict[int, list[Note]]] = []
    prints: list[list[tuple]] = []
    bits: list[list[float]] = []
    for part in parts:
        for event in one(part, avoid):
            if isinstance(event, Result):
                for i, (candidate, fingerprint) in enumerate(zip(event.candidates, event.fingerprints, strict=True)):
                    if i == len(merged):
                        merged.append({})
                        prints.append([])
                        bits.append([])
                    for track_id, notes in candidate.items():
                        merged[i].setdefault(track_id, []).extend(notes)
                    prints[i].append(fingerprint)
                    bits[i].append(event.bits[i])
            elif isinstance(event, CandidateRestarted):
                yield replace(event, bars=(part.start_bar, part.end_bar))
            else:
                yield event
    yield Result(merged, [("chunks", *p) for p in prints], [sum(b) / len(b) for b in bits])


def _expanded(avoid: set[tuple]) -> set[tuple]:
    """Joined fingerprints ("chunks", fp1, fp2, ...) avoid each of their windows."""
    out: set[tuple] = set()
    for fingerprint in avoid:
        out.update(fingerprint[1:] if fingerprint and fingerprint[0] == "chunks" else (fingerprint,))
    return out


def fill_controls(score: Score, region: Region, controls: BarControls | None = None, keep_harmony: bool = False,
                  reach: int = CONTEXT_BARS,
                  bounds: tuple[int, int] | None = None) -> dict[tuple[int, int], BarControls]:
    """What Fill asks of each of the region's cells: ``controls`` (all optional), an "auto" density
    from the bars around (:func:`auto_density`, within ``reach`` and ``bounds``) and, with
    ``keep_harmony``, the chord lane's chords of the score without the region's notes (typed chords,
    else the ones the other tracks make), so an accepted take regenerates exactly. The evaluation
    calls this too, so it scores the fill the panel writes by default."""
    skip = set(range(region.start_bar, region.end_bar))
    wanted = {c: auto_density(score, c, skip, controls or BarControls(), reach, bounds) for c in _cells(region)}
    if keep_harmony:
        lane = region.cut(score)[0].apply(score)[0]
        wanted = {c: _with_lane_chords(lane, c[1], w) for c, w in wanted.items()}
    return wanted


def auto_density(score: Score, cell: tuple[int, int], skip: set[int], controls: BarControls,
                 reach: int = CONTEXT_BARS, bounds: tuple[int, int] | None = None) -> BarControls:
    """``controls`` with an unset density taken from the nearest bar of the same track that has notes
    (within ``reach`` bars and ``bounds`` [first, end), not in ``skip``): the bars around a gap say
    how busy it should be.

    Measured on held-out tasks (models/checkpoints/default.eval.md): left to the model alone, the
    shipped model writes too few notes where the music is dense (pop accompaniment: 9 notes where
    the song has 45), and its filled bars match the real ones' onsets far less often.
    """
    if controls.density is not None:
        return controls
    track_id, bar = cell
    track = score.track(track_id)
    sigs = score.time_signatures
    for distance in range(1, reach + 1):
        for source in (bar - distance, bar + distance):
            if source < 0 or source in skip or (bounds and not bounds[0] <= source < bounds[1]):
                continue
            notes = track.starting_in(*sigs.bar_range(source))
            if notes:
                return replace(controls, density=density_bin(len(notes)))
    return controls


def _with_lane_chords(score: Score, bar: int, controls: BarControls) -> BarControls:
    """The bar's chords as the chord lane shows them; a bar with no chord known keeps ``controls``'
    own, so "no chord known" never becomes "play no chord"."""
    chords = tuple(chords_per_beat(score, *score.time_signatures.bar_range(bar)))
    return replace(controls, chords=chords) if any(c is not None for c in chords) else controls


def _steered(controls: BarControls, steer: BarControls | None) -> BarControls:
    """``controls`` with the density, polyphony and range the user set explicitly laid over them."""
    if steer is None:
        return controls
    return replace(
        controls,
        density=steer.density if steer.density is not None else controls.density,
        polyphony=steer.polyphony if steer.polyphony is not None else controls.polyphony,
        pitch_range=steer.pitch_range if steer.pitch_range is not None else controls.pitch_range,
    )


def _cells(region: Region) -> list[tuple[int, int]]:
    return [(t, b) for t in region.track_ids for b in range(region.start_bar, region.end_bar)]


def _result(candidates: list[Candidate]) -> Result:
    out = []
    for candidate in candidates:
        by_track: dict[int, list[Note]] = {}
        for (track_id, _bar), notes in sorted(candidate.cells.items()):
            by_track.setdefault(track_id, []).extend(notes)
        out.append(by_track)
    return Result(out, [c.fingerprint() for c in candidates], [c.bits_per_token for c in candidates])


def _blended(events: Iterator[Event], score: Score, originals: dict[tuple[int, int], tuple[Note, ...]],
             amount: float, seed: int) -> Iterator[Event]:
    """Vary's events with each written bar blended into its original (see :func:`blend_bar`)."""
    written: dict[int, dict[tuple[int, int], list[Note]]] = {}
    for event in events:
        if isinstance(event, CellDone):
            notes = blend_bar(originals[event.cell], event.notes, score, event.cell[1], amount,
                              random.Random(f"{seed}:{event.candidate}:{event.cell}"))
            written.setdefault(event.candidate, {})[event.cell] = notes
            yield CellDone(event.candidate, event.cell, notes)
        elif isinstance(event, Result):
            candidates = []
            for i in range(len(event.candidates)):
                by_track: dict[int, list[Note]] = {}
                for (track_id, _bar), notes in sorted(written.get(i, {}).items()):
                    by_track.setdefault(track_id, []).extend(notes)
                candidates.append(by_track)
            yield Result(candidates, event.fingerprints, event.bits)
        else:
            yield event


def blend_bar(original: Sequence[Note], written: Sequence[Note], score: Score, bar: int, amount: float,
              rng: random.Random) -> list[Note]:
    """One bar: the original's notes on some beats, the written notes on the others.

    Beats are taken in a random order and kept while the kept notes stay nearest (1 - amount) of
    the original's, so "amount" is what the user reads it as: the share of notes rewritten. Notes
    the model wrote again exactly as they were count as kept already (a well-trained model often
    does: without this, Vary at 40 % kept 70-74 % of the original in the demo). A
    written note that would sound into a kept beat is shortened to end where that beat starts.
    """
    sigs = score.time_signatures
    start, end = sigs.bar_range(bar)
    beat = sigs.at(start).beat_ticks
    beats = max(-(-(end - start) // beat), 1)

    def beat_of(note: Note) -> int:
        return min(max((note.start - start) // beat, 0), beats - 1)

    per_beat = [0] * beats
    reproduced = [0] * beats  # original notes the model wrote again itself (same onset and pitch)
    written_keys = {(n.start, n.pitch) for n in written}
    for note in original:
        per_beat[beat_of(note)] += 1
        reproduced[beat_of(note)] += (note.start, note.pitch) in written_keys
    target, kept, chosen = (1.0 - amount) * len(original), sum(reproduced), set()
    order = list(range(beats))
    rng.shuffle(order)
    for b in order:
        gain = per_beat[b] - reproduced[b]  # keeping beat b adds the originals the model did not rewrite
        if per_beat[b] and abs(kept + gain - target) < abs(kept - target):
            chosen.add(b)
            kept += gain
    out = [n for n in original if beat_of(n) in chosen]
    kept_starts = sorted(start + b * beat for b in chosen)
    for note in written:
        if beat_of(note) in chosen:
            continue
        stop = next((t for t in kept_starts if t > note.start), None)
        if stop is not None and note.end > stop:
            note = note._replace(duration=stop - note.start)
        out.append(note)
    return sorted(out, key=lambda n: (n.start, n.pitch))


def _loosen(measured: BarControls, amount: float, rng: random.Random) -> BarControls:
    """Drop each measured control with probability ``amount``; keep-rhythm only for small amounts."""
    def keep() -> bool:
        return rng.random() >= amount

    return BarControls(
        density=measured.density if keep() else None,
        polyphony=measured.polyphony if keep() else None,
        pitch_range=measured.pitch_range if keep() else None,
        chords=measured.chords if keep() else None,
        onsets=measured.onsets if amount < 0.35 and keep() else None,
    )


def kept_controls(measured: BarControls, keep: set[str]) -> BarControls:
    """The controls restyle passes on from a bar's measured ones, given what the user keeps."""
    return BarControls(
        chords=measured.chords if "harmony" in keep else None,
        onsets=measured.onsets if keep & {"rhythm", "contour"} else None,
        pitch_range=measured.pitch_range if keep & {"range", "contour"} else None,
    )
