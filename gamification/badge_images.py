"""Badge images uploaded by staff: prove the bytes are an image, then store our own 256×256 WebP.

As with avatars, the stored file is always one we encoded, so an upload that is an image
header followed by HTML (or an SVG with script) never reaches storage as sent.
"""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from config.errors import ApplicationError

from .errors import GamificationError

ACCEPTED_FORMATS = {"PNG", "WEBP", "JPEG", "GIF"}
MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 16_000_000
SIZE = 256


def badge_image_from_upload(upload) -> ContentFile:
    invalid = ApplicationError(GamificationError.IMAGE_INVALID, "Upload a PNG, WebP, JPEG or GIF image of at most 2 MB.")
    if upload.size > MAX_BYTES:
        raise invalid
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS or probe.width * probe.height > MAX_PIXELS:
                raise invalid
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            square = ImageOps.contain(ImageOps.exif_transpose(image).convert("RGBA"), (SIZE, SIZE))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise invalid from exc
    canvas = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    canvas.paste(square, ((SIZE - square.width) // 2, (SIZE - square.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="WEBP", quality=90)
    return ContentFile(out.getvalue(), name="badge.webp")
