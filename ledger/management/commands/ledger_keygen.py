import base64
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ledger.signing import generate_key_file, public_key_bytes, signing_key


class Command(BaseCommand):
    help = "Generate the development tree-head signing key at LEDGER_SIGNING_KEY_FILE if it is missing."

    def handle(self, *args, **options):
        if settings.LEDGER_SIGNING_KEY:
            self.stdout.write("LEDGER_SIGNING_KEY is set in the environment; no key file needed.")
            return
        if not settings.LEDGER_SIGNING_KEY_FILE:
            raise CommandError("Set LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE.")
        path = Path(settings.LEDGER_SIGNING_KEY_FILE)
        created = generate_key_file(path)
        key = base64.b64encode(public_key_bytes(signing_key())).decode()
        verb = "Generated" if created else "Using existing"
        self.stdout.write(f"{verb} ledger signing key {path} (public key {key}).")
