"""``make bench``: the benchmark suite, every figure a ratio taken side by side in one run.

Absolute times on a shared machine are noise, so each figure sets caselog against
a baseline measured in the same run (peak RSS is the one size). The corpus is
written by bench/corpus.py; its size comes from the environment:

- ``BENCH_CLIENTS`` (default 1000): clients of 24 sessions of ~80 events each;
- ``BENCH_PG_CLIENTS`` (default 100): how many of them the PostgreSQL figure ingests;
- ``BENCH_CONTINUATIONS`` (default 1): clients with one continuation (format D) file;
- ``BENCH_SEED`` (default 0);
- ``BENCH_VERSION_CLIENTS`` (default 40): how many clients the before/after figures
  (bench/versions.py) time, in ``BENCH_VERSION_ROUNDS`` (default 3) rounds per version,
  against commit ``BENCH_BEFORE`` (default 6fba2d9, the code before this round of
  changes);
- ``BENCH_ONLY=before-after``: write only those clients and run only the before/after
  figures, a check of a minute or two:
  ``BENCH_ONLY=before-after BENCH_CLIENTS=20 .venv/bin/python -m bench``.
- ``BENCH_LOG_CLIENTS`` (default 20, about 38,000 events): the store ``caselog log`` is
  timed on against sqlite3 (bench/log.py); ``BENCH_ONLY=log`` runs only that, in about
  a minute: ``BENCH_ONLY=log .venv/bin/python -m bench``.
- ``BENCH_ONLY=startup``: only the reading commands' start-up against a bare Python
  start (bench/startup.py), on a store of 3 clients; ``BENCH_STARTUP_ROUNDS`` (default 11).
- ``BENCH_ONLY=integrity``: only verified reads against unverified ones, and AES-GCM
  with associated data against without (bench/verified_reads.py).
- ``BENCH_ONLY=live``: only live appends (the write API, one commit each) against raw
  sqlite3 single-row commits (bench/live.py), in under a minute.
- ``BENCH_ONLY=chat``: only chat import parsed against format A (bench/chat.py).
- ``BENCH_ONLY=web``: only the web view's timeline page in a store of 10 clients against
  one of ``BENCH_WEB_CLIENTS`` (default 1000), synthetic, in a few minutes (bench/web.py).

The table is printed and appended to bench/RESULTS.md; progress goes to stderr.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from .adversarial import linearity_rows
from .chat import chat_rows
from .corpus import ClientFiles, check_corpus, write_corpus
from .dialogue import client_name
from .ingest import RawSQLite, build, parse_share, sqlite_rows
from .live import live_rows
from .log import log_rows
from .postgres import postgres_rows
from .processes import memory_rows, startup_rows
from .protection import protection_rows
from .queries import as_of_queries, continuation_growth, query_growth
from .rebuild import rebuild_rows
from .report import Row, publish, unavailable
from .startup import bare_start_rows
from .timing import progress
from .verified_reads import integrity_rows
from .versions import BEFORE, before_after_rows
from .web import web_only, web_rows


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _guarded(section: str, rows: list[Row], make: Callable[[], list[Row]]) -> None:
    """Run one section; if it fails, say so in the table and go on with the others."""
    try:
        rows.extend(make())
    except Exception as e:
        traceback.print_exc()
        rows.append(unavailable(section, f"failed: {type(e).__name__}: {str(e)[:200]}"))


def _link_clients(clients: Iterable[ClientFiles], directory: Path) -> Path:
    """A folder holding only these clients' files (hard links to the corpus)."""
    directory.mkdir()
    for client in clients:
        for name in client.files:
            os.link(name, directory / Path(name).name)
    return directory


class _Versions:
    """The before/after figures' settings: which clients, how many rounds, which commit."""

    def __init__(self, clients: int) -> None:
        self.clients = min(clients, _env("BENCH_VERSION_CLIENTS", 40))
        self.rounds = _env("BENCH_VERSION_ROUNDS", 3)
        self.commit = os.environ.get("BENCH_BEFORE", BEFORE)
        if self.rounds < 2:
            raise SystemExit("BENCH_VERSION_ROUNDS must be at least 2")

    def rows(self, clients: list[ClientFiles], scratch: Path) -> list[Row]:
        """Time the first clients' files, linked into a folder of their own."""
        subset = clients[: self.clients]
        folder = _link_clients(subset, scratch / f"corpus-{len(subset)}-versions")
        linked = [
            ClientFiles(c.index, c.name, [str(folder / Path(f).name) for f in c.files])
            for c in subset
        ]
        return before_after_rows(linked, scratch / "versions", self.rounds, self.commit)


def _before_after_only(clients: int, seed: int, continuations: int) -> None:
    """``BENCH_ONLY=before-after``: only the before/after figures, on a corpus of their own."""
    versions = _Versions(clients)
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="caselog-bench-") as tmp:
        scratch = Path(tmp)
        progress(f"writing {versions.clients} clients")
        written = list(write_corpus(scratch / "corpus", versions.clients, seed, continuations))
        _guarded("Before/after", rows, lambda: versions.rows(written, scratch))
    minutes = (time.perf_counter() - started) / 60
    publish(
        rows,
        f"BENCH_ONLY=before-after, {versions.clients} clients "
        f"({versions.clients * 24:,} transcripts)",
        [
            f"Seed {seed}, {continuations} client(s) with a continuation, against "
            f"{versions.commit}. The run took {minutes:.1f} min.",
            "Ratios of rates: above 1, the current code is the faster.",
        ],
    )


def _startup_only(seed: int, continuations: int) -> None:
    """``BENCH_ONLY=startup``: the start-up figures, on a small store of their own."""
    rounds = _env("BENCH_STARTUP_ROUNDS", 11)
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="caselog-bench-") as tmp:
        scratch = Path(tmp)
        progress("writing and ingesting 3 clients")
        corpus = write_corpus(scratch / "corpus", 3, seed, continuations)
        small = build(str(scratch / "small.db"), corpus, "the 3-client store")
        _guarded("CLI start-up", rows, lambda: bare_start_rows(small, rounds))
        small.store.close()
    minutes = (time.perf_counter() - started) / 60
    publish(
        rows,
        "BENCH_ONLY=startup, 3 clients",
        [
            f"Seed {seed}; {rounds} rounds. The run took {minutes:.1f} min.",
            "Multiples of a bare `python -c pass`: at most 7, a reading command starts "
            "fast enough.",
        ],
    )


def _log_only(clients: int, seed: int, continuations: int) -> None:
    """``BENCH_ONLY=log``: only ``caselog log`` against sqlite3, on a corpus of its own."""
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="caselog-bench-") as tmp:
        scratch = Path(tmp)
        progress(f"writing and ingesting {clients} clients")
        written = write_corpus(scratch / "corpus", clients, seed, continuations)
        _guarded("Log", rows, lambda: log_rows(list(written), scratch))
    minutes = (time.perf_counter() - started) / 60
    publish(
        rows,
        f"BENCH_ONLY=log, {clients} clients ({clients * 24:,} transcripts)",
        [
            f"Seed {seed}, {continuations} client(s) with a continuation. "
            f"The run took {minutes:.1f} min.",
            "Ratios of wall times: below 1, caselog is the faster.",
        ],
    )


def main() -> None:
    clients = _env("BENCH_CLIENTS", 1000)
    seed = _env("BENCH_SEED", 0)
    continuations = _env("BENCH_CONTINUATIONS", 1)
    pg_clients = min(clients, _env("BENCH_PG_CLIENTS", 100))
    only = os.environ.get("BENCH_ONLY", "")
    if clients < 3:
        raise SystemExit("BENCH_CLIENTS must be at least 3")
    if only not in ("", "before-after", "log", "startup", "integrity", "chat", "web", "live"):
        raise SystemExit(
            f"BENCH_ONLY={only!r}: the sections that run alone: "
            "before-after, log, startup, integrity, chat, web, live"
        )
    # Stores are encrypted with a key of this run's own, which CLI children inherit.
    os.environ["CASELOG_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
    os.environ["CASELOG_ACTOR"] = "bench"
    os.environ.pop("CASELOG_ENCRYPTION", None)
    if only == "startup":
        _startup_only(seed, continuations)
        return
    if only == "log":
        _log_only(_env("BENCH_LOG_CLIENTS", 20), seed, continuations)
        return
    if only == "integrity":
        rows: list[Row] = []
        _guarded("Integrity", rows, integrity_rows)
        publish(rows, "BENCH_ONLY=integrity", ["Ratios of rates: at 1, integrity costs nothing."])
        return
    if only == "live":
        rows = []
        _guarded("Live appends", rows, live_rows)
        publish(rows, "BENCH_ONLY=live", ["Ratios of rates: at 1, as fast as raw sqlite3."])
        return
    if only == "chat":
        rows = []
        _guarded("Chat import", rows, chat_rows)
        publish(rows, "BENCH_ONLY=chat", ["Parse rates and times, measured side by side."])
        return
    if only == "web":
        rows = []
        _guarded("Web view", rows, web_only)
        publish(rows, "BENCH_ONLY=web", ["Growth ratios: above 1, slower in the bigger store."])
        return
    if only:
        _before_after_only(clients, seed, continuations)
        return
    versions = _Versions(clients)
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="caselog-bench-") as tmp:
        scratch = Path(tmp)
        progress(check_corpus(scratch / "check"))
        progress(f"writing and ingesting {clients} clients")
        corpus = scratch / "corpus"
        big = build(
            str(scratch / "big.db"),
            write_corpus(corpus, clients, seed, continuations),
            f"SQLite ingest of {clients} clients",
            raw=lambda app: RawSQLite(app, scratch / "raw.db"),
        )
        if big.raw is not None:
            big.raw.close()
        (scratch / "raw.db").unlink(missing_ok=True)
        small = build(str(scratch / "small.db"), big.clients[:10], "the 10-client store")
        ingest_rows: list[Row] = []
        _guarded("Ingest, SQLite", ingest_rows, lambda: sqlite_rows(big))
        _guarded("Ingest, PostgreSQL", ingest_rows, lambda: postgres_rows(big.clients[:pg_clients]))
        _guarded("Parse share", ingest_rows, lambda: [parse_share(small)])
        _guarded("Before/after", ingest_rows, lambda: versions.rows(big.clients, scratch))
        query: list[Row] = []
        _guarded("Query growth", query, lambda: query_growth(small, big, client_name(1)))
        _guarded(
            "Web view",
            query,
            lambda: web_rows(small.store, big.store, client_name(1), (10, clients)),
        )
        _guarded("Continuation", query, lambda: [continuation_growth(small, big, scratch)])
        _guarded("Rebuild", query, lambda: rebuild_rows(big))
        logged = big.clients[: _env("BENCH_LOG_CLIENTS", 20)]
        _guarded("Log", query, lambda: log_rows(logged, scratch))
        process: list[Row] = []
        small_dir = _link_clients(small.clients, scratch / "corpus-10")
        _guarded(
            "Memory", process, lambda: memory_rows([(small, small_dir), (big, corpus)], scratch)
        )
        _guarded("CLI start-up", process, lambda: startup_rows([small, big]))
        _guarded("CLI start-up, reading commands", process, lambda: bare_start_rows(small))
        _guarded("As-of reads", process, as_of_queries)
        _guarded("Encryption and chain", process, protection_rows)
        _guarded("Adversarial lines", process, linearity_rows)
        _guarded("Chat import", process, chat_rows)
        _guarded("Integrity", process, integrity_rows)
        _guarded("Live appends", process, live_rows)
        for built in (big, small):
            built.store.close()
        rows = ingest_rows + query + process
    minutes = (time.perf_counter() - started) / 60
    publish(
        rows,
        f"BENCH_CLIENTS={clients} ({clients * 24:,} transcripts, {big.events:,} events)",
        [
            f"Seed {seed}, {continuations} client(s) with a continuation, PostgreSQL figure on "
            f"{pg_clients} clients. The whole run took {minutes:.1f} min.",
            "Ratios of rates: above 1, caselog is the faster; growth ratios: above 1, slower "
            "in the bigger store.",
        ],
    )


if __name__ == "__main__":
    main()
