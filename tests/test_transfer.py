"""Export and import: the record as JSON lines, restored into a new store link by link."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import orjson
import pytest

from caselog.adapters.store import open_store
from tests.conftest import FIXTURES, Cli


@pytest.fixture(params=["encrypted", "plaintext"])
def source(request, tmp_path: Path) -> Cli:
    cli = Cli(str(tmp_path / "store.db"))
    extra = ["--plaintext"] if request.param == "plaintext" else []
    assert cli("ingest", str(FIXTURES), *extra).exit_code == 0
    assert cli("homework-set", "alicia", "S1.H1", "completed").exit_code == 0
    return cli


def _key_args(cli: Cli) -> list[str]:
    key = Path(cli.db + ".key")
    return ["--key-file", str(key)] if key.exists() else []


def _export(cli: Cli, path: Path, *args: str) -> Path:
    result = cli("export", *args, "--output", str(path))
    assert result.exit_code == 0, result.output
    return path


def _rows(db: str, statement: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(statement).fetchall()
    conn.close()
    return rows


def test_export_import_export_is_byte_identical_and_answers_the_same(source, tmp_path):
    first = _export(source, tmp_path / "first.jsonl")
    target = Cli(str(tmp_path / "restored.db"))
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
    assert Path(target.db).stat().st_mode & 0o777 == 0o600
    assert first.stat().st_mode & 0o777 == 0o600


def test_the_export_holds_the_stored_bytes_and_links(source, tmp_path):
    lines = _export(source, tmp_path / "e.jsonl").read_bytes().splitlines()
    header = orjson.loads(lines[0])
    assert header["format"] == "caselog-export" and header["version"] == 1
    assert header["events"] == len(lines) - 1 and len(header["heads"]) == 3
    encrypted = Path(source.db + ".key").exists()
    assert header["encryption"] == ("aes-gcm" if encrypted else "off")
    assert (header["key_check"] is not None) is encrypted
    assert len(header["keys"]) == (3 if encrypted else 0)
    stored = _rows(
        source.db,
        "SELECT e.originator_id, e.originator_version, e.topic, e.state, c.link "
        "FROM stored_events e JOIN event_chain c USING (originator_id, originator_version) "
        "ORDER BY e.rowid",
    )
    events = [orjson.loads(line) for line in lines[1:]]
    assert [
        (e["client_id"].replace("-", ""), e["version"], e["topic"], e["state"], e["link"])
        for e in events
    ] == [(c, v, t, base64.b64encode(s).decode(), k.hex()) for c, v, t, s, k in stored]
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
    target = Cli(str(tmp_path / "marcus.db"))
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
    target = tmp_path / "restored.db"
    result = Cli(str(target))("import", str(bad), *_key_args(source))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {bad}:40: ") and "chain link" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not target.exists() and not Path(str(target) + ".key").exists()


def test_a_tampered_line_into_an_existing_empty_store_leaves_it_empty(tmp_path):
    source = Cli(str(tmp_path / "store.db"))
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    bad = _tamper(_export(source, tmp_path / "e.jsonl"), line=7)
    empty = tmp_path / "empty.db"
    open_store(str(empty), create=True, plaintext=True).close()
    before = _rows(str(empty), "SELECT key, value FROM caselog_meta ORDER BY key")
    result = Cli(str(empty))("import", str(bad))
    assert result.exit_code == 1 and f"{bad}:7:" in result.stderr
    assert _rows(str(empty), "SELECT COUNT(*) FROM stored_events") == [(0,)]
    assert _rows(str(empty), "SELECT key, value FROM caselog_meta ORDER BY key") == before
    # …and the untampered export then restores into it.
    good = Cli(str(empty))("import", str(tmp_path / "e.jsonl"))
    assert good.exit_code == 0, good.output
    assert Cli(str(empty))("verify").exit_code == 0


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
def test_damaged_exports_are_refused_in_one_line(tmp_path, damage, expected):
    source = Cli(str(tmp_path / "store.db"))
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    lines = _export(source, tmp_path / "e.jsonl").read_bytes().splitlines(keepends=True)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(damage(lines)))
    target = tmp_path / "restored.db"
    result = Cli(str(target))("import", str(bad))
    assert result.exit_code == 1 and expected in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not target.exists()


def test_a_store_that_holds_anything_is_refused(source, tmp_path):
    export = _export(source, tmp_path / "e.jsonl")
    before = _rows(source.db, "SELECT COUNT(*) FROM stored_events")
    result = source("import", str(export), *_key_args(source))
    assert result.exit_code == 1 and "already holds" in result.stderr
    assert _rows(source.db, "SELECT COUNT(*) FROM stored_events") == before


def test_an_encrypted_export_needs_its_key(tmp_path, monkeypatch):
    source = Cli(str(tmp_path / "store.db"))
    assert source("ingest", str(FIXTURES)).exit_code == 0
    export = _export(source, tmp_path / "e.jsonl")
    target = Cli(str(tmp_path / "restored.db"))
    missing = target("import", str(export))
    assert missing.exit_code == 1 and "--key-file" in missing.stderr
    other = Cli(str(tmp_path / "other.db"))
    assert other("ingest", str(FIXTURES)).exit_code == 0
    wrong = target("import", str(export), "--key-file", other.db + ".key")
    assert wrong.exit_code == 1 and "not the key" in wrong.stderr
    assert not Path(target.db).exists()
    # $CASELOG_KEY works instead of a key file, and no key file is written then.
    monkeypatch.setenv("CASELOG_KEY", Path(source.db + ".key").read_text().strip())
    assert target("import", str(export)).exit_code == 0
    assert not Path(target.db + ".key").exists()
    assert target("sessions", "alicia").exit_code == 0


def test_a_keyed_chain_is_restored_with_its_integrity_key(tmp_path, monkeypatch):
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "correct horse battery staple")
    source = Cli(str(tmp_path / "store.db"))
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    export = _export(source, tmp_path / "e.jsonl")
    target = Cli(str(tmp_path / "restored.db"))
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "a guess")
    wrong = target("import", str(export))
    assert wrong.exit_code == 1 and "integrity key" in wrong.stderr
    assert not Path(target.db).exists()
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "correct horse battery staple")
    assert target("import", str(export)).exit_code == 0
    assert target("verify").exit_code == 0
    assert _export(target, tmp_path / "again.jsonl").read_bytes() == export.read_bytes()


def test_exporting_every_client_logs_an_access_for_each(source, tmp_path):
    _export(source, tmp_path / "e.jsonl")
    rows = [json.loads(line) for line in source("access-log", "--json").stdout.splitlines()]
    exports = [r for r in rows if r["command"] == "export"]
    assert sorted(r["client"] for r in exports) == ["Alex", "Alicia Rodriguez", "Marcus Thompson"]


def test_import_json_output(tmp_path):
    source = Cli(str(tmp_path / "store.db"))
    assert source("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    export = _export(source, tmp_path / "e.jsonl")
    result = Cli(str(tmp_path / "new.db"))("import", str(export), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "file": str(export),
        "db": str(tmp_path / "new.db"),
        "clients": 3,
        "events": len(export.read_bytes().splitlines()) - 1,
        "encrypted": False,
        "key_file": None,
    }
