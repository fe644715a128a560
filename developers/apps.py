from django.apps import AppConfig


class DevelopersConfig(AppConfig):
    name = "developers"
    verbose_name = "Developers (OAuth apps, tokens, webhooks)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the webhook events to streams' signals)
