"""A minimal ctypes binding to libfluidsynth (2.x): just what rendering and live playback use.

Our own binding rather than pyfluidsynth because live playback needs the
sequencer's program, controller and remove-events calls, which pyfluidsynth does
not expose. The library is loaded on first use; when it is missing,
:class:`SynthUnavailableError` says how to install it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from ctypes import c_char_p, c_double, c_int, c_int16, c_short, c_uint, c_void_p
from functools import cache
from typing import Any

from composer.errors import ComposerError

_LIBRARY_NAMES = ("libfluidsynth.so.3", "libfluidsynth.so.2", "libfluidsynth.3.dylib", "libfluidsynth-3.dll",
                  "libfluidsynth-2.dll")
FLUID_OK = 0
CHANNEL_TYPE_MELODIC, CHANNEL_TYPE_DRUM = 0, 1


class SynthUnavailableError(ComposerError):
    """libfluidsynth, an audio driver or a SoundFont cannot be used; the message says which and why."""


_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "new_fluid_settings": (c_void_p, []),
    "delete_fluid_settings": (None, [c_void_p]),
    "fluid_settings_setnum": (c_int, [c_void_p, c_char_p, c_double]),
    "fluid_settings_setint": (c_int, [c_void_p, c_char_p, c_int]),
    "fluid_settings_setstr": (c_int, [c_void_p, c_char_p, c_char_p]),
    "new_fluid_synth": (c_void_p, [c_void_p]),
    "delete_fluid_synth": (None, [c_void_p]),
    "fluid_synth_sfload": (c_int, [c_void_p, c_char_p, c_int]),
    "fluid_synth_program_select": (c_int, [c_void_p, c_int, c_int, c_int, c_int]),
    "fluid_synth_set_channel_type": (c_int, [c_void_p, c_int, c_int]),
    "fluid_synth_noteon": (c_int, [c_void_p, c_int, c_int, c_int]),
    "fluid_synth_noteoff": (c_int, [c_void_p, c_int, c_int]),
    "fluid_synth_cc": (c_int, [c_void_p, c_int, c_int, c_int]),
    "fluid_synth_all_notes_off": (c_int, [c_void_p, c_int]),
    "fluid_synth_all_sounds_off": (c_int, [c_void_p, c_int]),
    "fluid_synth_write_s16": (c_int, [c_void_p, c_int, c_void_p, c_int, c_int, c_void_p, c_int, c_int]),
    "new_fluid_audio_driver": (c_void_p, [c_void_p, c_void_p]),
    "delete_fluid_audio_driver": (None, [c_void_p]),
    "new_fluid_sequencer2": (c_void_p, [c_int]),
    "delete_fluid_sequencer": (None, [c_void_p]),
    "fluid_sequencer_register_fluidsynth": (c_short, [c_void_p, c_void_p]),
    "fluid_sequencer_unregister_client": (None, [c_void_p, c_short]),
    "fluid_sequencer_get_tick": (c_uint, [c_void_p]),
    "fluid_sequencer_send_at": (c_int, [c_void_p, c_void_p, c_uint, c_int]),
    "fluid_sequencer_remove_events": (None, [c_void_p, c_short, c_short, c_int]),
    "new_fluid_event": (c_void_p, []),
    "delete_fluid_event": (None, [c_void_p]),
    "fluid_event_set_source": (None, [c_void_p, c_short]),
    "fluid_event_set_dest": (None, [c_void_p, c_short]),
    "fluid_event_noteon": (None, [c_void_p, c_int, c_short, c_short]),
    "fluid_event_noteoff": (None, [c_void_p, c_int, c_short]),
    "fluid_event_program_select": (None, [c_void_p, c_int, c_uint, c_short, c_short]),
    "fluid_event_control_change": (None, [c_void_p, c_int, c_short, c_int]),
    "fluid_event_all_notes_off": (None, [c_void_p, c_int]),
    "fluid_event_timer": (None, [c_void_p, c_void_p]),
    "fluid_sequencer_register_client": (c_short, [c_void_p, c_char_p, c_void_p, c_void_p]),
    "fluid_settings_getint": (c_int, [c_void_p, c_char_p, ctypes.POINTER(c_int)]),
}

SEQUENCER_CALLBACK = ctypes.CFUNCTYPE(None, c_uint, c_void_p, c_void_p, c_void_p)
"""void callback(unsigned int time, fluid_event_t *event, fluid_sequencer_t *seq, void *data)"""


@cache
def library() -> Any:
    """The loaded libfluidsynth with typed functions, or SynthUnavailableError."""
    candidates = [ctypes.util.find_library("fluidsynth"), *_LIBRARY_NAMES]
    for name in filter(None, candidates):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        try:
            for func, (restype, argtypes) in _SIGNATURES.items():
                f = getattr(lib, func)
                f.restype, f.argtypes = restype, argtypes
        except AttributeError as exc:
            raise SynthUnavailableError(f"{name} is too old ({exc}); install FluidSynth 2") from None
        return lib
    raise SynthUnavailableError(
        "the FluidSynth library is not installed: install libfluidsynth3 (Debian/Ubuntu), "
        "fluidsynth (Homebrew) or FluidSynth for Windows"
    )


class Settings:
    """A fluid_settings_t; set values before creating the synth or driver."""

    def __init__(self) -> None:
        self.lib = library()
        self.ptr = self.lib.new_fluid_settings()

    def set(self, name: str, value: float | int | str) -> None:
        key = name.encode()
        if isinstance(value, str):
            ok = self.lib.fluid_settings_setstr(self.ptr, key, value.encode())
        elif isinstance(value, int):
            ok = self.lib.fluid_settings_setint(self.ptr, key, value)
        else:
            ok = self.lib.fluid_settings_setnum(self.ptr, key, float(value))
        if ok != FLUID_OK:
            raise SynthUnavailableError(f"FluidSynth refused the setting {name} = {value!r}")

    def get_int(self, name: str) -> int:
        value = c_int()
        self.lib.fluid_settings_getint(self.ptr, name.encode(), ctypes.byref(value))
        return value.value

    def delete(self) -> None:
        if self.ptr:
            self.lib.delete_fluid_settings(self.ptr)
            self.ptr = None


def write_s16_stereo(lib: Any, synth: int, frames: int) -> ctypes.Array[c_int16]:
    """Render ``frames`` interleaved stereo 16-bit frames into a new ctypes buffer."""
    buffer = (c_int16 * (2 * frames))()
    lib.fluid_synth_write_s16(synth, frames, buffer, 0, 2, buffer, 1, 2)
    return buffer


__all__ = [
    "CHANNEL_TYPE_DRUM",
    "CHANNEL_TYPE_MELODIC",
    "SEQUENCER_CALLBACK",
    "Settings",
    "SynthUnavailableError",
    "library",
    "write_s16_stereo",
]
