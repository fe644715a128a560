"""Advertisers and ads for the ad marketplace's tests; real videos made with PyAV (rooms.demo_media)."""

import functools
import importlib
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from monetization.models import Ad, AdStatus, Advertiser
from rooms.demo_media import write_demo_video
from tests.accounts.factories import UserFactory


@functools.cache
def video_bytes(seconds: int = 2, suffix: str = ".webm") -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_demo_video(Path(folder) / f"ad{suffix}", seconds=seconds, width=160, height=90, fps=10).read_bytes()


def video_upload(seconds: int = 2, suffix: str = ".webm", name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or f"ad{suffix}", video_bytes(seconds, suffix),
                              content_type="video/webm" if suffix == ".webm" else "video/mp4")


def seed_packages() -> None:
    """The migration's packages (a transactional test elsewhere may have flushed them)."""
    importlib.import_module("monetization.migrations.0002_ad_packages").add_packages(apps, None)


def advertiser(user=None, company_name="Acme Tea") -> Advertiser:
    return Advertiser.objects.create(user=user or UserFactory(), company_name=company_name)


def running_ad(owner: Advertiser | None = None, *, bought: int = 500, delivered: int = 0, duration_ms: int = 10_000,
               status: str = AdStatus.ACTIVE, **fields) -> Ad:
    """An ad row as approval leaves it (no upload: tests of delivery need no file behind it)."""
    return Ad.objects.create(
        advertiser=owner or advertiser(), title=fields.pop("title", "Tea time"), video="ads/videos/x.webm",
        poster="ads/posters/x.jpg", duration_ms=duration_ms, width=160, height=90, size_bytes=1000, status=status,
        impressions_bought=bought, impressions=delivered, paid_minor=5000 if bought else 0, **fields,
    )
