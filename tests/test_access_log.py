"""The access log: every read of a client's record is one chained, append-only entry."""

from __future__ import annotations

import json
import threading
from uuid import UUID

import pytest

from caselog.adapters.access_log import ACCESS_LOG_TABLE, AccessLog, entry_fields
from caselog.adapters.chain import GENESIS, link
from caselog.adapters.database import PostgresDatabase, database
from caselog.adapters.store import open_store
from tests.conftest import FIXTURES, Cli, raw


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _entries(db: str) -> list[tuple]:
    store = raw(db)
    with store.transaction() as conn:
        conn.execute(store.ddl(ACCESS_LOG_TABLE))
        rows = conn.execute(
            "SELECT seq, at, actor, command, client_id, link FROM access_log ORDER BY seq"
        ).fetchall()
    return [(*row[:5], bytes(row[5])) for row in rows]


def _marcus(db: str) -> str:
    return open_store(db).app.client_id_for("Marcus Thompson").hex


def _sql(db: str, statement: str, *params: object) -> None:
    with raw(db).transaction() as conn:
        conn.execute(statement, params)


def _verify(cli: Cli) -> tuple[int, dict]:
    result = cli("verify", "--json")
    return result.exit_code, json.loads(result.stdout)


READS = [
    ("sessions", "marcus"),
    ("replay", "marcus"),
    ("summary", "marcus", "--session", "8"),
    ("recap", "marcus"),
    ("homework", "marcus"),
    ("log", "--client", "marcus"),
    ("export", "marcus"),
]


@pytest.mark.parametrize("args", READS, ids=[a[0] for a in READS])
def test_each_reading_command_appends_exactly_one_entry(seeded, args):
    assert _entries(seeded.db) == []  # ingest writes; it reads no record
    result = seeded(*args, env={"CASELOG_ACTOR": "dr-harper"})
    assert result.exit_code == 0, result.output
    [(seq, at, actor, command, client_id, chained)] = _entries(seeded.db)
    assert (seq, actor, command, client_id) == (1, "dr-harper", args[0], _marcus(seeded.db))
    assert at.endswith("+00:00") and len(chained) == 32


def test_a_command_with_actor_logs_that_actor(seeded):
    result = seeded("homework-set", "alicia", "S1.H1", "completed", "--actor", "nurse-kim")
    assert result.exit_code == 0, result.output
    [entry] = _entries(seeded.db)
    assert entry[2:4] == ("nurse-kim", "homework-set")


def test_a_failed_lookup_logs_nothing_and_names_stay_out_of_the_log(seeded):
    assert seeded("sessions", "nobody").exit_code == 1
    assert _entries(seeded.db) == []
    seeded("sessions", "marcus")
    logged = _entries(seeded.db)
    assert logged and not any(b"Marcus" in str(field).encode() for e in logged for field in e)
    assert logged[0][4] == _marcus(seeded.db)  # the id stands for the name


def test_listings_of_the_whole_store_are_logged_without_a_client(seeded):
    assert seeded("clients").exit_code == 0
    assert seeded("log").exit_code == 0
    assert [(e[3], e[4]) for e in _entries(seeded.db)] == [("clients", None), ("log", None)]


def test_access_log_lists_filters_and_logs_its_own_read(seeded):
    seeded("sessions", "marcus", env={"CASELOG_ACTOR": "a1"})
    seeded("recap", "alex", env={"CASELOG_ACTOR": "a2"})
    seeded("summary", "marcus", "--session", "8", env={"CASELOG_ACTOR": "a3"})
    result = seeded("access-log", "--client", "marcus", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["seq"], r["actor"], r["command"], r["client"]) for r in rows] == [
        (1, "a1", "sessions", "Marcus Thompson"),
        (3, "a3", "summary", "Marcus Thompson"),
    ]
    assert set(rows[0]) == {"seq", "at", "actor", "command", "client_id", "client"}
    # Resolving "marcus" to filter logged no read of Marcus; the listing is one store-wide read.
    assert [(e[3], e[4]) for e in _entries(seeded.db)][-1] == ("access-log", None)
    assert len(_entries(seeded.db)) == 4
    table = seeded("access-log")
    assert table.exit_code == 0 and "Marcus Thompson" in table.stdout and "(store)" in table.stdout


def test_access_log_reads_ids_without_the_decryption_key(seeded, tmp_path):
    seeded("sessions", "marcus")
    marcus = str(UUID(hex=_marcus(seeded.db)))
    raw(seeded.db).default_key_file().rename(tmp_path / "elsewhere.key")
    by_name = seeded("access-log", "--client", "Marcus Thompson", "--json")
    # Without the key a name gives away nothing, not even which id it would have.
    assert by_name.exit_code == 1
    assert "name a client by its id" in by_name.output
    result = seeded("access-log", "--client", marcus, "--json")
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row["client_id"] == marcus
    assert row["client"] is None


def test_entries_are_chained_like_events(seeded):
    for args in READS[:3]:
        seeded(*args)
    previous = GENESIS
    for _seq, at, actor, command, client_id, stored in _entries(seeded.db):
        fields = entry_fields(at.encode(), actor.encode(), command.encode(), client_id.encode())
        previous = link(previous, fields, None)
        assert stored == previous
    code, report = _verify(seeded)
    assert code == 0 and report["access_log_entries"] == 3
    assert report["access_log_head"] == previous.hex()


def test_reads_do_not_change_the_digest(seeded):
    before = seeded("verify", "--digest").stdout
    seeded("sessions", "marcus")
    assert seeded("verify", "--digest").stdout == before


@pytest.fixture
def logged(seeded: Cli) -> Cli:
    for args in READS[:4]:
        assert seeded(*args).exit_code == 0
    return seeded


def _access_breaks(report: dict) -> list[int]:
    return [b["version"] for b in report["breaks"] if b["log"] == "access_log"]


def test_an_altered_entry_is_named_by_seq(logged):
    _sql(logged.db, "UPDATE access_log SET actor='someone-else' WHERE seq=2")
    code, report = _verify(logged)
    assert code == 1 and _access_breaks(report) == [2]
    text = logged("verify")
    assert text.exit_code == 1 and "access_log" in text.stdout and "seq 2" in text.stdout


def test_a_deleted_entry_is_named(logged):
    _sql(logged.db, "DELETE FROM access_log WHERE seq=2")
    code, report = _verify(logged)
    assert code == 1 and _access_breaks(report) == [2]
    assert "deleted" in report["breaks"][0]["problem"]


def test_deleted_and_renumbered_entries_break_the_next_link(logged):
    _sql(logged.db, "DELETE FROM access_log WHERE seq=2")
    _sql(logged.db, "UPDATE access_log SET seq=seq-1 WHERE seq>2")
    code, report = _verify(logged)
    assert code == 1 and 2 in _access_breaks(report)


def test_a_removed_last_entry_is_named(logged):
    _sql(logged.db, "DELETE FROM access_log WHERE seq=4")
    code, report = _verify(logged)
    assert code == 1 and _access_breaks(report) == [4]


def test_an_inserted_entry_is_named(logged):
    (_, at, _, _, client_id, chained) = _entries(logged.db)[-1]
    _sql(
        logged.db,
        "INSERT INTO access_log (at, actor, command, client_id, link) VALUES (?,?,?,?,?)",
        at,
        "ghost",
        "sessions",
        client_id,
        chained,
    )
    code, report = _verify(logged)
    assert code == 1 and _access_breaks(report) == [5]


def test_a_keyed_log_catches_links_recomputed_without_the_key(db, monkeypatch):
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "k3y for this store")
    cli = Cli(db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    cli("sessions", "marcus")
    assert _verify(cli)[0] == 0
    (_, at, _, command, _, _) = _entries(cli.db)[0]
    forged = link(GENESIS, entry_fields(at.encode(), b"x", command.encode(), None), None)
    _sql(cli.db, "UPDATE access_log SET actor='x', client_id=NULL, link=? WHERE seq=1", forged)
    code, report = _verify(cli)
    assert code == 1 and _access_breaks(report) == [1]


def test_concurrent_appends_stay_one_chain(seeded):
    cid = open_store(seeded.db).app.client_id_for("Alex")

    def read(n: int) -> None:
        # Each writer on its own connection, as separate processes would be.
        store = database(seeded.db)
        log = AccessLog(store, None)
        for _ in range(10):
            log.append(actor=f"t{n}", command="sessions", client_ids=[cid])
        if isinstance(store, PostgresDatabase):
            store.close()

    threads = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    code, report = _verify(seeded)
    assert code == 0 and report["access_log_entries"] == 40
    assert [e[0] for e in _entries(seeded.db)] == list(range(1, 41))


def test_reads_across_clients_log_each_client_shown(db):
    cli = Cli(db)
    assert cli("ingest", str(FIXTURES), "--plaintext").exit_code == 0
    app = open_store(cli.db).app
    marcus, alicia = (app.client_id_for(n).hex for n in ("Marcus Thompson", "Alicia Rodriguez"))
    assert cli("search", "kindness meditation").exit_code == 0
    assert [(e[3], e[4]) for e in _entries(cli.db)] == [("search", marcus)]
    assert cli("search", "no such words anywhere").exit_code == 0  # nothing shown: nothing read
    assert len(_entries(cli.db)) == 1
    assert cli("homework", "--all-clients").exit_code == 0
    shown = {e[4] for e in _entries(cli.db) if e[3] == "homework"}
    assert marcus in shown and alicia in shown


def test_an_access_log_that_cannot_be_written_fails_in_one_line(seeded):
    seeded("sessions", "marcus")
    _sql(seeded.db, "ALTER TABLE access_log RENAME COLUMN link TO moved")
    result = seeded("sessions", "marcus")
    assert result.exit_code == 1 and result.stderr.startswith(f"error: {raw(seeded.db).where}: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_an_append_that_fails_midway_leaves_no_gap(seeded):
    """A failed append rolls back whole, and its numbers with it: no false "deleted"
    (on PostgreSQL a sequence would keep the numbers it handed out)."""
    seeded("sessions", "marcus")
    log = AccessLog(raw(seeded.db), None)
    cid = open_store(seeded.db).app.client_id_for("Alex")

    def interrupted():
        yield cid
        yield cid
        raise KeyboardInterrupt  # e.g. ^C while a multi-client read is being logged

    with pytest.raises(KeyboardInterrupt):
        log.append(actor="t", command="homework", client_ids=interrupted())
    assert len(_entries(seeded.db)) == 1
    assert _verify(seeded) == (0, _verify(seeded)[1])
    assert log.append(actor="t", command="homework", client_ids=[cid]) == [2]
    code, report = _verify(seeded)
    assert code == 0 and report["access_log_entries"] == 2, report["breaks"]


def test_a_log_from_before_its_head_table_counts_from_its_serial_key(logged):
    """Stores whose log predates ``access_log_head`` keep their gap detection."""
    _sql(logged.db, "DROP TABLE access_log_head")
    assert _verify(logged)[0] == 0
    _sql(logged.db, "DELETE FROM access_log WHERE seq=4")
    code, report = _verify(logged)
    assert code == 1 and _access_breaks(report) == [4]
    assert AccessLog(raw(logged.db), None).append(actor="t", command="c", client_ids=[None]) == [5]


def test_a_read_through_the_python_api_is_logged_with_its_actor(seeded):
    import caselog

    with caselog.open_store(seeded.db, actor="dr-ward") as store:
        marcus = store.records.client("marcus")
        assert marcus.recap().for_session == 9
        marcus.sessions()  # the same resolved record: one read, one entry
        assert store.records.clients()
    assert [(e[2], e[3], e[4]) for e in _entries(seeded.db)] == [
        ("dr-ward", "python", _marcus(seeded.db)),
        ("dr-ward", "python", None),  # the listing: a read of the whole store
    ]
    code, report = _verify(seeded)
    assert code == 0 and report["access_log_entries"] == 2
