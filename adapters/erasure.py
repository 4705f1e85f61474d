"""Erasure by crypto-shredding (GDPR Art. 17) without rewriting history.

The record stays as stored — so every chain still verifies — but the client's
data key is destroyed, which leaves its events unreadable. Everything derived
from them in plaintext (read models, the search index, snapshots) is purged,
then the database is checkpointed and vacuumed with ``secure_delete`` so no
freed page keeps the old bytes.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from uuid import UUID

from caselog.adapters.crypto import shred
from caselog.adapters.readmodels_sql import TABLES
from caselog.adapters.store import StoreSettings
from caselog.domain.errors import StoreError
from caselog.domain.events import ClientErased
from caselog.domain.service import CaselogApplication


def erase_client(
    app: CaselogApplication, settings: StoreSettings, client: UUID, *, actor: str, reason: str
) -> ClientErased:
    if not settings.encrypted:
        raise StoreError(
            f"{settings.path} is a plaintext store: a client's text cannot be destroyed "
            "without rewriting the record, so erasure is refused (only encrypted stores can "
            "erase, by destroying the client's key)"
        )
    erased = app.erase_client(client, actor=actor, reason=reason)
    shred(str(settings.path), client, erased.timestamp.isoformat())
    purge(str(settings.path), client)
    return erased


def purge(path: str, client: UUID) -> None:
    """Remove every derived copy of the client's record, then reclaim the freed pages."""
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute("PRAGMA secure_delete=ON")
        with conn:
            conn.execute("DELETE FROM stored_snapshots WHERE originator_id=?", (client.hex,))
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            for table in TABLES:
                if table in tables:
                    conn.execute(f"DELETE FROM {table} WHERE client_id=?", (str(client),))
            if "readmodel_utterances" in tables:
                # Merge the index's segments so the deleted text leaves them too.
                conn.execute(
                    "INSERT INTO readmodel_utterances(readmodel_utterances) VALUES ('optimize')"
                )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
