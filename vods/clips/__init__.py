"""Clips: a viewer's 5–90 s cut of a live stream or of a VOD (docs/clips.md)."""
