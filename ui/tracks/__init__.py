"""The track list panel: per-track name, colour, instrument, mute, solo, volume and pan."""

from ui.tracks.instrument_picker import InstrumentPicker, free_channel, instrument_edit
from ui.tracks.track_list import HEADER_HEIGHT, ROW_HEIGHT, TrackListPanel, TrackRow, new_track

__all__ = [
    "HEADER_HEIGHT",
    "ROW_HEIGHT",
    "InstrumentPicker",
    "TrackListPanel",
    "TrackRow",
    "free_channel",
    "instrument_edit",
    "new_track",
]
