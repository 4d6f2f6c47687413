"""Development settings: what ``make run`` uses. Safe defaults, never for production."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# A fixed, obviously-insecure key for local work only; production refuses to start without its own.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
LEDGER_PSEUDONYM_KEY = env.str("LEDGER_PSEUDONYM_KEY", default="dev-only-pseudonym-key")
PERSONAL_DATA_KEY = env.str("PERSONAL_DATA_KEY", default="dev-only-personal-data-key")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Static files straight from the apps' folders (no collectstatic needed while developing).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="whsec_sandbox_dev_only")  # noqa: S105
