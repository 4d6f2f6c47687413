import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from charity.settings.base import env


class Command(BaseCommand):
    help = (
        "Ensure a Wagtail admin (superuser) exists. Credentials come from ADMIN_USERNAME / ADMIN_PASSWORD / "
        "ADMIN_EMAIL; without ADMIN_PASSWORD a password is generated and printed once."
    )

    def handle(self, *args, **options):
        User = get_user_model()  # noqa: N806
        username = env.str("ADMIN_USERNAME", default="admin")
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin account '{username}' already exists; password unchanged.")
            return
        password = env.str("ADMIN_PASSWORD", default="")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username, env.str("ADMIN_EMAIL", default="admin@example.org"), password)
        self.stdout.write(self.style.SUCCESS(f"Created admin account '{username}'."))
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"  Generated password (shown only this once): {password}\n"
                    f"  Change it with: .venv/bin/python manage.py changepassword {username}"
                )
            )
