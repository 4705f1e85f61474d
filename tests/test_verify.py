"""Tamper evidence: damage the store behind caselog's back (plain SQL, on SQLite and on
PostgreSQL); verify names the client and version."""

from __future__ import annotations

import json

import pytest
from eventsourcing.persistence import StoredEvent

from caselog.adapters.chain import event_fields, link
from caselog.adapters.read_checks import snapshot_link
from caselog.adapters.store import open_store
from tests.conftest import FIXTURES, Cli, raw


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _marcus(cli: Cli) -> tuple[str, int]:
    app = open_store(cli.db).app
    cid = app.client_id_for("Marcus Thompson")
    return cid.hex, app.get_client(cid).version  # type: ignore[union-attr]


def _sql(db: str, statement: str, *params: object) -> None:
    with raw(db).transaction() as conn:
        conn.execute(statement, params)


def _eid(db: str, cid: str) -> object:
    """A client id as stored_events holds it (hex text on SQLite, a uuid on PostgreSQL)."""
    return raw(db).event_id(cid)


def _flip_first_byte(db: str, cid: str, version: int) -> None:
    """Change the first byte of an event as stored (always a change: XOR, not a set)."""
    with raw(db).transaction() as conn:
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=?",
            (_eid(db, cid), version),
        ).fetchone()
        conn.execute(
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
            (bytes([state[0] ^ 0x01]) + bytes(state)[1:], _eid(db, cid), version),
        )


def _report(cli: Cli, *args: str) -> tuple[int, dict]:
    result = cli("verify", "--json", *args)
    return result.exit_code, json.loads(result.stdout)


def _broken(report: dict) -> list[tuple[str | None, int | None]]:
    return [
        (b["client_id"] and b["client_id"].replace("-", ""), b["version"]) for b in report["breaks"]
    ]


def test_an_untouched_store_verifies_intact(seeded):
    result = seeded("verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.stdout
    code, report = _report(seeded)
    assert code == 0 and report["ok"] and report["breaks"] == [] and report["clients"] == 3


def test_a_flipped_byte_is_named_by_client_and_version(seeded):
    cid, _ = _marcus(seeded)
    _flip_first_byte(seeded.db, cid, 5)
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, 5)]
    text = seeded("verify")
    assert text.exit_code == 1 and "version 5" in text.stdout


def test_a_deleted_event_is_named(seeded):
    cid, _ = _marcus(seeded)
    _sql(
        seeded.db,
        "DELETE FROM stored_events WHERE originator_id=? AND originator_version=9",
        _eid(seeded.db, cid),
    )
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, 9)]
    assert "deleted" in report["breaks"][0]["problem"]


def test_a_forged_row_is_named(seeded):
    cid, last = _marcus(seeded)
    with raw(seeded.db).transaction() as conn:
        (topic, state) = conn.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id=? AND originator_version=?",
            (_eid(seeded.db, cid), last),
        ).fetchone()
        conn.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (?,?,?,?)",
            (_eid(seeded.db, cid), last + 1, topic, state),
        )
    code, report = _report(seeded)
    assert code == 1 and (cid, last + 1) in _broken(report)


def test_swapped_states_are_both_named(seeded):
    cid, _ = _marcus(seeded)
    with raw(seeded.db).transaction() as conn:
        rows = dict(
            conn.execute(
                "SELECT originator_version, state FROM stored_events "
                "WHERE originator_id=? AND originator_version IN (10, 11)",
                (_eid(seeded.db, cid),),
            ).fetchall()
        )
        for version, other in ((10, 11), (11, 10)):
            conn.execute(
                "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
                (rows[other], _eid(seeded.db, cid), version),
            )
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, 10), (cid, 11)]


def test_a_dropped_last_event_is_named_and_a_thorough_one_caught_by_the_digest(seeded):
    cid, last = _marcus(seeded)
    anchor = seeded("verify", "--digest").stdout.strip()
    assert anchor.startswith("sha256:")
    _sql(
        seeded.db,
        "DELETE FROM stored_events WHERE originator_id=? AND originator_version=?",
        _eid(seeded.db, cid),
        last,
    )
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, last)]
    # Remove its link and its snapshot, and rewind the head: the chain is consistent again…
    _sql(
        seeded.db,
        "DELETE FROM event_chain WHERE originator_id=? AND originator_version=?",
        cid,
        last,
    )
    _sql(seeded.db, "DELETE FROM stored_snapshots WHERE originator_id=?", _eid(seeded.db, cid))
    with raw(seeded.db).transaction() as conn:
        (link,) = conn.execute(
            "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
            (cid, last - 1),
        ).fetchone()
        conn.execute(
            "UPDATE chain_heads SET originator_version=?, link=? WHERE originator_id=?",
            (last - 1, link, cid),
        )
    assert seeded("verify").exit_code == 0
    # …but not with the digest anchored before.
    result = seeded("verify", "--expect-digest", anchor)
    assert result.exit_code == 1 and "tail removed" in result.stdout


def test_verify_needs_no_decryption_key(seeded, tmp_path):
    key_file = raw(seeded.db).default_key_file()
    key_file.rename(tmp_path / "elsewhere.key")
    assert seeded("verify").exit_code == 0
    assert seeded("sessions", "marcus").exit_code == 1


def test_a_keyed_chain_refuses_a_wrong_or_missing_integrity_key(db, monkeypatch):
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "correct horse battery staple")
    cli = Cli(db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert cli("verify").exit_code == 0
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "a guess")
    wrong = cli("verify")
    assert wrong.exit_code == 1 and "wrong integrity key" in wrong.stderr
    monkeypatch.delenv("CASELOG_INTEGRITY_KEY")
    missing = cli("verify")
    assert missing.exit_code == 1 and "CASELOG_INTEGRITY_KEY" in missing.stderr


def _forge(db: str, cid: str, version: int) -> None:
    """Alter one event and recompute every later link, as a forger without the key would."""
    _flip_first_byte(db, cid, version)
    with raw(db).transaction() as conn:
        (previous,) = conn.execute(
            "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
            (cid, version - 1),
        ).fetchone()
        rows = conn.execute(
            "SELECT originator_version, topic, state FROM stored_events "
            "WHERE originator_id=? AND originator_version>=? ORDER BY originator_version",
            (_eid(db, cid), version),
        ).fetchall()
        for v, topic, state in rows:
            previous = link(bytes(previous), event_fields(topic, cid, v, bytes(state)), None)
            conn.execute(
                "UPDATE event_chain SET link=? WHERE originator_id=? AND originator_version=?",
                (previous, cid, v),
            )
            # The snapshot taken at this version is linked to it: relink it too.
            for snapshot_topic, snapshot_state in conn.execute(
                "SELECT topic, state FROM stored_snapshots "
                "WHERE originator_id=? AND originator_version=?",
                (_eid(db, cid), v),
            ).fetchall():
                snapshot = StoredEvent(
                    originator_id=cid,
                    originator_version=v,
                    topic=snapshot_topic,
                    state=bytes(snapshot_state),
                )
                conn.execute(
                    "UPDATE snapshot_links SET link=? "
                    "WHERE originator_id=? AND originator_version=?",
                    (snapshot_link(bytes(previous), snapshot, None), cid, v),
                )
        conn.execute("UPDATE chain_heads SET link=? WHERE originator_id=?", (previous, cid))


@pytest.mark.parametrize(("key", "caught"), [(None, False), ("k3y for this store", True)])
def test_only_a_keyed_chain_catches_links_recomputed_by_a_forger(db, monkeypatch, key, caught):
    if key:
        monkeypatch.setenv("CASELOG_INTEGRITY_KEY", key)
    cli = Cli(db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    anchor = cli("verify", "--digest").stdout.strip()
    cid, _ = _marcus(cli)
    _forge(cli.db, cid, 7)
    code, report = _report(cli)
    assert (code == 1) is caught
    if caught:
        assert _broken(report)[0] == (cid, 7)
    # Unkeyed, the anchored digest is what catches the forgery.
    assert cli("verify", "--expect-digest", anchor).exit_code == 1


def test_a_chain_naming_a_client_id_that_is_not_a_uuid_is_reported(seeded):
    # On PostgreSQL the events' ids are uuids and the chain's are text: gathered apart.
    _sql(seeded.db, "INSERT INTO event_chain VALUES (?, ?, ?)", "not-a-uuid", 1, bytes(32))
    code, report = _report(seeded)
    assert code == 1 and report["clients"] == 3
    assert {(b["client_id"], b["version"]) for b in report["breaks"]} == {
        ("not-a-uuid", 1),  # its event is gone from the end…
        ("not-a-uuid", None),  # …and it has no head
    }


def test_a_store_verify_cannot_read_fails_in_one_line(seeded):
    _sql(seeded.db, "ALTER TABLE chain_heads RENAME COLUMN originator_version TO moved")
    result = seeded("verify")
    assert result.exit_code == 1 and result.stderr.startswith(f"error: {raw(seeded.db).where}: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_damaged_text_on_sqlite_is_reported_not_fatal(sqlite_db):
    """SQLite lets a TEXT column hold any bytes; verify reads them as stored and reports
    the row, and a value whose bytes are unchanged (only its type) still verifies."""
    cli = Cli(sqlite_db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    cid, _ = _marcus(cli)
    _sql(
        sqlite_db,
        "UPDATE stored_events SET state = CAST(state AS TEXT) "
        "WHERE originator_id=? AND originator_version=2",
        cid,
    )
    assert cli("verify").exit_code == 0  # ciphertext as TEXT: the same bytes
    _sql(
        sqlite_db,
        "UPDATE stored_events SET topic = CAST(X'80FF' AS TEXT) || topic "
        "WHERE originator_id=? AND originator_version=4",
        cid,
    )
    assert cli("sessions", "alex").exit_code == 0  # logs one access
    _sql(sqlite_db, "UPDATE access_log SET actor = CAST(X'FF' AS TEXT) WHERE seq=1")
    code, report = _report(cli)
    assert code == 1
    assert [(b["log"], b["version"]) for b in report["breaks"]] == [
        ("events", 4),
        ("access_log", 1),
    ]
    listed = cli("access-log", "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout.splitlines()[0])["actor"] == "\ufffd"
    # A damaged last link does not stop reads from being logged after it.
    _sql(sqlite_db, "UPDATE access_log SET link = CAST(X'80FF' AS TEXT) WHERE seq=2")
    assert cli("sessions", "alex").exit_code == 0
    code, report = _report(cli)
    assert [(b["log"], b["version"]) for b in report["breaks"]] == [
        ("events", 4),
        ("access_log", 1),
        ("access_log", 2),
    ]


def test_two_writers_taking_turns_on_one_client_keep_its_chain_whole(db, tmp_path):
    """Each writer remembers the link it wrote last; after the other's write it must
    read the chain's end again, not chain on from its own."""
    from caselog.adapters.transcript_files import IngestOptions
    from caselog.adapters.verify import verify_events
    from tests.conftest import ingest
    from tests.transcripts import write_transcript

    first, second = open_store(db, create=True).app, open_store(db).app
    folder = tmp_path / "turns"
    for session in range(1, 6):
        writer = first if session % 2 else second
        path = write_transcript(folder, "Dana Whitfield", session)
        (result,) = ingest(writer, [str(path)], IngestOptions(actor="t"))
        assert result.status == "recorded"
    path = write_transcript(folder, "Dana Whitfield", 6)
    (again,) = ingest(first, [str(path)], IngestOptions(actor="t"))
    assert again.status == "recorded"
    verification = verify_events(raw(db), None)
    assert verification.breaks == []
    dana = first.client_id_for("Dana Whitfield")
    assert verification.events == len(first.client_events(dana))


def test_a_failure_while_chaining_a_session_stores_none_of_it(db, monkeypatch):
    """On PostgreSQL the library's insert commits what was sent when a later step
    raises, so the links must be made before the events are sent."""
    from caselog.adapters.chain import EventChain
    from caselog.adapters.verify import verify_events
    from tests.sessions import parsed

    app = open_store(db, create=True).app
    app.record_session(parsed(client="Ana Pereira", session=1, body="one"), actor="t")
    before = app.recorder.max_notification_id()

    def broken(*_args: object) -> bytes:
        raise RuntimeError("the chain could not be extended")

    monkeypatch.setattr(EventChain, "extend", broken)
    with pytest.raises(RuntimeError, match="could not be extended"):
        app.record_session(parsed(client="Ana Pereira", session=2, body="two"), actor="t")
    monkeypatch.undo()
    assert app.recorder.max_notification_id() == before
    assert verify_events(raw(db), None).breaks == []
    again = app.record_session(parsed(client="Ana Pereira", session=2, body="two"), actor="t")
    assert again.status == "recorded"
    assert verify_events(raw(db), None).breaks == []
