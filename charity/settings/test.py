"""Settings for the test suite (pytest-django). DATABASE_URL still picks SQLite or PostgreSQL."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
WAGTAILADMIN_BASE_URL = "http://testserver"
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
# A fixed key for tests only: base64 of 32 bytes 0x01.
LEDGER_SIGNING_KEY = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
LEDGER_SIGNING_KEY_FILE = ""
LEDGER_PSEUDONYM_KEY = "test-pseudonym-key"
PERSONAL_DATA_KEY = "test-personal-data-key"
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox_test_only"  # noqa: S105
STRIPE_SECRET_KEY = ""
STRIPE_WEBHOOK_SECRET = ""
STRIPE_API_BASE = ""
SITE_URL = "http://testserver"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
