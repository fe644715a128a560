"""Our SFU on aiortc (issue: media_relay)."""
