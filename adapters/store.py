"""The composition root: turn a ``--db`` value into an opened ``Store``.

``open_store`` is the one place that knows how persistence is configured; the
CLI, the Python API and the tests all come through it. A store is a SQLite
file or a schema of a PostgreSQL database (``adapters.database``); everything
here works the same on both.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic

from caselog.adapters.access_log import AccessLog
from caselog.adapters.crypto import (
    KEYS_TABLE,
    ClientKeys,
    decode_key,
    is_master_key,
    key_check,
    new_master_key,
    read_key_file,
    unwrap_namespace,
    wrap_namespace,
    write_key_file,
)
from caselog.adapters.database import Database, PostgresDatabase, Sql, database
from caselog.adapters.mapper import OrjsonTranscoder, PydanticMapper
from caselog.adapters.recorder import ChainedSQLiteRecorder, wire
from caselog.adapters.settings_seal import (
    NAMESPACE_WRAPPED,
    SettingsTampered,
    check,
    reseal_in,
    seals,
    unsealed,
)
from caselog.adapters.sqlite_pool import CaselogSQLiteFactory
from caselog.adapters.summary_index import SummaryIndex, index_key
from caselog.application.records import ClientRecord, Records
from caselog.application.service import CaselogApplication
from caselog.domain.errors import AmbiguousClient, ClientNotFound, ClientWasErased, StoreError
from caselog.domain.identity import client_id, fold_name

if TYPE_CHECKING:
    # Imported where used: most commands never touch them (see tests/test_startup_imports.py).
    from caselog.adapters.readmodels import ProjectionStatus, ReadModels
    from caselog.adapters.transcript_files import IngestOptions
    from caselog.application.entries import EntryAdded
    from caselog.application.ingest import IngestResult
    from caselog.application.live import LiveClient
    from caselog.domain.entries import EntryKind

DEFAULT_DB = "caselog.db"
META_TABLE = "CREATE TABLE IF NOT EXISTS caselog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


@dataclass(frozen=True)
class StoreSettings:
    """What a store records about itself when it is created, and the keys it needs."""

    db: Database
    namespace: uuid.UUID | None
    """What client ids are derived under; None on an encrypted store opened without its
    key, where the namespace is kept only wrapped by that key."""
    encrypted: bool
    master_key: bytes | None = None
    integrity_key: bytes | None = None
    read_models: bool = True
    """Whether the plaintext read models (search index, homework, sessions) are kept."""
    notes: tuple[str, ...] = ()
    """What opening the store did that the user should hear of."""

    @property
    def where(self) -> str:
        return self.db.where

    @property
    def id_namespace(self) -> uuid.UUID:
        """The namespace client ids are derived under (needs the key of an encrypted store)."""
        if self.namespace is None:
            raise StoreError(
                f"{self.where} is encrypted and was opened without its key: "
                "set $CASELOG_KEY or restore its key file"
            )
        return self.namespace

    @property
    def key_file(self) -> Path:
        return self.db.default_key_file()


def _meta(conn: Sql, db: Database) -> dict[str, str]:
    conn.execute(db.ddl(META_TABLE))
    conn.execute(db.ddl(KEYS_TABLE))
    return dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())


def env_integrity_key() -> bytes | None:
    """$CASELOG_INTEGRITY_KEY, the key of a keyed chain, if it is set."""
    text = os.environ.get("CASELOG_INTEGRITY_KEY")
    return text.encode() if text else None


_integrity_key = env_integrity_key


def _integrity_check(key: bytes) -> str:
    return hmac.new(key, b"caselog integrity key check", hashlib.sha256).hexdigest()


def _master_key(db: Database, meta: dict[str, str], creating: bool) -> tuple[bytes, str | None]:
    """The master key, and a note for the user if opening had to finish a key rotation."""
    key_file = db.default_key_file()
    note = None
    if text := os.environ.get("CASELOG_KEY"):
        key = decode_key(text, "$CASELOG_KEY")
    elif key_file.exists():
        key = read_key_file(key_file)
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
        if text:
            newer = os.environ.get("CASELOG_NEW_KEY")
            if newer and is_master_key(
                decode_key(newer, "$CASELOG_NEW_KEY"), bytes.fromhex(meta["key_check"])
            ):
                raise StoreError(
                    f"{db.where}: its key was rotated to $CASELOG_NEW_KEY: set $CASELOG_KEY to it"
                )
        else:
            from caselog.adapters.rotation import finish_rotation

            finished = finish_rotation(db, key_file, meta["key_check"])
            if finished is not None:
                return finished, (
                    f"finished an interrupted key rotation: {key_file} now holds the new key "
                    "— back it up"
                )
        raise StoreError(
            f"{db.where}: wrong key — this is not the key the store was encrypted with"
        )
    return key, note


def _held(conn: Sql, db: Database) -> str | None:
    """What the store holds (events, data keys, access-log entries), or None."""
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


def _new_settings(conn: Sql, db: Database, plaintext: bool) -> dict[str, str]:
    off = plaintext or os.environ.get("CASELOG_ENCRYPTION", "").lower() == "off"
    integrity = _integrity_key()
    meta = {
        "encryption": "off" if off else "aes-gcm",
        "integrity": "hmac-sha256" if integrity else "sha256",
    }
    if integrity:
        meta["integrity_check"] = _integrity_check(integrity)
    master = None if off else _master_key(db, {}, creating=True)[0]
    if master is None:
        meta["namespace"] = str(uuid.uuid4())
    else:
        meta["key_check"] = key_check(master).hex()
        meta[NAMESPACE_WRAPPED] = wrap_namespace(master, uuid.uuid4())
    meta.update(seals(meta, master, integrity))
    conn.executemany(
        "INSERT INTO caselog_meta VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        list(meta.items()),
    )
    return _meta(conn, db)  # another process may have created it first


def _refuse_downgrade(db: Database, meta: dict[str, str], has_keys: bool) -> None:
    """A store that claims less protection than the keys around it show it has."""
    if meta.get("integrity") != "hmac-sha256" and _integrity_key() is not None:
        raise SettingsTampered(
            f"{db.where}: its settings say its chain is not keyed, but $CASELOG_INTEGRITY_KEY "
            "is set: they may have been changed to escape the key; unset it only if this "
            "store was made without one"
        )
    if meta.get("encryption", "off") == "off" and (has_keys or db.default_key_file().exists()):
        found = "data keys" if has_keys else f"its key file {db.default_key_file()}"
        raise SettingsTampered(
            f"{db.where}: its settings say it is not encrypted, but it has {found}: "
            "they were changed; the store is not opened"
        )


def _settings(
    db: Database, plaintext: bool, unlock: bool, create: bool, trust_unsealed: bool = False
) -> StoreSettings:
    with db.transaction(lock="meta") as conn:
        meta = _meta(conn, db)
        if not _has_namespace(meta):
            held = _held(conn, db)
            if held:
                raise SettingsTampered(
                    f"{db.where} holds {held} but its settings are missing: they were "
                    "deleted; restore them from a backup (new ones would split the record)"
                )
            if not create:
                raise StoreError(
                    f"no caselog store at {db.where}: ingest transcripts first, or pass --db"
                )
            meta = _new_settings(conn, db, plaintext)
        elif plaintext and meta.get("encryption", "off") != "off":
            raise StoreError(
                f"{db.where} is already encrypted; --plaintext applies only to new stores"
            )
        (keys,) = conn.execute("SELECT COUNT(*) FROM caselog_keys").fetchone()
    _refuse_downgrade(db, meta, keys > 0)
    encrypted = meta.get("encryption", "off") != "off"
    keyed = meta.get("integrity") == "hmac-sha256"
    integrity_key = _integrity_key() if keyed else None
    if keyed and integrity_key is None:
        raise StoreError(f"{db.where}: its chain is keyed; set $CASELOG_INTEGRITY_KEY")
    if integrity_key and _integrity_check(integrity_key) != meta.get("integrity_check"):
        raise StoreError(f"{db.where}: wrong integrity key")
    # A new store made its key above; an existing one must find its own, never a new one.
    master, note = _master_key(db, meta, creating=False) if encrypted and unlock else (None, None)
    if not (trust_unsealed and unsealed(meta)):
        check(meta, db.where, master, integrity_key)
    notes = [note] if note else []
    if master is not None and "namespace" in meta and not unsealed(meta):
        notes.extend(_hide_namespace(db, master, integrity_key))
    return StoreSettings(
        db=db,
        namespace=namespace_of(db, meta, master),
        encrypted=encrypted,
        master_key=master,
        notes=tuple(notes),
        integrity_key=integrity_key,
        read_models=meta.get("readmodels", "off" if encrypted else "on") == "on",
    )


def _has_namespace(meta: dict[str, str]) -> bool:
    return "namespace" in meta or NAMESPACE_WRAPPED in meta


def namespace_of(db: Database, meta: dict[str, str], master: bytes | None) -> uuid.UUID | None:
    """The client-id namespace of settings ``meta``; None if it is wrapped and no key is at hand."""
    if "namespace" in meta:
        return uuid.UUID(meta["namespace"])
    if master is None:
        return None
    return unwrap_namespace(master, meta[NAMESPACE_WRAPPED], db.where)


def _hide_namespace(db: Database, master: bytes, integrity: bytes | None) -> list[str]:
    """Keep an encrypted store's namespace only wrapped by its master key, so that nobody
    without the key can compute a name's client id and see whether that person is, or
    was, a client. Ids stay as they are: no event, link or key row changes. A store that
    cannot be written now (read-only) is left for a later open."""
    try:
        with db.reported("hide the client-id namespace"), db.transaction(lock="meta") as conn:
            meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
            if "namespace" not in meta:
                return []  # another process hid it first
            wrapped = wrap_namespace(master, uuid.UUID(meta["namespace"]))
            conn.execute("DELETE FROM caselog_meta WHERE key='namespace'")
            conn.execute(
                "INSERT INTO caselog_meta VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (NAMESPACE_WRAPPED, wrapped),
            )
            reseal_in(conn, master, integrity)
    except StoreError:
        return []
    return [
        "client ids on this store can no longer be computed without its master key: its "
        "client-id namespace is now kept wrapped by the key (ids are unchanged; the store's "
        "digest changes once: anchor the new one from `caselog verify`)"
    ]


def reseal(settings: StoreSettings) -> None:
    """Seal the store's settings as they now stand, under its keys."""
    with settings.db.transaction(lock="meta") as conn:
        reseal_in(conn, settings.master_key, settings.integrity_key)


def _check_is_store(db: Database, create: bool) -> None:
    """Refuse to touch what is not a caselog store; with ``create``, make one where
    nothing is (a new path, or an empty file)."""
    with db.reported("open as a caselog store"):
        if not db.exists():
            if not create:
                raise StoreError(
                    f"no caselog store at {db.where}: ingest transcripts first, or pass --db"
                )
            db.create()
        elif not db.holds_store() and not (create and db.is_blank()):
            raise StoreError(
                f"{db.where} is not a caselog store: caselog leaves it as it is (only ingest "
                "and import create a store, at a new path or in an empty file)"
            )


def store_settings(
    url: str,
    *,
    create: bool = False,
    plaintext: bool = False,
    unlock: bool = True,
    trust_unsealed: bool = False,
) -> StoreSettings:
    """Read (or, with ``create``, make) the store at ``url`` and check its keys and the
    seals over its settings.

    ``unlock=False`` skips the master key: enough to verify the chain, not to read.
    ``trust_unsealed`` opens a store that carries no seal at all (``verify --seal-settings``).
    """
    db = database(url)
    _check_is_store(db, create)
    try:
        with db.reported("open as a caselog store"):
            return _settings(db, plaintext, unlock, create, trust_unsealed)
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
        reseal_in(conn, settings.master_key, settings.integrity_key)


def _named_in_full(app: CaselogApplication, query: str, cid: UUID) -> bool:
    """``query`` names client ``cid`` in full (its name, case and accents aside) or by
    its id (or a leading part of it), rather than by the leading part of a name."""
    found = app.get_client(cid)
    if app.client_id_for(query) == cid or (found and fold_name(found.name) == fold_name(query)):
        return True
    return str(cid).startswith(query.strip().lower()) or cid.hex.startswith(query.strip())


def store_env(settings: StoreSettings) -> dict[str, str]:
    """The eventsourcing environment for a store with these settings (and nothing else:
    the application never reads the process environment)."""
    db = settings.db
    env = db.es_env()
    recorder: type = ChainedSQLiteRecorder
    env["PERSISTENCE_MODULE"] = get_topic(CaselogSQLiteFactory)
    if isinstance(db, PostgresDatabase):
        from caselog.adapters.postgres import CaselogPostgresFactory, ChainedPostgresRecorder

        env["PERSISTENCE_MODULE"] = get_topic(CaselogPostgresFactory)
        recorder = ChainedPostgresRecorder
    return {
        **env,
        "IS_SNAPSHOTTING_ENABLED": "y",
        # The library's database-function insert would skip the chained recorder's
        # insert, storing events without their links: never take it.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": get_topic(recorder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
    }


def application(settings: StoreSettings, env: dict[str, str] | None = None) -> CaselogApplication:
    """The application over a store whose settings have been read and checked; ``env``
    replaces ``store_env(settings)`` (the benchmarks compare recorders with it)."""
    cipher = (
        ClientKeys(settings.db, settings.master_key) if settings.master_key is not None else None
    )
    try:
        with settings.db.creating_tables():
            app = CaselogApplication(
                env or store_env(settings), settings.id_namespace, cipher=cipher
            )
    except (OSError, PersistenceError) as e:
        raise settings.db.fail("open as a caselog store", e) from None
    wire(app.recorder, settings.integrity_key, app.snapshots)
    if settings.master_key is not None or not settings.encrypted:
        secret = settings.master_key or settings.id_namespace.bytes
        app.summary_candidates = SummaryIndex(app, settings.db, index_key(secret)).candidates
    return app


def open_store(
    url: str = DEFAULT_DB,
    *,
    actor: str | None = None,
    command: str = "python",
    create: bool = False,
    plaintext: bool = False,
    unlock: bool = True,
    trust_unsealed: bool = False,
) -> Store:
    """Open the store at ``url``; with ``create``, make it if it does not exist yet.

    ``actor`` is who is reading and recording: every client read through the store is
    written to its access log under that name (default: $CASELOG_ACTOR, else the OS
    user), with ``command`` saying through what. ``unlock=False`` opens it without its
    master key: enough to verify chains and read the access log, not to read a record.
    """
    settings = store_settings(
        url, create=create, plaintext=plaintext, unlock=unlock, trust_unsealed=trust_unsealed
    )
    try:
        app = application(settings) if unlock or not settings.encrypted else None
    except BaseException:
        settings.db.close()
        raise
    return Store(settings, app, actor=actor or default_actor(), command=command)


def default_actor() -> str:
    """$CASELOG_ACTOR, else the OS user, else ``unknown``."""
    if given := os.environ.get("CASELOG_ACTOR"):
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Store:
    """One opened store, through which every read and write goes.

    It owns the application, its settings, the query facade, the read models and the
    access log, and holds the policy once for every caller (the CLI, the Python API):
    each client read through ``records`` is access-logged with the actor; the read
    models are used only where the store keeps them. Use it as a context manager, or
    call ``close()``.
    """

    def __init__(
        self,
        settings: StoreSettings,
        app: CaselogApplication | None,
        *,
        actor: str,
        command: str,
    ) -> None:
        self.settings = settings
        self._app = app
        self.actor = actor
        self.command = command
        self._records: Records | None = None
        self._read_models: ReadModels | None = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
        self.settings.db.close()

    @property
    def db(self) -> Database:
        return self.settings.db

    @property
    def where(self) -> str:
        """The store, as told to a person: a file path, or a PostgreSQL database and schema."""
        return self.settings.where

    @property
    def unlocked(self) -> bool:
        """Whether records can be read (a plaintext store, or an encrypted one with its key)."""
        return self._app is not None

    @property
    def app(self) -> CaselogApplication:
        """The application service: recording, corrections, erasure."""
        if self._app is None:
            raise StoreError(
                f"{self.where} is encrypted and was opened without its key: "
                "set $CASELOG_KEY or restore its key file"
            )
        return self._app

    @property
    def records(self) -> Records:
        """The query facade; every client it resolves is written to the access log."""
        if self._records is None:
            self._records = Records(self.app, on_access=lambda cid: self.log_access([cid]))
        return self._records

    def client(
        self, name: str, *, detect_homework: bool = False, new_client: bool = False
    ) -> LiveClient:
        """The client to record sessions of as they happen (``LiveClient.session``).

        ``name`` is the client's full name (case and accents aside) or id; a name
        no client has is a new client. A name that only begins a client's name
        ("Rowan" when "Rowan Vale" is recorded) is refused: it may be that client
        or someone else, and a guess would file one person's words under another.
        ``new_client``: the name is a new client's, whatever names it begins;
        refused if a client has it already. ``detect_homework``: a professional's
        turn that assigns homework records it, as ingest does (``caselog record``).
        """
        from caselog.adapters.parsing.homework import turn_homework
        from caselog.application.live import LiveClient

        app = self.app
        found: ClientRecord | None
        try:
            found = Records(app).client(name)
        except ClientNotFound:
            found = None
        except AmbiguousClient:
            if not new_client:
                raise
            found = None
        except ClientWasErased as e:
            # For a reader the erasure is the answer; for a writer it is a refusal.
            raise StoreError(f"{e}: nothing can be recorded for this client") from None
        if found is not None and not _named_in_full(app, name, found.id):
            if not new_client:
                raise AmbiguousClient(
                    f"{name!r} is not a recorded client's full name: it begins "
                    f"{found.name!r} ({str(found.id)[:8]}). Give that client's full name "
                    f"or id to record for them, or --new-client (new_client=True) to "
                    f"begin a new client named {name!r}"
                )
            found = None
        if found is not None and new_client:
            raise StoreError(
                f"{found.name} is already a client ({str(found.id)[:8]}): leave out "
                "--new-client (new_client=True) to record for them"
            )
        cid, known = (found.id, found.name) if found else (app.client_id_for(name), None)
        cues = turn_homework if detect_homework else None
        return LiveClient(app, cid, known or " ".join(name.split()), actor=self.actor, cues=cues)

    def client_id(self, query: str) -> UUID:
        """The client ``query`` names, resolved as every command resolves it (full name,
        unique leading part of it, or id prefix), without reading — or logging — its record.

        A store opened without its key knows no names: a client is named there by its id
        (or a unique leading part of it), or by its full name on a plaintext store.
        """
        if self.unlocked:
            try:
                return Records(self.app).client(query).id
            except ClientWasErased:
                return next(
                    cid for cid in self._named_ids(query) if self.app.erasure(cid) is not None
                )
        from caselog.adapters.verify import chained_clients

        known = chained_clients(self.db)
        exact = [cid for cid in self._named_ids(query) if cid in known]
        if exact:
            return exact[0]
        prefix = query.strip().lower()
        found = [
            c for c in known if prefix and (str(c).startswith(prefix) or c.hex.startswith(prefix))
        ]
        if len(found) == 1:
            return found[0]
        if found:
            listed = ", ".join(sorted(str(c)[:8] for c in found))
            raise AmbiguousClient(f"{query!r} matches more than one client id: {listed}")
        by = "by its id" if self.settings.namespace is None else "in full or by its id"
        raise ClientNotFound(
            f"no client matches {query!r} (without the store's key, name a client {by})"
        )

    def _named_ids(self, query: str) -> list[UUID]:
        ids = [client_id(self.settings.namespace, query)] if self.settings.namespace else []
        with contextlib.suppress(ValueError):
            ids.append(UUID(query))
        return ids

    @property
    def access_log(self) -> AccessLog:
        return AccessLog(self.db, self.settings.integrity_key)

    def log_access(self, client_ids: Iterable[UUID | None]) -> None:
        """One access-log entry per client read (None: a listing of the whole store)."""
        self.access_log.append(actor=self.actor, command=self.command, client_ids=client_ids)

    @property
    def keeps_read_models(self) -> bool:
        return self.settings.read_models

    def read_models(self, purpose: str) -> ReadModels:
        """The read models, for ``purpose`` (told to the user if the store does not keep
        them: an encrypted store keeps its plaintext views only when asked to)."""
        if not self.settings.read_models:
            raise StoreError(
                f"{purpose} needs the read models, which hold plaintext, so an encrypted store "
                "keeps them only when asked: run `caselog project enable` (see docs/security.md)"
            )
        if self._read_models is None:
            from caselog.adapters.readmodels import ReadModels

            self._read_models = ReadModels(self.app, self.db)
        return self._read_models

    def read_models_status(self) -> ProjectionStatus:
        """How far the read models are behind the log (kept or not: nothing is read)."""
        from caselog.adapters.readmodels import ReadModels

        return ReadModels(self.app, self.db).status()

    def enable_read_models(self) -> int:
        """Keep the read models from now on, and bring them up to date: events applied."""
        set_read_models(self.settings, True)
        self.settings = replace(self.settings, read_models=True)
        return self.read_models("project enable").catch_up()

    def disable_read_models(self) -> None:
        """Stop keeping the read models, and wipe and reclaim what they held."""
        from caselog.adapters.readmodels import ReadModels

        set_read_models(self.settings, False)
        self.settings = replace(self.settings, read_models=False)
        ReadModels(self.app, self.db).drop()
        self._read_models = None

    def ingest(
        self,
        paths: Iterable[str],
        options: IngestOptions,
        on_done: Callable[[IngestResult], None] = lambda _: None,
    ) -> Iterator[IngestResult]:
        """Record transcript files and folders; one result per file, as each is settled."""
        from caselog.adapters.transcript_files import TranscriptFiles, expand
        from caselog.application.ingest import ingest

        read = TranscriptFiles(options.format, options.imports, options.max_bytes)
        return ingest(self.app, expand(paths), options.recording, read, on_done)

    # --- clinician entries (docs/clinician-entries.md) ---------------------------------

    def add_homework(
        self,
        client: str,
        text: str,
        *,
        session: int | None = None,
        reason: str | None = None,
        actor: str | None = None,
    ) -> EntryAdded:
        """Assign homework by hand to ``session`` of ``client`` (default: the latest)."""
        return self._add_entry("homework", client, text, session, reason, actor)

    def add_insight(
        self,
        client: str,
        text: str,
        *,
        session: int | None = None,
        reason: str | None = None,
        actor: str | None = None,
    ) -> EntryAdded:
        """Note an insight by hand on ``session`` of ``client`` (default: the latest)."""
        return self._add_entry("insight", client, text, session, reason, actor)

    def add_note(
        self,
        client: str,
        text: str,
        *,
        session: int | None = None,
        reason: str | None = None,
        actor: str | None = None,
    ) -> EntryAdded:
        """Record a free-text progress note on ``session`` of ``client`` (default: the
        latest)."""
        return self._add_entry("note", client, text, session, reason, actor)

    def _add_entry(
        self,
        kind: EntryKind,
        client: str,
        text: str,
        session: int | None,
        reason: str | None,
        actor: str | None,
    ) -> EntryAdded:
        from caselog.application.entries import add_entry
        from caselog.domain.entries import EntryRequest

        record = self.records.client(client)
        request = EntryRequest(kind=kind, text=text, session=session, reason=reason)
        return add_entry(self.app, record.id, request, actor=actor or self.actor)


# --- restoring an export (caselog import) ------------------------------------------------


def records_held(db: Database) -> str | None:
    """What the store ``db`` already holds (events, data keys, access-log entries),
    or None when it holds nothing: only then may an import restore into it."""
    if db.kind == "sqlite" and not db.exists():
        return None  # asking SQLite would create the file
    with db.autocommit() as conn:
        return _held(conn, db)


def create_store(url: str, meta: dict[str, str]) -> StoreSettings:
    """Create a store with the settings ``meta`` (an export's header) instead of new ones.

    The store must be new or empty (an empty one's own settings are replaced). A
    SQLite file is owner-only, like every store's. A keyed chain's
    $CASELOG_INTEGRITY_KEY is checked before anything is written; the master key
    (for an encrypted store) is not needed here, and is checked when the store is
    opened.
    """
    db = database(url)
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
    _check_is_store(db, create=True)
    with db.transaction(lock="meta") as conn:
        _meta(conn, db)
        conn.execute("DELETE FROM caselog_meta")
        conn.executemany("INSERT INTO caselog_meta VALUES (?, ?)", sorted(meta.items()))
    return store_settings(url, unlock=False)
