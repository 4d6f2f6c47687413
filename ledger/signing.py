"""The log's Ed25519 signing key. Development generates one under var/; production must provide it."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def generate_key_file(path: Path) -> bool:
    """Write a new base64 raw 32-byte private key to ``path`` unless one is there. True if written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    path.write_text(base64.b64encode(seed).decode("ascii") + "\n")
    path.chmod(0o600)
    return True


@lru_cache(maxsize=4)
def _key_from(value: str) -> Ed25519PrivateKey:
    try:
        seed = base64.b64decode(value.strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except ValueError as error:
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY must be base64 of a raw 32-byte Ed25519 private key") from error


def signing_key() -> Ed25519PrivateKey:
    value = settings.LEDGER_SIGNING_KEY
    if not value and settings.LEDGER_SIGNING_KEY_FILE:
        path = Path(settings.LEDGER_SIGNING_KEY_FILE)
        if not path.exists():
            raise ImproperlyConfigured(
                f"Ledger signing key file {path} is missing: run `python manage.py ledger_keygen` "
                "(make run does) or set LEDGER_SIGNING_KEY."
            )
        value = path.read_text()
    if not value:
        raise ImproperlyConfigured("Set LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE to sign tree heads.")
    return _key_from(value)


def public_key_bytes(key: Ed25519PrivateKey | None = None) -> bytes:
    key = key or signing_key()
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
