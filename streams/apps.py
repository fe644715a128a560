"""Live streams, stages, VODs and clips (issue: streams)."""
from django.apps import AppConfig


class StreamsConfig(AppConfig):
    name = "streams"

    def ready(self) -> None:
        from media_relay.relay_kinds import relay_kind_register

        from . import audit_verbs, notification_kinds  # noqa: F401  (registers them)
        from .relay_kind import STREAM_KIND

        relay_kind_register(STREAM_KIND)
