from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's "account" app is titled "Accounts" in the admin too: ours needs its own title.
    verbose_name = "Users and social"

    def ready(self):
        from accounts import notification_kinds, receivers  # noqa: F401  (its notification kinds; allauth hooks)
        from accounts.events import session_force_logout
        from accounts.selectors import session_is_current
        from config.ws import register_session_hooks

        register_session_hooks(is_current=session_is_current, ended_event=session_force_logout)
