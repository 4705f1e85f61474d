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
from caselog.adapters.database import Database, NotReclaimed, OnWait
from caselog.adapters.readmodels_sql import TABLES, upgrade
from caselog.adapters.store import StoreSettings
from caselog.adapters.summary_index import TABLE as SUMMARY_INDEX
from caselog.application.service import CaselogApplication
from caselog.domain.errors import StoreError
from caselog.domain.events import ClientErased

FINISH_HINT = (
    "when it has finished, run `caselog erase --finish` (the erasure itself is recorded "
    "and the key destroyed; only the old bytes remain to be overwritten)"
)


def erase_client(
    app: CaselogApplication,
    settings: StoreSettings,
    client: UUID,
    *,
    actor: str,
    reason: str,
    wait: float = 30.0,
    on_wait: OnWait | None = None,
) -> ClientErased:
    if not settings.encrypted:
        raise StoreError(
            f"{settings.where} is a plaintext store: a client's text cannot be destroyed "
            "without rewriting the record, so erasure is refused (only encrypted stores can "
            "erase, by destroying the client's key)"
        )
    erased = app.erase_client(client, actor=actor, reason=reason)
    shred(settings.db, client, erased.timestamp.isoformat())
    purge(settings.db, client, wait=wait, on_wait=on_wait)
    return erased


def finish_erasures(
    settings: StoreSettings, *, wait: float = 30.0, on_wait: OnWait | None = None
) -> int:
    """Purge every erased client again and reclaim the storage (after an erasure that
    could not overwrite the old bytes); returns how many erased clients there are."""
    with settings.db.autocommit() as conn:
        rows = conn.execute("SELECT client_id FROM caselog_keys WHERE wrapped IS NULL").fetchall()
    erased = [UUID(hex=r[0]) for r in rows]
    for client in erased:
        _delete_copies(settings.db, client)
    _reclaim(settings.db, wait, on_wait)
    return len(erased)


def purge(db: Database, client: UUID, *, wait: float = 30.0, on_wait: OnWait | None = None) -> None:
    """Remove every derived copy of the client's record, then reclaim the freed pages."""
    _delete_copies(db, client)
    _reclaim(db, wait, on_wait)


def _delete_copies(db: Database, client: UUID) -> None:
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


def _reclaim(db: Database, wait: float, on_wait: OnWait | None) -> None:
    try:
        db.reclaim(
            ["stored_snapshots", "caselog_keys", SUMMARY_INDEX, *TABLES], wait=wait, on_wait=on_wait
        )
    except NotReclaimed as e:
        raise NotReclaimed(f"{e}; {FINISH_HINT}") from None
