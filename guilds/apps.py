from django.apps import AppConfig


class GuildsConfig(AppConfig):
    name = "guilds"

    def ready(self):
        from guilds import notification_kinds  # noqa: F401  (registers them)
        from guilds.selectors import is_in_rooms_guild
        from rooms.selectors import insider_checks

        insider_checks.register(is_in_rooms_guild)
