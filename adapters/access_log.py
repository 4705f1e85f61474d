"""The access log (HIPAA 164.312(b) audit controls): who read whose record, when, how.

One row per access, appended and never changed: the time, the actor, the command
and the client's id (never a name: names are personal data). Rows are chained
like the events — each link commits to the link before it and to the row as
stored, HMAC-SHA256 under the store's integrity key when it has one — so
``caselog verify`` names an altered, removed or inserted entry by its ``seq``.

Each append is one short ``BEGIN IMMEDIATE`` transaction that reads the last
link and inserts after it, so concurrent processes serialise and the chain stays
a single line. ``seq`` is AUTOINCREMENT: a number is never reused, so removing
entries (even the last ones) leaves a gap that verify reports.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from caselog.adapters.chain import GENESIS, link
from caselog.adapters.recorder import ChainedSQLiteRecorder
from caselog.domain.errors import StoreError
from caselog.domain.service import CaselogApplication

ACCESS_LOG_TABLE = (
    "CREATE TABLE IF NOT EXISTS access_log ("
    "seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT, actor TEXT, command TEXT, "
    "client_id TEXT, link BLOB)"
)


def entry_fields(at: bytes, actor: bytes, command: bytes, client_id: bytes | None) -> list[bytes]:
    """What an entry's link commits to: its row as stored (no client is the empty string)."""
    return [at, actor, command, client_id or b""]


class AccessEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    at: str
    actor: str
    command: str
    client_id: str | None
    """The client's id (UUID form), or None for a read of the whole store."""


def _uuid(hex_id: str | None) -> str | None:
    if hex_id is None:
        return None
    try:
        return str(UUID(hex=hex_id))
    except ValueError:
        return hex_id


class AccessLog:
    """The access log of one store file."""

    def __init__(self, path: str | Path, key: bytes | None) -> None:
        self.path = str(path)
        self.key = key

    @classmethod
    def of(cls, app: CaselogApplication) -> AccessLog:
        """The access log of the store ``app`` was opened on, chained under its key."""
        recorder = app.recorder
        assert isinstance(recorder, ChainedSQLiteRecorder)
        return cls(recorder.datastore.pool.db_name, recorder.chain_key)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute(ACCESS_LOG_TABLE)
        return conn

    def append(self, *, actor: str, command: str, client_ids: Iterable[UUID | None]) -> list[int]:
        """Append one entry per client (None: the whole store), in one transaction."""
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        try:
            with closing(self._connect()) as conn:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(
                        "SELECT CAST(link AS BLOB) FROM access_log ORDER BY seq DESC LIMIT 1"
                    ).fetchone()
                    previous = bytes(row[0]) if row and row[0] is not None else GENESIS
                    written = []
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
                        cursor = conn.execute(
                            "INSERT INTO access_log (at, actor, command, client_id, link) "
                            "VALUES (?,?,?,?,?)",
                            (at, actor, command, hex_id, previous),
                        )
                        assert cursor.lastrowid is not None
                        written.append(cursor.lastrowid)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot write the access log ({e})") from None
        return written

    def entries(self, client: UUID | None = None) -> Iterator[AccessEntry]:
        """Entries in order, optionally only those about one client."""
        with closing(self._connect()) as conn:
            conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
            rows = conn.execute(
                "SELECT seq, at, actor, command, client_id FROM access_log "
                "WHERE ?1 IS NULL OR client_id = ?1 ORDER BY seq",
                (client.hex if client else None,),
            )
            for seq, at, actor, command, client_id in rows:
                yield AccessEntry(
                    seq=seq,
                    at=str(at),
                    actor=str(actor),
                    command=str(command),
                    client_id=_uuid(client_id),
                )
