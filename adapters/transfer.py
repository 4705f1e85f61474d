"""Export a store as JSON lines, and import such a file into a new store.

The export is the record exactly as stored: one header line with what a new store
needs to hold it (its settings and the clients' wrapped data keys), then one line
per stored event in store order, with the event's state as stored (ciphertext on
an encrypted store, base64) and its chain link. Snapshots and read models are
caches and are rebuilt from the events; the access log belongs to the store it
records reads of and is not exported.

Import writes the events through the chained recorder, so every link is computed
again as it is written and compared with the exported one: an altered, reordered,
removed or inserted line stops the import, which then leaves nothing behind.
"""

from __future__ import annotations

import base64
import binascii
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

import orjson
from eventsourcing.persistence import PersistenceError, StoredEvent

from caselog.adapters.crypto import decode_key, is_master_key, write_key_file
from caselog.adapters.recorder import ChainedSQLiteRecorder
from caselog.adapters.store import (
    StoreSettings,
    create_store,
    locate,
    open_store,
    records_held,
)
from caselog.domain.errors import StoreError
from caselog.domain.service import CaselogApplication

FORMAT = "caselog-export"
VERSION = 1
# The store settings the header names; any other setting travels in "settings".
NAMED = ("namespace", "encryption", "integrity", "integrity_check", "key_check")


def _uuid(hex_id: str) -> str:
    try:
        return str(UUID(hex=hex_id))
    except ValueError:
        return hex_id


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


# --- export -------------------------------------------------------------------------------


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

    Everything is read in one read transaction, so the header and the events agree
    even while others write. ``on_clients`` is called with the clients about to be
    exported, before any event is written (the CLI logs the access there).
    """
    try:
        with closing(sqlite3.connect(settings.path, timeout=30)) as conn:
            conn.execute("BEGIN")  # one snapshot of the store for the whole export
            header, clients, events = _header(conn, client)
            if on_clients is not None:
                on_clients(clients)
            out.write(orjson.dumps(header, option=orjson.OPT_APPEND_NEWLINE))
            for line in _event_lines(conn, client):
                out.write(line)
            conn.rollback()
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{settings.path}: cannot export ({e})") from None
    return Exported(clients=clients, events=events)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _header(
    conn: sqlite3.Connection, client: UUID | None
) -> tuple[dict[str, Any], list[UUID], int]:
    tables = _tables(conn)
    meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
    one = "WHERE originator_id=?1" if client else "WHERE ?1 IS NULL"
    params = (client.hex if client else None,)
    ids: set[str] = set()
    events = 0
    heads: list[dict[str, Any]] = []
    if "stored_events" in tables:
        ids |= {
            r[0]
            for r in conn.execute(f"SELECT DISTINCT originator_id FROM stored_events {one}", params)
        }
        (events,) = conn.execute(f"SELECT COUNT(*) FROM stored_events {one}", params).fetchone()
    if "chain_heads" in tables:
        heads = [
            {
                "client_id": _uuid(cid),
                "version": version,
                "link": bytes(chained).hex() if chained is not None else None,
            }
            for cid, version, chained in conn.execute(
                f"SELECT originator_id, originator_version, link FROM chain_heads {one} "
                "ORDER BY originator_id",
                params,
            )
        ]
    key_filter = "WHERE client_id=?1" if client else "WHERE ?1 IS NULL"
    rows = conn.execute(
        f"SELECT client_id, wrapped, erased_at FROM caselog_keys {key_filter} ORDER BY client_id",
        params,
    ).fetchall()
    keys = [
        {"client_id": _uuid(cid), "wrapped": _b64(wrapped), "erased_at": erased_at}
        for cid, wrapped, erased_at in rows
    ]
    ids |= {cid for cid, _, _ in rows}
    try:
        clients = sorted(UUID(hex=cid) for cid in ids)
    except ValueError:
        raise StoreError(
            "the store holds a client id that is not a UUID: run caselog verify"
        ) from None
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "namespace": meta["namespace"],
        "encryption": meta.get("encryption", "off"),
        "integrity": meta.get("integrity", "sha256"),
        "integrity_check": meta.get("integrity_check"),
        "key_check": meta.get("key_check"),
        "settings": {k: v for k, v in sorted(meta.items()) if k not in NAMED},
        "clients": [str(c) for c in clients],
        "events": events,
        "heads": heads,
        "keys": keys,
    }
    return header, clients, events


def _event_lines(conn: sqlite3.Connection, client: UUID | None) -> Iterator[bytes]:
    if "stored_events" not in _tables(conn):
        return
    rows = conn.execute(
        "SELECT e.originator_id, e.originator_version, e.topic, CAST(e.state AS BLOB), "
        "CAST(c.link AS BLOB) FROM stored_events e LEFT JOIN event_chain c "
        "ON c.originator_id = e.originator_id AND c.originator_version = e.originator_version "
        f"{'WHERE e.originator_id=?1' if client else 'WHERE ?1 IS NULL'} ORDER BY e.rowid",
        (client.hex if client else None,),
    )
    for cid, version, topic, state, chained in rows:  # a cursor: one row at a time
        yield orjson.dumps(
            {
                "client_id": _uuid(cid),
                "version": version,
                "topic": topic,
                "state": _b64(bytes(state)),
                "link": bytes(chained).hex() if chained is not None else None,
            },
            option=orjson.OPT_APPEND_NEWLINE,
        )


# --- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    path: Path
    clients: int
    events: int
    encrypted: bool
    key_file: Path | None
    """The key file written next to the new store (from --key-file), if any."""


class _Malformed(Exception):
    pass


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Malformed(f"expected {name!r}")
    return value


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _Malformed("not a JSON object") from None
    if not isinstance(obj, dict):
        raise _Malformed("not a JSON object")
    return obj


def _read_header(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise _Malformed("expected a caselog export header, but the file is empty")
    header = _parse(raw)
    if header.get("format") != FORMAT:
        raise _Malformed("not a caselog export (its first line is not an export header)")
    if header.get("version") != VERSION:
        raise _Malformed(f"export format version {header.get('version')!r} is not supported")
    try:
        UUID(_field(header, "namespace", str))
    except ValueError:
        raise _Malformed("expected 'namespace' to be a UUID") from None
    if _field(header, "encryption", str) not in ("off", "aes-gcm"):
        raise _Malformed(f"unknown encryption {header['encryption']!r}")
    if _field(header, "integrity", str) not in ("sha256", "hmac-sha256"):
        raise _Malformed(f"unknown integrity {header['integrity']!r}")
    if header["encryption"] != "off":
        _field(header, "key_check", str)
    if header["integrity"] == "hmac-sha256":
        _field(header, "integrity_check", str)
    _field(header, "settings", dict)
    _field(header, "clients", list)
    _field(header, "events", int)
    _field(header, "heads", list)
    _field(header, "keys", list)
    return header


def _meta(header: dict[str, Any]) -> dict[str, str]:
    meta = {k: header[k] for k in NAMED if header.get(k) is not None}
    meta.update({str(k): str(v) for k, v in header["settings"].items()})
    return meta


def _keys(header: dict[str, Any]) -> list[tuple[str, bytes | None, str | None]]:
    rows = []
    for k in header["keys"]:
        if not isinstance(k, dict):
            raise _Malformed("expected 'keys' to hold objects")
        try:
            cid = UUID(_field(k, "client_id", str)).hex
            wrapped = k.get("wrapped")
            data = None if wrapped is None else base64.b64decode(wrapped, validate=True)
        except (ValueError, TypeError, binascii.Error):
            raise _Malformed("a data key in 'keys' is not valid") from None
        erased_at = k.get("erased_at")
        if erased_at is not None and not isinstance(erased_at, str):
            raise _Malformed("a data key in 'keys' is not valid")
        rows.append((cid, data, erased_at))
    return rows


def _event(raw: bytes, clients: set[UUID]) -> tuple[StoredEvent, bytes | None]:
    obj = _parse(raw)
    try:
        cid = UUID(_field(obj, "client_id", str))
        version = _field(obj, "version", int)
        topic = _field(obj, "topic", str)
        state = base64.b64decode(_field(obj, "state", str), validate=True)
        chained = obj.get("link")
        link = None if chained is None else bytes.fromhex(chained)
    except (ValueError, TypeError, binascii.Error):
        raise _Malformed("expected an event: client_id, version, topic, state, link") from None
    if cid not in clients:
        raise _Malformed(f"client {cid} is not among the clients the header lists")
    event = StoredEvent(originator_id=cid, originator_version=version, topic=topic, state=state)
    return event, link


def _master_key(
    name: str, header: dict[str, Any], key_file: Path | None, target_key: Path
) -> bytes:
    where: str
    if key_file is not None:
        where = str(key_file)
        try:
            text = key_file.read_text()
        except OSError as e:
            raise StoreError(f"{key_file}: cannot read the key file ({e.strerror})") from None
    elif os.environ.get("CASELOG_KEY"):
        where, text = "$CASELOG_KEY", os.environ["CASELOG_KEY"]
    elif target_key.exists():
        where, text = str(target_key), target_key.read_text()
    else:
        raise StoreError(
            f"{name}: the export is of an encrypted store: give its key file with "
            "--key-file PATH, or set $CASELOG_KEY to its master key"
        )
    key = decode_key(text, where)
    if not is_master_key(key, bytes.fromhex(header["key_check"])):
        raise StoreError(f"{where}: not the key the exported store was encrypted with")
    return key


def import_jsonl(source: Path, url: str, key_file: Path | None = None) -> Imported:
    """Restore an export into the new or empty store at ``url``; all of it, or nothing."""
    name = str(source)
    try:
        f = source.open("rb")
    except OSError as e:
        raise StoreError(f"{name}: cannot read ({e.strerror})") from None
    with f:
        try:
            header = _read_header(f.readline())
            keys = _keys(header)
            clients = {UUID(c) for c in header["clients"]}
        except (_Malformed, ValueError, TypeError, AttributeError) as e:
            problem = str(e) if isinstance(e, _Malformed) else "expected 'clients' to list ids"
            raise StoreError(f"{name}:1: {problem}") from None
        where = locate(url)
        if where.kind != "sqlite":
            raise StoreError(f"{url}: PostgreSQL stores are not supported yet; use a SQLite path")
        path = Path(where.target)
        existed = path.exists()
        old_meta: dict[str, str] = {}
        if existed:
            if held := records_held(path):
                raise StoreError(
                    f"{path} already holds {held}: import restores only into a new or empty store"
                )
            old_meta = _read_meta(path)
        encrypted = header["encryption"] != "off"
        target_key = path.with_name(path.name + ".key")
        if not encrypted and key_file is not None:
            raise StoreError(f"{name}: the export is of a plaintext store; it needs no --key-file")
        key = _master_key(name, header, key_file, target_key) if encrypted else None
        copy_key = False
        if key_file is not None and key is not None:
            if not target_key.exists():
                copy_key = True
            elif decode_key(target_key.read_text(), str(target_key)) != key:
                raise StoreError(f"{target_key} already holds a different key: move it away first")
        wrote_key = False
        app: CaselogApplication | None = None
        try:
            create_store(url, _meta(header))
            if copy_key and key is not None:
                write_key_file(target_key, key)
                wrote_key = True
            app = open_store(url)
            events = _restore(app, f, name, header, keys, clients)
        except BaseException:
            if app is not None:
                app.close()
            _undo(path, existed, old_meta, target_key if wrote_key else None)
            raise
        app.close()
    return Imported(
        path=path,
        clients=len(clients),
        events=events,
        encrypted=encrypted,
        key_file=target_key if wrote_key else None,
    )


def _restore(
    app: CaselogApplication,
    f: BinaryIO,
    name: str,
    header: dict[str, Any],
    keys: list[tuple[str, bytes | None, str | None]],
    clients: set[UUID],
) -> int:
    """Insert the keys and every event in one transaction, checking each link as it goes."""
    recorder = app.recorder
    assert isinstance(recorder, ChainedSQLiteRecorder)
    events = 0
    lineno = 1
    with recorder.datastore.transaction(commit=True) as c:
        c.execute("SELECT COUNT(*) FROM stored_events")
        if c.fetchone()[0]:
            raise StoreError(f"{name}: the target store was written to while importing")
        c.executemany("INSERT INTO caselog_keys VALUES (?, ?, ?)", keys)
        for lineno, raw in enumerate(f, start=2):
            try:
                event, exported = _event(raw, clients)
            except _Malformed as e:
                raise StoreError(f"{name}:{lineno}: {e}; nothing was imported") from None
            cid, version = UUID(str(event.originator_id)), event.originator_version
            try:
                recorder._insert_events(c, [event])
            except (sqlite3.Error, PersistenceError) as e:
                raise StoreError(
                    f"{name}:{lineno}: client {cid} version {version} cannot be stored ({e}); "
                    "nothing was imported"
                ) from None
            c.execute(
                "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
                (cid.hex, version),
            )
            if exported is None or bytes(c.fetchone()[0]) != exported:
                raise StoreError(
                    f"{name}:{lineno}: client {cid} version {version} does not match its chain "
                    "link: the export was altered or damaged; nothing was imported"
                )
            events += 1
        if events != header["events"]:
            raise StoreError(
                f"{name}: holds {events} events, but its header says {header['events']}: "
                "it is truncated; nothing was imported"
            )
        _check_heads(c, name, header["heads"], lineno)
    return events


def _check_heads(c: Any, name: str, heads: list[Any], lineno: int) -> None:
    for head in heads:
        try:
            cid = UUID(head["client_id"])
            version, chained = int(head["version"]), bytes.fromhex(head["link"])
        except (KeyError, ValueError, TypeError):
            raise StoreError(f"{name}:1: a head in 'heads' is not valid") from None
        c.execute(
            "SELECT originator_version, link FROM chain_heads WHERE originator_id=?", (cid.hex,)
        )
        row = c.fetchone()
        if row is None or row[0] != version or bytes(row[1]) != chained:
            found = row[0] if row is not None else 0
            raise StoreError(
                f"{name}:{lineno}: client {cid} ends at version {found}, but the header says "
                f"{version}: the export is truncated or altered; nothing was imported"
            )


def _read_meta(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        tables = _tables(conn)
        if "caselog_meta" not in tables:
            return {}
        return dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())


def _undo(path: Path, existed: bool, old_meta: dict[str, str], key_file: Path | None) -> None:
    """Leave the target as it was: removed if the import made it, else its settings back."""
    if key_file is not None:
        key_file.unlink(missing_ok=True)
    if not existed:
        for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        return
    with closing(sqlite3.connect(path, timeout=30)) as conn, conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS caselog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        conn.execute("DELETE FROM caselog_meta")
        conn.executemany("INSERT INTO caselog_meta VALUES (?, ?)", old_meta.items())
