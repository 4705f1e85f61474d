"""Encryption at rest, keys, and erasure by crypto-shredding — on SQLite and PostgreSQL.

What a store holds is read two ways: every value of every table of the store (both
engines), and, for SQLite, every byte of its files (freed pages included).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from caselog.adapters.crypto import encode_key, new_master_key
from caselog.adapters.database import PostgresDatabase
from caselog.adapters.parsing import parse_transcript
from caselog.adapters.readmodels_sql import TABLES as READ_MODEL_TABLES
from caselog.domain.transcript import SECTION_KEYS, Utterance
from tests.conftest import FIXTURES, Cli, event_count, postgres_store, raw, seed, sibling


def _plaintexts(prefix: str) -> list[bytes]:
    """Sentences, names and summary items of one seed, as they would appear if stored in clear."""
    parsed = parse_transcript(seed(prefix).read_bytes(), seed(prefix).name)
    found = [e.text for e in parsed.entries if isinstance(e, Utterance) and len(e.text) > 30]
    if parsed.client_name:
        found.append(parsed.client_name)
    if parsed.summary:
        found += [i for k in SECTION_KEYS for i in parsed.summary.items(k) if len(i) > 20]
    return [t.encode() for t in found]


def _file_bytes(db: str) -> bytes:
    """Every byte of a SQLite database and its -wal/-shm files (not its key file)."""
    files = [Path(db + suffix) for suffix in ("", "-wal", "-shm") if Path(db + suffix).exists()]
    assert Path(db) in files
    return b"".join(p.read_bytes() for p in files)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def _table_bytes(db: str) -> bytes:
    """Every value of every table of the store, as the engine returns it (text as UTF-8,
    bytea and blobs as stored): what any client of the database can read."""
    store = raw(db)
    with store.transaction() as conn:
        tables = sorted(store.tables(conn))
        assert "stored_events" in tables
        values = [
            _as_bytes(value)
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"').fetchall()
            for value in row
            if value is not None
        ]
    return b"\n".join(values)


def _leaks(db: str, prefixes: tuple[str, ...]) -> list[bytes]:
    """The seeds' sentences, names and summary items found in the store: in any table on
    either engine, and on SQLite anywhere in its files."""
    held = _table_bytes(db)
    if raw(db).kind == "sqlite":
        held += _file_bytes(db)
    return [t for p in prefixes for t in _plaintexts(p) if t in held]


def _key_file(db: str) -> Path:
    return raw(db).default_key_file()


def test_an_encrypted_store_holds_no_sentence_name_or_summary_item_in_any_file(cli):
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert _leaks(cli.db, ("000", "001", "002", "003", "004")) == []
    assert cli("replay", "alicia", "--session", "1").exit_code == 0  # and it still reads


def test_a_plaintext_store_is_made_on_request_and_says_so(db):
    for how, env in ((["--plaintext"], None), ([], {"CASELOG_ENCRYPTION": "off"})):
        cli = Cli(sibling(db, f"plain{len(how)}"))
        assert cli("ingest", *how, str(seed("002")), env=env).exit_code == 0
        assert _leaks(cli.db, ("002",)), "the plaintext store holds the text as written"
        assert not _key_file(cli.db).exists()


def test_plaintext_is_refused_for_a_store_that_is_already_encrypted(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0
    result = cli("ingest", "--plaintext", str(seed("004")))
    assert result.exit_code == 1 and "already encrypted" in result.stderr


def test_the_key_file_is_readable_by_its_owner_only(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0
    assert stat.S_IMODE(_key_file(cli.db).stat().st_mode) == 0o600


def test_the_sqlite_database_and_key_files_are_readable_by_their_owner_only(sqlite_db):
    cli = Cli(sqlite_db)
    assert cli("ingest", str(seed("002"))).exit_code == 0
    for path in (Path(cli.db), _key_file(cli.db)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_wrong_or_missing_key_is_one_line_and_writes_nothing(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0
    before = event_count(cli.db)
    wrong = cli("ingest", str(seed("004")), env={"CASELOG_KEY": encode_key(new_master_key())})
    assert wrong.exit_code == 1 and "wrong key" in wrong.stderr
    assert "Traceback" not in wrong.output and len(wrong.stderr.strip().splitlines()) == 1
    key_file = _key_file(cli.db)
    elsewhere = key_file.with_name("elsewhere")
    key_file.rename(elsewhere)
    missing = cli("ingest", str(seed("004")))
    assert missing.exit_code == 1 and "key was not found" in missing.stderr
    assert not key_file.exists(), "no new key may be made for an existing store"
    elsewhere.rename(key_file)
    assert event_count(cli.db) == before


def _stored(db: str) -> list[tuple]:
    with raw(db).transaction() as conn:
        rows = conn.execute(
            "SELECT * FROM stored_events ORDER BY originator_id, originator_version"
        ).fetchall()
    return [tuple(_as_bytes(v) for v in row) for row in rows]


def _wrapped(db: str) -> dict[str, bytes]:
    with raw(db).transaction() as conn:
        rows = conn.execute("SELECT client_id, wrapped FROM caselog_keys").fetchall()
    return {cid: bytes(wrapped) for cid, wrapped in rows}


def test_rotating_the_key_rewraps_data_keys_without_rewriting_events(cli):
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    old_key = _key_file(cli.db).read_text()
    events = _stored(cli.db)
    wrapped = _wrapped(cli.db)
    result = cli("rotate-key")
    assert result.exit_code == 0, result.output
    assert "re-wrapped 3 data keys" in result.stdout
    assert result.stderr.startswith("warning: ") and str(_key_file(cli.db)) in result.stderr
    assert _key_file(cli.db).read_text() != old_key
    assert stat.S_IMODE(_key_file(cli.db).stat().st_mode) == 0o600
    assert _stored(cli.db) == events
    rewrapped = _wrapped(cli.db)
    assert rewrapped.keys() == wrapped.keys() and len(wrapped) == 3
    assert all(rewrapped[c] != wrapped[c] for c in wrapped)
    assert cli("summary", "alicia", "--session", "1").exit_code == 0
    stale = cli("sessions", "alicia", env={"CASELOG_KEY": old_key.strip()})
    assert stale.exit_code == 1 and "wrong key" in stale.stderr


@pytest.fixture
def erased(cli: Cli) -> tuple[Cli, str]:
    assert cli("project", "enable").exit_code == 0
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert "Marcus" in cli("search", "kindness meditation").stdout
    alicia = cli("replay", "alicia", "--json").stdout
    result = cli("erase", "Marcus Thompson", "--reason", "request 17", "--yes", "--actor", "dpo")
    assert result.exit_code == 0, result.output
    return cli, alicia


def test_after_erasure_no_plaintext_of_the_client_remains_in_the_store(erased):
    cli, _ = erased
    assert _leaks(cli.db, ("004",)) == []  # any table; and on SQLite, any byte of its files
    assert _leaks(cli.db, ("002",)), "the other clients' read models are still there"
    kindness = cli("search", "kindness meditation", "--json")
    assert kindness.exit_code == 0, kindness.output
    assert json.loads(kindness.stdout) == []
    feeling = cli("search", "feeling down", "--json")
    assert {hit["client"] for hit in json.loads(feeling.stdout)} == {"Alicia Rodriguez"}


def test_after_erasure_other_clients_replay_unchanged_and_the_chain_verifies(erased):
    cli, alicia = erased
    assert cli("replay", "alicia", "--json").stdout == alicia
    assert cli("verify").exit_code == 0


def test_an_erased_record_says_when_and_by_whom_instead_of_failing(erased):
    cli, _ = erased
    for command in ("replay", "summary", "recap", "homework", "sessions"):
        args = ["--session", "8"] if command == "summary" else []
        result = cli(command, "Marcus Thompson", *args)
        assert result.exit_code == 0, (command, result.output)
        assert "erased on" in result.stdout and "by dpo" in result.stdout
    log = json.loads(cli("log", "--json").stdout.splitlines()[-1])
    assert log["type"] == "ClientErased" and log["actor"] == "dpo"


def test_erasure_is_refused_on_a_plaintext_store_and_without_confirmation(db):
    cli = Cli(db)
    assert cli("ingest", "--plaintext", str(seed("004"))).exit_code == 0
    before = event_count(cli.db)
    unconfirmed = cli("erase", "Marcus Thompson", "--reason", "r")
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.stderr
    plain = cli("erase", "Marcus Thompson", "--reason", "r", "--yes")
    assert plain.exit_code == 1 and "plaintext store" in plain.stderr
    assert event_count(cli.db) == before


def test_an_encrypted_store_keeps_read_models_only_when_asked(cli):
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    refused = cli("search", "kindness")
    assert refused.exit_code == 1 and "caselog project enable" in refused.stderr
    # Open homework across clients still answers, from each client's own state.
    without = json.loads(cli("homework", "--all-clients", "--json").stdout)
    assert {r["homework_id"] for r in without} >= {"S8.H1", "S7.H2", "S7.H3"}
    assert cli("project", "enable").exit_code == 0
    assert json.loads(cli("homework", "--all-clients", "--json").stdout) == without
    assert cli("search", "kindness").exit_code == 0
    assert cli("project", "disable").exit_code == 0
    assert cli("search", "kindness").exit_code == 1
    assert _leaks(cli.db, ("000", "001", "002", "003", "004")) == []


@pytest.fixture
def postgresql() -> Iterator[str]:
    yield from postgres_store("erase")


@pytest.mark.postgres
def test_erasure_on_postgresql_rewrites_every_purged_table(postgresql):
    """VACUUM FULL writes each purged table to a new file and unlinks the old one, which
    still held the deleted rows' bytes (the PostgreSQL counterpart of SQLite's VACUUM)."""
    cli = Cli(postgresql)
    assert cli("project", "enable").exit_code == 0
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert "Marcus" in cli("search", "kindness meditation").stdout  # the read models hold him
    store = raw(postgresql)
    assert isinstance(store, PostgresDatabase)

    def files() -> dict[str, int]:
        with store.autocommit() as conn:
            return {
                table: conn.execute(
                    "SELECT pg_relation_filenode(?)", (f'"{store.schema}"."{table}"',)
                ).fetchone()[0]
                for table in store.tables(conn)
            }

    before = files()
    result = cli("erase", "Marcus Thompson", "--reason", "request 17", "--yes")
    assert result.exit_code == 0, result.output
    after = files()
    purged = {"stored_snapshots", "caselog_keys", *READ_MODEL_TABLES}
    assert purged <= before.keys()
    assert [t for t in sorted(purged) if after[t] == before[t]] == []
    # The record itself is not rewritten: its events stay, as ciphertext, and verify.
    assert after["stored_events"] == before["stored_events"]
    assert cli("verify").exit_code == 0
