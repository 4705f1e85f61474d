"""eventsourcing's SQLite persistence with a statement cache that holds statements.

The library opens its connections with ``cached_statements=True``, which ``sqlite3``
reads as a cache of one statement: each statement of a transaction after the first
is parsed again. A live append runs four (the event, its link, the chain's head,
the commit), so it paid for three parses every time. Everything else about the
connections is the library's: autocommit mode with explicit ``BEGIN``, write-ahead
log, ``sqlite3.Row`` rows, the pool and its writer lock.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from eventsourcing.persistence import InterfaceError
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteFactory,
)

STATEMENTS_CACHED = 64
"""Per connection: caselog's statements on one engine number a few dozen."""


class CachingSQLiteConnectionPool(SQLiteConnectionPool):
    def _create_connection(self) -> SQLiteConnection:
        try:
            conn = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,
                cached_statements=STATEMENTS_CACHED,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as e:
            raise InterfaceError(e) from e
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            conn.execute("PRAGMA journal_mode=WAL")
            self.is_journal_mode_wal = True
        conn.row_factory = sqlite3.Row
        return SQLiteConnection(conn, max_age=self.max_age)


class CaselogSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, its datastore given the caching pool."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        built = self.datastore.pool
        # The library's pool has made no connection yet: swap it for one that caches.
        self.datastore.pool = CachingSQLiteConnectionPool(
            db_name=built.db_name, lock_timeout=built.lock_timeout
        )
        built.close()
