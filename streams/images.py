"""Channel avatars and banners, stream thumbnails: a proven image (config.images), re-encoded as WebP."""

import io

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from config.errors import ApplicationError
from config.images import decoded_image

from .errors import StreamError

MAX_PIXELS = 40_000_000  # decompression-bomb guard
SIZES = {"avatar": (256, 256), "banner": (1600, 400), "thumbnail": (1280, 720)}


def image_from_upload(upload, *, purpose: str) -> ContentFile:
    """`upload` made into the `purpose`'s size (SIZES), cropped to fit; ApplicationError for anything
    that is not a JPEG, PNG, GIF or WebP image under AVATAR_MAX_BYTES."""
    invalid = ApplicationError(StreamError.IMAGE_INVALID, "That file is not a JPEG, PNG, GIF or WebP image.",
                               {"field": purpose})
    if upload.size > settings.AVATAR_MAX_BYTES:
        raise ApplicationError(
            StreamError.IMAGE_INVALID, f"Images are at most {settings.AVATAR_MAX_BYTES // (1024 * 1024)} MB.",
            {"field": purpose, "max_bytes": settings.AVATAR_MAX_BYTES, "size": upload.size},
        )
    return image_as_webp(decoded_image(upload.read(), max_pixels=MAX_PIXELS, invalid=invalid), purpose=purpose)


def image_as_webp(image: Image.Image, *, purpose: str) -> ContentFile:
    """A decoded image (an upload, a frame of the live video) in the `purpose`'s size, cropped to fit, as WebP."""
    fitted = ImageOps.fit(image.convert("RGB"), SIZES[purpose])
    out = io.BytesIO()
    fitted.save(out, format="WEBP", quality=85)
    return ContentFile(out.getvalue(), name=f"{purpose}.webp")
