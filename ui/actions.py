"""Every menu, toolbar and shortcut action of the main window, declared in one table.

The table (:data:`ACTIONS`) is the single source for the menus, the toolbar, the
shortcuts and the shortcuts help page, so none of them can drift from the others.
:class:`ActionSet` turns it into QActions; the window connects them to handlers by id.

Shortcuts are spelled out explicitly so they are the same on every platform; where
Qt has a standard key for the command, its platform bindings are added unless another
action already claims one of them (on X11, QKeySequence.Delete also means Ctrl+D,
which here is Duplicate).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QStyle, QToolBar, QWidget

from composer.grid import GRID_CHOICES, Grid
from ui.editor_state import Tool

Key = QKeySequence.StandardKey
Icon = QStyle.StandardPixmap

MENUS = ("File", "Edit", "View", "Tools", "Song", "Transport", "Assistant", "Help")
"""Top-level menus, left to right; a spec's ``menu`` is one of these or "Menu/Submenu"."""


@dataclass(frozen=True)
class ActionSpec:
    """One command: how it is named, where it appears and which keys trigger it."""

    id: str
    text: str
    menu: str
    keys: tuple[str, ...] = ()  # portable text, e.g. "Ctrl+Shift+S"
    standard: Key | None = None  # Qt's standard key, whose platform bindings are added
    tip: str = ""
    toolbar: bool = False
    checkable: bool = False
    group: str = ""  # checkable actions of one group are exclusive
    value: Any = None  # what a grouped action selects (a Tool, a Grid)
    hint: str = ""  # a key the piano roll handles itself (arrows): listed, not bound here
    icon: Icon | None = None
    separator_before: bool = False
    submenu: bool = False  # this entry is a submenu named ``text``, filled by its own entries

    @property
    def plain_text(self) -> str:
        """The text without mnemonics or an ellipsis, for lists and tooltips."""
        return self.text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("...")


def _snap_spec(grid: Grid, first: bool) -> ActionSpec:
    label = "Off" if grid.is_off else f"1/{grid.division}{' triplet' if grid.triplet else ''}"
    return ActionSpec(
        f"snap_{grid}", label, "Tools/Snap", tip=f"Snap notes to a {label} grid" if not grid.is_off else
        "Place notes freely, without a grid", checkable=True, group="snap", value=grid,
        separator_before=(grid.triplet and grid.division == 4) or (grid.is_off and not first),
    )


ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("new", "&New", "File", ("Ctrl+N",), Key.New, "Start an empty project", True, icon=Icon.SP_FileIcon),
    ActionSpec("open", "&Open...", "File", ("Ctrl+O",), Key.Open, "Open a project, MIDI or MusicXML file", True,
               icon=Icon.SP_DialogOpenButton),
    ActionSpec("recent", "Open &Recent", "File", submenu=True),
    ActionSpec("save", "&Save", "File", ("Ctrl+S",), Key.Save, "Save the project", True,
               icon=Icon.SP_DialogSaveButton, separator_before=True),
    ActionSpec("save_as", "Save &As...", "File", ("Ctrl+Shift+S",), Key.SaveAs, "Save the project under a new name"),
    ActionSpec("import", "&Import MIDI/MusicXML...", "File", ("Ctrl+I",), None,
               "Read a MIDI or MusicXML file into a new project", separator_before=True),
    ActionSpec("export_midi", "&Export MIDI...", "File", ("Ctrl+E",), None,
               "Write the song as a standard MIDI file; the project keeps its own file"),
    ActionSpec("export_audio", "Export &Audio...", "File", ("Ctrl+Shift+E",), None,
               "Render the song, or the loop range, to a WAV file"),
    ActionSpec("quit", "&Quit", "File", ("Ctrl+Q",), Key.Quit, "Close the window", separator_before=True),
    # Edit
    ActionSpec("undo", "&Undo", "Edit", ("Ctrl+Z",), Key.Undo, "Undo the last change", True,
               icon=Icon.SP_ArrowBack),
    ActionSpec("redo", "&Redo", "Edit", ("Ctrl+Y", "Ctrl+Shift+Z"), Key.Redo, "Redo the change undone last", True,
               icon=Icon.SP_ArrowForward),
    ActionSpec("cut", "Cu&t", "Edit", ("Ctrl+X",), Key.Cut, "Move the selected notes to the clipboard",
               separator_before=True),
    ActionSpec("copy", "&Copy", "Edit", ("Ctrl+C",), Key.Copy, "Copy the selected notes"),
    ActionSpec("paste", "&Paste", "Edit", ("Ctrl+V",), Key.Paste, "Paste notes into the active track"),
    ActionSpec("duplicate", "D&uplicate", "Edit", ("Ctrl+D",), None, "Repeat the selected notes right after them"),
    ActionSpec("delete", "&Delete", "Edit", ("Del",), Key.Delete, "Delete the selected notes"),
    ActionSpec("select_all", "Select &All", "Edit", ("Ctrl+A",), Key.SelectAll, "Select every note of the track",
               separator_before=True),
    ActionSpec("transpose_up", "Transpose Up", "Edit", tip="Raise the selected notes a semitone", hint="Up",
               separator_before=True),
    ActionSpec("transpose_down", "Transpose Down", "Edit", tip="Lower the selected notes a semitone", hint="Down"),
    ActionSpec("octave_up", "Transpose Up Octave", "Edit", ("Ctrl+Up",), None, "Raise the selected notes an octave",
               hint="Shift+Up"),
    ActionSpec("octave_down", "Transpose Down Octave", "Edit", ("Ctrl+Down",), None,
               "Lower the selected notes an octave", hint="Shift+Down"),
    ActionSpec("nudge_left", "Move Left", "Edit", tip="Move the selected notes one grid step earlier", hint="Left"),
    ActionSpec("nudge_right", "Move Right", "Edit", tip="Move the selected notes one grid step later", hint="Right"),
    ActionSpec("quantize", "&Quantize", "Edit", ("Q",), None, "Move the selected notes onto the snap grid"),
    ActionSpec("preferences", "Pre&ferences...", "Edit", ("Ctrl+,",), Key.Preferences,
               "Choose the SoundFont and the audio output", separator_before=True),
    # View
    ActionSpec("zoom_in", "Zoom &In", "View", ("+", "="), None, "Show less time, larger", True),
    ActionSpec("zoom_out", "Zoom &Out", "View", ("-",), None, "Show more time, smaller", True),
    ActionSpec("zoom_fit", "Zoom to &Fit", "View", ("Ctrl+0",), None, "Show the whole song", True),
    ActionSpec("show_tracks", "&Track List", "View", tip="Show or hide the track list", checkable=True,
               separator_before=True),
    ActionSpec("show_history", "&History", "View", tip="Show or hide the undo history", checkable=True),
    ActionSpec("show_chord_lane", "&Chord Lane", "View", tip="Show or hide the chords above the piano roll",
               checkable=True),
    ActionSpec("show_assistant", "&Assistant Panel", "View", tip="Show or hide the assistant panel",
               checkable=True),
    # Tools
    ActionSpec("tool_draw", "&Draw", "Tools", ("1",), None, "Click to add notes, drag to set their length", True,
               True, "tool", Tool.DRAW),
    ActionSpec("tool_select", "&Select", "Tools", ("2",), None, "Select, move and resize notes", True, True,
               "tool", Tool.SELECT),
    ActionSpec("tool_erase", "&Erase", "Tools", ("3",), None, "Click or drag over notes to delete them", True,
               True, "tool", Tool.ERASE),
    ActionSpec("snap", "S&nap", "Tools", submenu=True, separator_before=True),
    *(_snap_spec(grid, i == 0) for i, grid in enumerate(GRID_CHOICES)),
    # Song
    ActionSpec("meter", "&Tempo, Time Signature and Key...", "Song", tip="Edit tempo, meter and key changes"),
    ActionSpec("title", "T&itle...", "Song", tip="Name the song"),
    # Transport
    ActionSpec("play", "&Play/Pause", "Transport", ("Space",), None, "Start or pause playback", True, True,
               icon=Icon.SP_MediaPlay),
    ActionSpec("stop", "&Stop", "Transport", ("Ctrl+Space",), None,
               "Stop and go back to where playing started (once more: to the beginning)", True,
               icon=Icon.SP_MediaStop),
    ActionSpec("loop", "&Loop", "Transport", ("L",), None, "Repeat the loop range dragged on the ruler", True, True,
               icon=Icon.SP_BrowserReload, separator_before=True),
    ActionSpec("metronome", "&Metronome", "Transport", tip="Click every beat while playing", toolbar=True,
               checkable=True),
    ActionSpec("count_in", "&Count-in 1 Bar", "Transport", tip="Click one bar before playing starts",
               checkable=True),
    ActionSpec("play_region", "Play &Region", "Transport", ("Shift+Space",), None,
               "Loop the region selected in the overview", separator_before=True),
    # Assistant
    ActionSpec("ai_fill", "&Fill Region", "Assistant", ("Ctrl+Shift+F",), None,
               "Write new bars in the selected region"),
    ActionSpec("ai_vary", "&Vary Region", "Assistant", ("Ctrl+Shift+V",), None, "Variations of the region's bars"),
    ActionSpec("ai_restyle", "&Restyle Region", "Assistant", ("Ctrl+Shift+R",), None,
               "Rewrite the region in the style chosen in the panel"),
    ActionSpec("ai_restyle_track", "Restyle &Whole Track", "Assistant", tip="Restyle every bar of the region's tracks"),
    ActionSpec("ai_continue", "&Continue", "Assistant", ("Ctrl+Shift+C",), None, "Write new bars after the end"),
    ActionSpec("ai_accept", "&Accept Candidate", "Assistant", ("Ctrl+Return",), None,
               "Write the shown candidate into the song (one undo step)", separator_before=True),
    ActionSpec("ai_next", "&Next Candidate", "Assistant", ("Alt+Right",), None, "Show the next candidate"),
    ActionSpec("ai_previous", "&Previous Candidate", "Assistant", ("Alt+Left",), None, "Show the previous candidate"),
    ActionSpec("ai_audition", "A&udition Candidate", "Assistant", ("Alt+Space",), None,
               "Loop the region with the shown candidate playing in context"),
    ActionSpec("ai_reject", "Reject A&ll", "Assistant", ("Ctrl+Shift+Backspace",), None,
               "Drop every candidate; the song stays as it was"),
    ActionSpec("ai_regenerate", "Re&generate", "Assistant", ("Ctrl+Shift+G",), None,
               "New candidates for the same request, never one seen before"),
    ActionSpec("ai_cancel", "Ca&ncel Generation", "Assistant", ("Ctrl+.",), None, "Stop writing candidates"),
    ActionSpec("ai_model", "Choose &Model…", "Assistant",
               tip="Load another checkpoint, e.g. one trained on your own MIDI", separator_before=True),
    ActionSpec("ai_model_default", "Use the &Shipped Model", "Assistant",
               tip="Go back to the model that came with the app"),
    # Help
    ActionSpec("shortcuts", "&Keyboard Shortcuts", "Help", ("F1",), Key.HelpContents, "List every shortcut"),
    ActionSpec("about", "&About Composer Studio", "Help", tip="Version and credits"),
)


def shortcuts(entry: ActionSpec, specs: Iterable[ActionSpec] = ACTIONS) -> list[QKeySequence]:
    """The entry's own keys, then its standard key's platform bindings that no other action claims."""
    return list(_all_shortcuts(tuple(specs), QGuiApplication.instance() is not None)[entry.id])


@lru_cache(maxsize=4)
def _all_shortcuts(specs: tuple[ActionSpec, ...], has_theme: bool) -> dict[str, tuple[QKeySequence, ...]]:
    """Every entry's shortcuts, worked out once per table (``has_theme``: a QGuiApplication exists,
    so the platform's bindings of the standard keys can be asked for)."""
    own = {s.id: [QKeySequence(k) for k in s.keys] for s in specs}
    extra = {s.id: QKeySequence.keyBindings(s.standard) if s.standard is not None and has_theme else [] for s in specs}
    users: Counter[QKeySequence] = Counter()
    for s in specs:
        users.update(set(own[s.id]) | set(extra[s.id]))
    out: dict[str, tuple[QKeySequence, ...]] = {}
    for s in specs:
        mine = own[s.id]
        # An extra binding another action also uses (as its own key or its extra) is dropped.
        keys = [*mine, *(seq for seq in extra[s.id] if seq not in mine and users[seq] == 1)]
        out[s.id] = tuple(dict.fromkeys(seq for seq in keys if not seq.isEmpty()))
    return out


def _on_common_keyboards(sequence: QKeySequence) -> bool:
    """False for keys most keyboards lack (F13 and up, Sun's Copy/Paste/Undo keys): bound, not listed."""
    return sequence.count() == 1 and sequence[0].key().value < Qt.Key.Key_F13.value


def shortcut_text(entry: ActionSpec, specs: Iterable[ActionSpec] = ACTIONS) -> str:
    """What tooltips and the help page show: the keys, and the hint of a key the piano roll handles."""
    return _describe(entry, shortcuts(entry, specs))


def _describe(entry: ActionSpec, keys: Iterable[QKeySequence]) -> str:
    native = QKeySequence.SequenceFormat.NativeText
    shown = [k.toString(native) for k in keys if _on_common_keyboards(k)]
    return ", ".join([*shown, entry.hint] if entry.hint else shown)


class ActionSet(QObject):
    """The QActions of one window, built from the table; look them up by id.

    ``prebuilt`` supplies actions made elsewhere (the undo stack's own undo/redo actions,
    whose text follows the next step; a dock's toggle action); they get the table's keys and tips.
    """

    def __init__(
        self,
        parent: QWidget,
        specs: Iterable[ActionSpec] = ACTIONS,
        prebuilt: Mapping[str, QAction] | None = None,
    ) -> None:
        super().__init__(parent)
        self.specs = tuple(specs)
        self._widget = parent
        self._actions: dict[str, QAction] = {}
        self._values: dict[QAction, Any] = {}
        self.groups: dict[str, QActionGroup] = {}
        self._keys = _all_shortcuts(self.specs, QGuiApplication.instance() is not None)
        for entry in self.specs:
            if not entry.submenu:
                self._actions[entry.id] = self._build(entry, (prebuilt or {}).get(entry.id))

    def __getitem__(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def connect(self, handlers: Mapping[str, Callable[[], object]]) -> None:
        """Run ``handlers[id]()`` when the action ``id`` is triggered."""
        for action_id, handler in handlers.items():
            self._actions[action_id].triggered.connect(lambda _checked=False, h=handler: h())

    def value(self, action: QAction) -> Any:
        """What a grouped action selects (its table ``value``)."""
        return self._values[action]

    def action_for(self, group: str, value: Any) -> QAction | None:
        for entry in self.specs:
            if entry.group == group and entry.value == value:
                return self._actions[entry.id]
        return None

    def _build(self, entry: ActionSpec, action: QAction | None) -> QAction:
        if action is None:
            action = QAction(entry.text, self._widget)
        action.setObjectName(f"action_{entry.id}")
        keys = self._keys[entry.id]
        action.setShortcuts(list(keys))
        action.setStatusTip(entry.tip)
        action.setToolTip(_tooltip(entry, _describe(entry, keys)))
        action.setCheckable(entry.checkable)
        if entry.icon is not None:
            action.setIcon(self._widget.style().standardIcon(entry.icon))
        if entry.group:
            group = self.groups.get(entry.group) or self.groups.setdefault(entry.group, QActionGroup(self))
            group.setExclusive(True)
            group.addAction(action)
            self._values[action] = entry.value
        self._widget.addAction(action)  # shortcuts work with the menu bar hidden or a dock focused
        return action

    # menus and toolbar --------------------------------------------------------------------

    def fill_menus(self, bar: QMenuBar) -> dict[str, QMenu]:
        """Add the table's menus to ``bar``; returns them by path ("File", "File/Open Recent")."""
        menus: dict[str, QMenu] = {}
        for name in MENUS:
            menus[name] = bar.addMenu(f"&{name}")
            menus[name].setObjectName(f"menu_{name.lower()}")
        for entry in self.specs:
            menu = menus[entry.menu]
            if entry.separator_before:
                menu.addSeparator()
            if entry.submenu:
                path = f"{entry.menu}/{entry.plain_text}"
                menus[path] = menu.addMenu(entry.text)
                menus[path].setObjectName(f"menu_{entry.id}")
            else:
                action = self._actions[entry.id]
                if entry.hint and not action.shortcuts():
                    action.setText(f"{entry.text}\t{entry.hint}")  # shown like a shortcut, bound by the canvas
                menu.addAction(action)
        return menus

    def fill_toolbar(self, toolbar: QToolBar) -> None:
        """Add the table's toolbar actions, a separator between menus."""
        last_menu = ""
        for entry in self.specs:
            if not entry.toolbar:
                continue
            if last_menu and entry.menu != last_menu:
                toolbar.addSeparator()
            toolbar.addAction(self._actions[entry.id])
            last_menu = entry.menu


def _tooltip(entry: ActionSpec, keys: str) -> str:
    return f"{entry.tip} ({keys})" if keys and entry.tip else entry.tip or entry.plain_text
