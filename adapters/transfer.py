"""Export a store as JSON lines, and import such a file into a new store.

The export is the record exactly as stored: one header line with what a new store
needs to hold it (its settings and the clients' wrapped data keys), then one line
per stored event in store order, with the event's state as stored (ciphertext on
an encrypted store, base64) and its chain link. Snapshots and read models are
caches and are rebuilt from the events; the access log belongs to the store it
records reads of and is not exported.

Import writes the events through the chained recorder, so every link is computed
again as it is written and compared with the exported one: an altered, reordered,
removed or inserted line stops the import, which then leaves nothing behind: its
one transaction rolls back, a file or PostgreSQL schema it created is removed, and
in one that was there before, the tables (and eventsourcing's type and function)
it added are dropped and the old settings put back.

Both work the same on SQLite and PostgreSQL, and across them: an export of one
imports into the other.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from uuid import UUID

import orjson
from eventsourcing.persistence import ApplicationRecorder, PersistenceError, StoredEvent

from caselog.adapters.access_log import as_bytes
from caselog.adapters.crypto import decode_key, is_master_key, write_key_file
from caselog.adapters.database import (
    Database,
    PostgresDatabase,
    Sql,
    SQLiteDatabase,
    database,
    driver_errors,
)
from caselog.adapters.recorder import ChainedSQLiteRecorder
from caselog.adapters.store import (
    Store,
    StoreSettings,
    create_store,
    open_store,
    records_held,
)
from caselog.application.service import CaselogApplication
from caselog.domain.errors import StoreError

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
            header, clients, events = _header(conn, reader, client)
            if on_clients is not None:
                on_clients(clients)
            out.write(orjson.dumps(header, option=orjson.OPT_APPEND_NEWLINE))
            for line in _event_lines(conn, reader, client):
                out.write(line)
    finally:
        if isinstance(reader, PostgresDatabase):
            reader.close()
    return Exported(clients=clients, events=events)


def _hex(value: Any) -> str:
    """A client id as caselog's tables hold it (hex), from a uuid column or a text one."""
    return value.hex if isinstance(value, UUID) else str(value)


def _header(conn: Sql, db: Database, client: UUID | None) -> tuple[dict[str, Any], list[UUID], int]:
    tables = db.tables(conn)
    meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
    # The same filter on each table; the events' ids are uuids on PostgreSQL.
    one = "WHERE originator_id=?" if client else ""
    ours: tuple[Any, ...] = (client.hex,) if client else ()
    theirs: tuple[Any, ...] = (db.event_id(client.hex),) if client else ()
    ids: set[str] = set()
    events = 0
    heads: list[dict[str, Any]] = []
    if "stored_events" in tables:
        ids |= {
            _hex(r[0])
            for r in conn.execute(f"SELECT DISTINCT originator_id FROM stored_events {one}", theirs)
        }
        (events,) = conn.execute(f"SELECT COUNT(*) FROM stored_events {one}", theirs).fetchone()
    if "chain_heads" in tables:
        heads = [
            {
                "client_id": _uuid(cid),
                "version": version,
                "link": as_bytes(chained).hex() if chained is not None else None,
            }
            for cid, version, chained in conn.execute(
                f"SELECT originator_id, originator_version, link FROM chain_heads {one} "
                "ORDER BY originator_id",
                ours,
            )
        ]
    key_filter = "WHERE client_id=?" if client else ""
    rows = conn.execute(
        f"SELECT client_id, wrapped, erased_at FROM caselog_keys {key_filter} ORDER BY client_id",
        ours,
    ).fetchall()
    keys = [
        {
            "client_id": _uuid(cid),
            "wrapped": None if wrapped is None else _b64(bytes(wrapped)),
            "erased_at": erased_at,
        }
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
    return header, clients, int(events)


def _event_lines(conn: Sql, db: Database, client: UUID | None) -> Iterator[bytes]:
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
            yield orjson.dumps(
                {
                    "client_id": _uuid(_hex(cid)),
                    "version": version,
                    "topic": topic,
                    "state": _b64(as_bytes(state)),
                    "link": as_bytes(chained).hex() if chained is not None else None,
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
        if len(rows) < PAGE:
            return


# --- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    where: str
    """The store imported into, as errors name it (a path, or host/database/schema)."""
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
        db = database(url)
        before = _before(db)
        with db.reported("open as a caselog store"):
            held = records_held(db) if before.existed else None
        if held:
            raise StoreError(
                f"{db.where} already holds {held}: import restores only into a new or empty store"
            )
        encrypted = header["encryption"] != "off"
        target_key = db.default_key_file()
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
        opened: Store | None = None
        try:
            create_store(url, _meta(header))
            if copy_key and key is not None:
                target_key.parent.mkdir(parents=True, exist_ok=True)
                write_key_file(target_key, key)
                wrote_key = True
            opened = open_store(url, command="import")
            events = _restore(opened.app, f, name, header, keys, clients)
        except BaseException:
            if opened is not None:
                opened.close()
            _undo(db, before, target_key if wrote_key else None)
            raise
        opened.close()
    return Imported(
        where=db.where,
        clients=len(clients),
        events=events,
        encrypted=encrypted,
        key_file=target_key if wrote_key else None,
    )


class _Writer:
    """Statements in the recorder's own transaction, so the keys, the events and their
    links commit (or roll back) together, on either engine."""

    def __init__(self, cursor: Any, placeholder: str) -> None:
        self.cursor = cursor
        self.placeholder = placeholder

    def one(self, statement: str, params: tuple[Any, ...] = ()) -> Any:
        self.cursor.execute(statement.replace("?", self.placeholder), params)
        return self.cursor.fetchone()

    def many(self, statement: str, rows: list[Any]) -> None:
        self.cursor.executemany(statement.replace("?", self.placeholder), rows)


Insert = Callable[[StoredEvent], None]


@contextmanager
def _recording(recorder: ApplicationRecorder) -> Iterator[tuple[_Writer, Insert]]:
    """One write transaction of the chained recorder, and a way to store one event in it
    (through the recorder, so its link is computed as caselog computes every link)."""
    if isinstance(recorder, ChainedSQLiteRecorder):
        with _recording_sqlite(recorder) as recording:
            yield recording
    elif type(recorder).__name__ == "ChainedPostgresRecorder":
        with _recording_postgres(recorder) as recording:
            yield recording
    else:
        raise StoreError(f"cannot import through {type(recorder).__name__}")


@contextmanager
def _recording_sqlite(recorder: ChainedSQLiteRecorder) -> Iterator[tuple[_Writer, Insert]]:
    with recorder.datastore.transaction(commit=True) as curs:

        def insert(event: StoredEvent) -> None:
            recorder._insert_events(curs, [event])

        yield _Writer(curs, "?"), insert


@contextmanager
def _recording_postgres(recorder: Any) -> Iterator[tuple[_Writer, Insert]]:
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    with recorder.datastore.transaction(commit=True) as curs:
        # caselog's statements name tables as they are in the store's own schema.
        schema = Identifier(recorder.datastore.schema)
        curs.execute(SQL("SET LOCAL search_path TO {}").format(schema))
        # Writers wait here, as they do for any insert: nothing interleaves with the import.
        recorder._lock_table(curs)

        def insert(event: StoredEvent) -> None:
            # Takes the same lock again, then chains the event in this transaction.
            recorder._insert_stored_events(curs, [event])

        with curs.connection.cursor(row_factory=tuple_row) as c:
            yield _Writer(c, "%s"), insert


def _restore(
    app: CaselogApplication,
    f: BinaryIO,
    name: str,
    header: dict[str, Any],
    keys: list[tuple[str, bytes | None, str | None]],
    clients: set[UUID],
) -> int:
    """Insert the keys and every event in one transaction, checking each link as it goes."""
    events = 0
    lineno = 1
    with _recording(app.recorder) as (c, insert):
        if c.one("SELECT COUNT(*) FROM stored_events")[0]:
            raise StoreError(f"{name}: the target store was written to while importing")
        if keys:
            c.many("INSERT INTO caselog_keys VALUES (?, ?, ?)", keys)
        for lineno, raw in enumerate(f, start=2):
            try:
                event, exported = _event(raw, clients)
            except _Malformed as e:
                raise StoreError(f"{name}:{lineno}: {e}; nothing was imported") from None
            cid, version = UUID(str(event.originator_id)), event.originator_version
            try:
                insert(event)
            except (*driver_errors(), PersistenceError) as e:  # type: ignore[misc]
                raise StoreError(
                    f"{name}:{lineno}: client {cid} version {version} cannot be stored "
                    f"({_first_line(e)}); nothing was imported"
                ) from None
            row = c.one(
                "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
                (cid.hex, version),
            )
            if exported is None or row is None or bytes(row[0]) != exported:
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


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _check_heads(c: _Writer, name: str, heads: list[Any], lineno: int) -> None:
    for head in heads:
        try:
            cid = UUID(head["client_id"])
            version, chained = int(head["version"]), bytes.fromhex(head["link"])
        except (KeyError, ValueError, TypeError):
            raise StoreError(f"{name}:1: a head in 'heads' is not valid") from None
        row = c.one(
            "SELECT originator_version, link FROM chain_heads WHERE originator_id=?", (cid.hex,)
        )
        if row is None or row[0] != version or bytes(row[1]) != chained:
            found = row[0] if row is not None else 0
            raise StoreError(
                f"{name}:{lineno}: client {cid} ends at version {found}, but the header says "
                f"{version}: the export is truncated or altered; nothing was imported"
            )


# --- leaving the target as it was -------------------------------------------------------


@dataclass(frozen=True)
class _Before:
    """What the target held before the import: enough to put it back."""

    existed: bool
    """The SQLite file, or the PostgreSQL schema, was there already."""
    objects: frozenset[tuple[str, str]]
    """Its tables (and on PostgreSQL its types and functions), as (kind, name)."""
    meta: dict[str, str]


def _objects(conn: Sql, db: Database) -> set[tuple[str, str]]:
    found = {("TABLE", t) for t in db.tables(conn)}
    if isinstance(db, PostgresDatabase):
        # eventsourcing also makes a composite type and a function beside its tables.
        found |= {
            ("TYPE", r[0])
            for r in conn.execute(
                "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "JOIN pg_class c ON c.oid = t.typrelid WHERE n.nspname = ? AND c.relkind = 'c'",
                (db.schema,),
            )
        }
        found |= {
            ("FUNCTION", r[0])
            for r in conn.execute(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = ?",
                (db.schema,),
            )
        }
    return found


def _before(db: Database) -> _Before:
    nothing = _Before(existed=False, objects=frozenset(), meta={})
    if isinstance(db, SQLiteDatabase) and not db.exists():
        return nothing  # asking SQLite would create the file
    with db.reported("open as a caselog store"), db.autocommit() as conn:
        if isinstance(db, PostgresDatabase):
            schema = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = ?", (db.schema,)
            ).fetchone()
            if schema is None:
                return nothing
        objects = _objects(conn, db)
        meta: dict[str, str] = {}
        if ("TABLE", "caselog_meta") in objects:
            meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
    return _Before(existed=True, objects=frozenset(objects), meta=meta)


def _undo(db: Database, before: _Before, key_file: Path | None) -> None:
    """Leave the target as it was: removed if the import made it; else without what the
    import added to it, and with its own settings back."""
    if key_file is not None:
        key_file.unlink(missing_ok=True)
    if not before.existed:
        if isinstance(db, SQLiteDatabase):
            path = db.path
            for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)
        elif isinstance(db, PostgresDatabase):
            with db.reported("remove what the failed import wrote"):
                db.drop()
        return
    with (
        db.reported("remove what the failed import wrote"),
        db.transaction(lock="meta") as conn,
    ):
        for kind, name in sorted(_objects(conn, db) - before.objects):
            cascade = " CASCADE" if db.kind == "postgresql" else ""
            conn.execute(f'DROP {kind} IF EXISTS "{name}"{cascade}')
        if ("TABLE", "caselog_meta") in before.objects:
            conn.execute("DELETE FROM caselog_meta")
            conn.executemany("INSERT INTO caselog_meta VALUES (?, ?)", list(before.meta.items()))
