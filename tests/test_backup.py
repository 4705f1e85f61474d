"""Backup and restore (export and import): the record as JSON lines, restored link by link.

Every test runs on SQLite and on PostgreSQL (the ``db`` fixture); the target of an
import is a ``sibling`` store on the same backend, and one test moves a store across.
"""

from __future__ import annotations

import base64
import io
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import orjson
import pytest

from caselog.adapters.access_log import AccessLog
from caselog.adapters.backup.dump import export_jsonl
from caselog.adapters.database import PostgresDatabase
from caselog.adapters.store import open_store, store_settings
from tests.conftest import FIXTURES, Cli, event_count, postgres_store, raw, sibling


@pytest.fixture(params=["encrypted", "plaintext"])
def source(request, db: str) -> Cli:
    cli = Cli(db)
    extra = ["--plaintext"] if request.param == "plaintext" else []
    assert cli("ingest", str(FIXTURES), *extra).exit_code == 0
    assert cli("homework-set", "alicia", "S1.H1", "completed").exit_code == 0
    return cli


def _key_file(db: str) -> Path:
    return raw(db).default_key_file()


def _key_args(cli: Cli) -> list[str]:
    key = _key_file(cli.db)
    return ["--key-file", str(key)] if key.exists() else []


def _absent(db: str) -> bool:
    """Nothing of the store is left: no file (nor -wal, -shm), or no schema."""
    store = raw(db)
    if isinstance(store, PostgresDatabase):
        with store.autocommit() as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = ?", (store.schema,)
            ).fetchone()
        return found is None
    return not any(Path(db + suffix).exists() for suffix in ("", "-wal", "-shm"))


def _tables(db: str) -> set[str]:
    store = raw(db)
    with store.autocommit() as conn:
        return store.tables(conn)


def _export(cli: Cli, path: Path, *args: str) -> Path:
    result = cli("export", *args, "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


def _rows(db: str, statement: str) -> list[tuple]:
    with raw(db).transaction() as conn:
        return [tuple(row) for row in conn.execute(statement).fetchall()]


def test_export_import_export_is_byte_identical_and_answers_the_same(source, tmp_path):
    first = _export(source, tmp_path / "first.jsonl")
    target = Cli(sibling(source.db, "restored"))
    result = target("import", str(first), *_key_args(source))
    assert result.exit_code == 0, result.output
    assert "imported" in result.stdout
    second = _export(target, tmp_path / "second.jsonl")
    assert first.read_bytes() == second.read_bytes()
    assert target("verify").exit_code == 0
    for args in (
        ("clients", "--json"),
        ("sessions", "alicia", "--json"),
        ("sessions", "marcus", "--json"),
        ("summary", "alicia", "--session", "1", "--json"),
        ("homework", "alicia", "--json"),
        ("recap", "marcus", "--json"),
    ):
        assert target(*args).stdout == source(*args).stdout, args
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    if _key_args(source):  # the key was copied to where the new store keeps its own
        assert _key_file(target.db).read_bytes() == _key_file(source.db).read_bytes()
        assert stat.S_IMODE(_key_file(target.db).stat().st_mode) == 0o600


def test_an_imported_sqlite_store_is_readable_by_its_owner_only(sqlite_db, tmp_path):
    source = Cli(sqlite_db)
    assert source("ingest", str(FIXTURES)).exit_code == 0
    export = _export(source, tmp_path / "e.jsonl")
    target = Cli(str(tmp_path / "restored.db"))
    assert target("import", str(export), *_key_args(source)).exit_code == 0
    assert stat.S_IMODE(Path(target.db).stat().st_mode) == 0o600


@pytest.fixture
def postgresql() -> Iterator[str]:
    yield from postgres_store("moved")


@pytest.mark.postgres
@pytest.mark.parametrize("plaintext", [False, True], ids=["encrypted", "plaintext"])
def test_a_store_moves_between_sqlite_and_postgresql(sqlite_db, postgresql, tmp_path, plaintext):
    source = Cli(sqlite_db)
    assert source("ingest", str(FIXTURES), *(["--plaintext"] if plaintext else [])).exit_code == 0
    first = _export(source, tmp_path / "first.jsonl")
    on_postgres = Cli(postgresql)
    result = on_postgres("import", str(first), *_key_args(source))
    assert result.exit_code == 0, result.output
    assert on_postgres("verify").exit_code == 0
    second = _export(on_postgres, tmp_path / "second.jsonl")
    assert second.read_bytes() == first.read_bytes()
    back = Cli(str(tmp_path / "back.db"))
    assert back("import", str(second), *_key_args(on_postgres)).exit_code == 0
    assert _export(back, tmp_path / "third.jsonl").read_bytes() == first.read_bytes()
    for args in (("sessions", "alicia", "--json"), ("recap", "marcus", "--json")):
        assert on_postgres(*args).stdout == source(*args).stdout == back(*args).stdout


def test_the_export_holds_the_stored_bytes_and_links(source, tmp_path):
    lines = _export(source, tmp_path / "e.jsonl").read_bytes().splitlines()
    header = orjson.loads(lines[0])
    assert header["format"] == "caselog-export" and header["version"] == 1
    assert header["events"] == len(lines) - 1 and len(header["heads"]) == 3
    encrypted = _key_file(source.db).exists()
    assert header["encryption"] == ("aes-gcm" if encrypted else "off")
    assert (header["key_check"] is not None) is encrypted
    assert len(header["keys"]) == (3 if encrypted else 0)
    # Store order: SQLite's rowid, PostgreSQL's notification id.
    order = "rowid" if raw(source.db).kind == "sqlite" else "notification_id"
    stored = _rows(
        source.db,
        f"SELECT originator_id, originator_version, topic, state FROM stored_events "
        f"ORDER BY {order}",
    )
    links = {
        (c, v): bytes(k)
        for c, v, k in _rows(
            source.db, "SELECT originator_id, originator_version, link FROM event_chain"
        )
    }
    events = [orjson.loads(line) for line in lines[1:]]
    assert len(stored) == len(events) == len(links)
    expected = []
    for c, v, t, s in stored:
        cid = c.hex if not isinstance(c, str) else c  # a uuid on PostgreSQL
        expected.append((cid, v, t, base64.b64encode(bytes(s)).decode(), links[cid, v].hex()))
    assert [
        (e["client_id"].replace("-", ""), e["version"], e["topic"], e["state"], e["link"])
        for e in events
    ] == expected
    if encrypted:  # ciphertext: no transcript text in the export
        assert b"Marcus" not in b"\n".join(lines)


def test_export_to_stdout_is_the_same_as_to_a_file(source, tmp_path):
    to_file = _export(source, tmp_path / "e.jsonl").read_bytes()
    result = source("export")
    assert result.exit_code == 0 and result.stdout_bytes == to_file


def test_one_client_exports_and_imports_alone(source, tmp_path):
    marcus = _export(source, tmp_path / "marcus.jsonl", "marcus")
    header = orjson.loads(marcus.read_bytes().splitlines()[0])
    assert len(header["clients"]) == 1 and header["events"] == 45
    target = Cli(sibling(source.db, "marcus"))
    assert target("import", str(marcus), *_key_args(source)).exit_code == 0
    clients = json.loads(target("clients", "--json").stdout)
    assert [c["name"] for c in clients] == ["Marcus Thompson"]
    assert (
        target("sessions", "marcus", "--json").stdout
        == source("sessions", "marcus", "--json").stdout
    )


def _tamper(path: Path, line: int) -> Path:
    lines = path.read_bytes().splitlines(keepends=True)
    event = orjson.loads(lines[line - 1])
    state = bytearray(base64.b64decode(event["state"]))
    state[len(state) // 2] ^= 0x01
    event["state"] = base64.b64encode(bytes(state)).decode()
    lines[line - 1] = orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)
    bad = path.with_name("tampered.jsonl")
    bad.write_bytes(b"".join(lines))
    return bad


def test_a_tampered_line_stops_the_import_and_stores_nothing(source, tmp_path):
    bad = _tamper(_export(source, tmp_path / "e.jsonl"), line=40)
    target = sibling(source.db, "restored")
    result = Cli(target)("import", str(bad), *_key_args(source))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}:40: ") and "chain link" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert _absent(target) and not _key_file(target).exists()


def test_a_tampered_line_into_an_existing_empty_store_leaves_it_empty(db, tmp_path):
    source = Cli(db)
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    bad = _tamper(_export(source, tmp_path / "e.jsonl"), line=7)
    empty = sibling(db, "empty")
    open_store(empty, create=True, plaintext=True).app.close()
    before = _rows(empty, "SELECT key, value FROM caselog_meta ORDER BY key")
    tables = _tables(empty)
    result = Cli(empty)("import", str(bad))
    assert result.exit_code == 1 and f"{bad}:7:" in result.stderr
    assert _rows(empty, "SELECT COUNT(*) FROM stored_events") == [(0,)]
    assert _rows(empty, "SELECT COUNT(*) FROM event_chain") == [(0,)]
    assert _rows(empty, "SELECT key, value FROM caselog_meta ORDER BY key") == before
    assert _tables(empty) == tables
    # …and the untampered export then restores into it.
    good = Cli(empty)("import", str(tmp_path / "e.jsonl"))
    assert good.exit_code == 0, good.output
    assert Cli(empty)("verify").exit_code == 0


def test_a_failed_import_into_an_existing_empty_schema_drops_what_it_made(db, tmp_path):
    """The container (file, schema) was there but held no store: it is left bare again."""
    source = Cli(db)
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    bad = _tamper(_export(source, tmp_path / "e.jsonl"), line=7)
    bare = sibling(db, "bare")
    raw(bare).create()  # an empty file, or an empty schema
    result = Cli(bare)("import", str(bad))
    assert result.exit_code == 1 and f"{bad}:7:" in result.stderr
    assert not _absent(bare) and _tables(bare) == set()
    store = raw(bare)
    if isinstance(store, PostgresDatabase):  # nor eventsourcing's type and function
        with store.autocommit() as conn:
            made = (
                conn.execute(
                    "SELECT COUNT(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = ? AND t.typtype = 'c'",
                    (store.schema,),
                ).fetchone()[0]
                + conn.execute(
                    "SELECT COUNT(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = ?",
                    (store.schema,),
                ).fetchone()[0]
            )
        assert made == 0


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda lines: lines[:60], "truncated"),
        (lambda lines: [lines[0], lines[2], lines[1], *lines[3:]], ":2: "),
        (lambda lines: [*lines[:5], b"{not json\n", *lines[6:]], ":6: not a JSON object"),
        (lambda lines: [b'{"format": "csv"}\n', *lines[1:]], ":1: not a caselog export"),
        (lambda lines: [], ":1: expected a caselog export header"),
    ],
    ids=["truncated", "reordered", "malformed", "no-header", "empty"],
)
def test_damaged_exports_are_refused_in_one_line(db, tmp_path, damage, expected):
    source = Cli(db)
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    lines = _export(source, tmp_path / "e.jsonl").read_bytes().splitlines(keepends=True)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(damage(lines)))
    target = sibling(db, "restored")
    result = Cli(target)("import", str(bad))
    assert result.exit_code == 1 and expected in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert _absent(target)


def test_a_store_that_holds_anything_is_refused(source, tmp_path):
    export = _export(source, tmp_path / "e.jsonl")
    before = _rows(source.db, "SELECT COUNT(*) FROM stored_events")
    result = source("import", str(export), *_key_args(source))
    assert result.exit_code == 1 and "already holds" in result.stderr
    assert _rows(source.db, "SELECT COUNT(*) FROM stored_events") == before


def test_an_encrypted_export_needs_its_key(db, tmp_path, monkeypatch):
    source = Cli(db)
    assert source("ingest", str(FIXTURES)).exit_code == 0
    export = _export(source, tmp_path / "e.jsonl")
    target = Cli(sibling(db, "restored"))
    missing = target("import", str(export))
    assert missing.exit_code == 1 and "--key-file" in missing.stderr
    other = Cli(sibling(db, "other"))
    assert other("ingest", str(FIXTURES)).exit_code == 0
    wrong = target("import", str(export), "--key-file", str(_key_file(other.db)))
    assert wrong.exit_code == 1 and "not the key" in wrong.stderr
    assert _absent(target.db)
    # $CASELOG_KEY works instead of a key file, and no key file is written then.
    monkeypatch.setenv("CASELOG_KEY", _key_file(source.db).read_text().strip())
    assert target("import", str(export)).exit_code == 0
    assert not _key_file(target.db).exists()
    assert target("sessions", "alicia").exit_code == 0


def test_a_keyed_chain_is_restored_with_its_integrity_key(db, tmp_path, monkeypatch):
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "correct horse battery staple")
    source = Cli(db)
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    export = _export(source, tmp_path / "e.jsonl")
    target = Cli(sibling(db, "restored"))
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "a guess")
    wrong = target("import", str(export))
    assert wrong.exit_code == 1 and "integrity key" in wrong.stderr
    assert _absent(target.db)
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "correct horse battery staple")
    assert target("import", str(export)).exit_code == 0
    assert target("verify").exit_code == 0
    assert _export(target, tmp_path / "again.jsonl").read_bytes() == export.read_bytes()


def test_exporting_every_client_logs_an_access_for_each(source, tmp_path):
    _export(source, tmp_path / "e.jsonl")
    rows = [json.loads(line) for line in source("access-log", "--json").stdout.splitlines()]
    exports = [r for r in rows if r["command"] == "export"]
    assert sorted(r["client"] for r in exports) == ["Alex", "Alicia Rodriguez", "Marcus Thompson"]


def test_import_json_output(db, tmp_path):
    source = Cli(db)
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    export = _export(source, tmp_path / "e.jsonl")
    new = sibling(db, "new")
    result = Cli(new)("import", str(export), "--json")
    assert result.exit_code == 0
    where = new if raw(new).kind == "sqlite" else raw(new).where
    assert json.loads(result.stdout) == {
        "file": str(export),
        "db": where,
        "clients": 3,
        "events": len(export.read_bytes().splitlines()) - 1,
        "encrypted": False,
        "key_file": None,
    }


def test_an_export_is_one_snapshot_even_while_the_store_is_written(db, tmp_path):
    """Events stored while an export runs are in neither its header nor its lines."""
    source = Cli(db)
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    before = event_count(db)
    settings = store_settings(db, unlock=False)
    written: list[int] = []

    def meanwhile(clients: list[UUID]) -> None:
        # Between the header and the first event line: another writer, and the access log.
        assert source("homework-set", "alicia", "S1.H1", "completed").exit_code == 0
        AccessLog(settings.db, None).append(actor="t", command="export", client_ids=clients)
        written.append(event_count(db))

    out = io.BytesIO()
    done = export_jsonl(settings, out, None, meanwhile)
    lines = out.getvalue().splitlines()
    assert written == [before + 1]
    assert done.events == before == orjson.loads(lines[0])["events"] == len(lines) - 1
    export = tmp_path / "snapshot.jsonl"
    export.write_bytes(out.getvalue())
    restored = Cli(sibling(db, "restored"))
    result = restored("import", str(export))
    assert result.exit_code == 0, result.output  # its heads agree with its events
    assert restored("verify").exit_code == 0


def test_a_damaged_store_fails_an_export_in_one_line_and_leaves_no_file(db, tmp_path):
    source = Cli(db)
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    with raw(db).transaction() as conn:
        conn.execute("ALTER TABLE event_chain RENAME COLUMN link TO moved")
    out = tmp_path / "e.jsonl"
    result = source("export", "--output", str(out))
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert raw(db).where in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists() and not out.with_name(out.name + ".partial").exists()
