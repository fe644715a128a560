from django.apps import AppConfig


class MediaRelayConfig(AppConfig):
    name = "media_relay"

    def ready(self) -> None:
        from . import (
            admin_views,  # noqa: F401 - adds "Media relay workers" to the admin site
            receivers,  # noqa: F401 - stops a closed room's recording, drops an ended session's voice
        )
        from .relay_kinds import relay_kind_register
        from .room_kind import ROOM_KIND

        relay_kind_register(ROOM_KIND)
