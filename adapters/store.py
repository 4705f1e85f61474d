"""The composition root: turn a ``--db`` value into a ready application.

``open_store`` is the one place that knows how persistence is configured; the
CLI, the tests and other programs all come through it. A store is a SQLite
file or a schema of a PostgreSQL database (``adapters.database``); everything
here works the same on both.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
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
from caselog.adapters.database import (
    STORE_URL,
    Database,
    PostgresDatabase,
    Sql,
    database_in,
    store_database,
)
from caselog.adapters.mapper import OrjsonTranscoder, PydanticMapper
from caselog.adapters.recorder import ChainedSQLiteRecorder, wire
from caselog.adapters.summary_index import SummaryIndex, index_key
from caselog.domain.errors import StoreError
from caselog.domain.service import CaselogApplication
from caselog.projections.records import Records

DEFAULT_DB = "caselog.db"
META_TABLE = "CREATE TABLE IF NOT EXISTS caselog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


@dataclass(frozen=True)
class StoreSettings:
    """What a store records about itself when it is created, and the keys it needs."""

    db: Database
    namespace: uuid.UUID
    encrypted: bool
    keyed_chain: bool
    master_key: bytes | None = None
    integrity_key: bytes | None = None
    read_models: bool = True
    """Whether the plaintext read models (search index, homework, sessions) are kept."""

    @property
    def where(self) -> str:
        return self.db.where

    @property
    def key_file(self) -> Path:
        return self.db.default_key_file()


def database_of(app: CaselogApplication) -> Database:
    """The database ``app`` was opened on."""
    return database_in(app.env)


def _meta(conn: Sql, db: Database) -> dict[str, str]:
    conn.execute(db.ddl(META_TABLE))
    conn.execute(db.ddl(KEYS_TABLE))
    return dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())


def _integrity_key() -> bytes | None:
    text = os.environ.get("CASELOG_INTEGRITY_KEY")
    return text.encode() if text else None


def _integrity_check(key: bytes) -> str:
    return hmac.new(key, b"caselog integrity key check", hashlib.sha256).hexdigest()


def _master_key(db: Database, meta: dict[str, str], creating: bool) -> bytes:
    key_file = db.default_key_file()
    if text := os.environ.get("CASELOG_KEY"):
        key = decode_key(text, "$CASELOG_KEY")
    elif key_file.exists():
        key = decode_key(key_file.read_text(), str(key_file))
    elif creating:
        key = new_master_key()
        key_file.parent.mkdir(parents=True, exist_ok=True)
        write_key_file(key_file, key)
    else:
        raise StoreError(
            f"{db.where} is encrypted and its key was not found: set $CASELOG_KEY or restore "
            f"{key_file} from your backup"
        )
    if "key_check" in meta and not is_master_key(key, bytes.fromhex(meta["key_check"])):
        raise StoreError(
            f"{db.where}: wrong key — this is not the key the store was encrypted with"
        )
    return key


def _settings(db: Database, plaintext: bool, unlock: bool) -> StoreSettings:
    with db.transaction(lock="meta") as conn:
        meta = _meta(conn, db)
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
                meta["key_check"] = key_check(_master_key(db, {}, creating=True)).hex()
            conn.executemany(
                "INSERT INTO caselog_meta VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                list(meta.items()),
            )
            meta = _meta(conn, db)  # another process may have created it first
        elif plaintext and meta.get("encryption", "off") != "off":
            raise StoreError(
                f"{db.where} is already encrypted; --plaintext applies only to new stores"
            )
    encrypted = meta.get("encryption", "off") != "off"
    keyed = meta.get("integrity") == "hmac-sha256"
    integrity_key = _integrity_key() if keyed else None
    if keyed and integrity_key is None:
        raise StoreError(f"{db.where}: its chain is keyed; set $CASELOG_INTEGRITY_KEY")
    if integrity_key and _integrity_check(integrity_key) != meta.get("integrity_check"):
        raise StoreError(f"{db.where}: wrong integrity key")
    return StoreSettings(
        db=db,
        namespace=uuid.UUID(meta["namespace"]),
        encrypted=encrypted,
        keyed_chain=keyed,
        # A new store made its key above; an existing one must find its own, never a new one.
        master_key=_master_key(db, meta, creating=False) if encrypted and unlock else None,
        integrity_key=integrity_key,
        read_models=meta.get("readmodels", "off" if encrypted else "on") == "on",
    )


def store_settings(
    url: str, *, create: bool = False, plaintext: bool = False, unlock: bool = True
) -> StoreSettings:
    """Read (or, with ``create``, make) the store at ``url`` and check its keys.

    ``unlock=False`` skips the master key: enough to verify the chain, not to read.
    """
    db = store_database(url)
    if not db.exists():
        if not create:
            raise StoreError(
                f"no caselog store at {db.where}: ingest transcripts first, or pass --db"
            )
        db.create()
    try:
        with db.reported("open as a caselog store"):
            return _settings(db, plaintext, unlock)
    except OSError as e:
        raise db.fail("open as a caselog store", e) from None


def set_read_models(settings: StoreSettings, on: bool) -> None:
    """Record the user's choice to keep (or stop keeping) the plaintext read models."""
    with settings.db.transaction(lock="meta") as conn:
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
    db = settings.db
    env = db.es_env()
    recorder: type = ChainedSQLiteRecorder
    if isinstance(db, PostgresDatabase):
        from caselog.adapters.postgres import CaselogPostgresFactory, ChainedPostgresRecorder

        env["PERSISTENCE_MODULE"] = get_topic(CaselogPostgresFactory)
        recorder = ChainedPostgresRecorder
    env = {
        **env,
        STORE_URL: db.url,
        "IS_SNAPSHOTTING_ENABLED": "y",
        # The library's database-function insert would skip the chained recorder's
        # insert, storing events without their links: never take it.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": get_topic(recorder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
    }
    if settings.master_key is not None:
        env["CIPHER_TOPIC"] = get_topic(ClientKeys)
        env["CASELOG_MASTER_KEY"] = encode_key(settings.master_key)
    return env


def application(settings: StoreSettings, env: dict[str, str]) -> CaselogApplication:
    try:
        with settings.db.creating_tables():
            app = CaselogApplication(env, settings.namespace)
    except (OSError, PersistenceError) as e:
        raise settings.db.fail("open as a caselog store", e) from None
    wire(app.recorder, settings.integrity_key, app.snapshots.recorder if app.snapshots else None)
    if settings.master_key is not None or not settings.encrypted:
        secret = settings.master_key or settings.namespace.bytes
        app.summary_candidates = SummaryIndex(app, settings.db, index_key(secret)).candidates
    return app


def open_records(url: str = DEFAULT_DB) -> Records:
    """The query facade over an existing store: ``open_records(url).client(name).recap()``."""
    return Records(open_store(url))


# --- restoring an export (caselog import) ------------------------------------------------


def records_held(db: Database) -> str | None:
    """What the store ``db`` already holds (events, data keys, access-log entries),
    or None when it holds nothing: only then may an import restore into it."""
    if db.kind == "sqlite" and not db.exists():
        return None  # asking SQLite would create the file
    with db.autocommit() as conn:
        tables = db.tables(conn)
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
    return ", ".join(held) or None


def create_store(url: str, meta: dict[str, str]) -> StoreSettings:
    """Create a store with the settings ``meta`` (an export's header) instead of new ones.

    The store must be new or empty (an empty one's own settings are replaced). A
    SQLite file is owner-only, like every store's. A keyed chain's
    $CASELOG_INTEGRITY_KEY is checked before anything is written; the master key
    (for an encrypted store) is not needed here, and is checked when the store is
    opened.
    """
    db = store_database(url)
    if meta.get("integrity") == "hmac-sha256":
        key = _integrity_key()
        if key is None:
            raise StoreError(
                f"{db.where}: the chain to restore is keyed; set $CASELOG_INTEGRITY_KEY"
            )
        if _integrity_check(key) != meta.get("integrity_check"):
            raise StoreError(f"{db.where}: wrong integrity key for the chain to restore")
    if held := records_held(db):
        raise StoreError(
            f"{db.where} already holds {held}: import restores only into an empty store"
        )
    db.create()
    with db.transaction(lock="meta") as conn:
        _meta(conn, db)
        conn.execute("DELETE FROM caselog_meta")
        conn.executemany("INSERT INTO caselog_meta VALUES (?, ?)", sorted(meta.items()))
    return store_settings(url, unlock=False)
