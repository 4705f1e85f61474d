from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselog.adapters.store import open_store
from caselog.domain.service import CaselogApplication

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = sorted(FIXTURES.glob("00*.txt"))


def seed(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "store.db")


@pytest.fixture
def app(db: str) -> CaselogApplication:
    return open_store(db, create=True)


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
    app = open_store(db)
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
