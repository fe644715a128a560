"""Live streams, stages, VODs and clips (issue: streams)."""
from django.apps import AppConfig


class StreamsConfig(AppConfig):
    name = "streams"

    def ready(self) -> None:
        from media_relay.relay_kinds import relay_kind_register
        from rooms.sources import live_source_resolvers

        from . import audit_verbs, notification_kinds  # noqa: F401  (registers them)
        from .relay_kind import STREAM_KIND
        from .room_source import live_source_resolve

        relay_kind_register(STREAM_KIND)
        live_source_resolvers.register(live_source_resolve)  # Watch together: a stream link queues in a room
