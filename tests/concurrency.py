"""Run calls at once in real threads, each with its own database connection: the PostgreSQL race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

WAIT = 60  # seconds: a bound on a hang, never a timing assertion


def race(*calls: Callable[[], object], refusal: type[Exception]) -> list[str]:
    """Run the calls at once (a barrier releases them together); each outcome is "ok" or the refusal's message."""
    barrier = threading.Barrier(len(calls), timeout=WAIT)

    def worker(call: Callable[[], object]) -> str:
        try:
            barrier.wait()
            call()
            return "ok"
        except refusal as error:
            return str(error)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(worker, call) for call in calls]
        return [future.result(timeout=WAIT) for future in futures]
