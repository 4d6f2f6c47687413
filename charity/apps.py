from django.apps import AppConfig


class CharityConfig(AppConfig):
    """The project package: wiring, plus commands that span apps (demo content, admin account)."""

    name = "charity"
    verbose_name = "慈善总会"
