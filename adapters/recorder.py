"""Recorders that chain each client's events as they store them.

They are eventsourcing's application recorders plus two tables written in the
same transaction as the events: ``event_chain`` (one link per stored event)
and ``chain_heads`` (each client's latest version and link, so a removed tail
is named even when its links were removed with it). The linking is the same
on SQLite and PostgreSQL (``caselog.adapters.postgres``); only the cursor differs.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    EventStore,
    IntegrityError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder, SQLiteCursor

from caselog.adapters.chain import GENESIS, EventChain
from caselog.adapters.client_ids import to_hex
from caselog.adapters.read_checks import (
    SNAPSHOT_LINKS_TABLE,
    check_events,
    snapshot_link,
    sound_snapshots,
)

CHAIN_TABLES = [
    "CREATE TABLE IF NOT EXISTS event_chain ("
    "originator_id TEXT, originator_version INTEGER, link BLOB NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS chain_heads ("
    "originator_id TEXT PRIMARY KEY, originator_version INTEGER NOT NULL, link BLOB NOT NULL)",
    SNAPSHOT_LINKS_TABLE + " WITHOUT ROWID",
]


WRITTEN_LINKS = 256
"""Clients whose last written link a recorder keeps."""


def chain_rows(
    stored_events: Sequence[StoredEvent],
    key: bytes | None,
    link_before: Callable[[str, int], bytes],
) -> list[tuple[str, int, bytes]]:
    """Each event's link, chained from the link before the first of each client's events."""
    chains: dict[str, EventChain] = {}
    rows = []
    for s in stored_events:
        cid, version = to_hex(s.originator_id), s.originator_version
        if (chain := chains.get(cid)) is None:
            head = GENESIS if version == 1 else link_before(cid, version - 1)
            chain = chains[cid] = EventChain(cid, head, key)
        rows.append((cid, version, chain.extend(s.topic, version, s.state)))
    return rows


def heads_of(rows: list[tuple[str, int, bytes]]) -> list[tuple[str, int, bytes]]:
    heads = {cid: (version, chained) for cid, version, chained in rows}
    return [(cid, version, chained) for cid, (version, chained) in heads.items()]


def snapshot_rows(
    snapshots: Sequence[StoredEvent],
    rows: list[tuple[str, int, bytes]],
    key: bytes | None,
    read_link: Callable[[str, int], bytes],
) -> list[tuple[str, int, bytes]]:
    """Each snapshot's link, from the link of the event it was taken at (``rows``: the
    links being written with it)."""
    written = {(cid, version): chained for cid, version, chained in rows}
    made = []
    for s in snapshots:
        cid, version = to_hex(s.originator_id), s.originator_version
        at = written.get((cid, version)) or read_link(cid, version)
        made.append((cid, version, snapshot_link(at, s, key)))
    return made


def wire(
    recorder: ApplicationRecorder, key: bytes | None, snapshots: EventStore[Any] | None
) -> None:
    """Give a chained recorder the store's integrity key (None: plain SHA-256 links)
    and the snapshot recorder whose table it writes in the events' transaction; the
    snapshot store then reads through the recorder's check (``CheckedSnapshots``)."""
    if isinstance(recorder, Chained):
        recorder.chain_key = key
        if snapshots is not None:
            recorder.snapshot_recorder = snapshots.recorder
            snapshots.recorder = CheckedSnapshots(snapshots.recorder, recorder)


class CheckedSnapshots(AggregateRecorder):
    """A snapshot recorder whose reads leave out any snapshot that fails its link."""

    def __init__(self, recorder: AggregateRecorder, chained: Chained) -> None:
        self.recorder = recorder
        self.chained = chained

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # caselog writes snapshots with their events (``insert_events(…, snapshots=…)``),
        # where their links are made; one written alone has none, and is never read.
        return self.recorder.insert_events(stored_events, **kwargs)

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        found = self.recorder.select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        if not found:
            return found
        return sound_snapshots(self.chained.query, found, self.chained.chain_key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.recorder, name)


@dataclass(frozen=True)
class Restoring:
    """One write transaction of a chained recorder, for restoring an export: caselog's
    statements (``?`` placeholders) and events, each inserted through the recorder so
    its link is computed as every link is, commit or roll back together."""

    cursor: Any
    placeholder: str
    insert: Callable[[StoredEvent], None]

    def one(self, statement: str, params: tuple[Any, ...] = ()) -> Any:
        self.cursor.execute(statement.replace("?", self.placeholder), params)
        return self.cursor.fetchone()

    def many(self, statement: str, rows: list[Any]) -> None:
        self.cursor.executemany(statement.replace("?", self.placeholder), rows)


class Chained:
    """What both engines' chained recorders share: the store's integrity key and
    snapshot recorder (given once the application exists), and the links last
    written, so that the next write of a client need not read its chain's end."""

    chain_key: bytes | None = None
    snapshot_recorder: AggregateRecorder | None = None
    verify_reads: bool = True
    """Check the links of the events each read returns (off only to measure the cost)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._written: dict[str, tuple[int, bytes]] = {}
        # Each thread's write in progress: threads sharing a recorder must not take
        # each other's uncommitted links for committed ones.
        self._writing = threading.local()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self._writing.heads = []
        ids = self._transact(stored_events, **kwargs)
        # Committed: only now are these links the chain's end.
        for cid, version, link in self._writing.heads:
            self._written.pop(cid, None)
            self._written[cid] = (version, link)
        while len(self._written) > WRITTEN_LINKS:
            del self._written[next(iter(self._written))]
        return ids

    def _transact(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Insert and link the events in one committed transaction."""
        return cast(
            Sequence[int] | None,
            super().insert_events(stored_events, **kwargs),  # type: ignore[misc]
        )

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        found = cast(
            Sequence[StoredEvent],
            super().select_events(  # type: ignore[misc]
                originator_id, gt=gt, lte=lte, desc=desc, limit=limit
            ),
        )
        if found and self.verify_reads:
            to_the_end = lte is None and (limit is None or desc)
            check_events(self.query, found, self.chain_key, to_the_end=to_the_end)
        return found

    def query(self, statement: str, params: Sequence[Any]) -> list[Any]:
        """Rows of a statement over caselog's tables (``?`` placeholders)."""
        raise NotImplementedError

    def chain(
        self, stored_events: Sequence[StoredEvent], read_link: Callable[[str, int], bytes]
    ) -> list[tuple[str, int, bytes]]:
        """``chain_rows``, taking the link before from this recorder's last write when
        that is the very version before. A stored link never changes, and the events'
        insert has already failed if another writer took the versions."""

        def link_before(cid: str, version: int) -> bytes:
            written = self._written.get(cid)
            if written is not None and written[0] == version:
                return written[1]
            return read_link(cid, version)

        rows = chain_rows(stored_events, self.chain_key, link_before)
        self._writing.heads = heads_of(rows)
        return rows

    def restoring(self) -> AbstractContextManager[Restoring]:
        """A ``Restoring`` transaction on this recorder's engine."""
        raise NotImplementedError


class ChainedSQLiteRecorder(Chained, SQLiteApplicationRecorder):
    """Besides the chain, two departures from the library's recorder, both keeping its
    guarantees: events go in with one ``executemany`` rather than a statement each,
    and ``insert_events(…, snapshots=[…])`` writes snapshots in the same transaction,
    so recording a session costs one commit, not two."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *CHAIN_TABLES]

    def _transact(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) != 1 or kwargs.get("snapshots"):
            return super()._transact(stored_events, **kwargs)
        # One event, a live append: its statements on the pool's writer connection,
        # without the library's context-managed transaction and cursor, which cost
        # about as much Python as the statements themselves.
        pool = self.datastore.pool
        conn = pool.get_connection(is_writer=True)
        try:
            cursor = conn.cursor()
            sql = cursor.sqlite_cursor
            try:
                sql.execute("BEGIN")
                ids = self._insert_events(cursor, stored_events)
                sql.connection.commit()
            except BaseException:
                sql.connection.rollback()
                raise
            finally:
                sql.close()
        except sqlite3.IntegrityError as e:
            raise IntegrityError(e) from e
        except sqlite3.OperationalError as e:
            raise OperationalError(e) from e
        finally:
            pool.put_connection(conn)
        return ids

    @contextmanager
    def restoring(self) -> Iterator[Restoring]:
        # BEGIN IMMEDIATE: SQLite's one write lock is held from the start.
        with self.datastore.transaction(commit=True) as curs:

            def insert(event: StoredEvent) -> None:
                self._insert_events(curs, [event])

            yield Restoring(curs, "?", insert)

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        snapshots: Sequence[StoredEvent] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        # Events first: the write takes the lock, so the link read below is current.
        rowids = self._insert_batch(c, stored_events)

        def link_before(cid: str, version: int) -> bytes:
            c.execute(
                "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
                (cid, version),
            )
            row = c.fetchone()
            # A missing link is already a break that verify reports; keep chaining after it.
            return bytes(row["link"]) if row else GENESIS

        rows = self.chain(stored_events, link_before)
        _write(c, "INSERT INTO event_chain VALUES (?,?,?)", rows)
        _write(
            c,
            "INSERT INTO chain_heads VALUES (?,?,?) ON CONFLICT (originator_id) DO UPDATE SET "
            "originator_version=excluded.originator_version, link=excluded.link",
            heads_of(rows),
        )
        if snapshots and isinstance(self.snapshot_recorder, SQLiteAggregateRecorder):
            self.snapshot_recorder._insert_events(c, snapshots)
            c.executemany(
                "INSERT OR REPLACE INTO snapshot_links VALUES (?,?,?)",
                snapshot_rows(snapshots, rows, self.chain_key, link_before),
            )
        return rowids

    def query(self, statement: str, params: Sequence[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return list(c.fetchall())

    def _insert_batch(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> list[int]:
        """Insert with one statement; the notification ids are the rowids given.

        Under the write lock this transaction holds, SQLite gives the rows of one
        ``executemany`` consecutive rowids, ending at ``last_insert_rowid()``.
        """
        if not stored_events:
            return []
        rows = [
            (to_hex(s.originator_id), s.originator_version, s.topic, s.state) for s in stored_events
        ]
        _write(c, self.insert_events_statement, rows)
        if len(rows) == 1:
            return [c.lastrowid]
        c.execute("SELECT last_insert_rowid()")
        (last,) = c.fetchone()
        return list(range(last - len(stored_events) + 1, last + 1))


def _write(c: SQLiteCursor, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """One row (a live append) is one ``execute``: ``executemany`` costs more per call."""
    if len(rows) == 1:
        c.execute(statement, rows[0])
    else:
        c.executemany(statement, rows)
