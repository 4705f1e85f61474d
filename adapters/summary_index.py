"""An index of recorded summaries, so a continuation is matched without reading them all.

A continuation (format D) opens with the previous session's summary and names
neither the client nor the session; it is matched on the (section, item) sets of
the five named sections, items normalised (``caselog.domain.summaries``). Every
match shares at least ``fewest_shared(|quoted|)`` items with the quoted summary:
``ceil(0.8·n)`` for a Jaccard score of 0.8, ``n - 1`` (at least 3) for the
one-item allowance of a short summary, whichever is fewer. So the index keeps
one row per recorded (section, item) — a keyed digest of the normalised item,
never the text — and a lookup returns exactly the sessions sharing that many
digests: a superset of every match, which the service then compares on the events.

The digests are HMAC-SHA256 under a key derived from the master key (on a
plaintext store, from its namespace), so the index reveals no item to someone
without the key, and erasure deletes a client's rows with its other derived
copies. It is caught up from the event log on each lookup, from a position kept
in the same transaction as the rows, like the read models. The position is kept
under a name that says how items were normalised (``POSITION``): an index built
under another normalisation is emptied on first use and built afresh.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import cast
from uuid import UUID

from eventsourcing.utils import get_topic

from caselog.adapters.database import Database, Sql
from caselog.application.service import CaselogApplication
from caselog.domain.errors import RecordErased
from caselog.domain.events import DomainEvent
from caselog.domain.summaries import (
    MATCHED_EVENTS,
    SessionSummaries,
    fewest_shared,
    item_keys,
    note_summary_item,
    quoted_keys,
)
from caselog.domain.transcript import Summary

TABLE = "summary_index"
POSITION_TABLE = "summary_index_position"
TABLE_DEFINITIONS = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (digest TEXT NOT NULL, client_id TEXT NOT NULL, "
    "session INTEGER NOT NULL, PRIMARY KEY (digest, client_id, session))",
    # Its own table, not caselog_meta: a position is this store's, and an export
    # carries the meta settings to another store.
    f"CREATE TABLE IF NOT EXISTS {POSITION_TABLE} ("
    "name TEXT PRIMARY KEY, position INTEGER NOT NULL)",
]
POSITION = "summaries v2"
"""The position's name: v2 digests items normalised for typography (quotes, dashes,
bullets); rows under any other name were keyed otherwise and are discarded."""
LOCK = "readmodels"
"""Erasure's purge takes it too: an erased client's rows are never written back."""
BATCH = 2000


def index_key(secret: bytes) -> bytes:
    return hmac.digest(secret, b"caselog summary index", "sha256")


class SummaryIndex:
    def __init__(self, app: CaselogApplication, db: Database, key: bytes) -> None:
        self.app = app
        self.db = db
        self.key = key
        self._topics = [get_topic(t) for t in MATCHED_EVENTS]
        self._created = False

    def candidates(self, quoted: Summary) -> list[tuple[UUID, int]]:
        """The recorded (client, session) pairs sharing enough items to match ``quoted``."""
        self.catch_up()
        digests = sorted(self._digest(k) for k in quoted_keys(quoted))
        if not digests:
            return []
        needed = fewest_shared(len(digests))
        marks = ",".join("?" * len(digests))
        with self.db.autocommit() as conn:
            rows = conn.execute(
                f"SELECT client_id, session FROM {TABLE} WHERE digest IN ({marks}) "
                "GROUP BY client_id, session HAVING COUNT(*) >= ? ORDER BY client_id, session",
                (*digests, needed),
            ).fetchall()
        return [(UUID(cid), int(session)) for cid, session in rows]

    def catch_up(self) -> int:
        """Index the summary items recorded since the last lookup; returns how many."""
        if not self._created:
            # Here, not on opening the store: commands that never match pay nothing.
            # Under the lock: two processes' first lookups would race to create them.
            with (
                self.db.reported("index the recorded summaries"),
                self.db.transaction(lock=LOCK) as conn,
            ):
                for statement in TABLE_DEFINITIONS:
                    conn.execute(self.db.ddl(statement))
                _discard_other_versions(conn)
            self._created = True
        added = 0
        while True:
            start = self._position()
            batch = self.app.recorder.select_notifications(
                start=start, limit=BATCH, topics=self._topics, inclusive_of_start=False
            )
            if not batch:
                return added
            found: dict[UUID, SessionSummaries] = {}
            for notification in batch:
                try:
                    event = cast(DomainEvent, self.app.mapper.to_domain_event(notification))
                except RecordErased:
                    continue  # its text is gone by design; erasure purged its rows
                note_summary_item(found.setdefault(event.originator_id, {}), event)
            with self.db.transaction(lock=LOCK, durable=False) as conn:
                if self._position(conn) != start:
                    continue  # another process indexed this batch first
                shredded = _shredded(conn, [cid.hex for cid in found])
                rows = [
                    (self._digest(key), cid.hex, number)
                    for cid, sessions in found.items()
                    if cid.hex not in shredded
                    for number, sections in sessions.items()
                    for key in item_keys(sections)
                ]
                conn.executemany(
                    f"INSERT INTO {TABLE} VALUES (?, ?, ?) ON CONFLICT DO NOTHING", rows
                )
                conn.execute(
                    f"INSERT INTO {POSITION_TABLE} VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET position=excluded.position",
                    (POSITION, batch[-1].id),
                )
            added += len(rows)

    def _position(self, conn: Sql | None = None) -> int | None:
        if conn is None:
            with self.db.autocommit() as fresh:
                return self._position(fresh)
        row = conn.execute(
            f"SELECT position FROM {POSITION_TABLE} WHERE name = ?", (POSITION,)
        ).fetchone()
        return int(row[0]) if row else None

    def _digest(self, key: tuple[str, str]) -> str:
        message = f"{key[0]}\x00{key[1]}".encode()
        return hmac.digest(self.key, message, hashlib.sha256).hex()[:32]


def forget_all(conn: Sql, db: Database) -> None:
    """Empty the index and its position, in the caller's transaction: its digests were
    keyed by a master key that is being replaced; the next lookup indexes afresh."""
    tables = db.tables(conn)
    for table in (TABLE, POSITION_TABLE):
        if table in tables:
            conn.execute(f"DELETE FROM {table}")


def _discard_other_versions(conn: Sql) -> None:
    """Empty an index built under another normalisation (no position under ``POSITION``):
    its digests would never equal today's, so every lookup would miss."""
    current = conn.execute(
        f"SELECT COUNT(*) FROM {POSITION_TABLE} WHERE name = ?", (POSITION,)
    ).fetchone()
    if int(current[0]) == 0:
        conn.execute(f"DELETE FROM {TABLE}")
        conn.execute(f"DELETE FROM {POSITION_TABLE}")


def _shredded(conn: Sql, clients: list[str]) -> set[str]:
    """Which of ``clients`` have had their data key destroyed (erased since they were read)."""
    if not clients:
        return set()
    marks = ",".join("?" * len(clients))
    rows = conn.execute(
        f"SELECT client_id FROM caselog_keys WHERE wrapped IS NULL AND client_id IN ({marks})",
        clients,
    ).fetchall()
    return {cid for (cid,) in rows}
