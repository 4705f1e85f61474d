"""``make bench``: the benchmark suite, every figure a ratio taken side by side in one run.

Absolute times on a shared machine are noise, so each figure sets caselog against
a baseline measured in the same run (peak RSS is the one size). The corpus is
written by bench/corpus.py; its size comes from the environment:

- ``BENCH_CLIENTS`` (default 1000): clients of 24 sessions of ~80 events each;
- ``BENCH_PG_CLIENTS`` (default 100): how many of them the PostgreSQL figure ingests;
- ``BENCH_CONTINUATIONS`` (default 1): clients with one continuation (format D) file;
- ``BENCH_SEED`` (default 0).

The table is printed and appended to bench/RESULTS.md; progress goes to stderr.
"""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from .corpus import check_corpus, write_corpus
from .dialogue import client_name
from .ingest import Built, RawSQLite, build, parse_share, sqlite_rows
from .postgres import postgres_rows
from .processes import memory_rows, startup_rows
from .protection import protection_rows
from .queries import as_of_queries, continuation_growth, query_growth
from .rebuild import rebuild_rows
from .report import Row, publish, unavailable
from .timing import progress


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


def _guarded(section: str, rows: list[Row], make: Callable[[], list[Row]]) -> None:
    """Run one section; if it fails, say so in the table and go on with the others."""
    try:
        rows.extend(make())
    except Exception as e:
        traceback.print_exc()
        rows.append(unavailable(section, f"failed: {type(e).__name__}: {str(e)[:200]}"))


def _link_clients(built: Built, directory: Path) -> Path:
    """A folder holding only ``built``'s clients' files (hard links to the corpus)."""
    directory.mkdir()
    for client in built.clients:
        for name in client.files:
            os.link(name, directory / Path(name).name)
    return directory


def main() -> None:
    clients = _env("BENCH_CLIENTS", 1000)
    seed = _env("BENCH_SEED", 0)
    continuations = _env("BENCH_CONTINUATIONS", 1)
    pg_clients = min(clients, _env("BENCH_PG_CLIENTS", 100))
    if clients < 3:
        raise SystemExit("BENCH_CLIENTS must be at least 3")
    # Stores are encrypted with a key of this run's own, which CLI children inherit.
    os.environ["CASELOG_KEY"] = base64.b64encode(secrets.token_bytes(32)).decode()
    os.environ["CASELOG_ACTOR"] = "bench"
    os.environ.pop("CASELOG_ENCRYPTION", None)
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
        query: list[Row] = []
        _guarded("Query growth", query, lambda: query_growth(small, big, client_name(1)))
        _guarded("Continuation", query, lambda: [continuation_growth(small, big, scratch)])
        _guarded("Rebuild", query, lambda: rebuild_rows(big))
        process: list[Row] = []
        small_dir = _link_clients(small, scratch / "corpus-10")
        _guarded(
            "Memory", process, lambda: memory_rows([(small, small_dir), (big, corpus)], scratch)
        )
        _guarded("CLI start-up", process, lambda: startup_rows([small, big]))
        _guarded("As-of reads", process, as_of_queries)
        _guarded("Encryption and chain", process, protection_rows)
        for built in (big, small):
            built.app.close()
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
