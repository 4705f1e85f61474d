"""Ingest into SQLite against raw ``sqlite3`` executemany of the very same stored rows.

The store is built client by client from the corpus as the generator writes it,
so neither the bench nor the generator ever holds the whole corpus; only the
``ingest`` calls are timed. Right after each client's ingest, the baseline writes
the rows that ingest stored, read back from the store, one transaction per
recorded session, under the journal mode and synchronous setting of the store's
own connection: the two alternate client by client, so a drift in the machine
(the disk's fsync time above all) weighs on both alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.utils import get_topic

from caselog.adapters.client_ids import to_hex
from caselog.adapters.parsing import parse_transcript
from caselog.adapters.store import Store, open_store
from caselog.adapters.transcript_files import IngestOptions
from caselog.application.service import CaselogApplication
from caselog.domain.events import ClientRegistered, SessionOpened

from .corpus import ClientFiles
from .report import Row, ratio_row
from .timing import Stopwatch, best_of, progress

ACTOR = "bench"
StoredRow = tuple[Any, int, str, bytes]


class RawSink(Protocol):
    """The baseline: writes rows as they are, timing only the writing."""

    rows: int

    @property
    def seconds(self) -> float: ...
    def write(self, sessions: Iterable[list[StoredRow]]) -> None: ...
    def close(self) -> None: ...


@dataclass
class Built:
    """A store built by real ingest, and what building it took."""

    store: Store
    url: str
    clients: list[ClientFiles]
    events: int = 0
    seconds: float = 0.0
    """Time spent inside ``ingest`` only (writing the corpus is not counted)."""
    raw: RawSink | None = None
    """The baseline written alongside, when one was asked for."""

    @property
    def app(self) -> CaselogApplication:
        return self.store.app

    @property
    def raw_rate(self) -> float | None:
        return self.raw.rows / self.raw.seconds if self.raw and self.raw.seconds else None

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def build(
    url: str,
    clients: Iterable[ClientFiles],
    label: str,
    raw: Callable[[CaselogApplication], RawSink] | None = None,
) -> Built:
    """Ingest each client's files with one ``ingest`` call per client; with ``raw``,
    the baseline writes the same rows after each client's call."""
    built = Built(open_store(url, create=True), url, [])
    built.raw = raw(built.app) if raw else None
    watch = Stopwatch()
    for client in clients:
        before = built.app.recorder.max_notification_id()
        with watch.running():
            results = list(built.store.ingest(client.files, IngestOptions(actor=ACTOR)))
        if built.raw is not None:
            built.raw.write(session_rows(built.app, after=before))
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


def session_rows(
    app: CaselogApplication, *, after: int | None = None, chunk: int = 10_000
) -> Iterator[list[StoredRow]]:
    """The stored rows (after notification ``after``), read back in recording order, one
    list per recorded session.

    A session's save starts with its SessionOpened, or with the ClientRegistered
    just before it; only one chunk of rows is held at a time.
    """
    registered, opened = get_topic(ClientRegistered), get_topic(SessionOpened)
    start: int | None = after
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


class Timed:
    """What every baseline keeps: the rows it wrote and the time spent writing them."""

    def __init__(self) -> None:
        self.watch = Stopwatch()
        self.rows = 0

    @property
    def seconds(self) -> float:
        return self.watch.seconds


class RawSQLite(Timed):
    """Raw ``sqlite3``: eventsourcing's events table as the store has it, one
    ``executemany`` and commit per session, the store's own journal mode and
    synchronous setting."""

    def __init__(self, app: CaselogApplication, path: Path) -> None:
        super().__init__()
        journal, synchronous = store_pragmas(app)
        self.pragmas = f"journal_mode={journal}, synchronous={synchronous}"
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute(f"PRAGMA journal_mode={journal}")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute(
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )

    def write(self, sessions: Iterable[list[StoredRow]]) -> None:
        for session in sessions:
            batch = [(to_hex(i), v, t, s) for i, v, t, s in session]
            with self.watch.running():
                self.conn.execute("BEGIN")
                self.conn.executemany("INSERT INTO stored_events VALUES (?,?,?,?)", batch)
                self.conn.execute("COMMIT")
            self.rows += len(batch)

    def close(self) -> None:
        self.conn.close()


def sqlite_rows(built: Built) -> list[Row]:
    raw = built.raw
    if not isinstance(raw, RawSQLite) or built.raw_rate is None:
        raise RuntimeError("the SQLite store was built without its raw baseline")
    if raw.rows != built.events:
        raise RuntimeError(f"the baseline wrote {raw.rows} rows, ingest reported {built.events}")
    return [
        ratio_row(
            "Ingest, SQLite: events/s / raw sqlite3 executemany rows/s",
            built.rate / built.raw_rate,
            at_least=0.5,
            detail=(
                f"{len(built.clients)} clients, {built.events:,} events, one ingest call per "
                f"client, the baseline writing the same rows after each; raw: one transaction "
                f"per session, {raw.pragmas}; {built.rate:,.0f} events/s against "
                f"{built.raw_rate:,.0f} rows/s"
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
