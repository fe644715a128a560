from django.apps import AppConfig


class WebConfig(AppConfig):
    """The top layer: pages and commands that compose every domain app (home, seed_demo)."""

    name = "web"
