from django.apps import AppConfig


class GamificationConfig(AppConfig):
    name = "gamification"

    def ready(self):
        from gamification import notification_kinds, receivers  # noqa: F401  (its kinds; accounts and rooms signals)
        from gamification.selectors import guild_member_week_seconds
        from gamification.views import guild_page_section
        from guilds import selectors as guild_selectors
        from guilds import views as guild_views

        # gamification sits above guilds: it adds its figures to guild pages instead of guilds importing it
        guild_selectors.member_figures["weekly_watch_seconds"] = guild_member_week_seconds
        guild_views.page_sections.register(guild_page_section)
