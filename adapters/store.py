"""The composition root: turn a ``--db`` value into a ready application.

``open_store`` is the one place that knows how persistence is configured; the
CLI, the tests and other programs all come through it.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from eventsourcing.utils import get_topic

from caselog.adapters.mapper import OrjsonTranscoder, PydanticMapper
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


def _sqlite_namespace(path: str) -> uuid.UUID:
    """The store's random id namespace, created with the store."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS caselog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT OR IGNORE INTO caselog_meta VALUES ('namespace', ?)", (str(uuid.uuid4()),)
        )
        (value,) = conn.execute("SELECT value FROM caselog_meta WHERE key='namespace'").fetchone()
    conn.close()
    return uuid.UUID(value)


def open_store(url: str = DEFAULT_DB, *, create: bool = False) -> CaselogApplication:
    """Open the store at ``url``; with ``create``, make it if it does not exist yet."""
    where = locate(url)
    if where.kind == "postgresql":
        raise StoreError(f"{url}: PostgreSQL stores are not supported yet; use a SQLite path")
    path = Path(where.target)
    if not path.exists() and not create:
        raise StoreError(f"no caselog store at {path}: ingest transcripts first, or pass --db")
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a caselog store")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        namespace = _sqlite_namespace(str(path))
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
            "IS_SNAPSHOTTING_ENABLED": "y",
            "MAPPER_TOPIC": get_topic(PydanticMapper),
            "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        }
        return CaselogApplication(env, namespace)
    except (sqlite3.DatabaseError, OSError) as e:
        raise StoreError(f"{path}: cannot open as a caselog store ({e})") from None


def open_records(url: str = DEFAULT_DB) -> Records:
    """The query facade over an existing store: ``open_records(url).client(name).recap()``."""
    return Records(open_store(url))
