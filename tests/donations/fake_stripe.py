"""A small Stripe-compatible HTTP server for tests: the real SDK talks to it over a local socket, never the network.

It records every request (method, path, query, headers, form-decoded body) and answers as Stripe does for the
two endpoints we use:

- ``POST /v1/checkout/sessions`` creates a session ``cs_test_…`` with a ``checkout.stripe.com`` URL. Like Stripe
  it honours ``Idempotency-Key``: the same key answers with the same session; the same key with different
  parameters is a 400 ``idempotency_error``.
- ``GET /v1/events`` lists the preloaded events newest first, filtered by ``created[gte|gt|lte|lt]``, paged with
  ``limit`` and ``starting_after`` (``has_more``).
- ``GET /v1/balance`` answers ``balance`` (available and pending, in minor units per currency; zero at first).
- ``GET /v1/charges/<id>`` answers a charge added with ``add_charge``, its balance transaction expanded when asked
  (``expand[0]=balance_transaction``), else as its id; an unknown charge is a 404.
- ``GET /v1/disputes/<id>`` answers a dispute added with ``add_dispute``; an unknown one is a 404.

``fail_next`` queues error answers (a 500, a 400 ``card_error``…) taken before any normal answer.
Bodies are decoded with ``parse_qsl`` into Stripe's flat keys, so a test asserts exactly what went on the wire:
``form["line_items[0][price_data][unit_amount]"] == "8880"``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

SECRET_KEY = "sk_test_local"
WEBHOOK_SECRET = "whsec_local"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    form: dict[str, str]


@dataclass(frozen=True)
class Failure:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


def card_error(message: str = "Your card was declined.", code: str = "card_declined") -> Failure:
    return Failure(402, {"error": {"type": "card_error", "code": code, "message": message}})


def invalid_request(message: str = "Invalid request.", status: int = 400) -> Failure:
    return Failure(status, {"error": {"type": "invalid_request_error", "message": message}})


def server_error() -> Failure:
    return Failure(500, {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}})


class FakeStripe:
    """Start with ``with FakeStripe() as stripe_server:``; point ``STRIPE_API_BASE`` at ``base_url``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.events: list[dict] = []
        self._failures: deque[Failure] = deque()
        self._sessions: dict[str, tuple[dict, dict]] = {}  # idempotency key → (form, session)
        self.charges: dict[str, dict] = {}  # charge id → charge with its balance transaction expanded
        self.disputes: dict[str, dict] = {}
        self.balance: dict[str, dict[str, int]] = {"available": {}, "pending": {}}  # kind → currency → minor
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add_events(self, *events: dict) -> None:
        with self._lock:
            self.events.extend(events)

    def add_charge(self, charge: dict) -> None:
        with self._lock:
            self.charges[charge["id"]] = charge

    def add_dispute(self, dispute: dict) -> None:
        with self._lock:
            self.disputes[dispute["id"]] = dispute

    def fail_next(self, failure: Failure, *, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([failure] * times)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- answers ---------------------------------------------------------------------------------

    def answer(self, request: RecordedRequest) -> tuple[int, dict, dict[str, str]]:
        with self._lock:
            self.requests.append(request)
            if self._failures:
                failure = self._failures.popleft()
                return failure.status, failure.body, failure.headers
            if request.method == "POST" and request.path == "/v1/checkout/sessions":
                return self._create_session(request)
            if request.method == "GET" and request.path == "/v1/events":
                return 200, self._list_events(request.query), {}
            if request.method == "GET" and request.path == "/v1/balance":
                return 200, self._balance(), {}
            if request.method == "GET" and request.path.startswith("/v1/disputes/"):
                dispute = self.disputes.get(request.path.rsplit("/", 1)[1])
                if dispute is None:
                    return 404, {"error": {"type": "invalid_request_error", "message": "No such dispute"}}, {}
                return 200, dispute, {}
            if request.method == "GET" and request.path.startswith("/v1/charges/"):
                return self._charge(request.path.rsplit("/", 1)[1], request.query)
        return 404, {"error": {"type": "invalid_request_error", "message": f"No route {request.path}"}}, {}

    def _create_session(self, request: RecordedRequest) -> tuple[int, dict, dict[str, str]]:
        key = request.headers.get("idempotency-key", "")
        if key in self._sessions:
            form, session = self._sessions[key]
            if form != request.form:
                error = {"type": "idempotency_error", "message": "Keys for idempotent requests can only be used "
                                                                  "with the same parameters they were first used with."}
                return 400, {"error": error}, {}
            return 200, session, {"idempotent-replayed": "true"}
        session_id = f"cs_test_{next(self._ids):06d}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "mode": request.form.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "client_reference_id": request.form.get("client_reference_id"),
            "metadata": {k[len("metadata["):-1]: v for k, v in request.form.items() if k.startswith("metadata[")},
            "currency": request.form.get("line_items[0][price_data][currency]"),
            "amount_total": int(request.form.get("line_items[0][price_data][unit_amount]", "0")),
        }
        if key:
            self._sessions[key] = (request.form, session)
        return 200, session, {}

    def _balance(self) -> dict:
        def entries(kind: str) -> list[dict]:
            return [{"amount": amount, "currency": currency} for currency, amount in self.balance[kind].items()]

        return {"object": "balance", "livemode": False, "available": entries("available"),
                "pending": entries("pending")}

    def _charge(self, charge_id: str, query: dict[str, str]) -> tuple[int, dict, dict[str, str]]:
        charge = self.charges.get(charge_id)
        if charge is None:
            return 404, {"error": {"type": "invalid_request_error", "message": f"No such charge: '{charge_id}'"}}, {}
        if query.get("expand[0]") != "balance_transaction":
            charge = {**charge, "balance_transaction": charge["balance_transaction"]["id"]}
        return 200, charge, {}

    def _list_events(self, query: dict[str, str]) -> dict:
        events = sorted(self.events, key=lambda e: (e["created"], e["id"]), reverse=True)
        bounds = {"gte": int.__ge__, "gt": int.__gt__, "lte": int.__le__, "lt": int.__lt__}
        for name, compare in bounds.items():
            if f"created[{name}]" in query:
                limit_value = int(query[f"created[{name}]"])
                events = [e for e in events if compare(int(e["created"]), limit_value)]
        if "starting_after" in query:
            ids = [e["id"] for e in events]
            events = events[ids.index(query["starting_after"]) + 1:]
        limit = int(query.get("limit", 10))
        return {"object": "list", "url": "/v1/events", "has_more": len(events) > limit, "data": events[:limit]}


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self._handle()

        def do_POST(self) -> None:  # noqa: N802
            self._handle()

        def do_DELETE(self) -> None:  # noqa: N802
            self._handle()

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            request = RecordedRequest(
                method=self.command,
                path=url.path,
                query={k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                form=dict(parse_qsl(body, keep_blank_values=True)),
            )
            status, payload, headers = fake.answer(request)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_test_{len(fake.requests):06d}")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args) -> None:  # noqa: A002 (quiet: pytest shows failures, not access logs)
            pass

    return Handler


def configure(settings, server: FakeStripe) -> None:
    """Switch the project from the sandbox to "Stripe", served by ``server`` (``settings`` is pytest-django's)."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = server.base_url
