"""ASGI entry point. Defaults to production settings, so a server started without
DJANGO_SETTINGS_MODULE refuses to run without its secrets instead of running with development ones."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charity.settings.production")

application = get_asgi_application()
