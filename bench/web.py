"""The web view's page server time: a 24-session client's timeline, in a store of 10
clients and in one of 1,000, timed side by side (``caselog serve`` reads one client's
events per page, so the bigger store should cost it nothing)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from caselog.adapters.store import Store, open_store
from caselog.web.app import create_app

from .corpus import SESSIONS, synthetic_session
from .dialogue import client_name
from .ingest import ACTOR
from .report import Row, ratio_row
from .timing import percentile, progress

ROUNDS = 60
TOKEN = "bench"


def _timeline(store: Store, client: str) -> Callable[[], float]:
    """A signed-in browser's request for ``client``'s timeline; each call returns its time."""
    from starlette.testclient import TestClient

    browser = TestClient(create_app(store, TOKEN))
    browser.get(f"/?token={TOKEN}")
    path = f"/clients/{store.records.client(client).id}"

    def get() -> float:
        start = time.perf_counter()
        page = browser.get(path)
        spent = time.perf_counter() - start
        if page.status_code != 200 or page.text.count('<details class="session"') != SESSIONS:
            raise RuntimeError(f"the timeline of {client} did not render: {page.status_code}")
        return spent

    return get


def web_rows(small: Store, big: Store, client: str, sizes: tuple[int, int]) -> list[Row]:
    progress(f"web timeline of {client!r}: {sizes[0]} against {sizes[1]} clients")
    pages = _timeline(small, client), _timeline(big, client)
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(ROUNDS + 3):
        for get, out in zip(pages, times, strict=True):
            spent = get()
            if i >= 3:  # the first rounds warm caches up
                out.append(spent)
    few, many = times
    return [
        ratio_row(
            f"Web timeline page p50 growth ({sizes[1]} vs {sizes[0]} clients)",
            percentile(many, 0.5) / percentile(few, 0.5),
            at_most=1.2,
            detail=f"GET /clients/ID of a {SESSIONS}-session client (every transcript in the "
            f"page), Starlette's test client, {ROUNDS} runs each, alternating; p50 "
            f"{percentile(few, 0.5) * 1000:.0f} ms in the small store, "
            f"{percentile(many, 0.5) * 1000:.0f} ms in the big one; p95 growth "
            f"{percentile(many, 0.95) / percentile(few, 0.95):.2f}",
        )
    ]


def _synthetic(url: str, clients: int) -> Store:
    """A store of ``clients`` clients of 24 synthetic sessions each (parsing skipped)."""
    store = open_store(url, create=True, actor=ACTOR, command="bench")
    for index in range(clients):
        name = client_name(index)
        sessions = [synthetic_session(name, n) for n in range(1, SESSIONS + 1)]
        store.app.record_sessions(sessions, actor=ACTOR)
        if (index + 1) % 100 == 0:
            progress(f"web: {index + 1} of {clients} clients recorded")
    return store


def web_only() -> list[Row]:
    """``BENCH_ONLY=web``: the figure on synthetic stores of its own (a few minutes)."""
    clients = int(os.environ.get("BENCH_WEB_CLIENTS", "1000"))
    with tempfile.TemporaryDirectory(prefix="caselog-bench-web-") as tmp:
        small = _synthetic(str(Path(tmp) / "small.db"), 10)
        big = _synthetic(str(Path(tmp) / "big.db"), clients)
        try:
            return web_rows(small, big, client_name(1), (10, clients))
        finally:
            small.close()
            big.close()
