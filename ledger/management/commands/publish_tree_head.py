import base64

from django.core.management.base import BaseCommand

from ledger.services import tree_head_publish


class Command(BaseCommand):
    help = "Sign and publish a tree head over every transaction posted so far (schedule at least daily)."

    def handle(self, *args, **options):
        head = tree_head_publish()
        root = base64.b64encode(bytes(head.root_hash)).decode()
        self.stdout.write(f"Published tree head: size {head.tree_size}, timestamp {head.timestamp_ms}, root {root}")
