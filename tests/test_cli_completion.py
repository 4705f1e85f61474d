"""Shell completion offers the store's client names, homework statuses and formats."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from caselog.adapters.store import open_store
from caselog.cli.completion import (
    client_names,
    complete_client,
    complete_export_format,
    complete_homework_filter,
    complete_homework_status,
    complete_ingest_format,
)
from tests.conftest import FIXTURES, Cli

CASELOG = str(Path(sys.executable).with_name("caselog"))


@pytest.fixture
def loaded(db) -> Cli:
    cli = Cli(db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _with_db(group, db: str) -> typer.Context:
    """The context a shell's Tab after ``caselog --db DB recap`` is completed in."""
    return group.make_context("caselog", ["--db", db, "recap"], resilient_parsing=True)


def test_client_names_come_from_the_store_in_any_case_as_typed(loaded):
    ctx = _with_db(_group(), loaded.db)
    assert complete_client(ctx, "al") == ["alex", "alicia Rodriguez"]
    assert complete_client(ctx, "MAR") == ["MARcus Thompson"]
    assert complete_client(ctx, "") == ["Alex", "Alicia Rodriguez", "Marcus Thompson"]
    assert complete_client(ctx, "zed") == []


def test_completing_a_client_reads_no_record_and_logs_no_access(loaded):
    with open_store(loaded.db) as store:
        before = len(list(store.access_log.entries(None)))
    assert client_names(loaded.db) == ["Alex", "Alicia Rodriguez", "Marcus Thompson"]
    with open_store(loaded.db) as store:
        assert len(list(store.access_log.entries(None))) == before


def test_completing_against_a_missing_store_offers_nothing_and_creates_nothing(tmp_path):
    db = tmp_path / "none.db"
    assert complete_client(_with_db(_group(), str(db)), "a") == []
    assert list(tmp_path.iterdir()) == []


def test_statuses_and_formats_are_completed():
    assert complete_homework_status("com") == ["completed"]
    assert "assigned" not in complete_homework_status("")  # not a status one can set
    assert complete_homework_filter("re") == ["retracted"]
    assert complete_ingest_format("o") == ["otter"]
    assert set(complete_ingest_format("")) >= {"A", "B", "C", "D", "vtt", "srt", "csv"}
    assert complete_export_format("f") == ["fhir"]


def _group():
    from typer.main import get_command

    from caselog.cli.app import app

    return get_command(app)


def _complete(words: str) -> list[str]:
    """What bash would be offered for ``words`` (the last one being completed)."""
    env = {
        **os.environ,
        "_CASELOG_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
    }
    done = subprocess.run([CASELOG], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_a_real_completion_run_offers_client_names_and_statuses(loaded):
    assert _complete(f"caselog recap --db {loaded.db} M") == ["Marcus Thompson"]
    assert _complete(f"caselog --db {loaded.db} recap al") == ["alex", "alicia Rodriguez"]
    assert _complete(f"caselog homework-set --db {loaded.db} alex S5.H1 in") == ["in_progress"]
    assert _complete("caselog ingest --format v") == ["vtt"]
