"""Song > Tempo, Time Signature and Key...: the three maps of the score as editable tables.

Positions are what a musician reads: bar.beat, counted from 1 (a time signature starts
a bar, so it takes a bar number). A row whose text the user did not touch keeps its
exact tick and value, so opening the dialog and pressing OK never nudges a tempo
change that an imported MIDI file put between beats. OK pushes one ``set_maps`` edit,
so the whole dialog is one undo step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from composer.edits import set_maps
from composer.timing import (
    Key,
    KeyChange,
    KeyMap,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
    bpm_to_us,
)
from ui.document_controller import DocumentController

MIN_BPM, MAX_BPM = 10.0, 999.0
DENOMINATORS = (1, 2, 4, 8, 16, 32, 64)
KEYS = tuple(Key(fifths, minor) for minor in (False, True) for fifths in range(-7, 8))
"""Every key signature, majors then minors, flats to sharps."""


class MeterError(ValueError):
    """A table entry that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Origin:
    """Where a row came from: its tick, the texts first shown and the exact stored value."""

    tick: int
    position: str
    value: str
    raw: Any  # us per quarter, (numerator, denominator) or Key


@dataclass(frozen=True)
class Row:
    """One table row as the user left it."""

    position: str
    value: Any  # text, or a Key from the key table's combo box
    origin: Origin | None = None


# --- positions ---------------------------------------------------------------------------


def format_position(tick: int, sigs: TimeSignatureMap) -> str:
    """bar.beat (1-based), with .tick only when the change sits between beats."""
    pos = sigs.position(tick)
    return f"{pos.bar + 1}.{pos.beat + 1}" + (f".{pos.tick}" if pos.tick else "")


def parse_position(text: str, sigs: TimeSignatureMap) -> int:
    """The tick of "bar", "bar.beat" or "bar.beat.tick" (1-based bar and beat)."""
    parts = text.strip().split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise MeterError(f"“{text}” is not a position like 5.1 (bar.beat)")
    bar, beat, offset = (int(p) for p in parts + ["1", "0"][len(parts) - 1 :])  # "5" is 5.1.0, "5.3" is 5.3.0
    if bar < 1 or beat < 1:
        raise MeterError(f"“{text}”: bars and beats count from 1")
    start, end = sigs.bar_range(bar - 1)
    sig = sigs.at(start)
    tick = start + (beat - 1) * sig.beat_ticks + offset
    if offset >= sig.beat_ticks or tick >= end:
        beats = -(-(end - start) // sig.beat_ticks)
        raise MeterError(f"“{text}”: bar {bar} has {beats} beats of {sig.beat_ticks} ticks ({sig})")
    return tick


def parse_bar(text: str) -> int:
    """A 1-based bar number."""
    if not text.strip().isdigit() or int(text) < 1:
        raise MeterError(f"“{text}” is not a bar number (1, 2, 3, ...)")
    return int(text)


def parse_signature(text: str) -> tuple[int, int]:
    numerator, slash, denominator = text.strip().partition("/")
    if not slash or not numerator.strip().isdigit() or not denominator.strip().isdigit():
        raise MeterError(f"“{text}” is not a time signature like 3/4")
    num, den = int(numerator), int(denominator)
    if not 1 <= num <= 255:
        raise MeterError(f"“{text}”: the upper number must be 1 to 255")
    if den not in DENOMINATORS:
        raise MeterError(f"“{text}”: the lower number must be one of {', '.join(map(str, DENOMINATORS))}")
    return num, den


def parse_bpm(text: str) -> float:
    try:
        bpm = float(text.strip().replace(",", "."))
    except ValueError:
        raise MeterError(f"“{text}” is not a tempo in BPM") from None
    if not MIN_BPM <= bpm <= MAX_BPM:
        raise MeterError(f"{text} BPM is outside {MIN_BPM:g} to {MAX_BPM:g}")
    return bpm


def format_bpm(us_per_quarter: int) -> str:
    return f"{60_000_000 / us_per_quarter:.2f}".rstrip("0").rstrip(".")


# --- building maps from rows -------------------------------------------------------------


def _checked(table: str, rows: Sequence[Row], read: Callable[[Row], tuple[int, Any]]) -> list[tuple[int, Any]]:
    """(tick, value) of each row, sorted; MeterError naming the table and row on any fault."""
    out: list[tuple[int, Any]] = []
    seen: dict[int, int] = {}
    for number, row in enumerate(rows, 1):
        try:
            tick, value = read(row)
        except MeterError as exc:
            raise MeterError(f"{table}, row {number}: {exc}") from None
        if tick in seen:
            raise MeterError(f"{table}: rows {seen[tick]} and {number} are at the same position")
        seen[tick] = number
        out.append((tick, value))
    out.sort(key=lambda tv: tv[0])
    if not out or out[0][0] != 0:
        raise MeterError(f"{table}: the first change must be at the start of bar 1")
    return out


def build_time_signatures(rows: Sequence[Row], original: TimeSignatureMap) -> TimeSignatureMap:
    """The map the rows describe; untouched rows after untouched rows keep their exact tick."""
    parsed = []
    for number, row in enumerate(rows, 1):
        try:
            parsed.append((parse_bar(row.position), _signature_of(row), row, number))
        except MeterError as exc:
            raise MeterError(f"Time signature, row {number}: {exc}") from None
    parsed.sort(key=lambda p: p[0])
    for (bar_a, _, _, row_a), (bar_b, _, _, row_b) in zip(parsed, parsed[1:], strict=False):
        if bar_a == bar_b:
            raise MeterError(f"Time signature: rows {row_a} and {row_b} are both at bar {bar_a}")
    if not parsed or parsed[0][0] != 1:
        raise MeterError("Time signature: the first change must be at bar 1")
    sigs = TimeSignatureMap((TimeSignature(0, *parsed[0][1]),))
    for bar, signature, row, _ in parsed[1:]:
        same_before = sigs.changes == original.changes[: len(sigs.changes)]
        keep = row.origin is not None and row.position == row.origin.position and same_before
        tick = row.origin.tick if keep and row.origin else sigs.bar_start(bar - 1)
        sigs = sigs.with_change(TimeSignature(tick, *signature))  # type: ignore[assignment]
    return sigs


def _signature_of(row: Row) -> tuple[int, int]:
    if row.origin is not None and row.value == row.origin.value:
        return row.origin.raw  # type: ignore[no-any-return]
    return parse_signature(row.value)


def _tick_of(row: Row, sigs: TimeSignatureMap) -> int:
    if row.origin is not None and row.position == row.origin.position:
        return row.origin.tick
    return parse_position(row.position, sigs)


def build_tempo_map(rows: Sequence[Row], sigs: TimeSignatureMap) -> TempoMap:
    def read(row: Row) -> tuple[int, int]:
        if row.origin is not None and row.value == row.origin.value:
            us = row.origin.raw
        else:
            us = bpm_to_us(parse_bpm(row.value))
        return _tick_of(row, sigs), us

    return TempoMap(tuple(TempoChange(t, us) for t, us in _checked("Tempo", rows, read)))


def build_key_map(rows: Sequence[Row], sigs: TimeSignatureMap) -> KeyMap:
    return KeyMap(tuple(KeyChange(t, k) for t, k in _checked("Key", rows, lambda r: (_tick_of(r, sigs), r.value))))


# --- widgets -----------------------------------------------------------------------------


class ChangeTable(QGroupBox):
    """A two-column table of changes (position, value) with Add and Remove buttons.

    The first row is the value at the start of the song: its position is fixed and it
    cannot be removed, since every map needs a change at tick 0.
    """

    edited = Signal()

    def __init__(self, title: str, headers: tuple[str, str], keys: bool, next_position: Callable[[str], str],
                 parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._keys = keys
        self._next_position = next_position
        self.table = QTableWidget(0, 2, self)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(lambda _item: self.edited.emit())
        self.table.currentCellChanged.connect(lambda *_: self._update_buttons())
        self.add_button = QPushButton("Add", self)
        self.remove_button = QPushButton("Remove", self)
        self.add_button.clicked.connect(self.add_after_last)
        self.remove_button.clicked.connect(self.remove_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self._update_buttons()

    def add_row(self, position: str, value: str | Key, origin: Origin | None = None) -> int:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        where = QTableWidgetItem(position)
        where.setData(Qt.ItemDataRole.UserRole, origin)
        if row == 0:
            where.setFlags(where.flags() & ~Qt.ItemFlag.ItemIsEditable)
            where.setToolTip("The song starts here; change its value instead")
        self.table.setItem(row, 0, where)
        if self._keys:
            self.table.setCellWidget(row, 1, self._key_box(value))
        else:
            self.table.setItem(row, 1, QTableWidgetItem(str(value)))
        self.table.blockSignals(False)
        self._update_buttons()
        return row

    def add_after_last(self) -> None:
        """A new row a bar after the last one, with its value; its position is ready to type over."""
        last = self.table.rowCount() - 1
        position = self._next_position(self.table.item(last, 0).text())
        row = self.add_row(position, self.value(last))
        self.table.setCurrentCell(row, 0)
        self.table.editItem(self.table.item(row, 0))
        self.edited.emit()

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if row > 0:
            self.table.removeRow(row)
            self._update_buttons()
            self.edited.emit()

    def value(self, row: int) -> str | Key:
        if self._keys:
            box = self.table.cellWidget(row, 1)
            return KEYS[box.currentIndex()] if isinstance(box, QComboBox) and box.currentIndex() >= 0 else Key()
        return self.table.item(row, 1).text()

    def rows(self) -> list[Row]:
        items = [self.table.item(r, 0) for r in range(self.table.rowCount())]
        role = Qt.ItemDataRole.UserRole
        return [Row(item.text().strip(), self.value(r), item.data(role)) for r, item in enumerate(items)]

    def _key_box(self, key: str | Key) -> QComboBox:
        box = QComboBox(self.table)
        for k in KEYS:
            box.addItem(f"{k.name} ({_accidentals(k)})")
        box.setCurrentIndex(KEYS.index(key) if isinstance(key, Key) else 0)
        box.currentIndexChanged.connect(lambda _index: self.edited.emit())
        return box

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self.table.currentRow() > 0)


def _accidentals(key: Key) -> str:
    if key.fifths == 0:
        return "no sharps or flats"
    count, sign = abs(key.fifths), "♯" if key.fifths > 0 else "♭"
    return f"{count}{sign}"


def _next_bar_beat(text: str) -> str:
    bar = text.split(".")[0]
    return f"{int(bar) + 1}.1" if bar.isdigit() else "2.1"


def _next_bar(text: str) -> str:
    return str(int(text) + 1) if text.isdigit() else "2"


class MeterDialog(QDialog):
    """Tempo, time-signature and key changes side by side; OK is one undo step."""

    def __init__(self, controller: DocumentController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Tempo, Time Signature and Key")
        self.setObjectName("meter_dialog")
        self.tempo = ChangeTable("Tempo", ("Position", "BPM"), False, _next_bar_beat, self)
        self.meter = ChangeTable("Time signature", ("Bar", "Signature"), False, _next_bar, self)
        self.keys = ChangeTable("Key", ("Position", "Key"), True, _next_bar_beat, self)
        self.error = QLabel(self)
        self.error.setObjectName("meter_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._fill()
        tables = QHBoxLayout()
        for table in (self.tempo, self.meter, self.keys):
            tables.addWidget(table, 3 if table is self.keys else 2)
            table.edited.connect(self._validate)
        help_text = QLabel("Positions are bar.beat, counted from 1 (add .tick for a point between beats).", self)
        help_text.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addLayout(tables)
        layout.addWidget(help_text)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(860, 420)
        self._validate()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in a cell editor commits the cell; it must not also press OK and close the dialog."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        editing = QAbstractItemView.State.EditingState
        if enter and any(t.table.state() == editing for t in (self.tempo, self.meter, self.keys)):
            event.accept()
            return
        super().keyPressEvent(event)

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _fill(self) -> None:
        score = self.controller.score
        sigs = score.time_signatures
        for c in score.tempo_map:
            position, value = format_position(c.tick, sigs), format_bpm(c.us_per_quarter)
            self.tempo.add_row(position, value, Origin(c.tick, position, value, c.us_per_quarter))
        for s in sigs:
            position, value = str(sigs.bar_at(s.tick) + 1), str(s)
            self.meter.add_row(position, value, Origin(s.tick, position, value, (s.numerator, s.denominator)))
        for k in score.key_map:
            position = format_position(k.tick, sigs)
            self.keys.add_row(position, k.key, Origin(k.tick, position, k.key.name, k.key))

    def maps(self) -> tuple[TempoMap, TimeSignatureMap, KeyMap]:
        """The maps the tables describe; MeterError with a clear message if they do not."""
        sigs = build_time_signatures(self.meter.rows(), self.controller.score.time_signatures)
        return build_tempo_map(self.tempo.rows(), sigs), sigs, build_key_map(self.keys.rows(), sigs)

    def _validate(self) -> bool:
        try:
            self.maps()
        except MeterError as exc:
            self.error.setText(str(exc))
            self.ok_button.setEnabled(False)
            return False
        self.error.clear()
        self.ok_button.setEnabled(True)
        return True

    def accept(self) -> None:
        """Push the changed maps as one edit (nothing when nothing changed), then close."""
        if not self._validate():
            return
        tempo, sigs, keys = self.maps()
        score = self.controller.score
        changed = {
            name: value
            for name, value in (("tempo_map", tempo), ("time_signatures", sigs), ("key_map", keys))
            if getattr(score, name) != value
        }
        if changed:
            self.controller.push(set_maps(score, **changed))
        super().accept()
