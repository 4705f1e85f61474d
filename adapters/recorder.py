"""Recorders that chain each client's events as they store them.

They are eventsourcing's application recorders plus two tables written in the
same transaction as the events: ``event_chain`` (one link per stored event)
and ``chain_heads`` (each client's latest version and link, so a removed tail
is named even when its links were removed with it). The linking is the same
on SQLite and PostgreSQL (``caselog.adapters.postgres``); only the cursor differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
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


def chain_rows(
    stored_events: Sequence[StoredEvent],
    key: bytes | None,
    link_before: Callable[[str, int], bytes],
) -> list[tuple[str, int, bytes]]:
    """Each event's link, chained from the link before the first of each client's events."""
    previous: dict[str, bytes] = {}
    rows = []
    for s in stored_events:
        cid = _hex(s.originator_id)
        if cid not in previous:
            v = s.originator_version
            previous[cid] = GENESIS if v == 1 else link_before(cid, v - 1)
        previous[cid] = link(
            previous[cid], event_fields(s.topic, cid, s.originator_version, s.state), key
        )
        rows.append((cid, s.originator_version, previous[cid]))
    return rows


def heads_of(rows: list[tuple[str, int, bytes]]) -> list[tuple[str, int, bytes]]:
    heads = {cid: (version, chained) for cid, version, chained in rows}
    return [(cid, version, chained) for cid, (version, chained) in heads.items()]


def chain_key(recorder: ApplicationRecorder, key: bytes | None) -> None:
    """Give a chained recorder the store's integrity key (None: plain SHA-256 links)."""
    if hasattr(recorder, "chain_key"):
        recorder.chain_key = key


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    chain_key: bytes | None = None

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *CHAIN_TABLES]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Events first: the write takes the lock, so the link read below is current.
        rowids = super()._insert_events(c, stored_events, **kwargs)

        def link_before(cid: str, version: int) -> bytes:
            c.execute(
                "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
                (cid, version),
            )
            row = c.fetchone()
            # A missing link is already a break that verify reports; keep chaining after it.
            return bytes(row["link"]) if row else GENESIS

        rows = chain_rows(stored_events, self.chain_key, link_before)
        c.executemany("INSERT INTO event_chain VALUES (?,?,?)", rows)
        c.executemany(
            "INSERT INTO chain_heads VALUES (?,?,?) ON CONFLICT (originator_id) DO UPDATE SET "
            "originator_version=excluded.originator_version, link=excluded.link",
            heads_of(rows),
        )
        return rowids
