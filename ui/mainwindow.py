"""The main window: the composition root that wires document, state, views, actions and files.

Layout: the arrangement overview above the piano roll (a vertical splitter), the track
list docked left and the undo history docked right; menus and toolbar come from the
one action table (:mod:`ui.actions`); the status bar says what is open and where the
mouse is. The window owns the DocumentController, the EditorState, the file
commands and the playback transport (its audio output opens once the window shows,
so a slow or missing sound card never delays it); the views only read the score and
push edits through the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QMouseEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStatusBar,
    QToolBar,
    QWidget,
)

from composer.clipboard import MIME_TYPE
from composer.errors import ComposerError
from composer.grid import Grid
from composer.pitch import pitch_name
from composer.project_file import Project
from ui.actions import ActionSet
from ui.arrangement.overview import ArrangementOverview
from ui.assistant.ghost_layer import GhostLayer
from ui.assistant.panel import AssistantPanel
from ui.assistant.service import DEFAULT_CHECKPOINT, AssistantService, ModelInfo, ServiceState
from ui.dialogs.meter_dialog import MeterDialog
from ui.dialogs.preferences_dialog import PreferencesDialog
from ui.dialogs.shortcuts_dialog import ShortcutsDialog
from ui.dialogs.title_dialog import TitleDialog
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.file_ops import FileOps, Prompts, QtPrompts, can_open, transform_from_state, transform_state
from ui.history_panel import HistoryPanel
from ui.pianoroll.editor import PianoRollEditor
from ui.playback.audio_export import AudioExport
from ui.playback.controls import TransportControls
from ui.playback.transport import Transport
from ui.recovery import RecoveryEntry, RecoveryManager
from ui.recovery import default_folder as default_recovery_folder
from ui.settings import Settings
from ui.tracks.track_list import TrackListPanel

APP_NAME = "Composer Studio"
MESSAGE_MS = 4000
SELECTION_ACTIONS = ("cut", "copy", "duplicate", "delete", "transpose_up", "transpose_down", "octave_up",
                     "octave_down", "nudge_left", "nudge_right", "quantize")
"""Actions that work on the selected notes, enabled only while there are some."""
ASSISTANT_LOAD_DELAY_S = 0.7
"""The model loads this long after the window shows: importing torch holds the interpreter for ~0.5 s at
a time, which would otherwise land on the window's first paint and the demo song's."""
PANELS = {"tracks": "show_tracks", "history": "show_history", "assistant": "show_assistant"}
"""Dock name (in settings) -> the action that shows it."""


def dropped_file(data: QMimeData) -> Path | None:
    """The first local file among dropped URLs that we can open."""
    for url in data.urls() if data.hasUrls() else []:
        if url.isLocalFile() and can_open(url.toLocalFile()):
            return Path(url.toLocalFile())
    return None


class StatusLine(QObject):
    """The status bar's permanent fields: busy indicator, pointer, tool, grid, counts and file."""

    def __init__(self, bar: QStatusBar, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.busy = QProgressBar(bar)
        self.busy.setRange(0, 0)  # indeterminate: a load has no progress to report
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(14)
        self.busy_label = QLabel(bar)
        self.pointer = self._field(bar, "pointer", 170, "Bar.beat.tick and pitch under the mouse")
        self.tool = self._field(bar, "tool", 90, "The current tool (1, 2, 3)")
        self.grid = self._field(bar, "grid", 90, "The snap grid (Tools > Snap)")
        self.counts = self._field(bar, "counts", 230, "Bars, tracks and notes in the song")
        self.file = self._field(bar, "file", 160, "The open file")
        for widget in (self.busy, self.busy_label):
            bar.addWidget(widget)
            widget.hide()
        for widget in (self.pointer, self.tool, self.grid, self.counts, self.file):
            bar.addPermanentWidget(widget)

    @staticmethod
    def _field(bar: QStatusBar, name: str, width: int, tip: str) -> QLabel:
        label = QLabel(bar)
        label.setObjectName(f"status_{name}")
        label.setMinimumWidth(width)
        label.setToolTip(tip)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def show_busy(self, busy: bool, text: str) -> None:
        self.busy_label.setText(text)
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy)

    def refresh(self, *_: object) -> None:
        window = self.window
        score = window.controller.score
        self.counts.setText(f"{score.bar_count} bars · {len(score.tracks)} tracks · {score.note_count:,} notes")
        modified = " (modified)" if window.controller.is_modified else ""
        self.file.setText(f"{window.file_ops.display_name}{modified}")
        self.grid.setText(f"Snap {window.state.grid}")
        self.tool.setText(f"{window.state.tool.value.capitalize()} tool")

    def show_pointer(self, tick: int | None, pitch: int | None) -> None:
        if tick is None or pitch is None:
            self.pointer.clear()
            return
        position = self.window.controller.score.time_signatures.position(max(tick, 0))
        self.pointer.setText(f"Bar {position} · {pitch_name(pitch)}")


class SnapBox(QComboBox):
    """The toolbar's snap chooser: the Tools > Snap actions as a drop-down, kept in step with them."""

    def __init__(self, actions: ActionSet, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("snap_box")
        self.setToolTip("Snap grid (Tools > Snap; hold Shift while dragging to place freely)")
        self._actions = [actions[s.id] for s in actions.specs if s.group == "snap"]
        self._grids = [actions.value(a) for a in self._actions]
        for action in self._actions:
            self.addItem(action.text())
        self.activated.connect(lambda index: self._actions[index].trigger())
        state.grid_changed.connect(self.show_grid)
        self.show_grid(state.grid)

    def show_grid(self, grid: Grid) -> None:
        self.setCurrentIndex(self._grids.index(grid) if grid in self._grids else -1)


class MainWindow(QMainWindow):
    """One document in one window; ``settings`` and ``prompts`` are injectable for tests."""

    def __init__(self, settings: Settings | None = None, prompts: Prompts | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.settings = settings if settings is not None else Settings()
        self.controller = DocumentController(self)
        self.state = EditorState(self)
        self._build_views()
        self.editing = self.editor.editing  # the canvas's own: its clicks set where Paste puts notes
        self.file_ops = FileOps(self.controller, self.state, self.settings, prompts or QtPrompts(self), self, self)
        self.transport = Transport(self.controller, self.state, self)
        self.audio_export = AudioExport(self.file_ops, self)
        self.recovery = RecoveryManager(self.controller, self.file_ops.app_state, lambda: self.file_ops.source,
                                        default_recovery_folder(self.settings), parent=self)
        self._audio_requested = False
        self._build_assistant()
        self._build_actions()
        self.status = StatusLine(self.statusBar(), self)
        self._build_assistant_status()
        self._connect()
        self.setAcceptDrops(True)
        self.resize(1400, 900)
        self._refresh()

    # building ---------------------------------------------------------------------------

    def _build_views(self) -> None:
        self.overview = ArrangementOverview(self.controller, self.state, self)
        self.editor = PianoRollEditor(self.controller, self.state, self)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.overview)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([230, 620])
        self.setCentralWidget(self.splitter)
        self.tracks = TrackListPanel(self.controller, self.state, self)
        self.history = HistoryPanel(self.controller, self.state, self)
        self.tracks_dock = self._dock("tracks", "Track List", self.tracks, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.tracks_dock.setTitleBarWidget(QWidget(self.tracks_dock))  # rows start level with the lanes
        self.history_dock = self._dock("history", "History", self.history, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.history_dock], [190], Qt.Orientation.Horizontal)

    def _dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}_dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(area, dock)
        return dock

    def _build_assistant(self) -> None:
        """The inference service (started once the window shows), the ghost notes and the panel dock."""
        self.assistant_service = AssistantService()  # no parent: its worker keeps it alive until it ends
        self.ghosts = GhostLayer(self)
        self.editor.canvas.add_overlay(self.ghosts)
        self.assistant = AssistantPanel(self.controller, self.state, self.assistant_service, self.ghosts,
                                        self.transport, self)
        self.assistant_dock = self._dock("assistant", "Assistant", self.assistant,
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.history_dock, self.assistant_dock)
        self.assistant_dock.raise_()
        self.resizeDocks([self.assistant_dock], [300], Qt.Orientation.Horizontal)
        self._assistant_requested = False

    def _build_assistant_status(self) -> None:
        """Status-bar fields: the model, the device it runs on and the last request's latency."""
        bar = self.statusBar()
        self.status.model = StatusLine._field(bar, "model", 150, "The assistant's model")
        self.status.device = StatusLine._field(bar, "device", 60, "Where the model runs (CUDA, MPS or CPU)")
        self.status.latency = StatusLine._field(bar, "latency", 150,
                                                "The last request: seconds to the first bar, and to all candidates")
        for widget in (self.status.model, self.status.device, self.status.latency):
            bar.addPermanentWidget(widget)
        self._show_model_state(self.assistant_service.state, self.assistant_service.detail)

    def _build_actions(self) -> None:
        stack = self.controller.undo_stack
        prebuilt = {
            "undo": stack.createUndoAction(self, "Undo"),
            "redo": stack.createRedoAction(self, "Redo"),
            "show_tracks": self.tracks_dock.toggleViewAction(),
            "show_history": self.history_dock.toggleViewAction(),
            "show_chord_lane": self.editor.chord_lane.toggle_action,
            "show_assistant": self.assistant_dock.toggleViewAction(),
        }
        self.actions = ActionSet(self, prebuilt=prebuilt)
        self.menus = self.actions.fill_menus(self.menuBar())
        self.toolbar = QToolBar("Main", self)
        self.toolbar.setObjectName("main_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setMovable(False)
        self.actions.fill_toolbar(self.toolbar)
        self.snap_box = SnapBox(self.actions, self.state, self.toolbar)
        before = self.actions["zoom_in"]
        self.toolbar.insertWidget(before, QLabel(" Snap ", self.toolbar))
        self.toolbar.insertWidget(before, self.snap_box)
        self.toolbar.insertSeparator(before)
        self.addToolBar(self.toolbar)
        self.transport_controls = TransportControls(self.transport, self.actions, self.editor, self)
        self.toolbar.addWidget(self.transport_controls.position_label)  # the transport's buttons end the bar
        # A fixed size: its text changes with every playhead move, and a label that may grow makes each
        # change relayout the whole window (the worst GUI stall while playing, see bench_assistant_gui).
        position = self.transport_controls.position_label
        width = max(position.minimumWidth(), position.fontMetrics().horizontalAdvance("8888.8") + 8)
        position.setFixedSize(width, position.sizeHint().height())
        self.actions.connect(self._handlers())
        self.actions.groups["tool"].triggered.connect(lambda a: self.state.set_tool(self.actions.value(a)))
        self.actions.groups["snap"].triggered.connect(lambda a: self.state.set_grid(self.actions.value(a)))
        self.menus["File/Open Recent"].aboutToShow.connect(self.refresh_recent_menu)

    def _handlers(self) -> dict[str, Callable[[], object]]:
        f, e, v = self.file_ops, self.editing, self.editor
        handlers: dict[str, Callable[[], object]] = {
            "new": f.new, "open": f.open, "save": f.save, "save_as": f.save_as, "import": f.import_file,
            "export_midi": f.export_midi, "export_audio": self.audio_export.run, "quit": self.close,
            "cut": e.cut, "copy": e.copy, "paste": e.paste, "duplicate": e.duplicate, "delete": e.delete,
            "select_all": e.select_all, "transpose_up": lambda: e.transpose(1),
            "transpose_down": lambda: e.transpose(-1), "octave_up": lambda: e.transpose(12),
            "octave_down": lambda: e.transpose(-12), "nudge_left": lambda: e.nudge(-1),
            "nudge_right": lambda: e.nudge(1), "quantize": e.quantize,
            "zoom_in": v.zoom_in, "zoom_out": v.zoom_out, "zoom_fit": v.zoom_to_fit,
            "meter": self.edit_meter, "title": self.edit_title, "preferences": self.edit_preferences,
            "shortcuts": self.show_shortcuts, "about": self.show_about,
            **self.transport_controls.handlers(),
            **self._assistant_handlers(),
        }
        return {name: self._guarded(handler) for name, handler in handlers.items()}

    def run_assistant(self, operation: str, whole_track: bool = False) -> object:
        """Fill, Vary, Restyle or Continue from a menu, shortcut or context menu: the panel comes forward."""
        self.assistant_dock.show()
        self.assistant_dock.raise_()
        return self.assistant.run(operation, whole_track=whole_track)

    def _assistant_handlers(self) -> dict[str, Callable[[], object]]:
        a = self.assistant

        def run(operation: str, whole_track: bool = False) -> Callable[[], object]:
            return lambda: self.run_assistant(operation, whole_track)

        return {
            "ai_fill": run("fill"), "ai_vary": run("vary"), "ai_restyle": run("restyle"),
            "ai_restyle_track": run("restyle", True), "ai_continue": run("continue"), "ai_accept": a.accept,
            "ai_next": lambda: a.step_candidate(1), "ai_previous": lambda: a.step_candidate(-1),
            "ai_audition": self._audition_shown, "ai_reject": a.reject_all, "ai_regenerate": a.regenerate,
            "ai_cancel": a.cancel, "ai_model": self.choose_model, "ai_model_default": lambda: self.use_model(None),
        }

    def choose_model(self) -> None:
        """Pick a checkpoint's description (.json beside its .safetensors) and load it."""
        current = self.settings.assistant_model or DEFAULT_CHECKPOINT
        path = self.file_ops.prompts.open_path("Choose a model", current.parent, "Composer Studio models (*.json)")
        if path is not None:
            self.use_model(path.with_suffix(""))

    def use_model(self, stem: Path | None) -> None:
        """Load the checkpoint at ``stem`` (None: the shipped one) and remember it; a model that cannot
        load says why in the panel and the status bar, and the editor goes on."""
        self.settings.assistant_model = stem
        self.assistant_service.start(stem or DEFAULT_CHECKPOINT)

    def _audition_shown(self) -> None:
        a = self.assistant
        if a.auditioning is not None:
            a.stop_audition()
        elif a.candidates is not None and a.candidates.shown is not None:
            a.audition(a.candidates.shown)

    def _show_model_state(self, state: ServiceState, detail: str) -> None:
        info = self.assistant_service.info
        if state is ServiceState.LOADING:
            self.status.model.setText("Loading model…")
        elif state is ServiceState.ERROR:
            self.status.model.setText("No model")
            self.status.model.setToolTip(f"The assistant is unavailable: {detail}")
        elif info is not None:
            self.status.model.setText(info.path.name)
            self.status.model.setToolTip(f"The assistant's model: {info.name}")
        self.status.device.setText(info.device.upper() if info is not None else "")

    def _show_latency(self, first: float, total: float) -> None:
        self.status.latency.setText(f"{first * 1000:.0f} ms · {total:.1f} s")

    def _model_loaded(self, info: ModelInfo) -> None:
        self._show_model_state(self.assistant_service.state, "")

    def start_assistant(self) -> None:
        """Start the worker and load the model (once the window is up: torch loads in the background)."""
        self.assistant_service.start(self.settings.assistant_model or DEFAULT_CHECKPOINT, ASSISTANT_LOAD_DELAY_S)

    def _guarded(self, handler: Callable[[], object]) -> Callable[[], object]:
        """An edit that no longer fits (EditError) becomes a status message, not a crash."""

        def run() -> object:
            try:
                return handler()
            except ComposerError as exc:
                self.statusBar().showMessage(str(exc), MESSAGE_MS)
                return None

        return run

    def _connect(self) -> None:
        c, s, f = self.controller, self.state, self.file_ops
        for signal in (c.changed, c.score_replaced, c.path_changed, c.modified_changed, f.opened):
            signal.connect(self._refresh)
        s.tool_changed.connect(self._refresh)
        s.grid_changed.connect(self._refresh)
        s.selection_changed.connect(self._update_enabled)
        s.active_track_changed.connect(self._update_enabled)
        QGuiApplication.clipboard().dataChanged.connect(self._update_enabled)
        f.busy_changed.connect(self.status.show_busy)
        for source in (f, self.tracks, self.transport_controls, self.audio_export):
            source.message.connect(lambda text: self.statusBar().showMessage(text, MESSAGE_MS))
        self.transport.message.connect(self.statusBar().showMessage)  # why it cannot play: stays until replaced
        self.recovery.failed.connect(lambda why: self.statusBar().showMessage(f"Recovery copy not saved: {why}"))
        svc = self.assistant_service
        svc.state_changed.connect(self._show_model_state)
        svc.model_loaded.connect(self._model_loaded)
        svc.message.connect(lambda text: self.statusBar().showMessage(text, MESSAGE_MS))
        self.assistant.message.connect(lambda text: self.statusBar().showMessage(text, MESSAGE_MS))
        self.assistant.latency.connect(self._show_latency)
        self.overview.assistant_requested.connect(self.run_assistant)
        self.editor.canvas.installEventFilter(self)
        self.overview.bar_activated.connect(self.show_bar)
        self._link_track_rows()

    def _link_track_rows(self) -> None:
        """With the track list docked beside the overview, its rows are the lanes' names.

        Both are HEADER_HEIGHT + n * ROW_HEIGHT tall and start level, so the overview hides its
        own name column and the two scroll together; float or hide the list and the names return.
        """
        ours, theirs = self.overview.verticalScrollBar(), self.tracks.vertical_scroll_bar()
        ours.valueChanged.connect(theirs.setValue)
        theirs.valueChanged.connect(ours.setValue)
        dock = self.tracks_dock
        for signal in (dock.visibilityChanged, dock.topLevelChanged, dock.dockLocationChanged):
            signal.connect(self._show_lane_names)
        self._show_lane_names()

    def _show_lane_names(self, *_: object) -> None:
        dock = self.tracks_dock
        beside = not dock.isHidden() and not dock.isFloating()
        beside = beside and self.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
        self.overview.set_names_visible(not beside)

    # following the document and state ---------------------------------------------------

    def _refresh(self, *_: object) -> None:
        self.setWindowTitle(f"{self.file_ops.display_name}[*] — {APP_NAME}")
        self.setWindowModified(self.controller.is_modified)
        tool = self.actions.action_for("tool", self.state.tool)
        snap = self.actions.action_for("snap", self.state.grid)
        for action in (tool, snap):
            if action is not None:
                action.setChecked(True)
        self.status.refresh()
        self._update_enabled()

    def _update_enabled(self, *_: object) -> None:
        selected = bool(self.state.selection)
        for name in SELECTION_ACTIONS:
            self.actions[name].setEnabled(selected)
        data = QGuiApplication.clipboard().mimeData()
        has_track = self.state.active_track is not None
        self.actions["paste"].setEnabled(has_track and data is not None and data.hasFormat(MIME_TYPE))
        self.actions["select_all"].setEnabled(has_track)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The pointer's bar.beat.tick and pitch, read off the canvas's own transform."""
        if watched is self.editor.canvas:
            if event.type() == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                t = self.editor.canvas.transform
                pos = event.position()
                self.status.show_pointer(int(t.x_to_tick(pos.x())), t.y_to_pitch(pos.y()))
            elif event.type() == QEvent.Type.Leave:
                self.status.show_pointer(None, None)
        return False

    # ViewMemory: what a project file remembers of the roll --------------------------------

    def view_state(self) -> dict[str, float]:
        return transform_state(self.editor.viewport.transform)

    def restore_view_state(self, view: dict[str, float]) -> None:
        transform = transform_from_state(view)
        if transform is not None:
            self.editor.viewport.set_transform(transform.scrolled_to(view_height=self.editor.canvas.height()))

    # commands ---------------------------------------------------------------------------

    def show_bar(self, track_id: int, bar: int) -> None:
        """Open ``track_id`` in the piano roll with ``bar`` at the left edge (overview double-click)."""
        self.state.set_active_track(track_id)
        viewport, height = self.editor.viewport, self.editor.canvas.height()
        start = self.controller.score.time_signatures.bar_start(bar)
        viewport.set_transform(viewport.transform.scrolled_to(left_tick=start, view_height=height))
        self.editor.scroll_to_active_track()  # rows onto the notes now in view

    def recover(self, entry: RecoveryEntry, project: Project) -> None:
        """Open a recovery copy left by a crash; this window's own copy takes over before the old one goes."""
        self.file_ops.restore_recovered(project.score, project.app_state, entry.original, entry.source)
        self.recovery.save(also_discard=entry)

    def open_demo(self, path: Path) -> bool:
        """Open the bundled demo without adding it to the recent files."""
        return self.file_ops.open_path(path, confirm=False, remember=False)

    def refresh_recent_menu(self) -> None:
        menu: QMenu = self.menus["File/Open Recent"]
        menu.clear()
        recent = self.settings.recent_files
        for number, path in enumerate(recent, 1):
            action = menu.addAction(f"&{number % 10}  {path.name}")
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.file_ops.open_recent(p))
        if not recent:
            menu.addAction("No recent files").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear List", self.settings.clear_recent)

    def edit_meter(self) -> MeterDialog:
        dialog = MeterDialog(self.controller, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def edit_title(self) -> TitleDialog:
        dialog = TitleDialog(self.controller, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = self.findChild(ShortcutsDialog)
        if dialog is None:
            dialog = ShortcutsDialog(self.actions.specs, self)
        dialog.show()
        dialog.raise_()
        return dialog

    def show_about(self) -> None:
        QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<h3>{APP_NAME}</h3><p>A piano-roll editor with a composition assistant.</p>"
            "<p>Demo song: POP909 (Music X Lab, MIT licence).</p>",
        )

    def edit_preferences(self) -> PreferencesDialog:
        """SoundFont and audio output; OK stores them and reopens the transport with them."""
        dialog = PreferencesDialog(self.settings.audio_output, self.file_ops.prompts.open_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply_audio_output(dialog))
        dialog.open()
        return dialog

    def apply_audio_output(self, dialog: PreferencesDialog) -> None:
        """Store what the dialog chose; a new output is opened at once, so it is heard (or refused) now."""
        output = dialog.output()
        if output != self.settings.audio_output:
            self.settings.audio_output = output
            self.open_audio()

    def open_audio(self) -> None:
        """Open (or reopen) the audio output chosen in the settings, in the background."""
        output = self.settings.audio_output
        self.statusBar().clearMessage()  # an old "unavailable" must not outlive the output it was about
        self.transport.open(output.soundfont, output.driver, output.device)

    # settings ---------------------------------------------------------------------------

    def restore_settings(self) -> None:
        geometry, layout = self.settings.window_geometry, self.settings.window_state
        if geometry is not None:
            self.restoreGeometry(geometry)
        if layout is not None:
            self.restoreState(layout)
        self.tracks_dock.setVisible(self.settings.panel_visible("tracks"))
        self.history_dock.setVisible(self.settings.panel_visible("history"))
        self.assistant_dock.setVisible(self.settings.panel_visible("assistant"))
        self.assistant.restore_options(self.settings.assistant_options)
        self.state.set_grid(self.settings.grid)
        self.editor.chord_lane.restore_settings(self.settings)

    def save_settings(self) -> None:
        self.settings.window_geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        for name, action_id in PANELS.items():
            self.settings.set_panel_visible(name, self.actions[action_id].isChecked())
        self.settings.grid = self.state.grid
        self.editor.chord_lane.save_settings(self.settings)
        self.settings.assistant_options = self.assistant.saved_options()
        self.settings.sync()

    # window events ----------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Open the audio output once the window is up, so it never waits for a sound card."""
        super().showEvent(event)
        if not self._audio_requested:
            self._audio_requested = True
            QTimer.singleShot(0, self, self.open_audio)
        if not self._assistant_requested:
            self._assistant_requested = True
            QTimer.singleShot(0, self, self.start_assistant)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved changes; Cancel keeps the window open. Closing releases the audio device."""
        if not self.file_ops.confirm_discard():
            event.ignore()
            return
        self.save_settings()
        self.audio_export.cancel()
        self.transport.close()
        self.assistant_service.shutdown()
        self.recovery.close()  # saved or discarded by the user: the recovery copy goes
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        """Open the dropped file once the drop is over (a prompt inside a drop blocks the source app)."""
        path = dropped_file(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.file_ops.open_path(path))


