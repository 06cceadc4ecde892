"""The assistant side panel: ask for Fill, Vary, Restyle or Continue on the region, watch the
candidates stream in, audition, accept (one undo step), reject or regenerate; re-run takes.

The panel turns its widgets into a frozen :class:`~ui.assistant.service.Request`, keeps the
:class:`~ui.assistant.candidates.CandidateSet` of the current request, mirrors the shown
candidate into the :class:`~ui.assistant.ghost_layer.GhostLayer`, and writes an accepted
candidate with its :class:`~composer.annotations.Take` as one CompoundEdit.

Extension points for the compare, diff and composite views (ui/assistant/compare_view.py,
composite_bar.py): ``extras_layout`` (a QVBoxLayout under the candidate list),
``candidates_changed`` / ``shown_changed`` signals, ``candidates`` (the current set),
``set_ghost_styler`` (restyle the ghosts, e.g. as a diff) and ``accept_notes`` (accept a
composite).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from composer.annotations import JsonScalar, Take
from composer.chord_symbols import outside_harmony
from composer.edits import ChangeSet, combine, record_take
from composer.errors import ComposerError
from composer.note_similarity import region_neighbours
from composer.region import Region
from composer.score import Note, Score
from ui.assistant.candidate_tools import CandidateTools
from ui.assistant.candidates import CandidateSet, letter
from ui.assistant.ghost_layer import LOOKS, GhostLayer
from ui.assistant.service import AssistantService, ModelInfo, Request, RequestOptions, ServiceState, stale_change
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.playback.transport import Transport, TransportState
from ui.settings import JsonValue

KEEP = ("harmony", "rhythm", "contour", "range")
KEEP_TIPS = {
    "harmony": "Follow the chord on every beat.\nFill and Continue: the chord lane's (typed chords, else the chords "
               "the other tracks make).\nRestyle: the original bars' chords.",
    "rhythm": "Restyle: the new notes start where the old ones did",
    "contour": "Restyle: keep each bar's onsets and pitch range, a coarse outline of the melody",
    "range": "Restyle: keep each bar's lowest and highest pitch",
}
DENSITY_NAMES = ("0 · empty", "1 · 1-2 notes", "2 · 3-4", "3 · 5-7", "4 · 8-11", "5 · 12-16", "6 · 17-24",
                 "7 · 25+")
POLYPHONY_NAMES = ("0 · single line", "1 · mostly single", "2 · two voices", "3 · three", "4 · four", "5 · full chords")
CONTINUE_BARS = 4
"""Bars Continue writes when no region is selected."""
MAX_SEED = 2**31 - 1
LABELS = {"fill": "Fill", "vary": "Vary", "restyle": "Restyle", "continue": "Continue"}
# The temperature default before it was tuned (models.defaults): settings saved then hold it with no
# note of the default, so a panel still showing it was left alone and follows the tuned one.
UNTUNED_TEMPERATURE = 1.0
GhostStyler = Callable[[CandidateSet, int], Mapping[int, Sequence[tuple[Note, str]]]]


class CandidateRow(QWidget):
    """One candidate in the list: its letter, how far it is written, Audition and Accept."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 1, 4, 1)
        self.name = QLabel(f"<b>{letter(index)}</b>", self)
        self.name.setObjectName(f"candidate_name_{index}")
        self.name.setFixedWidth(30)
        self.status = QLabel("waiting", self)
        self.status.setObjectName(f"candidate_status_{index}")
        self.audition = QToolButton(self)
        self.audition.setText("▶")
        self.audition.setCheckable(True)
        self.audition.setToolTip("Audition: loop the region with this candidate playing in context")
        self.audition.setObjectName(f"audition_{index}")
        self.accept = QToolButton(self)
        self.accept.setText("Accept")
        self.accept.setToolTip("Write this candidate into the song (one undo step)")
        self.accept.setObjectName(f"accept_{index}")
        layout.addWidget(self.name)
        layout.addWidget(self.status, 1)
        layout.addWidget(self.audition)
        layout.addWidget(self.accept)

    def show_state(self, written: int, total: int, notes: int, complete: bool, bits: float | None = None,
                   starred: bool = False, around: bool = False) -> None:
        """``starred``: the consensus; ``around``: the bars around the region voted for it too."""
        self.status.setText(f"{notes} notes" if complete else f"{written}/{total} bars…")
        self.name.setText(f"<b>{letter(self.index)}</b>" + (" ★" if starred else ""))
        star = ("The consensus: the candidate most like the others" + (" and the bars around it" if around else "")
                + ", where the model's ideas agree. ") if starred else ""
        self.name.setToolTip("" if bits is None else
                             star + f"{bits:.2f} bits per token (lower: the model finds it more likely)")
        self.accept.setEnabled(complete)
        self.audition.setEnabled(complete)


class AssistantPanel(QWidget):
    """The dock's contents; the main window connects the actions and the status bar to it."""

    candidates_changed = Signal()  # a cell arrived, a candidate restarted, the request finished or was cleared
    shown_changed = Signal(object)  # the candidate shown as ghosts (int) or None
    message = Signal(str)  # for the status bar
    latency = Signal(float, float)  # seconds to the first ghost bar, seconds to the whole result

    def __init__(self, controller: DocumentController, state: EditorState, service: AssistantService,
                 ghosts: GhostLayer, transport: Transport | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistant_panel")
        self.controller = controller
        self.state = state
        self.service = service
        self.ghosts = ghosts
        self.transport = transport
        self.candidates: CandidateSet | None = None
        self.request: Request | None = None
        self.avoid: frozenset[tuple] = frozenset()  # fingerprints of every candidate of this region so far
        self._rows: list[CandidateRow] = []
        self._auditioning: int | None = None
        self._styler: GhostStyler | None = None
        self._first_cell: float | None = None
        self._nearby: dict[Take, int] = {}
        self._outside_cache: tuple[tuple, set[int]] = ((), set())
        self._build()
        self._connect()
        self._show_service_state(service.state, service.detail)
        self._refresh_region()
        self._refresh_takes()
        self._refresh_buttons()
        self.tools = CandidateTools(self)  # diff, kept shares, compare and mix (ui/assistant/candidate_tools.py)
        self.extras_layout.addWidget(self.tools)

    # building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget(scroll)
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        self.model_label = QLabel(body)
        self.model_label.setObjectName("assistant_model_state")
        self.model_label.setWordWrap(True)
        self.region_label = QLabel(body)
        self.region_label.setObjectName("assistant_region")
        self.region_label.setWordWrap(True)
        layout.addWidget(self.model_label)
        layout.addWidget(self.region_label)
        layout.addLayout(self._build_operations(body))
        layout.addWidget(self._build_options(body))
        layout.addLayout(self._build_progress(body))
        layout.addWidget(self._build_candidates(body))
        self.extras_layout = QVBoxLayout()  # compare view and composite controls go here
        self.extras_layout.setObjectName("extras_layout")
        layout.addLayout(self.extras_layout)
        layout.addWidget(self._build_takes(body))
        layout.addStretch(1)

    def _build_operations(self, parent: QWidget) -> QGridLayout:
        grid = QGridLayout()
        self.operation_buttons: dict[str, QPushButton] = {}
        tips = {"fill": "Write new bars in the region", "vary": "Variations of the region's bars",
                "restyle": "Rewrite the region in the chosen style", "continue": "New bars after the end of the song"}
        for i, (name, text) in enumerate(LABELS.items()):
            button = QPushButton(text, parent)
            button.setObjectName(f"op_{name}")
            button.setToolTip(tips[name])
            button.clicked.connect(lambda _=False, n=name: self.run(n))
            grid.addWidget(button, i // 2, i % 2)
            self.operation_buttons[name] = button
        self.whole_track = QCheckBox("Restyle the whole track", parent)
        self.whole_track.setObjectName("whole_track")
        self.whole_track.setToolTip("Restyle every bar of the region's tracks, four bars at a time")
        grid.addWidget(self.whole_track, 2, 0, 1, 2)
        return grid

    def _build_options(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Options", parent)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.style_box = QComboBox(box)
        self.style_box.setObjectName("style_box")
        self.style_box.addItem("auto", None)
        form.addRow("Style", self.style_box)
        self.style_strength = QDoubleSpinBox(box)
        self.style_strength.setObjectName("style_strength")
        self.style_strength.setRange(0.0, 12.0)
        self.style_strength.setSingleStep(0.5)
        self.style_strength.setDecimals(1)
        self.style_strength.setSpecialValueText("auto")  # 0: the operation's default (restyle follows hard)
        self.style_strength.setToolTip("How hard new bars follow the chosen style: 1 = as the song around them "
                                       "suggests, higher = more of the style; auto = Restyle's default")
        form.addRow("Style strength", self.style_strength)
        self.amount = QSlider(Qt.Orientation.Horizontal, box)
        self.amount.setObjectName("amount")
        self.amount.setRange(0, 100)
        self.amount.setValue(50)
        self.amount.setToolTip("Vary: 0 keeps close to the original, 100 lets go of it")
        self.amount_label = QLabel("50 %", box)
        row = QHBoxLayout()
        row.addWidget(self.amount, 1)
        row.addWidget(self.amount_label)
        self.amount.valueChanged.connect(lambda v: self.amount_label.setText(f"{v} %"))
        form.addRow("Variation", row)
        keep_row = QGridLayout()
        self.keep_boxes: dict[str, QCheckBox] = {}
        for i, name in enumerate(KEEP):
            check = QCheckBox(name, box)
            check.setObjectName(f"keep_{name}")
            check.setChecked(name == "harmony")
            check.setToolTip(KEEP_TIPS[name])
            keep_row.addWidget(check, i // 2, i % 2)
            self.keep_boxes[name] = check
        form.addRow("Keep", keep_row)
        self.density = self._auto_combo(box, "density", DENSITY_NAMES, "Notes per bar (auto: the model decides)")
        form.addRow("Density", self.density)
        self.polyphony = self._auto_combo(box, "polyphony", POLYPHONY_NAMES, "Notes sounding together")
        form.addRow("Polyphony", self.polyphony)
        self.range_low = self._pitch_spin(box, "range_low", 48)
        self.range_high = self._pitch_spin(box, "range_high", 84)
        self.range_on = QCheckBox(box)
        self.range_on.setObjectName("range_on")
        self.range_on.setToolTip("Limit the pitch range (off: auto)")
        self.range_on.toggled.connect(self.range_low.setEnabled)
        self.range_on.toggled.connect(self.range_high.setEnabled)
        self.range_low.setEnabled(False)
        self.range_high.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.range_on)
        row.addWidget(self.range_low, 1)
        row.addWidget(QLabel("–", box))
        row.addWidget(self.range_high, 1)
        form.addRow("Pitch range", row)
        self.temperature = QDoubleSpinBox(box)
        self.temperature.setObjectName("temperature")
        self.temperature.setRange(0.1, 2.0)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(RequestOptions().temperature)
        self.temperature.setToolTip("Lower: safer, more predictable; higher: more surprising")
        form.addRow("Temperature", self.temperature)
        self.count = QSpinBox(box)
        self.count.setObjectName("candidate_count")
        self.count.setRange(1, 8)
        self.count.setValue(4)
        form.addRow("Candidates", self.count)
        self.seed = QSpinBox(box)
        self.seed.setObjectName("seed")
        self.seed.setRange(0, MAX_SEED)
        self.seed_lock = QToolButton(box)
        self.seed_lock.setObjectName("seed_lock")
        self.seed_lock.setText("Lock")
        self.seed_lock.setCheckable(True)
        self.seed_lock.setToolTip("Locked: every request uses this seed; unlocked: a fresh seed each time")
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(self.seed_lock)
        form.addRow("Seed", row)
        return box

    @staticmethod
    def _auto_combo(parent: QWidget, name: str, names: Sequence[str], tip: str) -> QComboBox:
        combo = QComboBox(parent)
        combo.setObjectName(name)
        combo.setToolTip(tip)
        combo.addItem("auto", None)
        for value, text in enumerate(names):
            combo.addItem(text, value)
        return combo

    @staticmethod
    def _pitch_spin(parent: QWidget, name: str, value: int) -> QSpinBox:
        spin = QSpinBox(parent)
        spin.setObjectName(name)
        spin.setRange(0, 127)
        spin.setValue(value)
        return spin

    def _build_progress(self, parent: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        self.progress = QProgressBar(parent)
        self.progress.setObjectName("assistant_progress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel", parent)
        self.cancel_button.setObjectName("assistant_cancel")
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        return row

    def _build_candidates(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Candidates", parent)
        layout = QVBoxLayout(box)
        self.feedback = QLabel(box)
        self.feedback.setObjectName("assistant_feedback")
        self.feedback.setWordWrap(True)
        self.candidate_list = QListWidget(box)
        self.candidate_list.setObjectName("candidate_list")
        self.candidate_list.setMinimumHeight(60)
        self.candidate_list.currentRowChanged.connect(self._row_chosen)
        self.candidate_list.itemClicked.connect(self._row_clicked)
        row = QHBoxLayout()
        self.reject_button = QPushButton("Reject all", box)
        self.reject_button.setObjectName("reject_all")
        self.reject_button.clicked.connect(self.reject_all)
        self.regenerate_button = QPushButton("Regenerate", box)
        self.regenerate_button.setObjectName("regenerate")
        self.regenerate_button.setToolTip("New candidates for the same request, never one seen before")
        self.regenerate_button.clicked.connect(self.regenerate)
        row.addWidget(self.reject_button)
        row.addWidget(self.regenerate_button)
        self.legend = QLabel(f"{_swatch('candidate')} candidate &nbsp; {_swatch('outside')} outside the key "
                             "and chord", box)
        self.legend.setObjectName("ghost_legend")
        self.legend.setWordWrap(True)
        self.legend.setToolTip("How the piano roll shows the chosen candidate's notes")
        layout.addWidget(self.feedback)
        layout.addWidget(self.legend)
        layout.addWidget(self.candidate_list)
        layout.addLayout(row)
        return box

    def _build_takes(self, parent: QWidget) -> QGroupBox:
        box = QGroupBox("Takes in this project", parent)
        layout = QVBoxLayout(box)
        self.take_list = QListWidget(box)
        self.take_list.setObjectName("take_list")
        self.take_list.setMaximumHeight(110)
        self.take_list.currentRowChanged.connect(lambda _row: self._refresh_buttons())
        row = QHBoxLayout()
        self.exact_button = QPushButton("Regenerate exactly", box)
        self.exact_button.setObjectName("take_exact")
        self.exact_button.setToolTip("The same request again: same options, same seed")
        self.exact_button.clicked.connect(lambda: self.rerun_take(nearby=False))
        self.nearby_button = QPushButton("Nearby", box)
        self.nearby_button.setObjectName("take_nearby")
        self.nearby_button.setToolTip("The same options with the next seeds")
        self.nearby_button.clicked.connect(lambda: self.rerun_take(nearby=True))
        row.addWidget(self.exact_button)
        row.addWidget(self.nearby_button)
        layout.addWidget(self.take_list)
        layout.addLayout(row)
        return box

    def _connect(self) -> None:
        s = self.service
        s.state_changed.connect(self._show_service_state)
        s.model_loaded.connect(self._model_loaded)
        s.cell_done.connect(self._cell_done)
        s.candidate_restarted.connect(self._restarted)
        s.finished.connect(self._finished)
        s.failed.connect(self._failed)
        s.stale.connect(self._went_stale)
        self.controller.changed.connect(s.song_changed)  # a running request goes stale first
        self.controller.changed.connect(self._song_changed)
        self.controller.score_replaced.connect(self._score_replaced)
        self.state.region_changed.connect(self._refresh_region)
        self.state.active_track_changed.connect(self._refresh_region)
        if self.transport is not None:
            self.transport.state_changed.connect(self._transport_state)

    # options ----------------------------------------------------------------------------------

    def options(self) -> RequestOptions:
        keep = tuple(name for name in KEEP if self.keep_boxes[name].isChecked())
        return RequestOptions(
            candidates=self.count.value(), temperature=round(self.temperature.value(), 3),
            style=self.style_box.currentData(), amount=self.amount.value() / 100, keep=keep,
            style_strength=round(self.style_strength.value(), 1) or None,
            density=self.density.currentData(), polyphony=self.polyphony.currentData(),
            pitch_range=(min(self.range_low.value(), self.range_high.value()),
                         max(self.range_low.value(), self.range_high.value())) if self.range_on.isChecked() else None,
        )

    def set_options(self, options: RequestOptions) -> None:
        """Show ``options`` in the widgets (settings restore them; a take re-run shows its own)."""
        self.count.setValue(options.candidates)
        self.temperature.setValue(options.temperature)
        index = self.style_box.findData(options.style)
        if index < 0 and options.style is not None:  # a style of another model: keep it selectable
            self.style_box.addItem(options.style, options.style)
            index = self.style_box.count() - 1
        self.style_box.setCurrentIndex(max(index, 0))
        self.style_strength.setValue(options.style_strength or 0.0)
        self.amount.setValue(round(options.amount * 100))
        for name, box in self.keep_boxes.items():
            box.setChecked(name in options.keep)
        self.density.setCurrentIndex(self.density.findData(options.density) if options.density is not None else 0)
        self.polyphony.setCurrentIndex(
            self.polyphony.findData(options.polyphony) if options.polyphony is not None else 0)
        self.range_on.setChecked(options.pitch_range is not None)
        if options.pitch_range is not None:
            self.range_low.setValue(options.pitch_range[0])
            self.range_high.setValue(options.pitch_range[1])

    def saved_options(self) -> dict[str, JsonValue]:
        """The options to remember between sessions (ui.settings.Settings.assistant_options)."""
        return {**dict(self.options().as_pairs()), "seed": self.seed.value(), "seed_locked": self.seed_lock.isChecked(),
                "whole_track": self.whole_track.isChecked(), "temperature_default": RequestOptions().temperature}

    def restore_options(self, saved: Mapping[str, JsonValue]) -> None:
        """Show remembered options; anything unreadable keeps its default. A temperature left at the
        default of its day follows the default as it is retuned (settings from before the default was
        written down had 1.0)."""
        try:
            follows = saved.get("temperature") == saved.get("temperature_default", UNTUNED_TEMPERATURE)
            pairs = tuple((k, v) for k, v in saved.items()
                          if not isinstance(v, list | dict) and not (k == "temperature" and follows))
            self.set_options(RequestOptions.from_pairs(pairs))
            self.seed.setValue(int(saved.get("seed", 0) or 0))
        except (TypeError, ValueError):
            return
        self.seed_lock.setChecked(bool(saved.get("seed_locked", False)))
        self.whole_track.setChecked(bool(saved.get("whole_track", False)))

    def next_seed(self) -> int:
        """The locked seed, or a fresh one (shown, so it can be locked after the fact)."""
        if not self.seed_lock.isChecked():
            self.seed.setValue(random.randrange(MAX_SEED))
        return self.seed.value()

    # requests ---------------------------------------------------------------------------------

    def target_region(self, operation: str) -> Region | None:
        """What ``operation`` works on: the selected region (a whole track for that restyle; bars after
        the end for Continue), else the active track."""
        score, region, active = self.controller.score, self.state.region, self.state.active_track
        tracks = region.track_ids if region is not None else (active,) if active is not None else ()
        tracks = tuple(t for t in tracks if t is not None and score.has_track(t))
        if not tracks:
            return None
        if operation == "continue":
            start = score.bar_count if score.end_tick else 0
            return Region(tracks, start, start + (region.bar_count if region is not None else CONTINUE_BARS))
        if operation == "restyle" and self.whole_track.isChecked():
            return Region(tracks, 0, max(score.bar_count, 1))
        return region

    def run(self, operation: str, *, whole_track: bool | None = None) -> Request | None:
        """Start ``operation`` on the region with the panel's options (a fresh seed unless locked)."""
        if whole_track is not None:
            self.whole_track.setChecked(whole_track)
        region = self.target_region(operation)
        if region is None:
            self._say("Select a region first: drag across tracks and bars in the overview")
            return None
        if operation == "restyle" and self.whole_track.isChecked():
            self.state.set_region(region)  # the overview and the roll show what is being restyled
        same = self.request is not None and (self.request.operation, self.request.region) == (operation, region)
        if not same:
            self.avoid = frozenset()
        return self._submit(operation, region, self.options(), self.next_seed())

    def regenerate(self) -> Request | None:
        """The last request again with a new seed (unless locked), never repeating an earlier candidate."""
        if self.request is None:
            return None
        if self.candidates is not None:
            self.avoid |= frozenset(self.candidates.fingerprints)
        region = self.request.region
        if self.candidates is not None and self.candidates.stale:  # the song changed: ask about it as it is now
            region = self._refit(region)
            self.avoid = frozenset()
        return self._submit(self.request.operation, region, self.options(), self.next_seed())

    def _refit(self, region: Region) -> Region:
        score = self.controller.score
        tracks = tuple(t for t in region.track_ids if score.has_track(t))
        return Region(tracks or region.track_ids, region.start_bar, region.end_bar)

    def _submit(self, operation: str, region: Region, options: RequestOptions, seed: int) -> Request:
        self.stop_audition()
        request = Request(self.service.new_id(), self.controller.revision, operation, self.controller.score, region,
                          options, seed, self.avoid)
        self.request = request
        # New bars should fit the bars around them; a variation or a restyle is meant to differ from them.
        neighbours = region_neighbours(request.score, region) if operation in ("fill", "continue") else ()
        self.candidates = CandidateSet(request.id, request.score, region, options.candidates, request.revision,
                                       neighbours)
        self._first_cell = None
        self._say(f"{LABELS[operation]}: writing {options.candidates} candidates for "
                  f"{_describe(self.controller.score, region)} (seed {seed})…", status=False)
        self.service.submit(request)  # first: the worker starts while the rows are built
        self._rebuild_rows()
        self._refresh_all()
        return request

    def cancel(self) -> None:
        if self.service.cancel():
            if self.candidates is not None and not self.candidates.finished:
                self.candidates = None
                self._rebuild_rows()
            self._say("Cancelled: nothing was changed")
            self._refresh_all()

    def reject_all(self) -> None:
        self.service.cancel(notify=False)
        self.stop_audition()
        had = self.candidates is not None
        self.candidates = None
        self._rebuild_rows()
        self._refresh_all()
        if had:
            self._say("Candidates rejected: the song is as it was")

    # accepting ----------------------------------------------------------------------------------

    def accept(self, index: int | None = None) -> bool:
        """Write candidate ``index`` (default: the shown one) into the region, with its take, as one undo step."""
        c = self.candidates
        if c is None:
            return False
        index = c.shown if index is None else index
        if index is None or not c.is_complete(index):
            self._say("That candidate is not finished yet")
            return False
        return self.accept_notes(c.notes(index), index)

    def accept_notes(self, notes: Mapping[int, Sequence[Note]], candidate: int,
                     extra_options: tuple[tuple[str, JsonScalar], ...] = ()) -> bool:
        """Write ``notes`` (per region track) and record the take (``candidate`` -1: a composite, whose
        ``extra_options`` name each bar's candidate)."""
        c, request, info = self.candidates, self.request, self.service.info
        if c is None or request is None:
            return False
        if c.stale:
            self._say("The song changed since these candidates were written: Regenerate first", error=True)
            return False
        score = self.controller.score
        options = tuple(sorted({**dict(request.options.as_pairs()), **dict(extra_options)}.items()))
        take = Take(request.operation, c.region.track_ids, c.region.start_bar, c.region.end_bar, options,
                    request.seed, info.name if info is not None else "unknown", candidate,
                    datetime.now(UTC).isoformat(timespec="seconds"))
        name = "composite" if candidate < 0 else letter(candidate)
        label = f"Assistant {LABELS[request.operation]} ({name})"
        try:
            edit = combine([c.region.put(score, notes, label), record_take(score, take)], label)
            self.stop_audition()
            self.candidates = None  # before the push: the change it makes is ours, not a stale one
            self.controller.push(edit)
        except ComposerError as exc:
            self._say(str(exc))
            return False
        self.avoid = frozenset()
        self._rebuild_rows()
        self._refresh_all()
        self._say(f"Accepted {name}: Undo puts the original back")
        return True

    # auditioning ------------------------------------------------------------------------------

    def audition(self, index: int) -> bool:
        """Loop the region in context with candidate ``index`` playing instead of the original."""
        c, t = self.candidates, self.transport
        if c is None or t is None or c.stale or not c.is_complete(index):
            return False
        self._auditioning = index  # first: showing it must not start another audition
        self.show_candidate(index)
        score = c.with_candidate(self.controller.score, index)
        start, end = c.region.ticks(self.controller.score)
        if not t.play_range(start, end):
            self._auditioning = None
            self._sync_audition_buttons()
            return False
        if t.player is not None:
            t.player.update(score)  # the transport played the song; hear the candidate in its place
        self._sync_audition_buttons()
        return True

    def stop_audition(self) -> None:
        if self._auditioning is not None:
            self._auditioning = None
            if self.transport is not None:
                self.transport.stop()
            self._sync_audition_buttons()

    @property
    def auditioning(self) -> int | None:
        return self._auditioning

    def _toggle_audition(self, index: int, on: bool) -> None:
        if on:
            if not self.audition(index):
                self._sync_audition_buttons()
        elif self._auditioning == index:
            self.stop_audition()

    def _transport_state(self, state: TransportState) -> None:
        if state is not TransportState.PLAYING and self._auditioning is not None:
            self._auditioning = None
            self._sync_audition_buttons()

    def _sync_audition_buttons(self) -> None:
        for row in self._rows:
            with QSignalBlocker(row.audition):
                row.audition.setChecked(row.index == self._auditioning)

    # showing candidates -----------------------------------------------------------------------

    def show_candidate(self, index: int | None) -> None:
        """Show candidate ``index`` as ghost notes (and select its row)."""
        c = self.candidates
        if c is None:
            return
        if index != c.shown:
            c.shown = index
            self.shown_changed.emit(index)
        if index is not None and self.candidate_list.currentRow() != index:
            with QSignalBlocker(self.candidate_list):
                self.candidate_list.setCurrentRow(index)
        if self._auditioning is not None and index is not None and index != self._auditioning:
            self.audition(index)  # switch what is heard with what is seen
        self._refresh_ghosts()

    def _row_clicked(self, item: QListWidgetItem) -> None:
        """A click on the row already shown changes no row, but still means "this one": it ends a
        preview of a mix (the candidate tools listen to ``shown_changed``)."""
        c = self.candidates
        index = self.candidate_list.row(item)
        if c is not None and index == c.shown:
            self.shown_changed.emit(index)

    def step_candidate(self, step: int) -> None:
        c = self.candidates
        if c is not None and c.count:
            self.show_candidate(((c.shown or 0) + step) % c.count)

    def set_ghost_styler(self, styler: GhostStyler | None) -> None:
        """How ghosts are styled (None: plain "candidate"); the diff view sets one."""
        self._styler = styler
        self._refresh_ghosts()

    def refresh_ghosts(self) -> None:
        self._refresh_ghosts()

    def _refresh_ghosts(self) -> None:
        c = self.candidates
        if c is None or c.shown is None or c.stale:
            self.ghosts.clear()
            return
        if self._styler is not None:
            pairs = self._styler(c, c.shown)
        else:  # the plain view: generated notes outside the key and the chord stand out
            outside = self._outside(c, c.shown)
            pairs = {t: [(n, "outside" if n.id in outside else s) for n, s in ps] for t, ps in c.ghosts().items()}
        self.ghosts.set_ghosts(pairs, c.ticks(), c.region.track_ids)

    def _outside(self, c: CandidateSet, index: int) -> set[int]:
        """Ids of candidate ``index``'s pitched notes outside the key's scale and the beat's chord (cached)."""
        key = (c.request_id, index, c.cells_done(index), c.finished, c.restarts)
        if self._outside_cache[0] != key:
            score = c.score
            pitched = [n for t, ns in c.notes(index).items() if score.has_track(t) and not score.track(t).is_drum
                       for n in ns]
            self._outside_cache = (key, outside_harmony(score, pitched))
        return self._outside_cache[1]

    def _row_chosen(self, row: int) -> None:
        if row >= 0 and self.candidates is not None:
            self.candidates.chosen = True
            self.show_candidate(row)

    def _rebuild_rows(self) -> None:
        with QSignalBlocker(self.candidate_list):
            self.candidate_list.clear()
        self._rows = []
        c = self.candidates
        for i in range(c.count if c is not None else 0):
            row = CandidateRow(i, self.candidate_list)
            row.accept.clicked.connect(lambda _=False, i=i: self.accept(i))
            row.audition.toggled.connect(lambda on, i=i: self._toggle_audition(i, on))
            item = QListWidgetItem(self.candidate_list)
            item.setSizeHint(row.sizeHint())
            self.candidate_list.setItemWidget(item, row)
            self._rows.append(row)
        rows = max(len(self._rows), 2)  # the list fits its rows: no empty box pushing the tools out of view
        height = rows * (self._rows[0].sizeHint().height() if self._rows else 26) + 2 * self.candidate_list.frameWidth()
        self.candidate_list.setFixedHeight(height + 2)
        self.candidates_changed.emit()

    # service events ----------------------------------------------------------------------------

    def _mine(self, request: Request) -> bool:
        return self.candidates is not None and request.id == self.candidates.request_id

    def _cell_done(self, request: Request, candidate: int, cell: tuple[int, int], notes: list[Note]) -> None:
        if not self._mine(request):
            return
        assert self.candidates is not None
        first = self._first_cell is None
        self.candidates.add_cell(candidate, cell, notes)
        if first:
            self._first_cell = time.perf_counter() - request.submitted
        if candidate == self.candidates.shown:
            self.show_candidate(candidate)
        self._refresh_row(candidate)
        self._refresh_progress()
        self.candidates_changed.emit()

    def _restarted(self, request: Request, candidate: int, start_bar: int, end_bar: int) -> None:
        if self._mine(request):
            assert self.candidates is not None
            self.candidates.restart(candidate, start_bar, end_bar)
            self._refresh_row(candidate)
            self._refresh_ghosts()
            self.candidates_changed.emit()

    def _finished(self, request: Request, result: object, seconds: float) -> None:
        if not self._mine(request):
            return
        c = self.candidates
        assert c is not None
        c.finish(result.candidates, result.fingerprints, result.bits)  # type: ignore[attr-defined]
        if len(self._rows) != c.count:
            self._rebuild_rows()
        if c.shown is None and c.count:
            c.shown = 0
        self.show_candidate(c.shown)
        self._refresh_all()
        first = self._first_cell if self._first_cell is not None else seconds
        self.latency.emit(first, seconds)
        found = "" if c.count == request.options.candidates else f" (only {c.count} distinct)"
        self._say(f"{c.count} candidates{found} in {seconds:.1f} s: audition, accept one, or regenerate",
                  status=False)
        self.candidates_changed.emit()

    def _failed(self, request: Request, text: str) -> None:
        if self.request is not None and request.id != self.request.id:
            return
        self.candidates = None
        self._rebuild_rows()
        self._refresh_all()
        self._say(text, error=True)

    def _went_stale(self, request: Request) -> None:
        if self._mine(request):
            self.candidates = None
            self._rebuild_rows()
            self._refresh_all()
            self._say("The song changed while the assistant was writing: its candidates were dropped. "
                      "Press Regenerate to ask again.", error=True)

    def _song_changed(self, changes: ChangeSet) -> None:
        """Finished candidates of a song that has since changed can no longer be accepted."""
        c = self.candidates
        if c is not None and c.finished and not c.stale and stale_change(changes):
            c.stale = True
            self.stop_audition()
            self._refresh_all()
            self._say("The song changed: these candidates are out of date. Regenerate to ask again.", error=True)
        if changes.takes or changes.everything:
            self._refresh_takes()

    def _score_replaced(self) -> None:
        self.service.cancel(notify=False)
        self.stop_audition()
        self.candidates, self.request, self.avoid = None, None, frozenset()
        self._rebuild_rows()
        self._refresh_all()
        self._refresh_takes()
        self._refresh_region()

    # model state ---------------------------------------------------------------------------------

    def _show_service_state(self, state: ServiceState, detail: str) -> None:
        if state is ServiceState.LOADING:
            text = "⏳ Loading model…"
        elif state is ServiceState.ERROR:
            text = f"<span style='color:#ff7b72'>Model unavailable: {detail}</span>"
        elif state is ServiceState.IDLE:
            text = "No model loaded"
        else:
            info = self.service.info
            name = info.name if info is not None else "model"
            text = f"Model {name} on {(info.device if info else '?').upper()}"
            if state is ServiceState.BUSY:
                text += " · generating…"
        self.model_label.setText(text)
        self._refresh_buttons()

    def _model_loaded(self, info: ModelInfo) -> None:
        current = self.style_box.currentData()
        with QSignalBlocker(self.style_box):
            self.style_box.clear()
            self.style_box.addItem("auto", None)
            for style in info.styles:
                self.style_box.addItem(style, style)
            index = self.style_box.findData(current)
            self.style_box.setCurrentIndex(max(index, 0))
        self._refresh_buttons()

    # takes ---------------------------------------------------------------------------------------

    def _refresh_takes(self) -> None:
        takes = self.controller.score.takes
        with QSignalBlocker(self.take_list):
            self.take_list.clear()
            for take in reversed(takes):  # newest first
                name = "composite" if take.candidate < 0 else letter(take.candidate)
                item = QListWidgetItem(f"{LABELS.get(take.operation, take.operation)} bars {take.start_bar + 1}-"
                                       f"{take.end_bar} · {name} · seed {take.seed}", self.take_list)
                item.setToolTip(f"{take.created} · {take.model}\n" + ", ".join(
                    f"{k}={v}" for k, v in take.options if v is not None))
                item.setData(Qt.ItemDataRole.UserRole, take)
        self._refresh_buttons()

    def selected_take(self) -> Take | None:
        item = self.take_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def rerun_take(self, take: Take | None = None, *, nearby: bool = False) -> Request | None:
        """Ask again as ``take`` did (default: the selected one): exactly, or "nearby" with the next seed
        each time (seed+1, seed+2, ...)."""
        take = take if take is not None else self.selected_take()
        if take is None:
            return None
        score = self.controller.score
        tracks = tuple(t for t in take.track_ids if score.has_track(t))
        if not tracks:
            self._say("The tracks of that take are gone")
            return None
        options = RequestOptions.from_pairs(take.options)
        self.set_options(options)
        seed = take.seed
        if nearby:
            self._nearby[take] = self._nearby.get(take, 0) + 1
            seed = (take.seed + self._nearby[take]) % MAX_SEED
        self.avoid = frozenset()
        region = Region(tracks, take.start_bar, take.end_bar)
        self.state.set_region(region)
        return self._submit(take.operation, region, options, seed)

    # refreshing ------------------------------------------------------------------------------------

    def _refresh_all(self) -> None:
        for i in range(len(self._rows)):
            self._refresh_row(i)
        self._refresh_progress()
        self._refresh_ghosts()
        self._refresh_buttons()

    def _refresh_row(self, index: int) -> None:
        c = self.candidates
        if c is None or index >= len(self._rows):
            return
        notes = sum(len(ns) for ns in c.notes(index).values())
        row = self._rows[index]
        complete = c.is_complete(index) and c.finished and not c.stale
        bits = c.bits[index] if complete and index < len(c.bits) else None
        row.show_state(len(c.written_bars(index)), c.region.bar_count, notes, complete, bits,
                       complete and c.starred == index, any(c.neighbours))

    def _refresh_progress(self) -> None:
        c = self.candidates
        value = round(100 * c.progress()) if c is not None else 0
        self.progress.setValue(value)
        running = self.service.current is not None and c is not None and not c.finished
        self.progress.setFormat("%p %" if running or value else "")
        self.cancel_button.setEnabled(running)

    def _refresh_buttons(self) -> None:
        ready = self.service.state in (ServiceState.READY, ServiceState.BUSY, ServiceState.LOADING)
        for name, button in self.operation_buttons.items():
            button.setEnabled(ready and self.target_region(name) is not None)
        c = self.candidates
        self.reject_button.setEnabled(c is not None)
        self.regenerate_button.setEnabled(ready and self.request is not None)
        has_take = self.selected_take() is not None
        self.exact_button.setEnabled(ready and has_take)
        self.nearby_button.setEnabled(ready and has_take)
        self.cancel_button.setEnabled(self.service.current is not None)

    def _refresh_region(self, *_: object) -> None:
        region = self.state.region
        score = self.controller.score
        if region is not None:
            self.region_label.setText(f"Region: {_describe(score, region)}")
        elif self.state.active_track is not None and score.has_track(self.state.active_track):
            self.region_label.setText(f"No region: drag in the overview (Continue works on "
                                      f"{score.track(self.state.active_track).name})")
        else:
            self.region_label.setText("No region: drag across tracks and bars in the overview")
        self._refresh_buttons()

    def _say(self, text: str, *, error: bool = False, status: bool = True) -> None:
        colour = "#ff7b72" if error else "palette(text)"
        self.feedback.setText(f"<span style='color:{colour}'>{text}</span>")
        self.feedback.setToolTip(text)
        if status or error:
            self.message.emit(text)


def _swatch(style: str) -> str:
    colour = LOOKS[style][0].color().name()
    return f"<span style='color:{colour}'>■</span>"


def _describe(score: Score, region: Region) -> str:
    names = [score.track(t).name for t in region.track_ids if score.has_track(t)]
    tracks = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
    bars = f"bar {region.start_bar + 1}" if region.bar_count == 1 else f"bars {region.start_bar + 1}–{region.end_bar}"
    return f"{tracks} · {bars}"
