from django.apps import AppConfig


class DmsConfig(AppConfig):
    name = "dms"
    verbose_name = "Direct messages"

    def ready(self) -> None:
        from . import notification_kinds, receivers  # noqa: F401  (registers them)
