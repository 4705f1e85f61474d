"""Verify the store: recompute every chain from the rows as stored.

It needs no decryption key (the chain covers ciphertext), only the integrity
key when the chain is keyed, so an auditor can run it and it still passes
after an erasure.
"""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from caselog.adapters.access_log import ACCESS_LOG_TABLE, entry_fields
from caselog.adapters.chain import GENESIS, event_fields, link


class Break(BaseModel):
    model_config = ConfigDict(frozen=True)

    log: str
    """``events`` or ``access_log``."""
    client_id: str | None
    version: int | None
    problem: str


class Verification(BaseModel):
    model_config = ConfigDict(frozen=True)

    clients: int
    events: int
    digest: str
    breaks: list[Break]

    @property
    def ok(self) -> bool:
        return not self.breaks


def _uuid(hex_id: str) -> str:
    try:
        return str(UUID(hex=hex_id))
    except ValueError:
        return hex_id


def _client_breaks(
    conn: sqlite3.Connection, cid: str, key: bytes | None
) -> tuple[list[Break], tuple[int, bytes] | None, int]:
    rows = conn.execute(
        "SELECT originator_version, topic, CAST(state AS BLOB) FROM stored_events "
        "WHERE originator_id=? "
        "ORDER BY originator_version",
        (cid,),
    ).fetchall()
    links = dict(
        conn.execute(
            "SELECT originator_version, CAST(link AS BLOB) FROM event_chain WHERE originator_id=?",
            (cid,),
        ).fetchall()
    )
    head = conn.execute(
        "SELECT originator_version FROM chain_heads WHERE originator_id=?", (cid,)
    ).fetchone()
    found: list[Break] = []

    def broken(version: int | None, problem: str) -> None:
        found.append(Break(log="events", client_id=_uuid(cid), version=version, problem=problem))

    previous, expected = GENESIS, 1
    for version, topic, state in rows:
        for missing in range(expected, version):
            broken(missing, "event missing: deleted from the store")
        if version != expected:
            previous = bytes(links.get(version - 1, previous))
        computed = link(previous, event_fields(topic, cid, version, bytes(state)), key)
        stored = links.get(version)
        if stored is None:
            broken(version, "event has no chain link: it was not written by caselog")
            previous = computed
        else:
            if bytes(stored) != computed:
                broken(version, "event does not match its chain link: altered, moved or forged")
            previous = bytes(stored)
        expected = version + 1
    last = rows[-1][0] if rows else 0
    for version in sorted(v for v in links if v > last):
        broken(version, "event missing: deleted from the end of the record")
    if head is None:
        broken(last or None, "no chain head: the client was not recorded by caselog")
    elif head[0] > last and not any(v > last for v in links):
        broken(head[0], f"the record ends at version {last}, but its head says {head[0]}")
    tip = (last, previous) if rows else None
    return found, tip, len(rows)


def digest_of(heads: dict[str, tuple[int, bytes]]) -> str:
    """One store-wide digest over every client's last version and link."""
    lines = sorted(f"{cid}:{version}:{chained.hex()}" for cid, (version, chained) in heads.items())
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def verify_events(path: str, key: bytes | None, client: UUID | None = None) -> Verification:
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        # Damaged rows may hold anything; read text leniently rather than fail to report them.
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        if client is not None:
            ids = [client.hex]
        else:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT originator_id FROM stored_events UNION "
                    "SELECT originator_id FROM event_chain UNION "
                    "SELECT originator_id FROM chain_heads"
                )
            ]
        breaks: list[Break] = []
        heads: dict[str, tuple[int, bytes]] = {}
        events = 0
        for cid in sorted(ids):
            found, tip, count = _client_breaks(conn, cid, key)
            breaks.extend(found)
            events += count
            if tip is not None:
                heads[cid] = tip
    return Verification(clients=len(heads), events=events, digest=digest_of(heads), breaks=breaks)


# --- the access log -------------------------------------------------------------------


class AccessLogVerification(BaseModel):
    model_config = ConfigDict(frozen=True)

    entries: int
    head: str | None
    """Hex of the last entry's link (None while the log is empty): anchor it to catch a
    log truncated and re-chained by someone holding the integrity key."""
    breaks: list[Break]


def verify_access_log(path: str, key: bytes | None) -> AccessLogVerification:
    """Recompute the access log's chain; name each altered, removed or inserted entry.

    Kept out of the store-wide digest on purpose: every read appends to the log, so a
    digest over it would change with each access.
    """
    breaks: list[Break] = []

    def broken(seq: int, problem: str) -> None:
        breaks.append(Break(log="access_log", client_id=None, version=seq, problem=problem))

    with closing(sqlite3.connect(path, timeout=30)) as conn:
        conn.execute(ACCESS_LOG_TABLE)
        rows = conn.execute(
            "SELECT seq, CAST(at AS BLOB), CAST(actor AS BLOB), CAST(command AS BLOB), "
            "CAST(client_id AS BLOB), CAST(link AS BLOB) FROM access_log ORDER BY seq"
        )
        previous, expected, last, entries = GENESIS, 1, 0, 0
        for seq, at, actor, command, client_id, stored in rows:
            entries += 1
            fields = entry_fields(
                bytes(at or b""), bytes(actor or b""), bytes(command or b""), client_id
            )
            computed = link(previous, fields, key)
            if seq > expected:
                for missing in range(expected, seq):
                    broken(missing, "access log entry missing: deleted from the log")
                # Its predecessor went with the deletion: this link cannot be checked.
                previous = bytes(stored) if stored is not None else computed
            elif stored is None:
                broken(seq, "access log entry has no chain link: it was not written by caselog")
                previous = computed
            else:
                if bytes(stored) != computed:
                    broken(
                        seq,
                        "access log entry does not match its chain link: "
                        "altered, inserted or an entry before it deleted",
                    )
                previous = bytes(stored)
            expected, last = seq + 1, seq
        (issued,) = conn.execute(
            "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name='access_log'"
        ).fetchone()
    for missing in range(last + 1, int(issued) + 1):
        broken(missing, "access log entry missing: deleted from the end of the log")
    head = previous.hex() if entries else None
    return AccessLogVerification(entries=entries, head=head, breaks=breaks)
