"""The PostgreSQL side of the chained recorder, imported only for PostgreSQL stores
(psycopg costs start-up time a SQLite store should not pay)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from caselog.adapters.chain import GENESIS
from caselog.adapters.client_ids import to_uuid
from caselog.adapters.recorder import Chained, Restoring, heads_of, snapshot_rows

POSTGRES_CHAIN_TABLES = [
    "CREATE TABLE IF NOT EXISTS {schema}.event_chain ("
    "originator_id TEXT, originator_version BIGINT, link BYTEA NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version))",
    "CREATE TABLE IF NOT EXISTS {schema}.chain_heads ("
    "originator_id TEXT PRIMARY KEY, originator_version BIGINT NOT NULL, link BYTEA NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}.snapshot_links ("
    "originator_id TEXT, originator_version BIGINT, link BYTEA NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version))",
]
# caselog's tables, named with their schema in statements run on the library's connections.
_OWN_TABLES = re.compile(r"\b(event_chain|chain_heads|snapshot_links|stored_events)\b")


class ChainedPostgresRecorder(Chained, PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = Identifier(self.datastore.schema)
        self.sql_create_statements.extend(
            SQL(statement).format(schema=schema) for statement in POSTGRES_CHAIN_TABLES
        )
        self._select_link = SQL(
            "SELECT link FROM {schema}.event_chain WHERE originator_id=%s AND originator_version=%s"
        ).format(schema=schema)
        # One statement for a session's links too: executemany sends, and psycopg dumps in
        # Python, one statement per link.
        self._insert_links = SQL(
            "INSERT INTO {schema}.event_chain "
            "SELECT * FROM unnest(%b::text[], %b::bigint[], %b::bytea[])"
        ).format(schema=schema)
        # The events as four arrays in binary, not an array of eventsourcing's composite
        # type: psycopg dumps that in Python, as text, escaping every state's bytes — a
        # sixth of PostgreSQL ingest. Same table, same order, same notification ids back.
        self._insert_arrays = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id"
        ).format(schema=schema, table=Identifier(self.events_table_name))
        self._upsert_snapshot_links = SQL(
            "INSERT INTO {schema}.snapshot_links VALUES (%s,%s,%s) ON CONFLICT "
            "(originator_id, originator_version) DO UPDATE SET link=excluded.link"
        ).format(schema=schema)
        self._upsert_heads = SQL(
            "INSERT INTO {schema}.chain_heads VALUES (%s,%s,%s) ON CONFLICT (originator_id) "
            "DO UPDATE SET originator_version=excluded.originator_version, link=excluded.link"
        ).format(schema=schema)

    def _insert_stored_events(
        self,
        curs: Any,
        stored_events: Sequence[StoredEvent],
        *,
        snapshots: Sequence[StoredEvent] = (),
        **kwargs: Any,
    ) -> None:
        # Under the library's table lock (which keeps notification ids in commit order)
        # the chain's end cannot move, so the links are made before anything is written.
        # Everything Python computes comes before the first insert: the library's insert
        # catches any exception and commits what was sent, so a failure between the
        # events and their links would store events without links.
        self._lock_table(curs)
        self._notify_channel(curs)
        with curs.connection.cursor() as c:

            def link_before(cid: str, version: int) -> bytes:
                c.execute(self._select_link, (cid, version))
                row = c.fetchone()
                return bytes(row["link"]) if row else GENESIS

            rows = self.chain(stored_events, link_before)
            heads = heads_of(rows)
            columns = (
                [to_uuid(s.originator_id) for s in stored_events],
                [s.originator_version for s in stored_events],
                [s.topic for s in stored_events],
                [s.state for s in stored_events],
            )
            # On the library's cursor: it reads the notification ids back from it.
            curs.execute(self._insert_arrays, columns)
            links = ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
            c.execute(self._insert_links, links)
            c.executemany(self._upsert_heads, heads)
            # The snapshot in the events' transaction: one commit per recorded session.
            if snapshots and isinstance(self.snapshot_recorder, PostgresAggregateRecorder):
                self.snapshot_recorder._insert_stored_events(c, snapshots)
                c.executemany(
                    self._upsert_snapshot_links,
                    snapshot_rows(snapshots, rows, self.chain_key, link_before),
                )

    def query(self, statement: str, params: Sequence[Any]) -> list[Any]:
        qualified = _OWN_TABLES.sub(rf'"{self.datastore.schema}".\1', statement)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(qualified.replace("?", "%s"), params)
            return [tuple(row.values()) for row in curs.fetchall()]

    @contextmanager
    def restoring(self) -> Iterator[Restoring]:
        with self.datastore.transaction(commit=True) as curs:
            # caselog's statements name tables as they are in the store's own schema.
            schema = Identifier(self.datastore.schema)
            curs.execute(SQL("SET LOCAL search_path TO {}").format(schema))
            # Writers wait here, as they do for any insert: nothing interleaves with it.
            self._lock_table(curs)

            def insert(event: StoredEvent) -> None:
                # Takes the same lock again, then chains the event in this transaction.
                self._insert_stored_events(curs, [event])

            with curs.connection.cursor(row_factory=tuple_row) as c:
                yield Restoring(c, "%s", insert)


class CaselogPostgresFactory(PostgresFactory):
    """eventsourcing's PostgreSQL factory, naming tables as its SQLite factory does
    (``stored_events``, ``stored_snapshots``) rather than after the application, so
    caselog's statements name the same tables on both engines."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.env.name = ""
        # No server-side prepared statements: psycopg loses track of one prepared in a
        # pipeline that a concurrent writer's clash aborts ("_pg3_N does not exist"), and
        # live appends clash by design. The pool has not connected yet.
        connect = self.datastore.pool.kwargs
        assert isinstance(connect, dict)
        connect["prepare_threshold"] = None
