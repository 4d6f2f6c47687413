from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CharityConfig(AppConfig):
    """The project package: wiring, plus commands that span apps (demo content, admin account)."""

    name = "charity"
    verbose_name = "慈善总会"

    def ready(self):
        from charity.admin_names import admin_names_translate_after_migrate
        from charity.groups import groups_ensure_after_migrate

        post_migrate.connect(groups_ensure_after_migrate, dispatch_uid="charity.groups_ensure")
        post_migrate.connect(admin_names_translate_after_migrate, dispatch_uid="charity.admin_names")
