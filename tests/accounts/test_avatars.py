"""Avatar uploads: only real images get through, and what is stored is always our own 256x256 WebP."""

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from accounts.models import User
from accounts.services.users import user_avatar_clear, user_avatar_set
from config.errors import ApplicationError

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def image_bytes(fmt: str, size=(400, 300), *, noisy: bool = False, mode: str = "RGB") -> bytes:
    if noisy:  # random pixels: the compressed data cannot be guessed, so every byte matters
        image = Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))
    else:
        image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "avatar.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A syntactically valid PNG claiming huge dimensions, with almost no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def assert_refused(user: User, media_root: Path, file: SimpleUploadedFile, code: str) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        user_avatar_set(user=user, upload=file)
    assert exc.value.code == code
    assert exc.value.status == 400
    user.refresh_from_db()
    assert not user.avatar
    assert stored_files(media_root) == []
    return exc.value


# -- accepted ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "content_type", "mode"),
    [
        ("PNG", "image/png", "RGB"),
        ("PNG", "image/png", "RGBA"),
        ("JPEG", "image/jpeg", "RGB"),
        ("GIF", "image/gif", "RGB"),
        ("WEBP", "image/webp", "RGB"),
    ],
)
def test_a_real_image_is_stored_as_a_256px_webp_we_encoded(media_root, fmt, content_type, mode):
    user = UserFactory()
    data = image_bytes(fmt, size=(640, 480), mode=mode)

    user_avatar_set(user=user, upload=upload(data, f"me.{fmt.lower()}", content_type))

    user.refresh_from_db()
    assert user.avatar.name.startswith(f"avatars/{user.pk}/")
    assert user.avatar.name.endswith(".webp")
    path = media_root / user.avatar.name
    assert stored_files(media_root) == [path]
    stored = path.read_bytes()
    assert stored != data
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "WEBP"
        assert image.size == (256, 256)
        assert image.mode == "RGB"


def test_a_polyglot_with_trailing_html_is_reencoded_so_the_html_never_reaches_storage(media_root):
    # given: a complete, valid PNG with an HTML page appended after IEND
    html = b"<html><script>alert(document.cookie)</script></html>"
    user = UserFactory()

    user_avatar_set(user=user, upload=upload(image_bytes("PNG") + html))

    user.refresh_from_db()
    stored = (media_root / user.avatar.name).read_bytes()
    assert b"<script" not in stored and b"<html" not in stored
    assert stored.startswith(b"RIFF") and stored[8:12] == b"WEBP"


def test_replacing_an_avatar_deletes_the_old_file_only_after_commit(media_root, django_capture_on_commit_callbacks):
    # given: a user with an avatar
    user = UserFactory()
    user_avatar_set(user=user, upload=upload(image_bytes("PNG")))
    old = media_root / user.avatar.name

    # when: a new one is uploaded (commit callbacks captured, not yet run)
    with django_capture_on_commit_callbacks() as callbacks:
        user_avatar_set(user=user, upload=upload(image_bytes("JPEG"), "new.jpg", "image/jpeg"))
    new = media_root / user.avatar.name

    # then: until commit both files exist; after it only the new one does
    assert new != old
    assert old.exists() and new.exists()
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == [new]
    user.refresh_from_db()
    assert media_root / user.avatar.name == new


def test_clearing_an_avatar_deletes_the_file_after_commit(media_root, django_capture_on_commit_callbacks):
    user = UserFactory()
    user_avatar_set(user=user, upload=upload(image_bytes("PNG")))

    with django_capture_on_commit_callbacks(execute=True):
        user_avatar_clear(user=user)

    user.refresh_from_db()
    assert not user.avatar
    assert stored_files(media_root) == []


def test_a_refused_upload_keeps_the_previous_avatar(media_root):
    user = UserFactory()
    user_avatar_set(user=user, upload=upload(image_bytes("PNG")))
    before = user.avatar.name

    with pytest.raises(ApplicationError):
        user_avatar_set(user=user, upload=upload(b"<html></html>"))

    user.refresh_from_db()
    assert user.avatar.name == before
    assert stored_files(media_root) == [media_root / before]


# -- refused -------------------------------------------------------------------------------
def test_an_oversize_file_is_refused_before_it_is_decoded(settings, media_root):
    user = UserFactory()
    data = image_bytes("PNG")
    data += b"\x00" * (settings.AVATAR_MAX_BYTES + 1 - len(data))  # one byte over

    error = assert_refused(user, media_root, upload(data), "avatar_too_large")
    assert error.extra == {"max_bytes": settings.AVATAR_MAX_BYTES, "size": settings.AVATAR_MAX_BYTES + 1}


def test_a_file_of_exactly_the_limit_is_not_refused_for_size(settings, media_root):
    user = UserFactory()
    data = image_bytes("PNG", noisy=True, size=(64, 64))
    settings.AVATAR_MAX_BYTES = len(data)

    user_avatar_set(user=user, upload=upload(data))

    user.refresh_from_db()
    assert user.avatar


def test_an_html_file_named_avatar_png_is_refused(media_root):
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    assert_refused(UserFactory(), media_root, upload(html, "avatar.png", "image/png"), "avatar_invalid")


def test_a_png_header_followed_by_html_is_refused(media_root):
    data = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>" * 20
    assert_refused(UserFactory(), media_root, upload(data), "avatar_invalid")


def test_a_png_signature_and_header_chunk_followed_by_html_is_refused(media_root):
    # A real IHDR makes Image.open succeed; the "pixel data" is HTML.
    ihdr = struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + b"<html><script>alert(1)</script></html>" * 20
    assert_refused(UserFactory(), media_root, upload(data), "avatar_invalid")


def test_a_truncated_png_is_refused(media_root):
    data = image_bytes("PNG", size=(300, 300), noisy=True)
    assert_refused(UserFactory(), media_root, upload(data[: len(data) // 2]), "avatar_invalid")


def test_a_truncated_jpeg_is_refused(media_root):
    data = image_bytes("JPEG", size=(300, 300), noisy=True)
    assert_refused(UserFactory(), media_root, upload(data[: len(data) // 2], "a.jpg", "image/jpeg"), "avatar_invalid")


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8_000, 8_000),  # 64 Mpx: over our 40 Mpx cap, under Pillow's own bomb limit
        (50_000, 50_000),  # 2.5 Gpx: Pillow's DecompressionBombError
        (2**31 - 1, 1),  # absurd width
    ],
)
def test_a_decompression_bomb_header_is_refused_without_decoding(media_root, monkeypatch, width, height):
    def no_decoding(self):
        raise AssertionError("the pixel data of a bomb must never be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert_refused(UserFactory(), media_root, upload(png_header_only(width, height)), "avatar_invalid")


def test_an_image_in_a_format_we_do_not_accept_is_refused(media_root):
    assert_refused(UserFactory(), media_root, upload(image_bytes("BMP"), "a.bmp", "image/bmp"), "avatar_invalid")


def test_an_empty_file_is_refused(media_root):
    assert_refused(UserFactory(), media_root, upload(b""), "avatar_invalid")
