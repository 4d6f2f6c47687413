"""Production settings. Refuses to start without a real SECRET_KEY and ALLOWED_HOSTS."""

import base64
from pathlib import Path

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
LEDGER_SIGNING_KEY = env.str("LEDGER_SIGNING_KEY", default="").strip()
LEDGER_SIGNING_KEY_FILE = env.str("LEDGER_SIGNING_KEY_FILE", default="").strip()
if not (LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE):
    _required("LEDGER_SIGNING_KEY", "base64 of a raw 32-byte Ed25519 private key, or set LEDGER_SIGNING_KEY_FILE")


def _check_signing_key(value: str, where: str) -> None:
    """Refuse to start with a key that cannot sign: better now than at the first tree head."""
    try:
        ok = len(base64.b64decode(value.strip(), validate=True)) == 32
    except ValueError:
        ok = False
    if not ok:
        raise ImproperlyConfigured(f"{where} must hold base64 of a raw 32-byte Ed25519 private key. 账本签名密钥无效。")


if LEDGER_SIGNING_KEY:
    _check_signing_key(LEDGER_SIGNING_KEY, "LEDGER_SIGNING_KEY")
else:
    try:
        _check_signing_key(
            Path(LEDGER_SIGNING_KEY_FILE).read_text(), f"LEDGER_SIGNING_KEY_FILE ({LEDGER_SIGNING_KEY_FILE})"
        )
    except OSError as error:
        raise ImproperlyConfigured(
            f"LEDGER_SIGNING_KEY_FILE {LEDGER_SIGNING_KEY_FILE} cannot be read ({error}). 无法读取账本签名密钥文件。"
        ) from error
LEDGER_PSEUDONYM_KEY = _required("LEDGER_PSEUDONYM_KEY", "a long random string; keep it stable")
PERSONAL_DATA_KEY = _required(
    "PERSONAL_DATA_KEY", "a long random string that encrypts beneficiaries' ID numbers, phones and bank accounts"
)
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

# Payments: real Stripe needs both keys. The sandbox gateway (anyone can "pay" on it) is refused in production
# unless explicitly allowed for a staging site, with its own webhook secret.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="").strip()
if STRIPE_SECRET_KEY:
    STRIPE_WEBHOOK_SECRET = _required("STRIPE_WEBHOOK_SECRET", "the signing secret of the Stripe webhook endpoint")
elif env.bool("ALLOW_SANDBOX_PAYMENTS", default=False):
    SANDBOX_WEBHOOK_SECRET = _required("SANDBOX_WEBHOOK_SECRET", "a long random string for the sandbox gateway")
else:
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY must be set in production (or ALLOW_SANDBOX_PAYMENTS=true on a staging site). "
        "生产环境必须配置 Stripe 密钥。"
    )
