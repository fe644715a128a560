from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's "account" app is titled "Accounts" in the admin too: ours needs its own title.
    verbose_name = "Users and social"

    def ready(self):
        from accounts import receivers  # noqa: F401  (allauth login/logout hooks)
