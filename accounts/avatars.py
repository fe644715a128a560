"""Avatar uploads: a proven image (config.images), re-encoded as a square WebP."""

import io

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import ImageOps

from config.errors import ApplicationError
from config.images import decoded_image

from .errors import AccountError

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
    image = decoded_image(data, max_pixels=MAX_PIXELS, invalid=invalid)
    square = ImageOps.fit(image.convert("RGB"), (settings.AVATAR_SIZE,) * 2)
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue(), name="avatar.webp")
