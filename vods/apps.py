from django.apps import AppConfig


class VodsConfig(AppConfig):
    name = "vods"
    verbose_name = "VODs and clips"

    def ready(self) -> None:
        from rooms.sources import live_source_resolvers
        from streams.views import channel_page_sections

        from . import audit_verbs, notification_kinds, receivers  # noqa: F401  (registers them)
        from .clips import notification_kinds as clip_kinds  # noqa: F401  (registers them)
        from .clips import receivers as clip_receivers  # noqa: F401  (a deleted VOD hides its clips)
        from .clips import tasks  # noqa: F401  (the cut task)
        from .clips.room_source import vod_or_clip_source_resolve
        from .views import channel_vods_section

        channel_page_sections.register(channel_vods_section)
        live_source_resolvers.register(vod_or_clip_source_resolve)  # Watch together: a VOD or clip link in a room
