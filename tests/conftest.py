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
