from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self):
        from chat import audit_verbs  # noqa: F401  (registers them)
