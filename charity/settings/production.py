"""Production settings. Refuses to start without a real SECRET_KEY and ALLOWED_HOSTS."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env


def _required(name: str, hint: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set in the environment for production ({hint}). 生产环境必须设置环境变量 {name}。"
        )
    return value


DEBUG = False
SECRET_KEY = _required(
    "SECRET_KEY", "a long random string, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`"
)
ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS", "comma-separated host names").split(",") if h.strip()]
if not (env.str("LEDGER_SIGNING_KEY", default="") or env.str("LEDGER_SIGNING_KEY_FILE", default="")):
    _required("LEDGER_SIGNING_KEY", "base64 of a raw 32-byte Ed25519 private key, or set LEDGER_SIGNING_KEY_FILE")
LEDGER_PSEUDONYM_KEY = _required("LEDGER_PSEUDONYM_KEY", "a long random string; keep it stable")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{h}" for h in ALLOWED_HOSTS])

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_CONTENT_TYPE_NOSNIFF = True
