"""A mistake costs nothing: a failed command leaves no store, key or schema behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from caselog.adapters.database import PostgresDatabase
from tests.conftest import Cli, event_count, raw, seed

CASELOG = str(Path(sys.executable).with_name("caselog"))
ROOT = Path(__file__).parent.parent


def _left_behind(db: str) -> list[str]:
    """What of the store exists: its files (SQLite), or its schema (PostgreSQL)."""
    if db.startswith("postgresql://"):
        scratch = PostgresDatabase(db)
        with scratch.autocommit() as conn:
            found = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname = ?", (scratch.schema,)
            ).fetchall()
        scratch.close()
        return [name for (name,) in found]
    path = Path(db)
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


def _key_files(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.rglob("*.key"))


def test_a_failed_first_ingest_leaves_no_store_key_or_schema_behind(tmp_path, db):
    result = Cli(db)("ingest", str(tmp_path / "missing.txt"))
    assert result.exit_code == 1
    assert "missing.txt:1: cannot read the file" in result.stderr
    assert _left_behind(db) == []
    assert _key_files(tmp_path) == []
    assert "back it up" not in result.stderr


def test_a_first_ingest_refused_whole_leaves_nothing_behind(tmp_path, db):
    result = Cli(db)("ingest", str(seed("003")))  # a continuation with nothing to continue
    assert result.exit_code == 1
    assert _left_behind(db) == []
    assert _key_files(tmp_path) == []


def test_a_first_ingest_that_records_some_files_keeps_them_and_warns_to_back_up_the_key(
    tmp_path, sqlite_db
):
    result = Cli(sqlite_db)("ingest", str(tmp_path / "missing.txt"), str(seed("004")))
    assert result.exit_code == 1
    assert event_count(sqlite_db) > 0
    key = Path(sqlite_db + ".key")
    assert key.exists()
    assert f"warning: {key} holds the master key" in result.stderr
    assert "back it up" not in result.stdout


def test_a_failed_ingest_into_an_existing_store_leaves_it_as_it_was(tmp_path, db):
    cli = Cli(db)
    assert cli("ingest", str(seed("004"))).exit_code == 0
    before = event_count(db)
    assert cli("ingest", str(tmp_path / "missing.txt")).exit_code == 1
    assert raw(db).exists() and event_count(db) == before


def test_a_db_in_a_directory_that_does_not_exist_is_an_error_and_makes_no_directory(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "new.db"
    result = Cli(str(target))("ingest", str(seed("004")))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {target}: the directory {target.parent} does not exist; "
        "create it first or give another --db"
    )
    assert not (tmp_path / "no").exists()


def test_a_dry_run_on_a_new_path_decides_and_creates_nothing(tmp_path, db):
    files = [str(seed(n)) for n in ("000", "002", "004")]
    result = Cli(db)("ingest", "--dry-run", *files, "--json")
    assert result.exit_code == 0, result.output
    statuses = {r["status"] for r in json.loads(result.stdout)}
    assert statuses == {"recorded"}  # what would be recorded
    assert _left_behind(db) == []
    assert _key_files(tmp_path) == []
    assert "ingest transcripts first" not in result.output


def test_a_dry_run_table_on_a_new_path_says_nothing_was_recorded(tmp_path):
    db = str(tmp_path / "new.db")
    result = Cli(db)("ingest", "--dry-run", str(seed("004")))
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing recorded" in result.stdout and "would record" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_a_dry_run_into_a_missing_directory_is_the_same_error(tmp_path):
    target = tmp_path / "nowhere" / "new.db"
    result = Cli(str(target))("ingest", "--dry-run", str(seed("004")))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_failed_import_leaves_no_store_behind(tmp_path, db):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("this is not an export\n")
    result = Cli(db)("import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert _left_behind(db) == []


def test_enabling_read_models_on_a_new_path_creates_the_store_and_warns_to_back_up_its_key(
    tmp_path,
):
    db = tmp_path / "new.db"
    result = Cli(str(db))("project", "enable")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"warning: {db}.key holds the master key")
    assert "back it up" not in result.stdout


def test_the_key_backup_warning_goes_to_stderr_in_a_real_process_even_when_quiet(tmp_path):
    db = tmp_path / "new.db"
    done = subprocess.run(
        [CASELOG, "--db", str(db), "-q", "ingest", str(seed("004"))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == ""
    assert f"{db}.key holds the master key of the new store: back it up now" in done.stderr


def test_make_demo_uses_a_variable_of_its_own_and_never_removes_db_from_the_environment():
    makefile = (ROOT / "Makefile").read_text()
    assert "$(DB)" not in makefile and "DB ?=" not in makefile
    dry = subprocess.run(
        ["make", "-n", "demo"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DB": "precious.db"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "precious.db" not in dry.stdout
    assert "rm -f caselog.db" in dry.stdout


def test_gitignore_covers_stores_keys_and_exports_but_not_test_fixtures():
    names = [
        "clinic.db",
        "clinic.db-wal",
        "clinic.db-shm",
        "clinic.db.key",
        "sub/clinic.jsonl",
        "exports/alicia.md",
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *names, "tests/fixtures/homework/tune.jsonl"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert ignored.stdout.split() == names
