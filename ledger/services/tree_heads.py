"""Publishing signed tree heads (RFC 6962 §3.5) over the current log."""

from __future__ import annotations

import time

from django.db import transaction

from ledger import merkle
from ledger.models import TreeHead
from ledger.signing import public_key_bytes, signing_key

from .log_state import Frontier, next_sequence
from .posting import acquire_writer_lock


def tree_head_publish(*, timestamp_ms: int | None = None) -> TreeHead:
    """Sign and store a tree head for every transaction posted so far.

    Taken under the writer lock so the size and root describe one consistent log. Timestamps never
    go backwards: a clock behind the last tree head is moved up to it plus one millisecond.
    """
    with transaction.atomic():
        acquire_writer_lock()
        size = next_sequence()
        root = Frontier.load(size).root()
        stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
        last = TreeHead.objects.order_by("-timestamp_ms").values_list("timestamp_ms", flat=True).first()
        if last is not None and stamp <= last:
            stamp = last + 1
        key = signing_key()
        signature = key.sign(merkle.tree_head_signature_input(stamp, size, root))
        return TreeHead.objects.create(
            tree_size=size, timestamp_ms=stamp, root_hash=root, signature=signature, public_key=public_key_bytes(key)
        )
