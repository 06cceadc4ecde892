"""Playback in the app: the transport over composer.live_playback, its controls in the window, audio export."""
