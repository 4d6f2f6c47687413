"""Data for the webhook load benchmark (``bench/webhook_load.py``): a fresh PostgreSQL database, the
environment the gunicorn server and this process share, pending online gifts, and Stripe-format events.

Deterministic: gift amounts, names and event order come from fixed seeds, so a run reproduces.
"""

from __future__ import annotations

import base64
import json
import os
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
WEBHOOK_SECRET = "whsec_bench_" + "0" * 24  # noqa: S105 - a throw-away database's secret
WRONG_SECRET = "whsec_bench_" + "1" * 24  # noqa: S105 - signs the baseline's rejected deliveries
SESSION_PREFIX = "cs_bench_"


def server_env(db_name: str, conn_max_age: int) -> dict[str, str]:
    """Production settings, configured the way docs/operations.md deploys them, with the sandbox gateway's
    secret (no Stripe keys: the same ``stripe.Webhook.construct_event`` check, against SANDBOX_WEBHOOK_SECRET)."""
    env = dict(os.environ)
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "LEDGER_SIGNING_KEY_FILE", "CACHE_URL"):
        env.pop(name, None)
    url = f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{db_name}"
    if conn_max_age:
        url += f"?conn_max_age={conn_max_age}"
    env.update(
        DJANGO_SETTINGS_MODULE="charity.settings.production",
        DATABASE_URL=url,
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        LEDGER_SIGNING_KEY=base64.b64encode(bytes(range(32))).decode(),
        LEDGER_PSEUDONYM_KEY="bench-pseudonym-key",
        PERSONAL_DATA_KEY="bench-personal-data-key",  # production settings refuse to start without it
        ALLOW_SANDBOX_PAYMENTS="true",
        SANDBOX_WEBHOOK_SECRET=WEBHOOK_SECRET,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    return env


def _admin_connection():
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True)


def database_create(name: str) -> None:
    """Drop ``name`` if it exists and create it empty."""
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_setup(env: dict[str, str]) -> None:
    """This process uses the server's settings and database (for set-up, profiling and the checks)."""
    os.environ.update(env)
    import django

    django.setup()


@dataclass(frozen=True)
class Gift:
    public_id: str
    session_id: str
    amount_minor: int


def gifts_create(n: int, *, projects: int, seed: int = 2026) -> list[Gift]:
    """``projects`` fundraising projects and ``n`` pending online gifts spread over them (a tenth to the
    unrestricted fund), inserted with one ``bulk_create``, as the give form leaves them before Checkout."""
    from donations.models import Channel, Donation, DonationStatus
    from projects.models import Category, Project, Status

    rng = random.Random(seed)
    categories = list(Category)
    funds = [
        Project.objects.create(
            code=f"WB{i:03d}", name=f"基准项目{i}", category=categories[i % len(categories)],
            status=Status.FUNDRAISING, target_amount=Decimal(1_000_000), start_date=date(2026, 1, 1),
        )
        for i in range(projects)
    ]
    presets = [Decimal(v) for v in ("20", "50", "88.80", "100", "200", "500", "1000")]
    rows = []
    for i in range(n):
        key = uuid.UUID(int=rng.getrandbits(128), version=4)
        rows.append(Donation(
            public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            project=None if i % 10 == 9 else funds[i % len(funds)],
            channel=Channel.ONLINE,
            status=DonationStatus.PENDING,
            requested_amount=presets[rng.randrange(len(presets))],
            display_name="" if i % 3 else f"捐赠人{i}",
            is_anonymous=i % 5 == 0,
            idempotency_key=key,
            stripe_checkout_session_id=SESSION_PREFIX + uuid.uuid5(uuid.NAMESPACE_URL, str(key)).hex,
        ))
    Donation.objects.bulk_create(rows, batch_size=1000)
    return [Gift(str(d.public_id), d.stripe_checkout_session_id, int(d.requested_amount * 100)) for d in rows]


def session_completed(gift: Gift, event_id: str, created: int) -> bytes:
    """``checkout.session.completed`` for a one-off card/Alipay/WeChat Pay gift, as Stripe (and the sandbox) send it."""
    token = gift.session_id.removeprefix(SESSION_PREFIX)[:16]
    return _event(event_id, "checkout.session.completed", created, {
        "id": gift.session_id,
        "object": "checkout.session",
        "mode": "payment",
        "payment_status": "paid",
        "status": "complete",
        "amount_total": gift.amount_minor,
        "currency": "cny",
        "client_reference_id": gift.public_id,
        "metadata": {"donation": gift.public_id},
        "payment_method_types": ["card", "alipay", "wechat_pay"],
        "payment_intent": f"pi_bench_{token}",
        "subscription": None,
        "invoice": None,
    })


def unhandled(gift: Gift, event_id: str, created: int) -> bytes:
    """``payment_intent.created``: a genuine event type the handler acknowledges and stores as ignored."""
    token = gift.session_id.removeprefix(SESSION_PREFIX)[:16]
    return _event(event_id, "payment_intent.created", created, {
        "id": f"pi_bench_{token}", "object": "payment_intent", "amount": gift.amount_minor, "currency": "cny",
        "status": "requires_payment_method", "metadata": {"donation": gift.public_id},
    })


def _event(event_id: str, type_: str, created: int, obj: dict) -> bytes:
    return json.dumps({
        "id": event_id, "object": "event", "api_version": "2025-03-31.basil", "created": created,
        "livemode": False, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
        "type": type_, "data": {"object": obj},
    }).encode()


@dataclass(frozen=True)
class Delivery:
    event: int  # index of the event in its phase
    payload: bytes
    duplicate: bool
    pair: bool = False  # sent at the same instant as another copy of the same event


def schedule(payloads: list[bytes], *, duplicate_share: float, clients: int, seed: int) -> list[list[Delivery]]:
    """The phase's deliveries as jobs for the client threads, in order. Every event is sent once; on top,
    ``duplicate_share`` of them again: half in a *pair* job (the original and its duplicate sent on two
    connections at the same instant, so the server handles them concurrently), half as a *late* re-send,
    queued some way after the original (Stripe's retry after a timeout)."""
    rng = random.Random(seed)
    n = len(payloads)
    order = list(range(n))
    rng.shuffle(order)
    dup = rng.sample(range(n), round(n * duplicate_share))
    pairs, late = set(dup[: len(dup) // 2]), dup[len(dup) // 2 :]
    keyed: list[tuple[float, list[Delivery]]] = []
    for pos, i in enumerate(order):
        job = [Delivery(i, payloads[i], False, pair=i in pairs)]
        if i in pairs:
            job.append(Delivery(i, payloads[i], True, pair=True))
        keyed.append((pos, job))
    position = {i: pos for pos, i in enumerate(order)}
    for i in late:
        at = position[i] + 2 * clients + rng.randrange(max(1, n // 4))
        keyed.append((at + 0.5, [Delivery(i, payloads[i], True)]))
    keyed.sort(key=lambda item: item[0])
    return [job for _, job in keyed]

