"""Tamper evidence: damage the store with plain sqlite3; verify names the client and version."""

from __future__ import annotations

import json
import sqlite3

import pytest

from caselog.adapters.chain import event_fields, link
from caselog.adapters.store import open_store
from tests.conftest import FIXTURES, Cli


@pytest.fixture
def seeded(cli: Cli) -> Cli:
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _marcus(cli: Cli) -> tuple[str, int]:
    app = open_store(cli.db)
    cid = app.client_id_for("Marcus Thompson")
    return cid.hex, app.get_client(cid).version  # type: ignore[union-attr]


def _sql(db: str, statement: str, *params: object) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(statement, params)
    conn.close()


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
    _sql(
        seeded.db,
        "UPDATE stored_events SET state = CAST(X'00' || substr(state, 2) AS BLOB) "
        "WHERE originator_id=? AND originator_version=5",
        cid,
    )
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, 5)]
    text = seeded("verify")
    assert text.exit_code == 1 and "version 5" in text.stdout


def test_a_deleted_event_is_named(seeded):
    cid, _ = _marcus(seeded)
    _sql(seeded.db, "DELETE FROM stored_events WHERE originator_id=? AND originator_version=9", cid)
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, 9)]
    assert "deleted" in report["breaks"][0]["problem"]


def test_a_forged_row_is_named(seeded):
    cid, last = _marcus(seeded)
    with sqlite3.connect(seeded.db) as conn:
        (topic, state) = conn.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id=? AND originator_version=?",
            (cid, last),
        ).fetchone()
        conn.execute(
            "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
            "VALUES (?,?,?,?)",
            (cid, last + 1, topic, state),
        )
    conn.close()
    code, report = _report(seeded)
    assert code == 1 and (cid, last + 1) in _broken(report)


def test_swapped_states_are_both_named(seeded):
    cid, _ = _marcus(seeded)
    with sqlite3.connect(seeded.db) as conn:
        rows = dict(
            conn.execute(
                "SELECT originator_version, state FROM stored_events "
                "WHERE originator_id=? AND originator_version IN (10, 11)",
                (cid,),
            ).fetchall()
        )
        for version, other in ((10, 11), (11, 10)):
            conn.execute(
                "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
                (rows[other], cid, version),
            )
    conn.close()
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, 10), (cid, 11)]


def test_a_dropped_last_event_is_named_and_a_thorough_one_caught_by_the_digest(seeded):
    cid, last = _marcus(seeded)
    anchor = seeded("verify", "--digest").stdout.strip()
    assert anchor.startswith("sha256:")
    _sql(
        seeded.db,
        "DELETE FROM stored_events WHERE originator_id=? AND originator_version=?",
        cid,
        last,
    )
    code, report = _report(seeded)
    assert code == 1 and _broken(report) == [(cid, last)]
    # Remove its link and rewind the head too: the chain is consistent again…
    _sql(
        seeded.db,
        "DELETE FROM event_chain WHERE originator_id=? AND originator_version=?",
        cid,
        last,
    )
    with sqlite3.connect(seeded.db) as conn:
        (link,) = conn.execute(
            "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
            (cid, last - 1),
        ).fetchone()
        conn.execute(
            "UPDATE chain_heads SET originator_version=?, link=? WHERE originator_id=?",
            (last - 1, link, cid),
        )
    conn.close()
    assert seeded("verify").exit_code == 0
    # …but not with the digest anchored before.
    result = seeded("verify", "--expect-digest", anchor)
    assert result.exit_code == 1 and "tail removed" in result.stdout


def test_verify_needs_no_decryption_key(seeded, tmp_path):
    key_file = tmp_path / "store.db.key"
    key_file.rename(tmp_path / "elsewhere.key")
    assert seeded("verify").exit_code == 0
    assert seeded("sessions", "marcus").exit_code == 1


def test_a_keyed_chain_refuses_a_wrong_or_missing_integrity_key(tmp_path, monkeypatch):
    monkeypatch.setenv("CASELOG_INTEGRITY_KEY", "correct horse battery staple")
    cli = Cli(str(tmp_path / "keyed.db"))
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
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE stored_events SET state = CAST(X'00' || substr(state, 2) AS BLOB) "
            "WHERE originator_id=? AND originator_version=?",
            (cid, version),
        )
        (previous,) = conn.execute(
            "SELECT link FROM event_chain WHERE originator_id=? AND originator_version=?",
            (cid, version - 1),
        ).fetchone()
        rows = conn.execute(
            "SELECT originator_version, topic, state FROM stored_events "
            "WHERE originator_id=? AND originator_version>=? ORDER BY originator_version",
            (cid, version),
        ).fetchall()
        for v, topic, state in rows:
            previous = link(previous, event_fields(topic, cid, v, state), None)
            conn.execute(
                "UPDATE event_chain SET link=? WHERE originator_id=? AND originator_version=?",
                (previous, cid, v),
            )
        conn.execute("UPDATE chain_heads SET link=? WHERE originator_id=?", (previous, cid))
    conn.close()


@pytest.mark.parametrize(("key", "caught"), [(None, False), ("k3y for this store", True)])
def test_only_a_keyed_chain_catches_links_recomputed_by_a_forger(
    tmp_path, monkeypatch, key, caught
):
    if key:
        monkeypatch.setenv("CASELOG_INTEGRITY_KEY", key)
    cli = Cli(str(tmp_path / "store.db"))
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
