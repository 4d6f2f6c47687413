"""Stripe webhook handling under load: signed deliveries over loopback to gunicorn on PostgreSQL, with duplicate
deliveries, checked for exactly-once posting afterwards; as a ratio to deliveries the server rejects at the
signature check, measured in the same run.

    .venv/bin/python bench/webhook_load.py [--events 2000] [--rounds 3] [--duplicates 0.2] [--clients 8]
                                           [--workers 4] [--worker-class sync] [--threads 1] [--conn-max-age 0]
                                           [--profile 200] [--keep-db]
    # persistent database connections and threaded workers:
    .venv/bin/python bench/webhook_load.py --workers 2 --worker-class gthread --threads 4 --conn-max-age 60
    # CI: 12 events in 2 rounds, 2 workers, every check and --profile 4, at most 5 minutes, a throw-away database:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charity .venv/bin/python bench/webhook_load.py --smoke

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and gunicorn in the venv. Exits non-zero if any check
fails.

Creates a fresh database (``charity_bench_webhooks``; dropped at the end unless ``--keep-db``), migrates,
bulk-creates ``--events`` pending online gifts over ``--projects`` projects (plus a few for warm-up and
profiling), and serves the project with ``gunicorn charity.wsgi`` (production settings, no Stripe keys: the
sandbox secret, checked by the same ``stripe.Webhook.construct_event``) on a free loopback port. Client threads
in this process, each with its own connections (``http.client``), then deliver each round's events. Per round,
interleaved so that the machine's load hits every phase alike, the same number of deliveries of:

- **baseline: signature rejected** — the round's ``checkout.session.completed`` payloads signed with the wrong
  secret: 400 after Django's middleware, the view and the HMAC check, nothing stored;
- **signed, stored, ignored** — a genuine but unhandled event type (``payment_intent.created``) per gift: the
  signature check plus the WebhookEvent insert, in one transaction, and no posting;
- **checkout.session.completed** — the real thing: the gift is recorded as paid, gets a receipt serial and one
  ledger transaction.

Every event is delivered once, and ``--duplicates`` of them again: half at the same instant on a second
connection (the server handles both concurrently), half re-sent later in the round. Each delivery is signed
(``t=…,v1=…``) when it is sent. Throughput is all deliveries over the phase's wall-clock time; latency is from
sending the request to reading the whole response. A sampler polls ``pg_stat_activity`` every 20 ms (what the
server's backends are doing) and ``/proc`` gives the CPU used by the gunicorn workers, this process and the
machine as a whole.

Afterwards it checks exactly-once — every gift succeeded once with its amount, one ledger Transaction and one
receipt serial each (gap-free), one WebhookEvent per unique event, every original answered ``processed`` and
every duplicate ``duplicate`` — and runs ``manage.py verify_ledger``. ``--profile N`` then replays N more gifts'
events in this process (no HTTP) to count SQL statements per event and time the part of the transaction that
holds the receipt-counter row lock and the ledger's writer lock (nothing else can post meanwhile), with a
cProfile of where the time goes.

``--smoke`` (CI) runs all of it at the tiniest sizes in ``bench/smoke.py``'s throw-away database
(``<DATABASE_URL's name>_smoke_webhooks``): 12 events in 2 rounds with half of them delivered twice, 2 clients, 2
sync workers, ``--profile 4``; the whole run is bounded (an alarm stops it, and gunicorn with it, after 5 minutes).
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import webhook_data as data  # noqa: E402

ROOT = data.ROOT
VENV_BIN = ROOT / ".venv" / "bin"
URL = "/donations/webhooks/stripe/"
BASELINE, IGNORED, COMPLETED = "baseline: signature rejected", "signed, stored, ignored", "checkout.session.completed"
PHASES = [BASELINE, IGNORED, COMPLETED]


# --- the server --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], args, log_path: Path):
        self.port = free_port()
        command = [
            str(VENV_BIN / "gunicorn"), "charity.wsgi", "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(args.workers), "--worker-class", args.worker_class, "--threads", str(args.threads),
            "--timeout", "60", "--graceful-timeout", "10",
        ]
        self.command = " ".join(command[1:])

        self.log = open(log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; {self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("POST", URL, b"{}", {"X-Forwarded-Proto": "https"})
                if conn.getresponse().status == 400:
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout} s; {self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        self.log.flush()
        tail = Path(self.log.name).read_text(errors="replace").splitlines()[-lines:]
        return f"the end of its log {self.log.name}:\n" + "\n".join(tail)

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- CPU and database sampling -----------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLK_TCK, sum(fields[:8]) / CLK_TCK


def process_cpu(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(parts[11]) + int(parts[12])
    return total / CLK_TCK


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Sampler(threading.Thread):
    """Every 20 ms: what this database's client backends are doing (running, waiting on a lock, waiting for the
    app inside an open transaction, …), and whether the ledger's writer lock is held."""

    QUERY = """
        SELECT a.state, a.wait_event_type, a.wait_event,
               (SELECT count(*) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                AND l.database = (SELECT oid FROM pg_database WHERE datname = %(db)s))
        FROM pg_stat_activity a
        WHERE a.datname = %(db)s AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
    """

    def __init__(self, db_name: str):
        super().__init__(daemon=True)
        self.db_name, self.stop_event = db_name, threading.Event()
        self.samples = 0
        self.states: Counter[str] = Counter()
        self.lock_held = 0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(host=data.PG_HOST, port=data.PG_PORT, user=data.PG_USER, dbname=self.db_name,
                             autocommit=True) as conn:
            while not self.stop_event.wait(0.02):
                rows = conn.execute(self.QUERY, {"db": self.db_name}).fetchall()
                self.samples += 1
                held = False
                for state, wait_type, wait_event, advisory in rows:
                    held = held or advisory > 0
                    if state == "active":
                        key = f"active, waiting {wait_type}:{wait_event}" if wait_type else "active, on CPU"
                    else:
                        key = state or "?"
                    self.states[key] += 1
                self.lock_held += held

    def stop(self) -> dict:
        self.stop_event.set()
        self.join()
        n = max(1, self.samples)
        return {
            "samples": self.samples,
            "backends": {k: v / n for k, v in self.states.most_common()},
            "writer_lock_held": self.lock_held / n,
        }


# --- the load generator ------------------------------------------------------------------------------------


@dataclass
class Result:
    event: int
    duplicate: bool
    sent: float
    done: float
    status: int | str
    outcome: str
    pair: bool = False


@dataclass
class PhaseRun:
    name: str
    round: int
    deliveries: int
    seconds: float
    results: list[Result]
    cpu: dict = field(default_factory=dict)
    db: dict = field(default_factory=dict)
    resent: int = 0

    @property
    def rate(self) -> float:
        return self.deliveries / self.seconds

    @property
    def unique_rate(self) -> float:
        """Events applied (answered processed / ignored) per second."""
        applied = sum(1 for r in self.results if r.status == 200 and r.outcome in ("processed", "ignored"))
        return applied / self.seconds

    def latencies(self) -> list[float]:
        return sorted((r.done - r.sent) * 1000 for r in self.results)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), -(-len(sorted_values) * q // 100)))
    return sorted_values[int(rank) - 1]


def sign(payload: bytes, secret: str) -> str:
    from donations.gateways.sandbox import sign as sandbox_sign

    return sandbox_sign(payload, secret)


HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    "X-Forwarded-Proto": "https",  # as the TLS-terminating proxy in front of gunicorn sets it
}
STALE = (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected)


class Connection:
    """A keep-alive connection. Like any HTTP client, it sends a request again, once, on a fresh connection
    when the server had already closed the idle one (gthread's keep-alive timeout): nothing was processed."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.reused = False
        self.retries = 0

    def send(self, payload: bytes, signature: str) -> str | None:
        try:
            self.conn.request("POST", URL, payload, {**HEADERS, "Stripe-Signature": signature})
            return None
        except STALE:
            if not self.reused:
                raise
            return self._again(payload, signature)

    def _again(self, payload: bytes, signature: str) -> None:
        self.conn.close()
        self.reused = False
        self.retries += 1
        self.conn.request("POST", URL, payload, {**HEADERS, "Stripe-Signature": signature})

    def receive(self, payload: bytes, signature: str) -> tuple[int, bytes]:
        try:
            response = self.conn.getresponse()
        except STALE:
            if not self.reused:
                raise
            self._again(payload, signature)
            response = self.conn.getresponse()
        body = response.read()
        self.reused = not response.will_close
        return response.status, body


def deliver_jobs(port: int, jobs, *, secret: str, clients: int) -> tuple[float, list[Result], int]:
    """Run ``jobs`` (lists of deliveries sent at the same instant) on ``clients`` threads, in order.
    Returns the wall-clock seconds, the results and the number of stale keep-alive connections resent on."""
    lock, position = threading.Lock(), [0]
    results: list[Result] = []
    retries = [0]

    def client() -> None:
        conns = [Connection(port), Connection(port)]
        mine: list[Result] = []
        while True:
            with lock:
                if position[0] >= len(jobs):
                    break
                job = jobs[position[0]]
                position[0] += 1
            started = []
            for conn, d in zip(conns, job, strict=False):
                t0 = time.perf_counter()
                signature = sign(d.payload, secret)
                try:
                    conn.send(d.payload, signature)
                    started.append((conn, d, signature, t0, None))
                except OSError as error:
                    conn.conn.close()
                    started.append((conn, d, signature, t0, f"send {type(error).__name__}"))
            for conn, d, signature, t0, error in started:
                status, outcome = error or 0, ""
                if error is None:
                    try:
                        status, body = conn.receive(d.payload, signature)
                        try:
                            answer = json.loads(body)
                            outcome = answer.get("status") or answer.get("error", "")
                        except ValueError:
                            outcome = body[:40].decode(errors="replace")
                    except (OSError, http.client.HTTPException) as exc:
                        conn.conn.close()
                        status = f"recv {type(exc).__name__}"
                mine.append(Result(d.event, d.duplicate, t0, time.perf_counter(), status, outcome, d.pair))
        for conn in conns:
            conn.conn.close()
        with lock:
            results.extend(mine)
            retries[0] += sum(c.retries for c in conns)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, results, retries[0]


def run_phase(name: str, round_: int, gifts, server: Server, args, db_name: str) -> PhaseRun:
    created = int(time.time())
    tag = {BASELINE: "rej", IGNORED: "ign", COMPLETED: "csc"}[name]
    make = data.unhandled if name == IGNORED else data.session_completed
    payloads = [make(g, f"evt_bench_{tag}_{round_}_{i:06d}", created) for i, g in enumerate(gifts)]
    jobs = data.schedule(payloads, duplicate_share=args.duplicates, clients=args.clients, seed=round_)
    secret = data.WRONG_SECRET if name == BASELINE else data.WEBHOOK_SECRET
    workers = server.worker_pids()
    sampler = Sampler(db_name)
    load0 = os.getloadavg()[0]
    cpu0, w0, s0 = machine_cpu(), process_cpu(workers), self_cpu()
    sampler.start()
    seconds, results, resent = deliver_jobs(server.port, jobs, secret=secret, clients=args.clients)
    db = sampler.stop()
    cpu1, w1, s1 = machine_cpu(), process_cpu(workers), self_cpu()
    cores = os.cpu_count() or 1
    wall = cpu1[1] - cpu0[1]  # all cores' seconds
    cpu = {
        "machine": (cpu1[0] - cpu0[0]) / wall * cores if wall else 0.0,  # cores busy on average
        "gunicorn": (w1 - w0) / seconds,
        "client": (s1 - s0) / seconds,
        "load": (load0 + os.getloadavg()[0]) / 2,
    }
    return PhaseRun(name, round_, len(results), seconds, results, cpu, db, resent)


# --- checks ------------------------------------------------------------------------------------------------


WANT = {BASELINE: (400, "invalid signature"), IGNORED: (200, "ignored"), COMPLETED: (200, "processed")}


def check_responses(run: PhaseRun) -> list[str]:
    """Every delivery answered as expected: the baseline's 400s; otherwise each event's first answer
    ``processed`` (or ``ignored``) exactly once and ``duplicate`` for every other delivery."""
    status, outcome = WANT[run.name]
    where = f"{run.name}, round {run.round + 1 if run.round >= 0 else 'warm-up'}"
    problems = []
    unexpected = Counter(
        (r.status, r.outcome[:30]) for r in run.results
        if (r.status, r.outcome) != (status, outcome) and (run.name == BASELINE or r.outcome != "duplicate")
    )
    problems += [f"{where}: {n} deliveries answered {code} {text!r}" for (code, text), n in unexpected.items()]
    if run.name != BASELINE:
        sent, firsts, dups = Counter(), Counter(), Counter()
        for r in run.results:
            sent[r.event] += 1
            firsts[r.event] += r.outcome == outcome
            dups[r.event] += r.outcome == "duplicate"
        wrong = [e for e in sent if firsts[e] != 1 or dups[e] != sent[e] - 1]
        if wrong:
            problems.append(f"{where}: {len(wrong)} of {len(sent)} events not answered {outcome!r} exactly once "
                            f"and 'duplicate' otherwise")
    return problems


def check_database(expected_gifts: list, ignored_events: int, left_pending: int = 0) -> tuple[list[str], dict]:
    from donations.models import Donation, DonationStatus, ReceiptCounter, WebhookEvent
    from ledger.models import Transaction

    problems = []
    ids = [g.public_id for g in expected_gifts]
    amounts = {g.public_id: g.amount_minor for g in expected_gifts}
    gifts = Donation.objects.filter(public_id__in=ids)
    statuses = Counter(gifts.values_list("status", flat=True))
    if statuses != Counter({DonationStatus.SUCCEEDED: len(ids)}):
        problems.append(f"gift statuses: {dict(statuses)} (want {len(ids)} succeeded)")
    wrong = [
        str(p) for p, a in gifts.values_list("public_id", "amount") if a is None or int(a * 100) != amounts[str(p)]
    ]
    if wrong:
        problems.append(f"{len(wrong)} gifts with a wrong amount, e.g. {wrong[:3]}")
    tx_ids = list(gifts.values_list("transaction_id", flat=True))
    if None in tx_ids or len(set(tx_ids)) != len(tx_ids):
        problems.append("a gift without a ledger transaction, or two gifts sharing one")
    serials = list(gifts.values_list("receipt_serial", flat=True))
    if None in serials or len(set(serials)) != len(serials):
        problems.append("a gift without a receipt serial, or a serial given twice")
    figures = {
        "gifts succeeded": statuses.get(DonationStatus.SUCCEEDED, 0),
        "gifts still pending (all)": Donation.objects.filter(status=DonationStatus.PENDING).count(),
        "ledger transactions": Transaction.objects.count(),
        "ledger transactions with a repeated source": Transaction.objects.count()
        - Transaction.objects.order_by().values("source").distinct().count(),
        "webhook events checkout.session.completed": WebhookEvent.objects.filter(
            type="checkout.session.completed").count(),
        "webhook events payment_intent.created": WebhookEvent.objects.filter(type="payment_intent.created").count(),
        "webhook event statuses": dict(Counter(WebhookEvent.objects.values_list("status", flat=True))),
        "receipt serials issued (counter)": sum(ReceiptCounter.objects.values_list("last", flat=True)),
    }
    n = len(ids)
    for label, want in [
        ("ledger transactions", n),
        ("webhook events checkout.session.completed", n),
        ("webhook events payment_intent.created", ignored_events),
        ("receipt serials issued (counter)", n),
        ("ledger transactions with a repeated source", 0),
        ("gifts still pending (all)", left_pending),
    ]:
        if figures[label] != want:
            problems.append(f"{label}: {figures[label]} (want {want})")
    return problems, figures


def verify_ledger(env: dict[str, str]) -> tuple[bool, str]:
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [str(VENV_BIN / "python"), "manage.py", "verify_ledger"], cwd=ROOT, env=env, capture_output=True, text=True,
        check=False,
    )
    return done.returncode == 0, (done.stdout + done.stderr).strip()


# --- in-process profile ------------------------------------------------------------------------------------


def profile_events(gifts) -> dict:
    """Replay ``gifts``' events through ``webhook_receive`` in this process, one after another: SQL statements,
    SQL time, and how long each transaction holds the receipt-counter row lock and the writer lock (from the
    lock to the end of COMMIT). Then a cProfile of a second half."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from donations.services import payments
    from donations.services.webhooks import webhook_receive

    original_assign = payments.receipt_serial_assign
    original_commit = connection.commit
    marks: dict[str, float | int] = {}

    def assign(donation):  # the first lock nothing else can pass: the year's receipt counter row
        marks["locked"] = time.perf_counter()
        marks["queries_before_lock"] = len(ctx.captured_queries)
        marks["timed_before_lock"] = len(timings)
        return original_assign(donation)

    def commit():
        marks["commit_start"] = time.perf_counter()
        marks["timed_before_commit"] = len(timings)
        original_commit()
        marks["commit_end"] = time.perf_counter()

    timings: list[tuple[str, float]] = []

    def timer(execute, sql, params, many, context):  # perf_counter per statement (captured times are in whole ms)
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((_kind(sql), time.perf_counter() - start))

    half = len(gifts) // 2
    created = int(time.time())
    rows = []
    payments.receipt_serial_assign = assign
    connection.commit = commit
    try:
        for i, g in enumerate(gifts[:half]):
            payload = data.session_completed(g, f"evt_bench_prof_{i:06d}", created)
            header = sign(payload, data.WEBHOOK_SECRET)
            marks.clear()
            timings.clear()
            with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
                start = time.perf_counter()
                try:
                    outcome = webhook_receive(payload=payload, signature=header)
                except Exception as error:  # noqa: BLE001 - reported, not hidden
                    return {"error": f"{type(error).__name__}: {error}".strip()}
                end = time.perf_counter()
            assert outcome == "processed", outcome
            queries = ctx.captured_queries
            rows.append({
                "total": end - start,
                "sql": sum(t for _, t in timings),
                "sql_locked": sum(t for _, t in timings[marks["timed_before_lock"]:marks["timed_before_commit"]]),
                "by_kind": [(k, t) for k, t in timings],
                "commit": marks["commit_end"] - marks["commit_start"],
                "locked": marks["commit_end"] - marks["locked"],
                "queries": len(queries),
                "queries_locked": _commit_index(queries) + 1 - marks["queries_before_lock"],
                "kinds": Counter(_kind(q["sql"]) for q in queries),
                "sequence": [_kind(q["sql"]) for q in queries],
                "lock_at": marks["queries_before_lock"],
            })
    finally:
        payments.receipt_serial_assign = original_assign
        connection.commit = original_commit

    profiler = cProfile.Profile()
    profiler.enable()
    for i, g in enumerate(gifts[half:]):
        payload = data.session_completed(g, f"evt_bench_prof_{half + i:06d}", created)
        webhook_receive(payload=payload, signature=sign(payload, data.WEBHOOK_SECRET))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    tottime = io.StringIO()
    pstats.Stats(profiler, stream=tottime).sort_stats("tottime").print_stats(20)
    kinds = Counter()
    kind_ms: dict[str, list[float]] = {}
    for r in rows:
        kinds.update(r["kinds"])
        per_event = Counter()
        for k, t in r["by_kind"]:
            per_event[k] += t * 1000
        for k, v in per_event.items():
            kind_ms.setdefault(k, []).append(v)
    return {
        "kind_ms": sorted(((k, statistics.median(v)) for k, v in kind_ms.items()), key=lambda kv: -kv[1]),
        "commit_ceiling_ms": commit_ceiling(),
        "round_trip_ms": round_trip(),
        "events": len(rows),
        "ms": {k: statistics.median(r[k] for r in rows) * 1000
               for k in ("total", "sql", "commit", "locked", "sql_locked")},
        "queries": statistics.median(r["queries"] for r in rows),
        "queries_locked": statistics.median(r["queries_locked"] for r in rows),
        "kinds": {k: v / len(rows) for k, v in kinds.most_common()},
        "sequence": rows[-1]["sequence"],
        "lock_at": rows[-1]["lock_at"],
        "cprofile_cumulative": out.getvalue(),
        "cprofile_tottime": tottime.getvalue(),
        "profiled_events": len(gifts) - half,
    }


def _commit_index(queries) -> int:
    return max(i for i, q in enumerate(queries) if q["sql"].strip().upper().startswith("COMMIT"))


def round_trip(n: int = 500) -> float:
    """Median ms of ``SELECT 1`` on this process's connection: one round trip to the server, now."""
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(n):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def commit_ceiling(n: int = 200) -> float:
    """Median ms of one serialised write transaction that does almost nothing — take the ledger's kind of
    advisory lock, update one row, COMMIT (with the WAL flush ``synchronous_commit`` waits for) — on one
    connection, one after another. No design that holds a lock until its COMMIT returns posts faster."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit (id int PRIMARY KEY, n bigint NOT NULL)")
        cursor.execute("INSERT INTO bench_commit VALUES (1, 0) ON CONFLICT DO NOTHING")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(424242)")
            cursor.execute("UPDATE bench_commit SET n = n + 1 WHERE id = 1")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _kind(sql: str) -> str:
    words = sql.split()
    verb = words[0].upper() if words else "?"
    table = ""
    upper = [w.upper() for w in words]
    for marker in ("FROM", "INTO", "UPDATE"):
        if marker in upper:
            at = upper.index(marker) + 1
            if marker == "UPDATE":
                at = upper.index("UPDATE") + 1
            if at < len(words):
                table = words[at].strip('"(').split('"')[0]
                break
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "SAVEPOINT/RELEASE"
    return f"{verb} {table}".strip()


# --- report ------------------------------------------------------------------------------------------------


def summarise(runs: list[PhaseRun], name: str) -> dict:
    mine = [r for r in runs if r.name == name]
    lat = sorted(x for r in mine for x in r.latencies())
    codes = Counter(res.status for r in mine for res in r.results)
    outcomes = Counter(res.outcome for r in mine for res in r.results)
    return {
        "rates": [r.rate for r in mine],
        "rate": statistics.median(r.rate for r in mine),
        "unique_rate": statistics.median(r.unique_rate for r in mine),
        "p50": percentile(lat, 50), "p95": percentile(lat, 95), "p99": percentile(lat, 99),
        "deliveries": sum(r.deliveries for r in mine),
        "codes": dict(codes), "outcomes": dict(outcomes),
        "resent": sum(r.resent for r in mine),
        "pairs": sum(1 for r in mine for res in r.results if res.pair and res.duplicate),
        "pairs_second_applied": sum(1 for r in mine for res in r.results if res.pair and res.duplicate
                                    and res.outcome in ("processed", "ignored")),
        "late": sum(1 for r in mine for res in r.results if res.duplicate and not res.pair),
        "cpu": {k: statistics.median(r.cpu[k] for r in mine) for k in mine[0].cpu},
        "db": _mean_db([r.db for r in mine]),
    }


def _mean_db(dbs: list[dict]) -> dict:
    keys = Counter()
    for d in dbs:
        keys.update(d["backends"])
    return {
        "backends": {k: v / len(dbs) for k, v in keys.most_common()},
        "writer_lock_held": statistics.mean(d["writer_lock_held"] for d in dbs),
    }


def print_report(runs: list[PhaseRun], args, server: Server) -> dict:
    sums = {name: summarise(runs, name) for name in PHASES}
    base_rate = sums[BASELINE]["rate"]
    print(f"\ngunicorn {server.command}; clients: {args.clients} threads (2 connections each); rounds: "
          f"{args.rounds}; duplicates: {args.duplicates:.0%} (half concurrent pairs, half late); "
          f"CONN_MAX_AGE {args.conn_max_age}")
    header = (f"{'phase':<30}{'deliv.':>7}{'deliv/s':>9}{'range':>15}{'applied/s':>10}{'× base':>8}"
              f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}  status codes")
    print(header)
    for name in PHASES:
        s = sums[name]
        rng = f"{min(s['rates']):.0f}–{max(s['rates']):.0f}"
        applied = f"{s['unique_rate']:.0f}" if name != BASELINE else "—"
        print(f"{name:<30}{s['deliveries']:>7}{s['rate']:>9.0f}{rng:>15}{applied:>10}"
              f"{base_rate / s['rate']:>8.1f}{s['p50']:>8.1f}{s['p95']:>8.1f}{s['p99']:>8.1f}  {s['codes']}")
    for name in (IGNORED, COMPLETED):
        s = sums[name]
        print(f"{name}: {s['pairs']} concurrent pairs (in {s['pairs_second_applied']} the copy sent second was the "
              f"one applied: they really raced), {s['late']} late re-sends; outcomes {s['outcomes']}")
    resent = {name: sums[name]["resent"] for name in PHASES if sums[name]["resent"]}
    if resent:
        print(f"requests sent again on a fresh connection after the server closed an idle keep-alive one: {resent}")
    print(f"\nCPU (cores busy on average; the machine has {os.cpu_count() or 1}):")
    for name in PHASES:
        c = sums[name]["cpu"]
        print(f"  {name:<30} machine {c['machine']:.2f}, gunicorn workers {c['gunicorn']:.2f}, "
              f"load generator {c['client']:.2f}, the rest (PostgreSQL, other jobs) "
              f"{max(0.0, c['machine'] - c['gunicorn'] - c['client']):.2f}; load average {c['load']:.1f}")
    print("\nPostgreSQL client backends of the bench database (mean number in each state, 20 ms samples):")
    for name in PHASES:
        db = sums[name]["db"]
        states = ", ".join(f"{k} {v:.2f}" for k, v in list(db["backends"].items())[:7])
        print(f"  {name:<30} writer lock held {db['writer_lock_held']:.0%} of samples; {states}")
    return sums


def print_profile(p: dict) -> None:
    if "error" in p:
        print(f"\nIn-process replay: the first event failed: {p['error']}")
        return
    ms = p["ms"]
    print(f"\nIn-process replay of {p['events']} checkout.session.completed events, one at a time (medians): "
          f"{ms['total']:.2f} ms per event, of which SQL {ms['sql']:.2f} ms and COMMIT {ms['commit']:.2f} ms; "
          f"{p['queries']:.0f} SQL statements, {p['queries_locked']:.0f} of them (COMMIT included) while holding the "
          f"receipt-counter row lock; locked from the counter row to the end of COMMIT: {ms['locked']:.2f} ms = "
          f"SQL {ms['sql_locked']:.2f} + COMMIT {ms['commit']:.2f} + Python in between "
          f"{ms['locked'] - ms['sql_locked'] - ms['commit']:.2f} (→ at most {1000 / ms['locked']:.0f} events/s "
          f"however many workers).")
    print("SQL statements per event by kind: " + ", ".join(f"{k} {v:.1f}" for k, v in p["kinds"].items()))
    print("SQL time per event by kind (median ms, execute only; COMMIT apart): "
          + ", ".join(f"{k} {v:.2f}" for k, v in p["kind_ms"]))
    seq = p["sequence"]
    print("One event's statements in order (| = the receipt-counter row lock is taken; held to COMMIT): "
          + ", ".join(seq[: p["lock_at"]]) + " | " + ", ".join(seq[p["lock_at"]:]))
    ceiling = p["commit_ceiling_ms"]
    print(f"Ceiling for any design that holds a lock across COMMIT: a serialised advisory lock + one-row UPDATE + "
          f"COMMIT takes {ceiling:.2f} ms (→ {1000 / ceiling:.0f} transactions/s) on this machine's disk; "
          f"one round trip (SELECT 1) {p['round_trip_ms']:.3f} ms.")
    print(f"\ncProfile of {p['profiled_events']} more events, by cumulative time:")
    print(_trim(p["cprofile_cumulative"]))
    print("by own time:")
    print(_trim(p["cprofile_tottime"]))


def _trim(text: str) -> str:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    root = str(ROOT) + "/"
    return "\n".join(line.replace(root, "").replace(str(ROOT / ".venv/lib/python3.11/site-packages") + "/", "")
                     for line in lines[start:] if line.strip())


def machine(connection) -> str:
    import platform

    import django
    import gunicorn
    import wagtail

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('synchronous_commit'), "
                       "current_setting('shared_buffers')")
        pg, sync, buffers = cursor.fetchone()
    return (f"machine: {os.cpu_count()} × {model}, {mem:.0f} GiB; Python {platform.python_version()}, Django "
            f"{django.__version__}, Wagtail {wagtail.__version__}, gunicorn {gunicorn.__version__}, PostgreSQL {pg} "
            f"(synchronous_commit {sync}, shared_buffers {buffers}); load average {os.getloadavg()[0]:.1f}")


# --- main --------------------------------------------------------------------------------------------------


SMOKE_SECONDS = 300


def smoke_arguments(args) -> None:
    """--smoke: the tiniest run that still has concurrent pairs, late duplicates, two rounds and the profile; a
    throw-away database on DATABASE_URL's server; an alarm that ends the run (finally blocks included: gunicorn is
    stopped and the database dropped) if anything hangs."""
    import smoke

    if not smoke.is_postgres(os.environ.get("DATABASE_URL", "")):
        sys.exit("webhook_load.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    args.events, args.projects, args.rounds, args.duplicates, args.clients = 12, 2, 2, 0.5, 2
    args.workers, args.worker_class, args.threads, args.profile, args.keep_db = 2, "sync", 1, 4, False
    args.db = smoke.pg_name("webhooks")

    def out_of_time(signum, frame):
        raise SystemExit(f"smoke: not finished within {SMOKE_SECONDS} s")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(SMOKE_SECONDS)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="unique checkout.session.completed events (gifts)")
    parser.add_argument("--projects", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of events delivered a second time")
    parser.add_argument("--clients", type=int, default=8, help="load generator threads")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--conn-max-age", type=int, default=0, help="seconds; 0 (Django's default) = a new "
                        "database connection per request")
    parser.add_argument("--profile", type=int, default=200, help="extra events replayed in-process (0: none)")
    parser.add_argument("--db", default="charity_bench_webhooks")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="12 events, 2 rounds, 2 workers, bounded (CI)")
    args = parser.parse_args()
    if args.smoke:
        smoke_arguments(args)

    env = data.server_env(args.db, args.conn_max_age)
    print(f"database {args.db}: creating, migrating, {args.events} pending gifts over {args.projects} projects",
          flush=True)
    if args.smoke:
        import smoke

        smoke.throwaway_create("webhooks")  # a copy of the migrated template when the tests name one
    else:
        data.database_create(args.db)
    server = None
    try:
        data.django_setup(env)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        warm_n = 2 * args.clients
        gifts = data.gifts_create(warm_n + args.events + args.profile, projects=args.projects)
        warm, main_gifts, prof = gifts[:warm_n], gifts[warm_n:warm_n + args.events], gifts[warm_n + args.events:]
        print(machine(connection), flush=True)
        connection.close()

        log_path = Path(tempfile.gettempdir()) / f"bench-webhook-gunicorn-{os.getpid()}.log"
        server = Server(env, args, log_path)
        print(f"gunicorn on 127.0.0.1:{server.port}, {len(server.worker_pids())} workers; log {log_path}", flush=True)

        # Warm-up (not timed): every worker imports the views, opens connections, creates the funds' accounts.
        warm_runs = [run_phase(name, -1, warm, server, args, args.db) for name in PHASES]
        ignored_events = len(warm)
        problems = [p for r in warm_runs for p in check_responses(r)]

        chunks = [main_gifts[i * len(main_gifts) // args.rounds:(i + 1) * len(main_gifts) // args.rounds]
                  for i in range(args.rounds)]
        runs: list[PhaseRun] = []
        for round_, chunk in enumerate(chunks):
            for name in PHASES:
                run = run_phase(name, round_, chunk, server, args, args.db)
                runs.append(run)
                problems += check_responses(run)
                if name == IGNORED:
                    ignored_events += len(chunk)
                print(f"  round {round_ + 1}/{args.rounds} {name:<30} {run.deliveries} deliveries in "
                      f"{run.seconds:.2f} s = {run.rate:.0f}/s", flush=True)
        server.stop()
        sums = print_report(runs, args, server)

        profile = profile_events(prof) if prof else None
        if profile:
            print_profile(profile)

        profiled = prof if profile and "error" not in profile else []
        if profile and "error" in profile:
            problems.append(f"in-process replay: {profile['error']}")
        db_problems, figures = check_database(warm + main_gifts + profiled, ignored_events, len(prof) - len(profiled))
        problems += db_problems
        connection.close()
        ok, verify_out = verify_ledger(env)
        if not ok:
            problems.append("verify_ledger failed")
        print("\nExactly-once checks:")
        for k, v in figures.items():
            print(f"  {k}: {v}")
        dups = sum(1 for r in runs if r.name == COMPLETED for res in r.results if res.duplicate)
        if not problems:
            print(f"  duplicate deliveries of checkout.session.completed (timed rounds): {dups}; each event "
                  f"answered 'processed' once and 'duplicate' otherwise, and posted once")
        print(f"  verify_ledger: {verify_out.splitlines()[-1] if verify_out else '?'}")
        print("\n" + ("ALL CHECKS PASSED" if not problems else "PROBLEMS:\n  " + "\n  ".join(problems[:30])))
        completed = sums[COMPLETED]
        print(f"\nVerdict: {completed['rate']:.0f} deliveries/s ({completed['unique_rate']:.0f} events/s applied) of "
              f"checkout.session.completed against the ≥ 200 events/s target: "
              f"{'met' if completed['unique_rate'] >= 200 else 'MISSED'}")
        if problems:
            sys.exit(1)
    finally:
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception as error:  # noqa: BLE001 - settings that failed to load: nothing open, drop all the same
            print(f"(closing connections: {type(error).__name__})")
        if args.keep_db:
            print(f"kept database {args.db}")
        else:
            data.database_drop(args.db)
            print(f"dropped database {args.db}")


if __name__ == "__main__":
    main()
