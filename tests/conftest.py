from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from caselog.adapters.database import Database, PostgresDatabase, database, with_schema
from caselog.adapters.store import open_store
from caselog.application.service import CaselogApplication

if TYPE_CHECKING:
    from caselog.adapters.readmodels import ReadModels
    from caselog.adapters.transcript_files import IngestOptions
    from caselog.application.ingest import IngestResult

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted(FIXTURES.glob("00*.txt"))


def seed(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


POSTGRES_URL = os.environ.get("CASELOG_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("CASELOG_REQUIRE_POSTGRES", "") not in ("", "0")

# The store contract: every test that takes ``db`` runs once per backend.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"PostgreSQL contract suite: {POSTGRES_URL}"
    return (
        "PostgreSQL contract suite: SKIPPED (set CASELOG_TEST_POSTGRES_URL, "
        "e.g. postgresql://postgres@127.0.0.1:5432/test)"
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many documented examples ran, and which were left out and why."""
    # The module's name depends on how pytest was pointed at it.
    examples = sys.modules.get("test_docs_examples") or sys.modules.get("tests.test_docs_examples")
    if examples is None or not examples.RUN:
        return
    left_out = [f"{page} {why}" for page, whys in examples.NOT_RUN.items() for why in whys]
    terminalreporter.write_line(
        f"docs examples: {sum(examples.RUN.values())} run, {len(left_out)} blocks not run"
    )
    for line in left_out:
        terminalreporter.write_line(f"  not run: {line}")


def postgres_store(name: str = "t") -> Iterator[str]:
    """A fresh schema on the test server as a store URL; dropped afterwards."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("CASELOG_REQUIRE_POSTGRES is set but CASELOG_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL: set CASELOG_TEST_POSTGRES_URL to run the PostgreSQL suite")
    schema = f"{name}_{uuid.uuid4().hex[:16]}"
    url = f"{POSTGRES_URL}?schema={schema}"
    try:
        yield url
    finally:
        scratch = PostgresDatabase(url)
        with scratch.autocommit() as conn:
            # The store's own schema, and any sibling() a test made beside it.
            names = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE ?", (schema + "%",)
            ).fetchall()
            for (found,) in names:
                conn.execute(f'DROP SCHEMA "{found}" CASCADE')
        scratch.close()


def sibling(db: str, name: str) -> str:
    """Another store beside ``db`` on the same backend: a file next to it, or a schema."""
    if db.startswith("postgresql://"):
        return with_schema(db, f"{PostgresDatabase(db).schema}_{name}")
    return f"{db}.{name}"


@pytest.fixture(autouse=True)
def _own_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A PostgreSQL store's key file goes under $XDG_CONFIG_HOME: keep it in the test's dir.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store URL, on SQLite (a file under tmp_path) and on PostgreSQL (its own schema)."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
    else:
        yield from postgres_store()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """A SQLite store, for what only a file has (its mode, its bytes on disk)."""
    return str(tmp_path / "store.db")


def raw(db: str) -> Database:
    """The store's own database, for tests that read or damage it behind caselog's back."""
    return database(db)


def database_of(app: CaselogApplication) -> Database:
    """The database an application was opened on, worked out from its settings (the
    application itself is never asked: it is given its collaborators)."""
    env = app.env
    if "SQLITE_DBNAME" in env:
        return database(env["SQLITE_DBNAME"])
    url = (
        f"postgresql://{env['POSTGRES_USER']}:{env.get('POSTGRES_PASSWORD', '')}"
        f"@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
    )
    return database(url, env["POSTGRES_SCHEMA"])


def ingest(
    app: CaselogApplication, files: list[str], options: IngestOptions
) -> Iterator[IngestResult]:
    """Record files through the application layer, read by the real parsers (what
    ``Store.ingest`` does, for tests that hold only an application)."""
    from caselog.adapters.transcript_files import TranscriptFiles, expand
    from caselog.application import ingest as ingesting

    read = TranscriptFiles(options.format, options.imports)
    return ingesting.ingest(app, expand(files), options.recording, read)


def read_models_of(app: CaselogApplication) -> ReadModels:
    """The read models of the store ``app`` was opened on."""
    from caselog.adapters.readmodels import ReadModels

    return ReadModels(app, database_of(app))


@pytest.fixture
def app(db: str) -> CaselogApplication:
    return open_store(db, create=True).app


class Cli:
    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None):
        from caselog.cli.app import app as cli_app

        return self.runner.invoke(cli_app, ["--db", self.db, *args], env=env)


@pytest.fixture
def cli(db: str) -> Cli:
    return Cli(db)


def event_count(db: str) -> int:
    """Events in the store at ``db``; 0 where there is none (a failed first ingest leaves
    no store behind)."""
    where = raw(db)
    try:
        if not where.exists():
            return 0
    finally:
        where.close()
    app = open_store(db).app
    return app.recorder.max_notification_id() or 0


class RowsRead:
    """Counts the rows the store's real recorders return, by table and client.

    It wraps ``select_events`` on the events and snapshots recorders of one
    application, so a test can show what a query touched without mocking it.
    """

    def __init__(self, app: CaselogApplication) -> None:
        self.rows: list[tuple[str, object, int]] = []
        assert app.snapshots is not None
        for table, recorder in (("events", app.recorder), ("snapshots", app.snapshots.recorder)):
            self._spy(table, recorder)

    def _spy(self, table: str, recorder: object) -> None:
        select = recorder.select_events  # type: ignore[attr-defined]

        def counted(originator_id: object, *args: object, **kwargs: object) -> object:
            found = select(originator_id, *args, **kwargs)
            self.rows.append((table, originator_id, len(found)))
            return found

        recorder.select_events = counted  # type: ignore[attr-defined]

    def clear(self) -> None:
        self.rows.clear()

    def count(self, table: str = "events") -> int:
        return sum(n for t, _, n in self.rows if t == table)

    def clients(self) -> set[object]:
        return {cid for _, cid, _ in self.rows}
