"""The SQLite recorder that chains each client's events as it stores them.

It is eventsourcing's application recorder plus two tables written in the
same transaction as the events: ``event_chain`` (one link per stored event)
and ``chain_heads`` (each client's latest version and link, so a removed tail
is named even when its links were removed with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from caselog.adapters.chain import GENESIS, event_fields, link

CHAIN_TABLES = [
    "CREATE TABLE IF NOT EXISTS event_chain ("
    "originator_id TEXT, originator_version INTEGER, link BLOB NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS chain_heads ("
    "originator_id TEXT PRIMARY KEY, originator_version INTEGER NOT NULL, link BLOB NOT NULL)",
]


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    # Set by the composition root from the store's integrity settings.
    chain_key: bytes | None = None

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *CHAIN_TABLES]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Events first: the write takes the lock, so the link read below is current.
        rowids = super()._insert_events(c, stored_events, **kwargs)
        previous: dict[str, bytes] = {}
        rows = []
        for s in stored_events:
            cid = _hex(s.originator_id)
            if cid not in previous:
                previous[cid] = self._link_before(c, cid, s.originator_version)
            previous[cid] = link(
                previous[cid],
                event_fields(s.topic, cid, s.originator_version, s.state),
                self.chain_key,
            )
            rows.append((cid, s.originator_version, previous[cid]))
        c.executemany("INSERT INTO event_chain VALUES (?,?,?)", rows)
        heads = {cid: (version, chained) for cid, version, chained in rows}
        c.executemany(
            "INSERT INTO chain_heads VALUES (?,?,?) ON CONFLICT (originator_id) DO UPDATE SET "
            "originator_version=excluded.originator_version, link=excluded.link",
            [(cid, version, chained) for cid, (version, chained) in heads.items()],
        )
        return rowids

    @staticmethod
    def _link_before(c: SQLiteCursor, cid: str, version: int) -> bytes:
        if version == 1:
            return GENESIS
        c.execute(
            "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
            (cid, version - 1),
        )
        row = c.fetchone()
        # A missing link is already a break that verify reports; keep chaining after it.
        return bytes(row["link"]) if row else GENESIS
