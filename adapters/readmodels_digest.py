"""Digests of the read models, one per client and table, so that a row edited behind
caselog's back is noticed before it is served.

Each batch that writes a client's rows records, in the same transaction, an HMAC over
that client's rows of each table, under a key derived from the store's integrity key,
else its master key (without either, a plain SHA-256: it catches a careless edit, not a
deliberate one). A reading query checks the digests of the clients it returns, and of
every client when it lists them all; a mismatch refuses the read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

import orjson

from caselog.adapters.database import Sql
from caselog.domain.errors import StoreError

DIGESTS_TABLE = "readmodel_digests"
DIGESTS_SCHEMA = f"""CREATE TABLE IF NOT EXISTS {DIGESTS_TABLE} (
    client_id TEXT NOT NULL,
    tbl TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (client_id, tbl)
)"""

# Each table's columns, in an order that is the same however the rows were written.
COLUMNS = {
    "readmodel_clients": ("client_id, name", "client_id"),
    "readmodel_homework": ("client_id, homework_id, session, number, text, status", "homework_id"),
    "readmodel_sessions": (
        "client_id, session, date, professional, utterances, ended_reason, source_file",
        "session",
    ),
    "readmodel_utterances": (
        "client_id, session, seq, speaker, role, text, amended",
        "session, seq",
    ),
}


class ReadModelsAltered(StoreError):
    """A read model's rows do not match their digest: they were changed behind caselog."""


def digest_key(secret: bytes | None) -> bytes | None:
    return None if secret is None else hmac.digest(secret, b"caselog read models", "sha256")


def _digest(conn: Sql, key: bytes | None, client: str, table: str) -> str:
    columns, order = COLUMNS[table]
    rows: list[Any] = conn.execute(
        f"SELECT {columns} FROM {table} WHERE client_id = ? ORDER BY {order}", (client,)
    ).fetchall()
    data = orjson.dumps([list(r) for r in rows])
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.digest(key, data, "sha256").hex()


def record(conn: Sql, key: bytes | None, clients: Iterable[str]) -> None:
    """Record the digests of these clients' rows, as they now stand in ``conn``."""
    rows = [
        (client, table, _digest(conn, key, client, table))
        for client in sorted(clients)
        for table in COLUMNS
    ]
    if rows:
        conn.executemany(
            f"INSERT INTO {DIGESTS_TABLE} (client_id, tbl, digest) VALUES (?, ?, ?)"
            " ON CONFLICT (client_id, tbl) DO UPDATE SET digest = excluded.digest",
            rows,
        )


def check(
    conn: Sql, key: bytes | None, clients: Iterable[str] | None, tables: Iterable[str]
) -> None:
    """Refuse to serve ``clients`` (None: every client) unless their rows in ``tables``
    match their digests."""
    stored = {
        (c, t): d for c, t, d in conn.execute(f"SELECT client_id, tbl, digest FROM {DIGESTS_TABLE}")
    }
    if clients is None:
        # Every client with a digest, and every client with a row: deleting a client's
        # rows, or adding rows for a client, is a change too.
        names = conn.execute("SELECT client_id FROM readmodel_clients").fetchall()
        clients = {c for c, _ in stored} | {r[0] for r in names}
    wanted = sorted(set(clients))
    for client in wanted:
        for table in tables:
            if stored.get((client, table)) != _digest(conn, key, client, table):
                raise ReadModelsAltered(
                    f"the read model {table} does not match its digest for client {client}: "
                    "it was changed behind caselog's back; nothing was served from it "
                    "(run `caselog project rebuild`)"
                )
