"""Where a store lives: one SQLite file, or one schema of a PostgreSQL database.

caselog's own tables (meta, chain, keys, read models, access log) sit beside
eventsourcing's in the same database, so every caselog statement goes through
a ``Database``. Statements are written once, in the dialect both engines
share, with ``?`` placeholders; ``ddl`` adapts table definitions to the
engine. The few things that differ (locking, listing tables, reclaiming freed
space, the type of eventsourcing's ids) are methods here, not branches at
every call site.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, unquote, urlsplit

from caselog.domain.errors import StoreError

SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
"""The environment key under which an application carries its store's URL."""


OnWait = Callable[[float], None]


class NotReclaimed(StoreError):
    """Deleted data is still on disk: another connection keeps its pages in use."""


class Sql(Protocol):
    """The part of a DB-API connection caselog uses (sqlite3's, or psycopg's wrapped)."""

    def execute(self, statement: str, params: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, statement: str, rows: Any, /) -> Any: ...


class Database(ABC):
    kind: str
    where: str
    """How errors name the store: a path, or host/database/schema."""
    url: str
    """The store as a ``--db`` value that names it completely."""
    _and_dependents = ""

    # --- connections ---------------------------------------------------------------

    @abstractmethod
    def transaction(self, *, lock: str | None = None, durable: bool = True) -> Any:
        """A context manager: one transaction, committed on success.

        ``lock`` names a writer lock held until the end of the transaction, so that
        writers who read-then-write (a chain's previous link, a projection position)
        take turns. ``durable=False`` is for derived data committed with its position:
        the commit does not wait for the disk (SQLite ``synchronous=NORMAL``,
        PostgreSQL ``synchronous_commit=off``), and what a crash loses is applied again.
        """

    @abstractmethod
    def autocommit(self) -> Any:
        """A context manager: a connection outside any transaction (reads, maintenance)."""

    # --- dialect ---------------------------------------------------------------------

    @contextmanager
    def creating_tables(self) -> Iterator[None]:
        """Held while eventsourcing creates its tables, so two processes opening a new
        store do not create them at once (PostgreSQL fails such a race)."""
        yield

    @abstractmethod
    def ddl(self, statement: str) -> str:
        """A table definition written for SQLite, in this engine's terms."""

    @abstractmethod
    def tables(self, conn: Sql) -> set[str]: ...

    @abstractmethod
    def event_id(self, hex_id: str) -> Any:
        """A client id as eventsourcing's tables hold it (hex text, or a uuid)."""

    @abstractmethod
    def last_serial(self, conn: Sql, table: str) -> int:
        """The last value issued to ``table``'s serial key, even if its row was deleted."""

    @abstractmethod
    def reclaim(
        self, tables: Sequence[str], *, wait: float = 30.0, on_wait: OnWait | None = None
    ) -> None:
        """Rewrite storage after deletions, so freed space keeps none of the old bytes.

        Raises ``NotReclaimed`` if other connections still keep the old bytes in use
        after ``wait`` seconds (``on_wait`` is told the seconds waited so far)."""

    @abstractmethod
    def es_env(self) -> dict[str, str]:
        """eventsourcing's persistence settings for this store."""

    @abstractmethod
    def default_key_file(self) -> Path:
        """Where a new encrypted store's master key is written when $CASELOG_KEY is unset."""

    @abstractmethod
    def exists(self) -> bool: ...

    def holds_store(self) -> bool:
        """Whether what exists here is a caselog store (asked without changing anything)."""
        return self.exists()

    def is_blank(self) -> bool:
        """Whether what exists here holds nothing at all, so a store may be made in it."""
        return True

    def close(self) -> None:  # noqa: B027 - most engines hold nothing open between uses
        """Release what the store holds open (a connection); nothing for SQLite, which
        opens a connection per transaction."""

    @abstractmethod
    def create(self) -> None:
        """Make the empty container (file or schema); harmless if it already exists."""

    @abstractmethod
    def container_exists(self) -> bool:
        """Whether the container (file or schema) is there, holding a store or not."""

    @abstractmethod
    def remove(self) -> None:
        """Remove the container and everything in it (a failed import that made it)."""

    def objects(self, conn: Sql) -> set[tuple[str, str]]:
        """What the store holds, as (kind, name) for ``drop_objects``: its tables (and on
        PostgreSQL what eventsourcing makes beside them)."""
        return {("TABLE", t) for t in self.tables(conn)}

    def drop_objects(self, conn: Sql, objects: Iterable[tuple[str, str]]) -> None:
        """Drop ``objects`` (as ``objects`` names them), with whatever depends on them."""
        for kind, name in sorted(objects):
            conn.execute(f'DROP {kind} IF EXISTS "{name}"{self._and_dependents}')

    def check_can_create(self) -> None:  # noqa: B027 - only a file needs a place to be made
        """Raise ``StoreError`` if ``create`` could not make the store where it is named."""

    def fail(self, doing: str, error: Exception) -> StoreError:
        return StoreError(f"{self.where}: cannot {doing} ({first_line(error)})")

    @contextmanager
    def reported(self, doing: str) -> Iterator[None]:
        """Let a driver error out as one line naming the store (``StoreError``)."""
        try:
            yield
        except driver_errors() as e:
            raise self.fail(doing, e) from None


# --- SQLite ------------------------------------------------------------------------------


class SQLiteDatabase(Database):
    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = self.url = str(path)

    def _connect(self) -> sqlite3.Connection:
        try:
            return sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as e:
            raise self.fail("open as a caselog store", e) from None

    @contextmanager
    def transaction(
        self, *, lock: str | None = None, durable: bool = True
    ) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as conn:
            if not durable:
                # This connection's own setting: in WAL mode the database stays whole.
                conn.execute("PRAGMA synchronous=NORMAL")
            # IMMEDIATE takes the one write lock SQLite has, whatever the lock's name.
            conn.execute("BEGIN IMMEDIATE" if lock else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def autocommit(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as conn:
            yield conn

    def ddl(self, statement: str) -> str:
        return statement

    def tables(self, conn: Sql) -> set[str]:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def event_id(self, hex_id: str) -> Any:
        return hex_id

    def last_serial(self, conn: Sql, table: str) -> int:
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name=?", (table,)).fetchone()
        return int(row[0]) if row else 0

    def reclaim(
        self, tables: Sequence[str], *, wait: float = 30.0, on_wait: OnWait | None = None
    ) -> None:
        with self.autocommit() as conn:
            conn.execute("PRAGMA secure_delete=ON")
            # Old pages live on in the write-ahead log until it is checkpointed and cut.
            # The checkpoints do not wait in SQLite's busy handler: the loop below waits,
            # and tells how long.
            conn.execute("PRAGMA busy_timeout=0")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("VACUUM")
            conn.execute("PRAGMA busy_timeout=0")
            # A reader (a long export, a backup) keeps the log from being copied back and
            # cut: the old pages stay in it, and in the file, until the reader is done.
            started = time.monotonic()
            while True:
                busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy == 0 and frames in (0, -1) and copied in (0, -1):
                    return
                waited = time.monotonic() - started
                if waited >= wait:
                    raise NotReclaimed(
                        f"{self.where}: another process is reading the store, so the old "
                        f"pages are still in {self.path.name} and its -wal file"
                    )
                if on_wait is not None:
                    on_wait(waited)
                time.sleep(min(0.2, max(wait - waited, 0.01)))

    def es_env(self) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }

    def default_key_file(self) -> Path:
        return self.path.with_name(self.path.name + ".key")

    def exists(self) -> bool:
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a caselog store")
        return self.path.exists()

    def check_can_create(self) -> None:
        # A mistyped --db must not leave a new directory tree behind it.
        if not self.path.parent.is_dir():
            raise StoreError(
                f"{self.path}: the directory {self.path.parent} does not exist; "
                "create it first or give another --db"
            )

    def _tables_read_only(self) -> set[str] | None:
        """The file's tables, read without writing a byte; None if it is not SQLite.

        Only through SQLite: a file descriptor opened and closed beside SQLite's would drop
        every POSIX lock this process's connections hold on the file."""
        uri = "file:" + quote(str(self.path.resolve()))
        try:
            try:
                with closing(sqlite3.connect(uri + "?mode=ro", uri=True, timeout=30)) as conn:
                    return self.tables(conn)
            except sqlite3.OperationalError as e:
                if e.sqlite_errorcode != sqlite3.SQLITE_CANTOPEN:
                    raise
            # A WAL file needs its -shm beside it, which a read-only folder cannot hold.
            with closing(sqlite3.connect(uri + "?immutable=1", uri=True)) as conn:
                return self.tables(conn)
        except sqlite3.DatabaseError as e:
            if e.sqlite_errorcode == sqlite3.SQLITE_NOTADB:
                return None
            raise self.fail("open as a caselog store", e) from None

    def holds_store(self) -> bool:
        return "caselog_meta" in (self._tables_read_only() or ())

    def is_blank(self) -> bool:
        return self._tables_read_only() == set()

    def create(self) -> None:
        """Create the file readable by its owner only (SQLite's -wal and -shm follow)."""
        if self.exists():
            return
        self.check_can_create()
        with suppress(FileExistsError):  # another process created it first
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

    def container_exists(self) -> bool:
        return self.exists()

    def remove(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)


# --- PostgreSQL --------------------------------------------------------------------------

# psycopg's placeholder; a literal % must be doubled.
_PLACEHOLDER = re.compile(r"\?")
_DDL = [
    (re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b"), "BIGSERIAL PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\s*WITHOUT ROWID"), ""),
]


class _PgSql:
    """A psycopg connection that speaks with ``?`` placeholders, like sqlite3."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(_PLACEHOLDER.sub("%s", statement.replace("%", "%%")), params)

    def executemany(self, statement: str, rows: Any) -> Any:
        with self.conn.cursor() as cur:
            cur.executemany(_PLACEHOLDER.sub("%s", statement.replace("%", "%%")), rows)


class PostgresDatabase(Database):
    kind = "postgresql"
    # eventsourcing's function depends on its type, which its table's rows are made of.
    _and_dependents = " CASCADE"

    def __init__(self, url: str, schema: str | None = None) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 5432
        self.user = unquote(parts.username or "") or os.environ.get("PGUSER", "postgres")
        self.password = unquote(parts.password or "")
        self.dbname = parts.path.lstrip("/") or self.user
        self.schema = schema or (query.get("schema") or ["public"])[0]
        if not SCHEMA_NAME.fullmatch(self.schema):
            raise StoreError(
                f"{self.schema!r} is not a usable schema name: use lower-case letters, "
                "digits and _ (at most 63), starting with a letter or _"
            )
        self.where = f"postgresql://{self.host}:{self.port}/{self.dbname} (schema {self.schema})"
        auth = quote(self.user) + (":" + quote(self.password) if self.password else "")
        self.url = f"postgresql://{auth}@{self.host}:{self.port}/{self.dbname}?schema={self.schema}"
        self._conn: Any = None

    def _connection(self) -> Any:
        import psycopg

        if self._conn is None or self._conn.closed or self._conn.broken:
            try:
                self._conn = psycopg.connect(
                    host=self.host,
                    port=self.port,
                    user=self.user,
                    password=self.password or None,
                    dbname=self.dbname,
                    autocommit=True,
                    connect_timeout=10,
                    # Client-side binding: None and untyped values need no casts.
                    cursor_factory=psycopg.ClientCursor,
                )
            except psycopg.Error as e:
                raise StoreError(
                    f"cannot connect to PostgreSQL at {self.host}:{self.port}, database "
                    f"{self.dbname!r} as {self.user!r}: {first_line(e)}"
                ) from None
            self._conn.execute(f'SET search_path TO "{self.schema}"')
        return self._conn

    @contextmanager
    def transaction(self, *, lock: str | None = None, durable: bool = True) -> Iterator[_PgSql]:
        import psycopg

        conn = self._connection()
        try:
            with conn.transaction():
                sql = _PgSql(conn)
                if not durable:
                    sql.execute("SET LOCAL synchronous_commit TO off")
                if lock:
                    sql.execute(
                        "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ?))",
                        (":" + lock,),
                    )
                yield sql
        except psycopg.Error as e:
            raise self.fail("complete the transaction", e) from None

    @contextmanager
    def autocommit(self) -> Iterator[_PgSql]:
        import psycopg

        try:
            yield _PgSql(self._connection())
        except psycopg.Error as e:
            raise self.fail("read the store", e) from None

    @contextmanager
    def creating_tables(self) -> Iterator[None]:
        with self.autocommit() as conn:
            key = (f"{self.schema}:tables",)
            conn.execute("SELECT pg_advisory_lock(hashtext(?))", key)
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext(?))", key)

    def ddl(self, statement: str) -> str:
        for pattern, replacement in _DDL:
            statement = pattern.sub(replacement, statement)
        return statement

    def tables(self, conn: Sql) -> set[str]:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
            (self.schema,),
        )
        return {r[0] for r in rows}

    def event_id(self, hex_id: str) -> Any:
        return uuid.UUID(hex=hex_id)

    def last_serial(self, conn: Sql, table: str) -> int:
        (sequence,) = conn.execute(
            "SELECT pg_get_serial_sequence(?, 'seq')", (f'"{self.schema}".{table}',)
        ).fetchone()
        last, called = conn.execute(f"SELECT last_value, is_called FROM {sequence}").fetchone()
        return int(last) if called else 0

    def reclaim(
        self, tables: Sequence[str], *, wait: float = 30.0, on_wait: OnWait | None = None
    ) -> None:
        # VACUUM FULL writes each table afresh and unlinks the old files; it waits for
        # other transactions on the table by itself (lock_timeout bounds it).
        import psycopg

        with self.autocommit() as conn:
            conn.execute(f"SET lock_timeout = {max(int(wait * 1000), 1)}")
            try:
                present = self.tables(conn)
                for table in tables:
                    if table in present:
                        try:
                            conn.execute(f"VACUUM FULL {table}")
                        except psycopg.errors.LockNotAvailable:
                            raise NotReclaimed(
                                f"{self.where}: another session holds {table}, so its old "
                                "rows are still on disk"
                            ) from None
                        # The planner's statistics (pg_statistic) keep sampled values —
                        # names, utterances — until the table is analysed again.
                        conn.execute(f"ANALYZE {table}")
            finally:
                conn.execute("RESET lock_timeout")

    def es_env(self) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "2",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
        }

    def default_key_file(self) -> Path:
        home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        return home / "caselog" / f"{self.host}-{self.port}-{self.dbname}-{self.schema}.key"

    def exists(self) -> bool:
        with self.autocommit() as conn:
            row = conn.execute(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = ? AND table_name = 'caselog_meta'",
                (self.schema,),
            ).fetchone()
        return row is not None

    def create(self) -> None:
        # Two sessions running CREATE SCHEMA IF NOT EXISTS at once can both miss the
        # other's and one fails on the catalogue's unique index: take turns.
        # (Named by the schema: current_schema() is NULL until it exists.)
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"{self.schema}:create",))
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')

    def container_exists(self) -> bool:
        with self.autocommit() as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = ?", (self.schema,)
            ).fetchone()
        return row is not None

    def remove(self) -> None:
        with self.autocommit() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def objects(self, conn: Sql) -> set[tuple[str, str]]:
        # eventsourcing also makes a composite type and a function beside its tables.
        types = conn.execute(
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "JOIN pg_class c ON c.oid = t.typrelid WHERE n.nspname = ? AND c.relkind = 'c'",
            (self.schema,),
        )
        functions = conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = ?",
            (self.schema,),
        )
        return (
            super().objects(conn)
            | {("TYPE", r[0]) for r in types}
            | {("FUNCTION", r[0]) for r in functions}
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def driver_errors() -> tuple[type[Exception], ...]:
    """The database drivers' error classes, for ``except``: psycopg's only once it has been
    imported (no PostgreSQL store was opened otherwise, so none of its errors can arise)."""
    found: list[type[Exception]] = [sqlite3.Error]
    if (psycopg := sys.modules.get("psycopg")) is not None:
        found.append(psycopg.Error)
    return tuple(found)


def first_line(error: BaseException) -> str:
    """An error's message as one line of caselog's own (drivers' messages run on)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def with_schema(url: str, schema: str | None) -> str:
    """``url`` with its PostgreSQL schema set to ``schema`` (``--schema``), if one is given."""
    if not schema:
        return url
    if not url.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"--schema applies only to PostgreSQL stores, not {url}")
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qs(parts.query).items() if k != "schema"}
    pairs = [f"{k}={v}" for k, values in query.items() for v in values]
    return parts._replace(query="&".join([*pairs, f"schema={schema}"])).geturl()


def database(url: str, schema: str | None = None) -> Database:
    """The database a ``--db`` value names: a SQLite path, ``sqlite:///path`` or
    ``postgresql://user@host:port/db[?schema=name]``."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url, schema)
    if schema:
        raise StoreError("--schema applies only to PostgreSQL stores")
    if url.startswith("sqlite://"):
        return SQLiteDatabase(Path(url.removeprefix("sqlite://")))
    if "://" in url:
        raise StoreError(
            f"unsupported store URL {url!r}: give a SQLite path, sqlite:///path or "
            "postgresql://user@host:port/database"
        )
    return SQLiteDatabase(Path(url))
