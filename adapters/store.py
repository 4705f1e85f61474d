"""The composition root: turn a ``--db`` value into a ready application.

``open_store`` is the one place that knows how persistence is configured; the
CLI, the tests and other programs all come through it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic

from caselog.adapters.crypto import (
    KEYS_TABLE,
    ClientKeys,
    decode_key,
    encode_key,
    is_master_key,
    key_check,
    new_master_key,
    write_key_file,
)
from caselog.adapters.mapper import OrjsonTranscoder, PydanticMapper
from caselog.adapters.recorder import ChainedSQLiteRecorder
from caselog.domain.errors import StoreError
from caselog.domain.service import CaselogApplication
from caselog.projections.records import Records

DEFAULT_DB = "caselog.db"


@dataclass(frozen=True)
class StoreLocation:
    kind: str
    target: str

    @property
    def display(self) -> str:
        return self.target


def locate(url: str) -> StoreLocation:
    """Parse a ``--db`` value: a SQLite path, ``sqlite:///path`` or a PostgreSQL URL."""
    if url.startswith(("postgresql://", "postgres://")):
        return StoreLocation("postgresql", url)
    if url.startswith("sqlite:///"):
        return StoreLocation("sqlite", url.removeprefix("sqlite://"))
    if url.startswith("sqlite://"):
        return StoreLocation("sqlite", url.removeprefix("sqlite://"))
    if "://" in url:
        raise StoreError(f"unsupported store URL {url!r}: give a SQLite path or sqlite:///path")
    return StoreLocation("sqlite", url)


@dataclass(frozen=True)
class StoreSettings:
    """What a store records about itself when it is created, and the keys it needs."""

    path: Path
    namespace: uuid.UUID
    encrypted: bool
    keyed_chain: bool
    master_key: bytes | None = None
    integrity_key: bytes | None = None
    read_models: bool = True
    """Whether the plaintext read models (search index, homework, sessions) are kept."""

    @property
    def key_file(self) -> Path:
        return self.path.with_name(self.path.name + ".key")


def _create_file(path: Path) -> None:
    """Create the database file readable by its owner only (SQLite's -wal and -shm follow)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _meta(conn: sqlite3.Connection) -> dict[str, str]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS caselog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    )
    conn.execute(KEYS_TABLE)
    return dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())


def _integrity_key() -> bytes | None:
    text = os.environ.get("CASELOG_INTEGRITY_KEY")
    return text.encode() if text else None


def _integrity_check(key: bytes) -> str:
    return hmac.new(key, b"caselog integrity key check", hashlib.sha256).hexdigest()


def _master_key(path: Path, meta: dict[str, str], creating: bool) -> bytes:
    key_file = path.with_name(path.name + ".key")
    if text := os.environ.get("CASELOG_KEY"):
        key = decode_key(text, "$CASELOG_KEY")
    elif key_file.exists():
        key = decode_key(key_file.read_text(), str(key_file))
    elif creating:
        key = new_master_key()
        write_key_file(key_file, key)
    else:
        raise StoreError(
            f"{path} is encrypted and its key was not found: set $CASELOG_KEY or restore "
            f"{key_file.name} from your backup"
        )
    if "key_check" in meta and not is_master_key(key, bytes.fromhex(meta["key_check"])):
        raise StoreError(f"{path}: wrong key — this is not the key the store was encrypted with")
    return key


def _settings(path: Path, plaintext: bool, unlock: bool) -> StoreSettings:
    with closing(sqlite3.connect(path, timeout=30)) as conn, conn:
        meta = _meta(conn)
        if "namespace" not in meta:
            off = plaintext or os.environ.get("CASELOG_ENCRYPTION", "").lower() == "off"
            integrity = _integrity_key()
            meta = {
                "namespace": str(uuid.uuid4()),
                "encryption": "off" if off else "aes-gcm",
                "integrity": "hmac-sha256" if integrity else "sha256",
            }
            if integrity:
                meta["integrity_check"] = _integrity_check(integrity)
            if not off:
                meta["key_check"] = key_check(_master_key(path, {}, creating=True)).hex()
            conn.executemany("INSERT OR IGNORE INTO caselog_meta VALUES (?, ?)", meta.items())
            meta = _meta(conn)  # another process may have created it first
        elif plaintext and meta.get("encryption", "off") != "off":
            raise StoreError(f"{path} is already encrypted; --plaintext applies only to new stores")
    encrypted = meta.get("encryption", "off") != "off"
    keyed = meta.get("integrity") == "hmac-sha256"
    integrity_key = _integrity_key() if keyed else None
    if keyed and integrity_key is None:
        raise StoreError(f"{path}: its chain is keyed; set $CASELOG_INTEGRITY_KEY")
    if integrity_key and _integrity_check(integrity_key) != meta.get("integrity_check"):
        raise StoreError(f"{path}: wrong integrity key")
    return StoreSettings(
        path=path,
        namespace=uuid.UUID(meta["namespace"]),
        encrypted=encrypted,
        keyed_chain=keyed,
        # A new store made its key above; an existing one must find its own, never a new one.
        master_key=_master_key(path, meta, creating=False) if encrypted and unlock else None,
        integrity_key=integrity_key,
        read_models=meta.get("readmodels", "off" if encrypted else "on") == "on",
    )


def store_settings(
    url: str, *, create: bool = False, plaintext: bool = False, unlock: bool = True
) -> StoreSettings:
    """Read (or, with ``create``, make) the store at ``url`` and check its keys.

    ``unlock=False`` skips the master key: enough to verify the chain, not to read.
    """
    where = locate(url)
    if where.kind == "postgresql":
        raise StoreError(f"{url}: PostgreSQL stores are not supported yet; use a SQLite path")
    path = Path(where.target)
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a caselog store")
    if not path.exists():
        if not create:
            raise StoreError(f"no caselog store at {path}: ingest transcripts first, or pass --db")
        with contextlib.suppress(FileExistsError):
            _create_file(path)
    try:
        return _settings(path, plaintext, unlock)
    except (sqlite3.DatabaseError, OSError) as e:
        raise StoreError(f"{path}: cannot open as a caselog store ({e})") from None


def set_read_models(settings: StoreSettings, on: bool) -> None:
    """Record the user's choice to keep (or stop keeping) the plaintext read models."""
    with closing(sqlite3.connect(settings.path, timeout=30)) as conn, conn:
        conn.execute(
            "INSERT INTO caselog_meta VALUES ('readmodels', ?) "
            "ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            ("on" if on else "off",),
        )


def open_store(
    url: str = DEFAULT_DB, *, create: bool = False, plaintext: bool = False
) -> CaselogApplication:
    """Open the store at ``url``; with ``create``, make it if it does not exist yet."""
    settings = store_settings(url, create=create, plaintext=plaintext)
    return application(settings, store_env(settings))


def store_env(settings: StoreSettings) -> dict[str, str]:
    """The eventsourcing environment for a store with these settings."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(settings.path),
        "SQLITE_LOCK_TIMEOUT": "30",
        "IS_SNAPSHOTTING_ENABLED": "y",
        "APPLICATION_RECORDER_TOPIC": get_topic(ChainedSQLiteRecorder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
    }
    if settings.master_key is not None:
        env["CIPHER_TOPIC"] = get_topic(ClientKeys)
        env["CASELOG_MASTER_KEY"] = encode_key(settings.master_key)
    return env


def application(settings: StoreSettings, env: dict[str, str]) -> CaselogApplication:
    try:
        app = CaselogApplication(env, settings.namespace)
    except (sqlite3.DatabaseError, OSError, PersistenceError) as e:
        raise StoreError(f"{settings.path}: cannot open as a caselog store ({e})") from None
    if isinstance(app.recorder, ChainedSQLiteRecorder):
        app.recorder.chain_key = settings.integrity_key
    return app


def open_records(url: str = DEFAULT_DB) -> Records:
    """The query facade over an existing store: ``open_records(url).client(name).recap()``."""
    return Records(open_store(url))


# --- restoring an export (caselog import) ------------------------------------------------


def records_held(path: Path) -> str | None:
    """What the store at ``path`` already holds (events, data keys, access-log entries),
    or None when it holds nothing: only then may an import restore into it."""
    try:
        with closing(sqlite3.connect(path, timeout=30)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            held = []
            for table, what in (
                ("stored_events", "events"),
                ("caselog_keys", "data keys"),
                ("access_log", "access-log entries"),
            ):
                if table in tables:
                    (count,) = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
                    if count:
                        held.append(f"{count} {what}")
    except sqlite3.DatabaseError as e:
        raise StoreError(f"{path}: cannot open as a caselog store ({e})") from None
    return ", ".join(held) or None


def create_store(url: str, meta: dict[str, str]) -> StoreSettings:
    """Create a store with the settings ``meta`` (an export's header) instead of new ones.

    The store must be new or empty (an empty one's own settings are replaced). Its
    file is owner-only, like every store's. A keyed chain's $CASELOG_INTEGRITY_KEY is
    checked before anything is written; the master key (for an encrypted store) is
    not needed here, and is checked when the store is opened.
    """
    where = locate(url)
    if where.kind != "sqlite":
        raise StoreError(f"{url}: PostgreSQL stores are not supported yet; use a SQLite path")
    path = Path(where.target)
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a caselog store")
    if meta.get("integrity") == "hmac-sha256":
        key = _integrity_key()
        if key is None:
            raise StoreError(f"{path}: the chain to restore is keyed; set $CASELOG_INTEGRITY_KEY")
        if _integrity_check(key) != meta.get("integrity_check"):
            raise StoreError(f"{path}: wrong integrity key for the chain to restore")
    if path.exists() and (held := records_held(path)):
        raise StoreError(f"{path} already holds {held}: import restores only into an empty store")
    with contextlib.suppress(FileExistsError):
        _create_file(path)
    try:
        with closing(sqlite3.connect(path, timeout=30)) as conn, conn:
            _meta(conn)
            conn.execute("DELETE FROM caselog_meta")
            conn.executemany("INSERT INTO caselog_meta VALUES (?, ?)", sorted(meta.items()))
    except (sqlite3.DatabaseError, OSError) as e:
        raise StoreError(f"{path}: cannot open as a caselog store ({e})") from None
    return store_settings(url, unlock=False)
