from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "gamification"

    def ready(self):
        from gamification import receivers  # noqa: F401  (listens to accounts and rooms signals)
