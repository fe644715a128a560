"""The SFU core: Django-free (aiortc, asyncio, Redis). The platform side (media_relay/*.py) configures
and drives it; tests/media_relay/test_layout.py checks nothing here imports Django or the platform."""
