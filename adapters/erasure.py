"""Erasure by crypto-shredding (GDPR Art. 17) without rewriting history.

The record stays as stored — so every chain still verifies — but the client's
data key is destroyed, which leaves its events unreadable. Everything derived
from them in plaintext (read models, the search index, snapshots) is purged,
then the storage is rewritten (SQLite: ``secure_delete``, VACUUM and a WAL
checkpoint; PostgreSQL: VACUUM FULL of each purged table) so no freed page
keeps the old bytes.
"""

from __future__ import annotations

from uuid import UUID

from caselog.adapters.crypto import shred
from caselog.adapters.database import Database
from caselog.adapters.readmodels_sql import TABLES, upgrade
from caselog.adapters.store import StoreSettings
from caselog.adapters.summary_index import TABLE as SUMMARY_INDEX
from caselog.application.service import CaselogApplication
from caselog.domain.errors import StoreError
from caselog.domain.events import ClientErased


def erase_client(
    app: CaselogApplication, settings: StoreSettings, client: UUID, *, actor: str, reason: str
) -> ClientErased:
    if not settings.encrypted:
        raise StoreError(
            f"{settings.where} is a plaintext store: a client's text cannot be destroyed "
            "without rewriting the record, so erasure is refused (only encrypted stores can "
            "erase, by destroying the client's key)"
        )
    erased = app.erase_client(client, actor=actor, reason=reason)
    shred(settings.db, client, erased.timestamp.isoformat())
    purge(settings.db, client)
    return erased


def purge(db: Database, client: UUID) -> None:
    """Remove every derived copy of the client's record, then reclaim the freed pages."""
    # The read models' lock: a projection batch cannot write the client back mid-purge.
    with db.transaction(lock="readmodels") as conn:
        conn.execute(
            "DELETE FROM stored_snapshots WHERE originator_id=?", (db.event_id(client.hex),)
        )
        upgrade(conn, db)  # rows of an older schema would not match the client's hex id
        tables = db.tables(conn)
        if "snapshot_links" in tables:
            conn.execute("DELETE FROM snapshot_links WHERE originator_id=?", (client.hex,))
        for table in TABLES:
            if table in tables:
                conn.execute(f"DELETE FROM {table} WHERE client_id=?", (client.hex,))
        if SUMMARY_INDEX in tables:
            conn.execute(f"DELETE FROM {SUMMARY_INDEX} WHERE client_id=?", (client.hex,))
        if db.kind == "sqlite" and "readmodel_utterances" in tables:
            # Merge the index's segments so the deleted text leaves them too.
            conn.execute(
                "INSERT INTO readmodel_utterances(readmodel_utterances) VALUES ('optimize')"
            )
    db.reclaim(["stored_snapshots", "caselog_keys", SUMMARY_INDEX, *TABLES])
