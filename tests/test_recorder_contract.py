"""eventsourcing's own recorder contract, run against both chained recorders: chaining
every insert and checking every read must keep each promise the library's recorders make."""

from __future__ import annotations

import tempfile
import threading
import uuid
from pathlib import Path

import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from eventsourcing.tests.persistence import ApplicationRecorderTestCase

from caselog.adapters.database import PostgresDatabase
from caselog.adapters.postgres import ChainedPostgresRecorder
from caselog.adapters.recorder import ChainedSQLiteRecorder
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES


def _join_threads_started_since(before: set[threading.Thread]) -> None:
    """The library's concurrency tests leave reader threads to wind down on their own:
    closing the datastore under one of them crashes SQLite, so wait for them first."""
    for thread in set(threading.enumerate()) - before:
        if "read_continuously" in thread.name:  # Python names a thread after its target
            thread.join(timeout=30)


class TestChainedSQLiteRecorder(ApplicationRecorderTestCase[ChainedSQLiteRecorder]):
    def setUp(self) -> None:
        self._threads = set(threading.enumerate())
        self._dir = tempfile.TemporaryDirectory()
        self.datastore = SQLiteDatastore(str(Path(self._dir.name) / "contract.db"))

    def tearDown(self) -> None:
        _join_threads_started_since(self._threads)
        self.datastore.close()
        self._dir.cleanup()

    def create_recorder(self) -> ChainedSQLiteRecorder:
        recorder = ChainedSQLiteRecorder(self.datastore, events_table_name="stored_events")
        recorder.create_table()
        return recorder


@pytest.mark.postgres
class TestChainedPostgresRecorder(ApplicationRecorderTestCase[ChainedPostgresRecorder]):
    def setUp(self) -> None:
        if not POSTGRES_URL:
            if REQUIRE_POSTGRES:
                pytest.fail("CASELOG_REQUIRE_POSTGRES is set but CASELOG_TEST_POSTGRES_URL is not")
            pytest.skip("no PostgreSQL: set CASELOG_TEST_POSTGRES_URL")
        self._threads = set(threading.enumerate())
        self.db = PostgresDatabase(f"{POSTGRES_URL}?schema=contract_{uuid.uuid4().hex[:12]}")
        self.db.create()
        self.datastore = PostgresDatastore(
            self.db.dbname,
            self.db.host,
            self.db.port,
            self.db.user,
            self.db.password,
            schema=self.db.schema,
            pool_size=4,
            max_overflow=12,
        )

    def tearDown(self) -> None:
        _join_threads_started_since(self._threads)
        self.datastore.close()
        with self.db.autocommit() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.db.schema}" CASCADE')
        self.db.close()

    def create_recorder(self) -> ChainedPostgresRecorder:
        recorder = ChainedPostgresRecorder(self.datastore, events_table_name="stored_events")
        recorder.create_table()
        return recorder
