"""Count every codec object aiortc creates and every decode / encode / pack call.

Installed in a process (the relay's, in the tone test) before any peer connection
exists; a relay that forwards RTP must show zero of everything.
"""

from __future__ import annotations

import functools
from collections import Counter

from aiortc.codecs import g711, g722, h264, opus, vpx

CODEC_CLASSES = [
    opus.OpusDecoder,
    opus.OpusEncoder,
    vpx.Vp8Decoder,
    vpx.Vp8Encoder,
    h264.H264Decoder,
    h264.H264Encoder,
    g711.PcmDecoder,
    g711.PcmEncoder,
    g722.G722Decoder,
    g722.G722Encoder,
]


_originals: list[tuple[type, str, object]] = []


def uninstall() -> None:
    while _originals:
        cls, name, original = _originals.pop()
        setattr(cls, name, original)


def install() -> Counter:
    """Patch the codec classes in this process; returns the live counter
    (keys like "OpusDecoder.__init__", "OpusDecoder.decode", plus totals "created",
    "decode", "encode", "pack")."""
    counts: Counter = Counter()

    def wrap(cls, name):
        original = cls.__dict__.get(name)
        if original is None:
            return

        @functools.wraps(original)
        def counted(self, *args, **kwargs):
            counts[f"{cls.__name__}.{name}"] += 1
            counts["created" if name == "__init__" else name] += 1
            return original(self, *args, **kwargs)

        _originals.append((cls, name, original))
        setattr(cls, name, counted)

    for cls in CODEC_CLASSES:
        for name in ("__init__", "decode", "encode", "pack"):
            wrap(cls, name)
    return counts
