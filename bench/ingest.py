"""Ingest into SQLite against raw ``sqlite3`` executemany of the very same stored rows.

The store is built client by client from the corpus as the generator writes it,
so neither the bench nor the generator ever holds the whole corpus; only the
``ingest`` calls are timed. The baseline then writes the rows ingest stored,
read back from the store, one transaction per recorded session, under the
journal mode and synchronous setting of the store's own connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from caselog.adapters.ingest import IngestOptions, ingest
from caselog.adapters.parsing import parse_transcript
from caselog.adapters.store import open_store
from caselog.domain.events import ClientRegistered, SessionOpened
from caselog.domain.service import CaselogApplication

from .corpus import ClientFiles
from .report import Row, ratio_row
from .timing import Stopwatch, best_of, progress

ACTOR = "bench"
StoredRow = tuple[Any, int, str, bytes]


@dataclass
class Built:
    """A store built by real ingest, and what building it took."""

    app: CaselogApplication
    url: str
    clients: list[ClientFiles]
    events: int = 0
    seconds: float = 0.0
    """Time spent inside ``ingest`` only (writing the corpus is not counted)."""
    raw_rate: float | None = None
    """Rows/s of raw sqlite3 executemany of the same rows, once measured."""

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def build(url: str, clients: Iterable[ClientFiles], label: str) -> Built:
    """Ingest each client's files with one ``ingest`` call per client."""
    built = Built(open_store(url, create=True), url, [])
    watch = Stopwatch()
    for client in clients:
        with watch.running():
            results = list(ingest(built.app, client.files, IngestOptions(actor=ACTOR)))
        failed = [r.error for r in results if r.status != "recorded"]
        if failed:
            raise RuntimeError(f"{label}: {client.name} did not ingest: {failed[:3]}")
        built.events += sum(r.events for r in results)
        built.clients.append(client)
        if (client.index + 1) % 50 == 0:
            progress(
                f"{label}: {client.index + 1} clients, {built.events} events, "
                f"{built.events / watch.seconds:,.0f} events/s"
            )
    built.seconds = watch.seconds
    return built


def session_rows(app: CaselogApplication, chunk: int = 10_000) -> Iterator[list[StoredRow]]:
    """The stored rows, read back in recording order, one list per recorded session.

    A session's save starts with its SessionOpened, or with the ClientRegistered
    just before it; only one chunk of rows is held at a time.
    """
    registered, opened = get_topic(ClientRegistered), get_topic(SessionOpened)
    start: int | None = None
    current: list[StoredRow] = []
    previous = ""
    while True:
        batch = app.recorder.select_notifications(
            start=start, limit=chunk, inclusive_of_start=False
        )
        for n in batch:
            if (n.topic == registered or (n.topic == opened and previous != registered)) and (
                current
            ):
                yield current
                current = []
            current.append((n.originator_id, n.originator_version, n.topic, n.state))
            previous = n.topic
        if len(batch) < chunk:
            break
        start = batch[-1].id
    if current:
        yield current


def store_pragmas(app: CaselogApplication) -> tuple[str, int]:
    """journal_mode and synchronous as the store's own SQLite connection has them."""
    with app.recorder.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
        c.execute("PRAGMA journal_mode")
        journal = str(c.fetchone()[0])
        c.execute("PRAGMA synchronous")
        synchronous = int(c.fetchone()[0])
    return journal, synchronous


def _hex(originator_id: Any) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def raw_sqlite(app: CaselogApplication, path: Path) -> tuple[int, float, str]:
    """Rows written and seconds spent in executemany + commit; the pragmas used."""
    journal, synchronous = store_pragmas(app)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    # eventsourcing's application table, as the store has it.
    conn.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    watch = Stopwatch()
    rows = 0
    for session in session_rows(app):
        batch = [(_hex(i), v, t, s) for i, v, t, s in session]
        with watch.running():
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", batch)
            conn.execute("COMMIT")
        rows += len(batch)
    conn.close()
    return rows, watch.seconds, f"journal_mode={journal}, synchronous={synchronous}"


def sqlite_rows(built: Built, scratch: Path) -> list[Row]:
    progress("raw sqlite3 executemany of the same rows")
    rows, seconds, pragmas = raw_sqlite(built.app, scratch)
    if rows != built.events:
        raise RuntimeError(f"the store holds {rows} events, ingest reported {built.events}")
    raw_rate = built.raw_rate = rows / seconds
    return [
        ratio_row(
            "Ingest, SQLite: events/s / raw sqlite3 executemany rows/s",
            built.rate / raw_rate,
            at_least=0.5,
            detail=(
                f"{len(built.clients)} clients, {built.events:,} events, one ingest call per "
                f"client; raw: one transaction per session, {pragmas}"
            ),
        )
    ]


def parse_share(small: Built) -> Row:
    """Parsing alone against the whole ingest of the same files."""
    files = [(f, Path(f).read_bytes()) for c in small.clients for f in c.files]

    def parse_all() -> None:
        for name, data in files:
            parse_transcript(data, name)

    parse = best_of(parse_all, 3)
    return ratio_row(
        "Parse time / end-to-end ingest time",
        parse / small.seconds,
        detail=f"the {len(small.clients)}-client store's {len(files)} files, parse best of 3",
    )
