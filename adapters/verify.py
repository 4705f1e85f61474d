"""Verify the store: recompute every chain from the rows as stored.

It needs no decryption key (the chain covers ciphertext), only the integrity
key when the chain is keyed, so an auditor can run it and it still passes
after an erasure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from pydantic import BaseModel, ConfigDict

from caselog.adapters.access_log import (
    as_bytes,
    as_text,
    entry_fields,
    last_issued,
    tolerate_damage,
)
from caselog.adapters.chain import GENESIS, event_fields, link
from caselog.adapters.client_ids import canonical, to_hex
from caselog.adapters.database import Database, Sql
from caselog.adapters.read_checks import snapshot_link
from caselog.adapters.settings_seal import identity_digest


class Break(BaseModel):
    model_config = ConfigDict(frozen=True)

    log: str
    """``events``, ``snapshots`` or ``access_log``."""
    client_id: str | None
    version: int | None
    problem: str


class Verification(BaseModel):
    model_config = ConfigDict(frozen=True)

    clients: int
    events: int
    digest: str
    breaks: list[Break]


@contextmanager
def _read(db: Database) -> Iterator[Sql]:
    """One read transaction (one snapshot) in which a damaged row reads as what it
    holds, so verify reports it instead of failing on it, and recomputes its link over
    exactly the bytes stored."""
    with db.reported("verify the store"), db.transaction() as conn:
        if db.kind == "postgresql":  # a snapshot for every statement, as SQLite's is
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tolerate_damage(conn)
        yield conn


def _client_breaks(
    conn: Sql, db: Database, cid: str, key: bytes | None
) -> tuple[list[Break], tuple[int, bytes] | None, int]:
    rows: list[Any] = []
    # On PostgreSQL the events' ids are uuids: an id that is not one has no events.
    if db.kind == "sqlite" or _is_hex_uuid(cid):
        rows = conn.execute(
            "SELECT originator_version, topic, state FROM stored_events "
            "WHERE originator_id=? ORDER BY originator_version",
            (db.event_id(cid),),
        ).fetchall()
    links = {
        version: as_bytes(chained)
        for version, chained in conn.execute(
            "SELECT originator_version, link FROM event_chain WHERE originator_id=?", (cid,)
        ).fetchall()
    }
    head = conn.execute(
        "SELECT originator_version FROM chain_heads WHERE originator_id=?", (cid,)
    ).fetchone()
    found: list[Break] = []

    def broken(version: int | None, problem: str) -> None:
        found.append(
            Break(log="events", client_id=canonical(cid), version=version, problem=problem)
        )

    previous, expected = GENESIS, 1
    for version, topic, state in rows:
        for missing in range(expected, version):
            broken(missing, "event missing: deleted from the store")
        if version != expected:
            previous = links.get(version - 1, previous)
        fields = event_fields(as_text(topic), cid, version, as_bytes(state))
        computed = link(previous, fields, key)
        stored = links.get(version)
        if stored is None:
            broken(version, "event has no chain link: it was not written by caselog")
            previous = computed
        else:
            if stored != computed:
                broken(version, "event does not match its chain link: altered, moved or forged")
            previous = stored
        expected = version + 1
    last = rows[-1][0] if rows else 0
    for version in sorted(v for v in links if v > last):
        broken(version, "event missing: deleted from the end of the record")
    if head is None:
        broken(last or None, "no chain head: the client was not recorded by caselog")
    elif head[0] > last and not any(v > last for v in links):
        broken(head[0], f"the record ends at version {last}, but its head says {head[0]}")
    tip = (last, previous) if rows else None
    found.extend(_snapshot_breaks(conn, db, cid, key, links))
    return found, tip, len(rows)


def _snapshot_breaks(
    conn: Sql, db: Database, cid: str, key: bytes | None, links: dict[int, bytes]
) -> list[Break]:
    """Snapshots that fail their link: a snapshot without one (made before snapshots were
    linked) is never read, so it is no break; one whose link fails was altered or moved."""
    if "snapshot_links" not in db.tables(conn) or not (db.kind == "sqlite" or _is_hex_uuid(cid)):
        return []
    linked = {
        version: as_bytes(chained)
        for version, chained in conn.execute(
            "SELECT originator_version, link FROM snapshot_links WHERE originator_id=?", (cid,)
        ).fetchall()
    }
    found = []
    for version, topic, state in conn.execute(
        "SELECT originator_version, topic, state FROM stored_snapshots WHERE originator_id=?",
        (db.event_id(cid),),
    ).fetchall():
        stored = linked.get(version)
        if stored is None:
            continue
        row = StoredEvent(
            originator_id=cid,
            originator_version=version,
            topic=as_text(topic),
            state=as_bytes(state),
        )
        at = links.get(version)
        if at is None or snapshot_link(at, row, key) != stored:
            found.append(
                Break(
                    log="snapshots",
                    client_id=canonical(cid),
                    version=version,
                    problem="snapshot does not match its link: altered or copied from another "
                    "version (it is not used; the client is replayed from its events)",
                )
            )
    return found


def _is_hex_uuid(cid: str) -> bool:
    try:
        return UUID(hex=cid).hex == cid
    except ValueError:
        return False


def digest_of(heads: dict[str, tuple[int, bytes]], settings: str) -> str:
    """One store-wide digest over every client's last version and link, and the settings
    that never change (``settings``: their ``identity_digest``), so that an anchored
    digest also catches a store switched to no encryption or to an unkeyed chain."""
    lines = sorted(f"{cid}:{version}:{chained.hex()}" for cid, (version, chained) in heads.items())
    lines.append(f"settings:{settings}")
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def chained_clients(db: Database) -> set[UUID]:
    """Every client the events or their chain name, read without any key."""
    with _read(db) as conn:
        return {UUID(hex=cid) for cid in _chained_ids(conn, db)}


def _chained_ids(conn: Sql, db: Database) -> set[str]:
    # Every client any of the three tables names (the events' ids are uuids on
    # PostgreSQL and text in caselog's tables, so they are gathered here, not in SQL).
    tables = db.tables(conn)
    return {
        to_hex(cid)
        for table in ("stored_events", "event_chain", "chain_heads")
        if table in tables
        for (cid,) in conn.execute(f"SELECT DISTINCT originator_id FROM {table}")
    }


def verify_events(db: Database, key: bytes | None, client: UUID | None = None) -> Verification:
    """Recompute the chain of every client (or of ``client``) from the rows as stored."""
    with _read(db) as conn:
        ids = {client.hex} if client is not None else _chained_ids(conn, db)
        breaks: list[Break] = []
        heads: dict[str, tuple[int, bytes]] = {}
        events = 0
        for cid in sorted(ids):
            found, tip, count = _client_breaks(conn, db, cid, key)
            breaks.extend(found)
            events += count
            if tip is not None:
                heads[cid] = tip
        settings = identity_digest(dict(conn.execute("SELECT key, value FROM caselog_meta")))
    digest = digest_of(heads, settings)
    return Verification(clients=len(heads), events=events, digest=digest, breaks=breaks)


# --- the access log -------------------------------------------------------------------


class AccessLogVerification(BaseModel):
    model_config = ConfigDict(frozen=True)

    entries: int
    head: str | None
    """Hex of the last entry's link (None while the log is empty): anchor it to catch a
    log truncated and re-chained by someone holding the integrity key."""
    breaks: list[Break]


def verify_access_log(db: Database, key: bytes | None) -> AccessLogVerification:
    """Recompute the access log's chain; name each altered, removed or inserted entry.

    Kept out of the store-wide digest on purpose: every read appends to the log, so a
    digest over it would change with each access.
    """
    breaks: list[Break] = []

    def broken(seq: int, problem: str) -> None:
        breaks.append(Break(log="access_log", client_id=None, version=seq, problem=problem))

    previous, last, entries, issued = GENESIS, 0, 0, 0
    with _read(db) as conn:
        if "access_log" in db.tables(conn):
            rows = conn.execute(
                "SELECT seq, at, actor, command, client_id, link FROM access_log ORDER BY seq"
            )
            expected = 1
            for seq, at, actor, command, client_id, stored in rows:
                entries += 1
                fields = entry_fields(
                    as_bytes(at or b""),
                    as_bytes(actor or b""),
                    as_bytes(command or b""),
                    as_bytes(client_id) if client_id is not None else None,
                )
                computed = link(previous, fields, key)
                if seq > expected:
                    for missing in range(expected, seq):
                        broken(missing, "access log entry missing: deleted from the log")
                    # Its predecessor went with the deletion: this link cannot be checked.
                    previous = as_bytes(stored) if stored is not None else computed
                elif stored is None:
                    broken(seq, "access log entry has no chain link: it was not written by caselog")
                    previous = computed
                else:
                    if as_bytes(stored) != computed:
                        broken(
                            seq,
                            "access log entry does not match its chain link: "
                            "altered, inserted or an entry before it deleted",
                        )
                    previous = as_bytes(stored)
                expected, last = seq + 1, seq
            issued = last_issued(conn, db)
    for missing in range(last + 1, issued + 1):
        broken(missing, "access log entry missing: deleted from the end of the log")
    head = previous.hex() if entries else None
    return AccessLogVerification(entries=entries, head=head, breaks=breaks)
