"""Avatar uploads: prove the bytes are an image, then re-encode a square WebP.

The stored file is always one we encoded ourselves, so a polyglot upload (an
image header followed by HTML) never reaches storage as sent.
"""

import io

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from config.errors import ApplicationError

from .errors import AccountError

ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
MAX_PIXELS = 40_000_000  # decompression-bomb guard


def avatar_from_upload(upload) -> ContentFile:
    if upload.size > settings.AVATAR_MAX_BYTES:
        raise ApplicationError(
            AccountError.AVATAR_TOO_LARGE,
            f"Avatars are at most {settings.AVATAR_MAX_BYTES // (1024 * 1024)} MB.",
            {"max_bytes": settings.AVATAR_MAX_BYTES, "size": upload.size},
        )
    data = upload.read()
    invalid = ApplicationError(AccountError.AVATAR_INVALID, "That file is not a JPEG, PNG, GIF or WebP image.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS or probe.width * probe.height > MAX_PIXELS:
                raise invalid
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every byte of the first frame: truncated or fake data fails here
            square = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), (settings.AVATAR_SIZE,) * 2)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise invalid from exc
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue(), name="avatar.webp")
