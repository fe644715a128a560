"""Demo rooms for `manage.py seed_demo`: a watch party on a locally made video, and a voice room."""

import tempfile
from pathlib import Path
from urllib.parse import urljoin

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage

from accounts.models import User

from .demo_media import write_demo_video
from .models import Room
from .services.membership import room_create

DEMO_VIDEO = "demo/test-card.mp4"


def demo_video_url() -> str:
    if not default_storage.exists(DEMO_VIDEO):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_demo_video(Path(tmp) / "test-card.mp4")
            with path.open("rb") as handle:
                default_storage.save(DEMO_VIDEO, File(handle))
    return urljoin(settings.SITE_URL, default_storage.url(DEMO_VIDEO))


def seed_demo_rooms(*, leader: User, voice_leader: User) -> None:
    """Permanent public rooms, so the demo is there whenever someone visits (an older seed's closed ones stay closed)."""
    if not Room.objects.filter(created_by=leader, name="Friday movie night", closed_at__isnull=True).exists():
        room_create(creator=leader, name="Friday movie night", visibility="public", source_url=demo_video_url(),
                    topic="Test card in sync — bring snacks", is_permanent=True)
    if not Room.objects.filter(created_by=voice_leader, name="Spanish ↔ English practice", closed_at__isnull=True).exists():
        room_create(creator=voice_leader, name="Spanish ↔ English practice", kind="voice", visibility="public",
                    topic="Casual conversation, all levels", languages=["es", "en"], is_permanent=True)
