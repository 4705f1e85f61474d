"""``caselog import``: restore an export into a new or empty store, all of it or nothing.

The events are written through the chained recorder, so every link is computed
again as it is written and compared with the exported one: an altered,
reordered, removed or inserted line stops the import, which then leaves nothing
behind: its one transaction rolls back, a file or PostgreSQL schema it created
is removed, and in one that was there before, what it added is dropped and the
old settings put back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from eventsourcing.persistence import PersistenceError, StoredEvent

from caselog.adapters.backup.format import (
    ExportedHead,
    ExportHeader,
    Malformed,
    read_event,
    read_header,
)
from caselog.adapters.crypto import decode_key, is_master_key, read_key_file, write_key_file
from caselog.adapters.database import Database, database, driver_errors, first_line
from caselog.adapters.mapper import is_known_topic
from caselog.adapters.private_files import read_private
from caselog.adapters.recorder import Chained, Restoring
from caselog.adapters.settings_seal import check_keys
from caselog.adapters.store import Store, create_store, open_store, records_held
from caselog.application.service import CaselogApplication
from caselog.domain.errors import StoreError


@dataclass(frozen=True)
class Imported:
    where: str
    """The store imported into, as errors name it (a path, or host/database/schema)."""
    clients: int
    events: int
    encrypted: bool
    key_file: Path | None
    """The key file written next to the new store (from --key-file), if any."""


def import_jsonl(source: Path, url: str, key_file: Path | None = None) -> Imported:
    """Restore an export into the new or empty store at ``url``; all of it, or nothing."""
    name = str(source)
    try:
        f = source.open("rb")
    except OSError as e:
        raise StoreError(f"{name}: cannot read ({e.strerror})") from None
    with f:
        try:
            header = read_header(f.readline())
        except Malformed as e:
            raise StoreError(f"{name}:1: {e}") from None
        db = database(url)
        before = _before(db)
        with db.reported("open as a caselog store"):
            held = records_held(db) if before.existed else None
        if held:
            raise StoreError(
                f"{db.where} already holds {held}: import restores only into a new or empty store"
            )
        target_key = db.default_key_file()
        if not header.encrypted and key_file is not None:
            raise StoreError(f"{name}: the export is of a plaintext store; it needs no --key-file")
        key = _exported_store_key(name, header, key_file, target_key) if header.encrypted else None
        copy_key = False
        if key_file is not None and key is not None:
            if not target_key.exists():
                copy_key = True
            elif read_key_file(target_key) != key:
                raise StoreError(f"{target_key} already holds a different key: move it away first")
        wrote_key = False
        opened: Store | None = None
        try:
            restored = create_store(url, header.store_settings())
            check_keys(name, header.key_rows(), header.keys_seal, key, restored.integrity_key)
            if copy_key and key is not None:
                target_key.parent.mkdir(parents=True, exist_ok=True)
                write_key_file(target_key, key)
                wrote_key = True
            opened = open_store(url, command="import")
            events = _restore(opened.app, f, name, header)
        except BaseException:
            if opened is not None:
                opened.close()
            _undo(db, before, target_key if wrote_key else None)
            raise
        opened.close()
    return Imported(
        where=db.where,
        clients=len(header.clients),
        events=events,
        encrypted=header.encrypted,
        key_file=target_key if wrote_key else None,
    )


def _exported_store_key(
    name: str, header: ExportHeader, key_file: Path | None, target_key: Path
) -> bytes:
    """The master key of the store the export was made from: --key-file, $CASELOG_KEY,
    or the target's own key file, checked against the export's key check."""
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
        where, text = str(target_key), read_private(target_key)
    else:
        raise StoreError(
            f"{name}: the export is of an encrypted store: give its key file with "
            "--key-file PATH, or set $CASELOG_KEY to its master key"
        )
    key = decode_key(text, where)
    if not is_master_key(key, bytes.fromhex(header.key_check or "")):
        raise StoreError(f"{where}: not the key the exported store was encrypted with")
    return key


def _restore(app: CaselogApplication, f: BinaryIO, name: str, header: ExportHeader) -> int:
    """Insert the keys and every event in one transaction, checking each link as it goes."""
    recorder = app.recorder
    if not isinstance(recorder, Chained):
        raise StoreError(f"cannot import through {type(recorder).__name__}")
    clients = set(header.clients)
    events = 0
    lineno = 1
    with recorder.restoring() as c:
        if c.one("SELECT COUNT(*) FROM stored_events")[0]:
            raise StoreError(f"{name}: the target store was written to while importing")
        if header.keys:
            c.many(
                "INSERT INTO caselog_keys VALUES (?, ?, ?)",
                [(k.client_id.hex, k.wrapped, k.erased_at) for k in header.keys],
            )
        for lineno, raw in enumerate(f, start=2):
            try:
                exported = read_event(raw)
                if exported.client_id not in clients:
                    raise Malformed(
                        f"client {exported.client_id} is not among the clients the header lists"
                    )
                if not is_known_topic(exported.topic):
                    raise Malformed(
                        f"the topic {exported.topic[:80]!r} is not one of caselog's events"
                    )
            except Malformed as e:
                raise StoreError(f"{name}:{lineno}: {e}; nothing was imported") from None
            cid, version = exported.client_id, exported.version
            try:
                c.insert(
                    StoredEvent(
                        originator_id=cid,
                        originator_version=version,
                        topic=exported.topic,
                        state=exported.state,
                    )
                )
            except (*driver_errors(), PersistenceError) as e:  # type: ignore[misc]
                raise StoreError(
                    f"{name}:{lineno}: client {cid} version {version} cannot be stored "
                    f"({first_line(e)}); nothing was imported"
                ) from None
            row = c.one(
                "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
                (cid.hex, version),
            )
            if exported.link is None or row is None or bytes(row[0]) != exported.link:
                raise StoreError(
                    f"{name}:{lineno}: client {cid} version {version} does not match its chain "
                    "link: the export was altered or damaged; nothing was imported"
                )
            events += 1
        if events != header.events:
            raise StoreError(
                f"{name}: holds {events} events, but its header says {header.events}: "
                "it is truncated; nothing was imported"
            )
        _check_heads(c, name, header.heads, lineno)
    return events


def _check_heads(c: Restoring, name: str, heads: Iterable[ExportedHead], lineno: int) -> None:
    for head in heads:
        row = c.one(
            "SELECT originator_version, link FROM chain_heads WHERE originator_id=?",
            (head.client_id.hex,),
        )
        if row is None or row[0] != head.version or bytes(row[1]) != head.link:
            found = row[0] if row is not None else 0
            raise StoreError(
                f"{name}:{lineno}: client {head.client_id} ends at version {found}, but the "
                f"header says {head.version}: the export is truncated or altered; "
                "nothing was imported"
            )


# --- leaving the target as it was -------------------------------------------------------


@dataclass(frozen=True)
class _Before:
    """What the target held before the import: enough to put it back."""

    existed: bool
    """The SQLite file, or the PostgreSQL schema, was there already."""
    objects: frozenset[tuple[str, str]]
    """What it held, as ``Database.objects`` names it."""
    meta: dict[str, str]


def _before(db: Database) -> _Before:
    with db.reported("open as a caselog store"):
        if not db.container_exists():
            return _Before(existed=False, objects=frozenset(), meta={})
        with db.autocommit() as conn:
            objects = db.objects(conn)
            meta: dict[str, str] = {}
            if ("TABLE", "caselog_meta") in objects:
                meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
    return _Before(existed=True, objects=frozenset(objects), meta=meta)


def _undo(db: Database, before: _Before, key_file: Path | None) -> None:
    """Leave the target as it was: removed if the import made it; else without what the
    import added to it, and with its own settings back."""
    if key_file is not None:
        key_file.unlink(missing_ok=True)
    with db.reported("remove what the failed import wrote"):
        if not before.existed:
            db.remove()
            return
        with db.transaction(lock="meta") as conn:
            db.drop_objects(conn, db.objects(conn) - before.objects)
            if ("TABLE", "caselog_meta") in before.objects:
                conn.execute("DELETE FROM caselog_meta")
                conn.executemany(
                    "INSERT INTO caselog_meta VALUES (?, ?)", list(before.meta.items())
                )
