"""Encryption at rest, keys, and erasure by crypto-shredding — on real files."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from caselog.adapters.crypto import encode_key, new_master_key
from caselog.adapters.parsing import parse_transcript
from caselog.domain.transcript import SECTION_KEYS, Utterance
from tests.conftest import FIXTURES, Cli, event_count, seed


def _plaintexts(prefix: str) -> list[bytes]:
    """Sentences, names and summary items of one seed, as they would appear if stored in clear."""
    parsed = parse_transcript(seed(prefix).read_bytes(), seed(prefix).name)
    found = [e.text for e in parsed.entries if isinstance(e, Utterance) and len(e.text) > 30]
    if parsed.client_name:
        found.append(parsed.client_name)
    if parsed.summary:
        found += [i for k in SECTION_KEYS for i in parsed.summary.items(k) if len(i) > 20]
    return [t.encode() for t in found]


def _store_bytes(db: str) -> bytes:
    """Every byte of the database and its -wal/-shm files (the key file is not the store)."""
    files = [p for p in Path(db).parent.glob(Path(db).name + "*") if not p.name.endswith(".key")]
    assert Path(db) in files
    return b"".join(p.read_bytes() for p in files)


def _leaks(db: str, prefixes: tuple[str, ...]) -> list[bytes]:
    raw = _store_bytes(db)
    return [t for p in prefixes for t in _plaintexts(p) if t in raw]


def test_an_encrypted_store_holds_no_sentence_name_or_summary_item_in_any_file(cli):
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert _leaks(cli.db, ("000", "001", "002", "003", "004")) == []
    assert cli("replay", "alicia", "--session", "1").exit_code == 0  # and it still reads


def test_a_plaintext_store_is_made_on_request_and_says_so(tmp_path):
    for how, env in ((["--plaintext"], None), ([], {"CASELOG_ENCRYPTION": "off"})):
        cli = Cli(str(tmp_path / f"plain{len(how)}.db"))
        assert cli("ingest", *how, str(seed("002")), env=env).exit_code == 0
        assert _leaks(cli.db, ("002",)), "the plaintext store holds the text as written"
        assert not Path(cli.db + ".key").exists()


def test_plaintext_is_refused_for_a_store_that_is_already_encrypted(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0
    result = cli("ingest", "--plaintext", str(seed("004")))
    assert result.exit_code == 1 and "already encrypted" in result.stderr


def test_the_database_and_key_files_are_readable_by_their_owner_only(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0
    for path in (cli.db, cli.db + ".key"):
        assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600, path


def test_a_wrong_or_missing_key_is_one_line_and_writes_nothing(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0
    before = event_count(cli.db)
    wrong = cli("ingest", str(seed("004")), env={"CASELOG_KEY": encode_key(new_master_key())})
    assert wrong.exit_code == 1 and "wrong key" in wrong.stderr
    assert "Traceback" not in wrong.output and len(wrong.stderr.strip().splitlines()) == 1
    Path(cli.db + ".key").rename(cli.db + ".elsewhere")
    missing = cli("ingest", str(seed("004")))
    assert missing.exit_code == 1 and "key was not found" in missing.stderr
    assert not Path(cli.db + ".key").exists(), "no new key may be made for an existing store"
    Path(cli.db + ".elsewhere").rename(cli.db + ".key")
    assert event_count(cli.db) == before


def _stored(db: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT * FROM stored_events ORDER BY rowid").fetchall()
    conn.close()
    return rows


def test_rotating_the_key_rewraps_data_keys_without_rewriting_events(cli):
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    old_key = Path(cli.db + ".key").read_text()
    events = _stored(cli.db)
    result = cli("rotate-key")
    assert result.exit_code == 0, result.output
    assert Path(cli.db + ".key").read_text() != old_key
    assert _stored(cli.db) == events
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


def test_after_erasure_no_plaintext_of_the_client_remains_in_any_file(erased):
    cli, _ = erased
    assert _leaks(cli.db, ("004",)) == []
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


def test_erasure_is_refused_on_a_plaintext_store_and_without_confirmation(tmp_path):
    cli = Cli(str(tmp_path / "plain.db"))
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
