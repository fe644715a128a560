"""Badge images uploaded by staff: a proven image (config.images), stored as our own 256×256 WebP."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from config.errors import ApplicationError
from config.images import decoded_image

from .errors import GamificationError

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 16_000_000
SIZE = 256


def badge_image_from_upload(upload) -> ContentFile:
    invalid = ApplicationError(GamificationError.IMAGE_INVALID, "Upload a PNG, WebP, JPEG or GIF image of at most 2 MB.")
    if upload.size > MAX_BYTES:
        raise invalid
    image = decoded_image(upload.read(), max_pixels=MAX_PIXELS, invalid=invalid)
    square = ImageOps.contain(image.convert("RGBA"), (SIZE, SIZE))
    canvas = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    canvas.paste(square, ((SIZE - square.width) // 2, (SIZE - square.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="WEBP", quality=90)
    return ContentFile(out.getvalue(), name="badge.webp")
