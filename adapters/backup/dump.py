"""``caselog export``: the store, or one client, as JSON lines (``format.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from uuid import UUID

from caselog.adapters.access_log import as_bytes
from caselog.adapters.backup.format import (
    FORMAT,
    NAMED_SETTINGS,
    VERSION,
    ExportedEvent,
    ExportedHead,
    ExportedKey,
    ExportHeader,
    event_line,
    header_line,
)
from caselog.adapters.client_ids import to_hex
from caselog.adapters.database import Database, Sql, database
from caselog.adapters.settings_seal import seal_keys
from caselog.adapters.store import StoreSettings
from caselog.domain.errors import StoreError

PAGE = 1000
"""Events read per statement: the export streams, whatever the engine's cursors do."""


@dataclass(frozen=True)
class Exported:
    clients: list[UUID]
    events: int


def export_jsonl(
    settings: StoreSettings,
    out: BinaryIO,
    client: UUID | None = None,
    on_clients: Callable[[list[UUID]], None] | None = None,
) -> Exported:
    """Write the store (or one client) to ``out`` as JSON lines, streaming the events.

    Everything is read in one read transaction (one snapshot: SQLite's read
    transaction, PostgreSQL's REPEATABLE READ), so the header and the events agree
    even while others write. ``on_clients`` is called with the clients about to be
    exported, before any event is written (the CLI logs the access there).
    """
    # A connection of its own: the access log written from ``on_clients`` must commit
    # at once, not inside this snapshot (on PostgreSQL a store shares one connection).
    reader = database(settings.db.url)
    try:
        with settings.db.reported("export"), reader.transaction() as conn:
            if reader.kind == "postgresql":
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            header = _header(conn, reader, client)
            sealed = seal_keys(header.key_rows(), settings.master_key, settings.integrity_key)
            header = header.model_copy(update={"keys_seal": sealed})
            if on_clients is not None:
                on_clients(header.clients)
            out.write(header_line(header))
            for event in _events(conn, reader, client):
                out.write(event_line(event))
    finally:
        reader.close()
    return Exported(clients=header.clients, events=header.events)


def _header(conn: Sql, db: Database, client: UUID | None) -> ExportHeader:
    tables = db.tables(conn)
    meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
    # The same filter on each table; the events' ids are uuids on PostgreSQL.
    one = "WHERE originator_id=?" if client else ""
    ours: tuple[Any, ...] = (client.hex,) if client else ()
    theirs: tuple[Any, ...] = (db.event_id(client.hex),) if client else ()
    ids: set[str] = set()
    events = 0
    heads: list[ExportedHead] = []
    if "stored_events" in tables:
        ids |= {
            to_hex(r[0])
            for r in conn.execute(f"SELECT DISTINCT originator_id FROM stored_events {one}", theirs)
        }
        (events,) = conn.execute(f"SELECT COUNT(*) FROM stored_events {one}", theirs).fetchone()
    try:
        if "chain_heads" in tables:
            heads = [
                ExportedHead(client_id=UUID(hex=cid), version=version, link=as_bytes(chained))
                for cid, version, chained in conn.execute(
                    f"SELECT originator_id, originator_version, link FROM chain_heads {one} "
                    "ORDER BY originator_id",
                    ours,
                )
            ]
        key_filter = "WHERE client_id=?" if client else ""
        keys = [
            ExportedKey(
                client_id=UUID(hex=cid),
                wrapped=None if wrapped is None else bytes(wrapped),
                erased_at=erased_at,
            )
            for cid, wrapped, erased_at in conn.execute(
                "SELECT client_id, wrapped, erased_at FROM caselog_keys "
                f"{key_filter} ORDER BY client_id",
                ours,
            )
        ]
        clients = sorted({UUID(hex=cid) for cid in ids} | {k.client_id for k in keys})
    except ValueError:
        raise StoreError(
            "the store holds a client id that is not a UUID: run caselog verify"
        ) from None
    return ExportHeader(
        format=FORMAT,
        version=VERSION,
        namespace=UUID(meta["namespace"]) if "namespace" in meta else None,
        encryption=meta.get("encryption", "off"),
        integrity=meta.get("integrity", "sha256"),
        integrity_check=meta.get("integrity_check"),
        key_check=meta.get("key_check"),
        settings={k: v for k, v in sorted(meta.items()) if k not in NAMED_SETTINGS},
        clients=clients,
        events=int(events),
        heads=heads,
        keys=keys,
    )


def _events(conn: Sql, db: Database, client: UUID | None) -> Iterator[ExportedEvent]:
    """The events in store order (SQLite's rowid, PostgreSQL's notification id), a page
    at a time, each with its chain link."""
    if "stored_events" not in db.tables(conn):
        return
    order = "e.rowid" if db.kind == "sqlite" else "e.notification_id"
    one = "AND e.originator_id=?" if client else ""
    theirs: tuple[Any, ...] = (db.event_id(client.hex),) if client else ()
    # event_chain holds ids as hex text; on PostgreSQL stored_events holds uuids.
    statement = (
        f"SELECT {order}, e.originator_id, e.originator_version, e.topic, e.state, c.link "
        "FROM stored_events e LEFT JOIN event_chain c "
        "ON c.originator_id = replace(CAST(e.originator_id AS TEXT), '-', '') "
        "AND c.originator_version = e.originator_version "
        f"WHERE {order} > ? {one} ORDER BY {order} LIMIT {PAGE}"
    )
    after = 0
    while True:
        rows = conn.execute(statement, (after, *theirs)).fetchall()
        for position, cid, version, topic, state, chained in rows:
            after = position
            yield ExportedEvent(
                client_id=UUID(hex=to_hex(cid)),
                version=version,
                topic=topic,
                state=as_bytes(state),
                link=None if chained is None else as_bytes(chained),
            )
        if len(rows) < PAGE:
            return
