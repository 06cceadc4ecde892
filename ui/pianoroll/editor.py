"""The piano-roll editor: ruler, chord lane, keyboard, note canvas, velocity lane and scroll bars around
one shared :class:`~ui.pianoroll.viewport.RollViewport`.

The editor owns the viewport, so each part only draws with it and scrolling or
zooming any part moves all of them. The scroll bars are views of the viewport too
(:class:`ScrollBinding`); zoom commands (:meth:`PianoRollEditor.zoom_in`, ``zoom_out``,
``zoom_to_fit``) are here for the main window's toolbar and shortcuts.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollBar, QSplitter, QVBoxLayout, QWidget

from composer.score import Note, Score
from ui.document_controller import DocumentController
from ui.editor_state import EditorState
from ui.pianoroll import palette
from ui.pianoroll.canvas import NoteCanvas
from ui.pianoroll.chord_lane import ChordLane
from ui.pianoroll.keyboard import PianoKeyboard
from ui.pianoroll.ruler import Ruler
from ui.pianoroll.transform import RollTransform
from ui.pianoroll.velocity_lane import VelocityLane
from ui.pianoroll.viewport import RollViewport

KEYBOARD_WIDTH = 64
ZOOM_STEP = 1.5
"""Factor of one zoom-in or zoom-out command."""
EXTRA_BARS = 4
"""Bars the horizontal scroll range reaches past the end of the song, room to write on."""
MIN_SCROLL_BARS = 16
"""An empty or short song still scrolls over this many bars."""
DEFAULT_TRANSFORM = RollTransform(px_per_tick=0.1, key_height=12.0)
"""About eight 4/4 bars across a 1600 px canvas; C4 rows 12 px high."""
FIT_PITCH_MARGIN = 2
"""Rows left free above and below the notes by zoom_to_fit."""
PAGE_LEAD = 0.05
"""When the view pages after the playhead, the playhead lands this fraction of the width from the left."""


def scroll_end_tick(score: Score) -> int:
    """Where the horizontal scroll range ends: the song's last bar plus a few, at least 16 bars."""
    sigs = score.time_signatures
    bars = max(score.bar_count + EXTRA_BARS, MIN_SCROLL_BARS)
    return sigs.bar_start(bars)


def centred_on(t: RollTransform, notes: list[Note], view_height: float) -> RollTransform:
    """``t`` scrolled so the rows of ``notes`` (lowest to highest pitch) sit mid-view."""
    low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
    middle = t.pitch_to_y(high) + t.top + (high - low + 1) * t.key_height / 2
    return t.scrolled_to(top=middle - view_height / 2, view_height=view_height)


def paged_to_playhead(t: RollTransform, width: float, before: int | None, tick: int) -> RollTransform | None:
    """The view paged so a playhead that just left it is shown again, or None if no page turn is due.

    Past the right edge the next page starts just before the playhead; a jump back before the
    left edge (a loop wrapping round) pages back the same way. A playhead that was already out
    of view stays out: the user scrolled away to look at something else.
    """
    if 0 <= t.tick_to_x(tick) < width:
        return None
    if before is not None and not 0 <= t.tick_to_x(before) < width:
        return None
    return t.scrolled_to(left_tick=tick - PAGE_LEAD * width / t.px_per_tick)


class ScrollBinding(QObject):
    """Keeps two scroll bars and the viewport in step (ticks across, pixels down).

    Either side may move: the scroll bar sets the viewport, and any viewport change
    (wheel, zoom, fit) resets the bars' ranges and values, with their signals blocked
    so the two never echo each other.
    """

    def __init__(
        self,
        controller: DocumentController,
        viewport: RollViewport,
        canvas: QWidget,
        horizontal: QScrollBar,
        vertical: QScrollBar,
    ) -> None:
        super().__init__(canvas)
        self.controller = controller
        self.viewport = viewport
        self.canvas = canvas
        self.horizontal = horizontal
        self.vertical = vertical
        horizontal.valueChanged.connect(self._horizontal_moved)
        vertical.valueChanged.connect(self._vertical_moved)
        viewport.changed.connect(self.sync)
        controller.changed.connect(self.sync)
        controller.score_replaced.connect(self.sync)
        canvas.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.Resize:
            self.sync()
        return False

    def sync(self, *_: object) -> None:
        """Set both bars from the viewport and the song length."""
        t = self.viewport.transform
        width, height = self.canvas.width(), self.canvas.height()
        start, end = t.visible_ticks(width)
        page = max(end - start, 1)
        maximum = max(scroll_end_tick(self.controller.score) - page, round(t.left_tick), 0)
        self._set(self.horizontal, maximum, page, max(page // 10, 1), round(t.left_tick))
        v_max = max(round(t.content_height - height), 0)
        self._set(self.vertical, v_max, max(height, 1), max(round(t.key_height), 1), round(t.top))

    @staticmethod
    def _set(bar: QScrollBar, maximum: int, page: int, step: int, value: int) -> None:
        bar.blockSignals(True)
        try:
            bar.setRange(0, maximum)
            bar.setPageStep(page)
            bar.setSingleStep(step)
            bar.setValue(value)
        finally:
            bar.blockSignals(False)

    def _horizontal_moved(self, value: int) -> None:
        t = self.viewport.transform
        self.viewport.set_transform(t.scrolled_to(left_tick=value, view_height=self.canvas.height()))

    def _vertical_moved(self, value: int) -> None:
        t = self.viewport.transform
        self.viewport.set_transform(t.scrolled_to(top=value, view_height=self.canvas.height()))


def _corner(width: int, text: str = "") -> QLabel:
    """A filler cell in the ruler's colour, so the grid's corners do not show the window grey."""
    label = QLabel(text)
    label.setFixedWidth(width)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setAutoFillBackground(True)
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.Window, palette.RULER_BACKGROUND)
    pal.setColor(QPalette.ColorRole.WindowText, palette.RULER_TEXT)
    label.setPalette(pal)
    return label


class PianoRollEditor(QWidget):
    """The whole piano roll of the active track, other tracks faded behind it."""

    audition = Signal(int, int)  # pitch, velocity: a note clicked or drawn, or a key pressed

    def __init__(self, controller: DocumentController, state: EditorState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = state
        self.viewport = RollViewport(DEFAULT_TRANSFORM, self)
        self.canvas = NoteCanvas(controller, state, self.viewport)
        self.keyboard = PianoKeyboard(self.viewport)
        self.ruler = Ruler(controller, state, self.viewport)
        self.chord_lane = ChordLane(controller, self.viewport)
        self.velocity_lane = VelocityLane(controller, state, self.viewport)
        self.horizontal_scroll = QScrollBar(Qt.Orientation.Horizontal)
        self.vertical_scroll = QScrollBar(Qt.Orientation.Vertical)
        self.editing = self.canvas.editing
        self._build_layout()
        bars = (self.horizontal_scroll, self.vertical_scroll)
        self.scroll = ScrollBinding(controller, self.viewport, self.canvas, *bars)
        self.canvas.note_auditioned.connect(self.audition)
        self.keyboard.key_pressed.connect(self.audition)
        controller.score_replaced.connect(self._score_replaced)
        state.active_track_changed.connect(self.scroll_to_active_track)

    def _build_layout(self) -> None:
        self.keyboard.setFixedWidth(KEYBOARD_WIDTH)
        roll = QWidget()
        grid = QGridLayout(roll)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        scroll_width = self.vertical_scroll.sizeHint().width()
        grid.addWidget(_corner(KEYBOARD_WIDTH), 0, 0)
        grid.addWidget(self.ruler, 0, 1)
        grid.addWidget(_corner(scroll_width), 0, 2)
        chord_corners = (_corner(KEYBOARD_WIDTH, "Chords"), _corner(scroll_width))
        grid.addWidget(chord_corners[0], 1, 0)
        grid.addWidget(self.chord_lane, 1, 1)
        grid.addWidget(chord_corners[1], 1, 2)
        for corner in chord_corners:  # the row folds away with the lane (View > Chord Lane)
            self.chord_lane.toggle_action.toggled.connect(corner.setVisible)
        grid.addWidget(self.keyboard, 2, 0)
        grid.addWidget(self.canvas, 2, 1)
        grid.addWidget(self.vertical_scroll, 2, 2)
        lane = QWidget()
        lane_row = QGridLayout(lane)
        lane_row.setContentsMargins(0, 0, 0, 0)
        lane_row.setSpacing(0)
        lane_row.addWidget(_corner(KEYBOARD_WIDTH, "Velocity"), 0, 0)
        lane_row.addWidget(self.velocity_lane, 0, 1)
        lane_row.addWidget(_corner(scroll_width), 0, 2)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(roll)
        self.splitter.addWidget(lane)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setCollapsible(0, False)
        self.splitter.setSizes([600, 110])
        self.splitter.setHandleWidth(5)
        handle = palette.RULER_BACKGROUND.name()
        self.splitter.setStyleSheet(f"QSplitter::handle {{ background: {handle}; }}")  # no bright bar in a dark roll
        bottom = QGridLayout()
        bottom.setSpacing(0)
        bottom.setColumnMinimumWidth(0, KEYBOARD_WIDTH)
        bottom.addWidget(self.horizontal_scroll, 0, 1)
        bottom.setColumnMinimumWidth(2, scroll_width)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.splitter, 1)
        outer.addLayout(bottom)

    # zoom ---------------------------------------------------------------------------------

    def zoom_in(self) -> None:
        """Zoom time in around the middle of the view (the toolbar's + and the + key)."""
        self._zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom(1 / ZOOM_STEP)

    def _zoom(self, factor: float) -> None:
        self.viewport.set_transform(self.viewport.transform.zoomed_x(factor, self.canvas.width() / 2))

    def zoom_to_fit(self) -> None:
        """Fit the active track's notes (whole bars, all their pitches); else the whole song (Ctrl+0)."""
        score = self.controller.score
        notes = list(self._active_notes()) or [n for t in score.tracks for n in t.notes]
        sigs = score.time_signatures
        if notes:
            start = sigs.bar_start(sigs.bar_at(min(n.start for n in notes)))
            end = sigs.bar_range(sigs.bar_at(max(n.end for n in notes) - 1))[1]
            low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
        else:
            start, end, low, high = 0, sigs.bar_start(4), 48, 72
        w, h = self.canvas.width(), self.canvas.height()
        low, high = max(low - FIT_PITCH_MARGIN, 0), min(high + FIT_PITCH_MARGIN, 127)
        self.viewport.set_transform(self.viewport.transform.fit(start, end, w, low, high, h))

    # the playhead ---------------------------------------------------------------------------

    def show_playhead(self, tick: int | None, follow: bool = False) -> None:
        """Draw the play position on the ruler and across the roll (None hides it);
        ``follow`` (while playing) turns the page when it runs out of view."""
        before = self.canvas.playhead
        self.ruler.set_playhead(tick)
        self.canvas.set_playhead(tick)
        if follow and tick is not None:
            paged = paged_to_playhead(self.viewport.transform, self.canvas.width(), before, tick)
            if paged is not None:
                self.viewport.set_transform(paged)

    # following the active track -------------------------------------------------------------

    def _active_notes(self) -> tuple[Note, ...]:
        track = self.canvas.active_track()
        return track.notes if track is not None else ()

    def scroll_to_active_track(self, *_: object) -> None:
        """Bring the active track's notes into view, keeping the zoom.

        If none of them sounds in the visible time range, scroll to the bar of its first
        note; then centre the rows on the pitches of the notes now in view.
        """
        track = self.canvas.active_track()
        if track is None or not track.notes:
            return
        notes = track.notes
        t, w, h = self.viewport.transform, self.canvas.width(), self.canvas.height()
        start, end = t.visible_ticks(w)
        shown = list(track.sounding_in(start, end))
        if not shown:
            sigs = self.controller.score.time_signatures
            t = t.scrolled_to(left_tick=sigs.bar_start(sigs.bar_at(notes[0].start)), view_height=h)
            shown = list(track.sounding_in(*t.visible_ticks(w))) or list(notes)
        self.viewport.set_transform(centred_on(t, shown, h))

    def _score_replaced(self) -> None:
        """A new song: start at its beginning, rows on its notes (the active track's if any)."""
        h = self.canvas.height()
        t = self.viewport.transform.scrolled_to(left_tick=0, view_height=h)
        notes = list(self._active_notes()) or [n for track in self.controller.score.tracks for n in track.notes]
        self.viewport.set_transform(centred_on(t, notes, h) if notes else t)
