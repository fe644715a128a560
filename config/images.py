"""Uploaded images (avatars, badge images): prove the bytes are an image we take, fully decoded.

Callers re-encode what this returns, so the stored file is always one we wrote: a polyglot
upload (an image header followed by HTML, an SVG with script) never reaches storage as sent.
"""

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from config.errors import ApplicationError

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def decoded_image(data: bytes, *, max_pixels: int, invalid: ApplicationError) -> Image.Image:
    """The first frame, upright; raises `invalid` for another format, a decompression bomb or broken data."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS or probe.width * probe.height > max_pixels:
                raise invalid
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every byte of the first frame: truncated or fake data fails here
            return ImageOps.exif_transpose(image)  # a copy, usable once the file is closed
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise invalid from exc
