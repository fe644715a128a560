from django.apps import AppConfig


class MonetizationConfig(AppConfig):
    name = "monetization"
