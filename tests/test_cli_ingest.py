"""`caselog ingest` on the real seed transcripts, through the CLI, on a real SQLite file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from caselog.adapters.store import open_store
from caselog.application.records import Records
from tests.conftest import FIXTURES, SEEDS, Cli, event_count, raw, seed
from tests.transcripts import CLIENTS, write_transcript


def _ingest_all(cli, *extra: str):
    return cli("ingest", *map(str, SEEDS), *extra)


def _records(db: str) -> Records:
    return Records(open_store(db).app)


def _events_without_audit_fields(db: str) -> dict[str, list[dict]]:
    """Each client's events as data, minus when and by whom they were recorded."""
    store = _records(db)
    found = {}
    for view in store.clients():
        entries = store.client(view.name).history()
        found[view.name] = [
            {k: v for k, v in e.as_json_line().items() if k not in ("recorded_at", "actor")}
            for e in entries
        ]
    return found


def test_ingesting_the_seed_folder_records_every_file(cli, db):
    result = cli("ingest", str(FIXTURES), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["status"] for r in rows] == ["recorded"] * 5
    assert {(r["client"], r["session"]) for r in rows} == {
        ("Alex", 5),
        ("Alex", 14),
        ("Alicia Rodriguez", 1),
        ("Alicia Rodriguez", 2),
        ("Marcus Thompson", 8),
    }
    assert sum(r["events"] for r in rows) == event_count(db)
    assert set(rows[0]) == {
        *("file", "status", "client", "session", "events", "error"),
        *("inferred", "similar_clients"),
    }


def test_clients_json_lists_names_sessions_and_event_counts(cli, db):
    _ingest_all(cli)
    clients = json.loads(cli("clients", "--json").stdout)
    assert [(c["name"], c["sessions"]) for c in clients] == [
        ("Alex", [5, 14]),
        ("Alicia Rodriguez", [1, 2]),
        ("Marcus Thompson", [8]),
    ]
    assert sum(c["events"] for c in clients) == event_count(db)
    assert all(len(c["client_id"]) == 36 for c in clients)


def test_reingesting_the_folder_reports_every_file_unchanged_and_records_nothing(cli, db):
    _ingest_all(cli)
    before = event_count(db)
    rows = json.loads(_ingest_all(cli, "--json").stdout)
    assert [r["status"] for r in rows] == ["unchanged"] * 5
    assert event_count(db) == before


def test_a_folder_ingests_to_the_same_record_whatever_the_file_order(tmp_path, cli, db):
    from tests.conftest import Cli

    # Renaming reverses the order the folder lists its files in.
    reversed_dir = tmp_path / "reversed"
    reversed_dir.mkdir()
    for i, path in enumerate(reversed(SEEDS)):
        shutil.copy(path, reversed_dir / f"{i}_{path.name}")
    other_db = str(tmp_path / "other.db")
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert Cli(other_db)("ingest", str(reversed_dir)).exit_code == 0

    def without_file_names(db_path: str) -> dict[str, list[dict]]:
        found = _events_without_audit_fields(db_path)
        for events in found.values():
            for e in events:
                if e["type"] == "SessionOpened":
                    e["source"] = {**e["source"], "file": None}
        return found

    assert without_file_names(db) == without_file_names(other_db)


def test_a_continuation_ingested_before_its_predecessor_still_matches_in_one_run(cli):
    result = cli("ingest", str(seed("003")), str(seed("002")), "--json")
    rows = {Path(r["file"]).name[:3]: r for r in json.loads(result.stdout)}
    assert result.exit_code == 0
    assert (rows["003"]["client"], rows["003"]["session"]) == ("Alicia Rodriguez", 2)


def test_a_continuation_with_nothing_to_match_is_an_error_that_says_what_to_give(cli, db):
    result = cli("ingest", str(seed("003")))
    assert result.exit_code == 1
    assert "003_74e5436fbbdef58e.txt" in result.stderr
    assert "--client" in result.stderr and "--session" in result.stderr
    assert not raw(db).exists()  # a failed first ingest leaves no store behind


def test_a_continuation_can_be_placed_by_client_and_session(cli):
    result = cli(
        "ingest", str(seed("003")), "--client", "Alicia Rodriguez", "--session", "2", "--json"
    )
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["client"], row["session"], row["status"]) == ("Alicia Rodriguez", 2, "recorded")


def test_a_different_file_for_a_recorded_session_is_refused_naming_the_earlier_source(
    tmp_path, cli, db
):
    cli("ingest", str(seed("000")))
    before = event_count(db)
    edited = tmp_path / "edited.txt"
    edited.write_text(seed("000").read_text().replace("mixed bag", "mixed day"))
    result = cli("ingest", str(edited))
    assert result.exit_code == 1
    assert "already recorded from 000_d83eaa6e163e350a.txt" in result.stderr
    assert event_count(db) == before


def test_dry_run_records_nothing_but_reports_what_it_would(cli, db):
    cli("ingest", str(seed("002")))  # create the store
    before = event_count(db)
    result = cli("ingest", str(seed("004")), "--dry-run", "--json")
    (row,) = json.loads(result.stdout)
    assert row["status"] == "recorded" and row["events"] > 0
    assert event_count(db) == before


def test_every_event_carries_the_actor_from_the_option_then_env_then_os_user(cli, db):
    import getpass

    cli("ingest", str(seed("000")), "--actor", "dr.torres")
    cli("ingest", str(seed("001")), env={"CASELOG_ACTOR": "research-bot"})
    cli("ingest", str(seed("002")), env={"CASELOG_ACTOR": ""})
    sessions = {s.number: s.recorded_by for s in _records(db).client("alex").sessions()}
    assert sessions == {5: "dr.torres", 14: "research-bot"}
    alicia = _records(db).client("alicia").history()
    assert {e.actor for e in alicia} == {getpass.getuser()}


def test_the_format_can_be_forced_and_a_wrong_forced_format_is_an_error(cli, db):
    assert cli("ingest", str(seed("002")), "--format", "C").exit_code == 0
    wrong = cli("ingest", str(seed("004")), "--format", "A")
    assert wrong.exit_code == 1
    assert "004_4efce3182aebd317.txt:" in wrong.stderr


def test_session_zero_is_refused_naming_the_file(cli, db, tmp_path):
    path = write_transcript(tmp_path, "Zed Zero", 1)
    text = path.read_text().replace("Session 1/40", "Session 0/40", 1)
    path.write_text(text)
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    assert "expected a session number of 1 or more" in result.stderr
    assert cli("ingest", "--session", "0", str(path)).exit_code == 2


def test_a_large_folder_is_summed_up_by_status_and_json_still_lists_every_file(tmp_path):
    folder = tmp_path / "many"
    for client in CLIENTS[:3]:
        for session in range(1, 19):
            write_transcript(folder, client, session)
    (folder / "broken.txt").write_text("Session 1/40\n")
    cli = Cli(str(tmp_path / "store.db"))
    result = cli("ingest", str(folder))
    assert result.exit_code == 1
    assert result.stderr.count("error: ") == 1 and "broken.txt" in result.stderr
    rows = {line.split()[1]: line.split()[2:] for line in result.stdout.splitlines() if "│" in line}
    assert rows["recorded"][:6] == ["│", "54", "│", "3", "│", "54"]
    assert rows["error"][:2] == ["│", "1"]
    assert "--json lists every file" in result.stdout
    again = cli("ingest", str(folder), "--json")
    listed = json.loads(again.stdout)
    assert len(listed) == 55
    assert sum(r["status"] == "unchanged" for r in listed) == 54
