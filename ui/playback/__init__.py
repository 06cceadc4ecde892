"""Playback in the app: the transport (play, pause, stop, loop, metronome) over composer.live_playback."""
