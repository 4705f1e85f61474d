"""The access log (HIPAA 164.312(b) audit controls): who read whose record, when, how.

One row per access, appended and never changed: the time, the actor, the command
and the client's id (never a name: names are personal data). Rows are chained
like the events — each link commits to the link before it and to the row as
stored, HMAC-SHA256 under the store's integrity key when it has one — so
``caselog verify`` names an altered, removed or inserted entry by its ``seq``.

Each append is one short transaction holding the store's ``access_log`` writer
lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock) that reads the
last link and inserts after it, so concurrent processes serialise and the chain
stays a single line. Numbers are never reused: the last one issued is kept in
``access_log_head``, written in the same transaction, so removing entries (even
the last ones) leaves a gap that verify reports, while an append that fails
leaves none (a PostgreSQL sequence would keep the numbers a rolled-back
transaction took). A store from before that table counts from its serial key
(SQLite's AUTOINCREMENT record).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from caselog.adapters.chain import GENESIS, link
from caselog.adapters.client_ids import canonical
from caselog.adapters.database import Database, PostgresDatabase, Sql
from caselog.domain.instants import stamp

ACCESS_LOG_TABLE = (
    "CREATE TABLE IF NOT EXISTS access_log ("
    "seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, actor TEXT, command TEXT, "
    "client_id TEXT, link BLOB)"
)
ACCESS_LOG_HEAD_TABLE = (
    "CREATE TABLE IF NOT EXISTS access_log_head (log TEXT PRIMARY KEY, seq INTEGER NOT NULL)"
)


def last_issued(conn: Sql, db: Database, tables: set[str] | None = None) -> int:
    """The last ``seq`` the access log issued, even if its entry was removed since."""
    tables = db.tables(conn) if tables is None else tables
    if "access_log_head" in tables:
        row = conn.execute("SELECT seq FROM access_log_head WHERE log='access_log'").fetchone()
        if row is not None:
            return int(row[0])
    return db.last_serial(conn, "access_log") if "access_log" in tables else 0


def _text_or_bytes(raw: bytes) -> str | bytes:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw  # not text: kept as stored


def tolerate_damage(conn: Sql) -> None:
    """Read a damaged row as what it holds rather than fail on it.

    SQLite lets a TEXT column hold bytes that are not UTF-8 (and a BLOB where text
    was): on its connections such a value comes back as its stored bytes, for
    ``as_bytes`` to hash exactly and ``as_text`` to show. PostgreSQL's columns hold
    only what their types allow.
    """
    if isinstance(conn, sqlite3.Connection):
        conn.text_factory = _text_or_bytes


def as_bytes(value: Any) -> bytes:
    """A stored value as bytes, whichever type the engine (or a damaged row) gave it."""
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


def as_text(value: Any) -> str:
    """A stored text value as str; bytes (a damaged row on SQLite) are decoded leniently."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def entry_fields(at: bytes, actor: bytes, command: bytes, client_id: bytes | None) -> list[bytes]:
    """What an entry's link commits to: its row as stored (no client is the empty string)."""
    return [at, actor, command, client_id or b""]


class AccessEntry(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    seq: int
    at: str
    actor: str
    command: str
    client_id: str | None
    """The client's id (UUID form), or None for a read of the whole store."""


class AccessLog:
    """The access log of one store."""

    def __init__(self, db: Database, key: bytes | None) -> None:
        self.db = db
        self.key = key

    def append(self, *, actor: str, command: str, client_ids: Iterable[UUID | None]) -> list[int]:
        """Append one entry per client (None: the whole store), in one transaction."""
        at = stamp(datetime.now(UTC))
        written: list[int] = []
        with (
            self.db.reported("write the access log"),
            self.db.transaction(lock="access_log") as conn,
        ):
            tolerate_damage(conn)  # a damaged last entry must not stop every read
            tables = self.db.tables(conn)
            issued = last_issued(conn, self.db, tables)
            for name, ddl in (
                ("access_log", ACCESS_LOG_TABLE),
                ("access_log_head", ACCESS_LOG_HEAD_TABLE),
            ):
                if name not in tables:
                    conn.execute(self.db.ddl(ddl))
            row = conn.execute(
                "SELECT seq, link FROM access_log ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            previous = as_bytes(row[1]) if row and row[1] is not None else GENESIS
            seq = max(issued, int(row[0]) if row else 0)
            for cid in client_ids:
                hex_id = cid.hex if cid is not None else None
                previous = link(
                    previous,
                    entry_fields(
                        at.encode(),
                        actor.encode(),
                        command.encode(),
                        hex_id.encode() if hex_id else None,
                    ),
                    self.key,
                )
                seq += 1
                conn.execute(
                    "INSERT INTO access_log (seq, at, actor, command, client_id, link) "
                    "VALUES (?,?,?,?,?,?)",
                    (seq, at, actor, command, hex_id, previous),
                )
                written.append(seq)
            if written:
                conn.execute(
                    "INSERT INTO access_log_head VALUES ('access_log', ?) "
                    "ON CONFLICT (log) DO UPDATE SET seq=excluded.seq",
                    (seq,),
                )
                if isinstance(self.db, PostgresDatabase):
                    # Keep the column's default in step (SQLite's AUTOINCREMENT follows
                    # explicit values by itself), for whoever inserts without a seq.
                    conn.execute(
                        "SELECT setval(pg_get_serial_sequence('access_log', 'seq'), ?)", (seq,)
                    )
        return written

    def entries(self, client: UUID | None = None) -> Iterator[AccessEntry]:
        """Entries in order, optionally only those about one client."""
        wanted = client.hex if client else None
        with self.db.reported("read the access log"), self.db.autocommit() as conn:
            tolerate_damage(conn)
            if "access_log" not in self.db.tables(conn):
                return
            rows = conn.execute(
                "SELECT seq, at, actor, command, client_id FROM access_log "
                "WHERE ? IS NULL OR client_id = ? ORDER BY seq",
                (wanted, wanted),
            )
            for seq, at, actor, command, client_id in rows:
                yield AccessEntry(
                    seq=seq,
                    at=as_text(at),
                    actor=as_text(actor),
                    command=as_text(command),
                    client_id=canonical(as_text(client_id)) if client_id is not None else None,
                )
