"""Reassigning a mis-filed session: through the CLI on real stores (SQLite and PostgreSQL).

The seeds: Alex has sessions 5 and 14, Alicia Rodriguez 1 and 2 (2 continues 1),
Marcus Thompson 8 (which quotes session 7, whose S7.H1 his S8.H1 carries forward).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from caselog.adapters.store import open_store
from caselog.domain.events import SessionReassigned, SessionReceived
from tests.conftest import FIXTURES, Cli, event_count, seed

WHY = "filed under the wrong client"


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    result = cli("ingest", str(FIXTURES))
    assert result.exit_code == 0, result.output
    return cli


def _json(cli: Cli, *args: str) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _lines(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line]


def _move(cli: Cli, client: str, session: int, to: str, *args: str) -> dict[str, Any]:
    given = ("--session", str(session), "--to", to, "--reason", WHY, *args)
    moved = _json(cli, "reassign", client, *given)
    assert isinstance(moved, dict)
    return moved


def _numbers(cli: Cli, client: str, *args: str) -> list[int]:
    return [s["number"] for s in _json(cli, "sessions", client, *args)]


def _homework(cli: Cli, client: str, *args: str) -> dict[str, dict[str, Any]]:
    return {h["homework_id"]: h for h in _json(cli, "homework", client, *args)}


# --- the move --------------------------------------------------------------------------


def test_a_reassigned_session_is_shown_under_the_receiving_client_and_not_the_source(clinic):
    (first,) = [s for s in _json(clinic, "sessions", "alex") if s["number"] == 5]
    done = _move(clinic, "alex", 5, "Jordan Lee", "--actor", "dr-lee")
    assert (done["from"]["client"], done["from"]["session"]) == ("Alex", 5)
    assert (done["to"]["client"], done["to"]["session"], done["to"]["created"]) == (
        "Jordan Lee",
        5,
        True,
    )
    listed = {c["name"]: c["sessions"] for c in _json(clinic, "clients")}
    assert listed["Alex"] == [14] and listed["Jordan Lee"] == [5]
    assert _numbers(clinic, "alex") == [14]
    (moved,) = _json(clinic, "sessions", "jordan")
    origin = moved.pop("reassigned_from")
    assert origin.pop("at") >= done["recorded_at"]
    assert origin == {
        "reassignment": done["reassignment"],
        "client_id": done["from"]["client_id"],
        "session": 5,
        "actor": "dr-lee",
        "reason": WHY,
        "homework": {"S5.H1": "S5.H1", "S5.H2": "S5.H2", "S5.H3": "S5.H3"},
    }
    # Recorded from its source when it was first recorded, by whoever ingested it.
    assert moved == {k: v for k, v in first.items() if k != "reassigned_from"}
    gone = clinic("replay", "alex", "--session", "5")
    assert gone.exit_code == 1 and "has no session 5 recorded" in gone.stderr
    text = clinic("replay", "jordan", "--session", "5").stdout
    assert "Jordan Lee — session 5 of 24" in text
    assert f"Reassigned: from client {done['from']['client_id'][:8]} session 5" in text
    assert f"by dr-lee: {WHY}" in text
    assert "Hi Alex, good morning!" in text
    assert list(_homework(clinic, "alex")) == ["S14.H1"]
    assert list(_homework(clinic, "jordan")) == ["S5.H1", "S5.H2", "S5.H3"]
    recap = _json(clinic, "recap", "jordan")
    assert recap["for_session"] == 6
    assert [h["homework_id"] for h in recap["open_homework"]] == ["S5.H1", "S5.H2", "S5.H3"]
    assert _json(clinic, "recap", "alex")["for_session"] == 15


def test_the_output_says_what_moved_where_and_that_a_new_client_was_registered(clinic):
    first = clinic(
        "reassign", "alex", "--session", "5", "--to", "Jordan Lee", "--reason", WHY,
        "--actor", "dr-lee",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    said = first.stdout.splitlines()
    assert len(said) == 2
    assert said[0].startswith("Alex: session 5 reassigned to Jordan Lee as session 5 (")
    assert said[0] == "Alex: session 5 reassigned to Jordan Lee as session 5 (recorded by dr-lee)"
    assert said[1] == "Jordan Lee was not recorded yet: registered as a new client"
    again = clinic("reassign", "alex", "--session", "14", "--to", "jordan", "--reason", WHY)
    assert again.exit_code == 0, again.output
    (line,) = again.stdout.splitlines()
    assert line.startswith("Alex: session 14 reassigned to Jordan Lee as session 14")
    back = ("reassign", "jordan", "--session", "5", "--to", "Alex", "--reason", WHY)
    quiet = clinic("--quiet", *back)
    assert quiet.exit_code == 0 and quiet.stdout == ""
    assert _numbers(clinic, "alex") == [5]


def test_both_clients_record_the_move_linked_by_one_id_with_actor_and_reason(clinic):
    done = _move(clinic, "marcus", 8, "alicia", "--as-session", "3", "--actor", "dr-lee")
    app = open_store(clinic.db)
    marcus, alicia = done["from"]["client_id"], done["to"]["client_id"]
    (moved,) = [
        e
        for e in app.client_events(app.client_id_for("marcus thompson"))
        if isinstance(e, SessionReassigned)
    ]
    (received,) = [
        e
        for e in app.client_events(app.client_id_for("alicia rodriguez"))
        if isinstance(e, SessionReceived)
    ]
    assert moved.reassignment == received.reassignment
    assert str(moved.reassignment) == done["reassignment"]
    assert (str(moved.to_client), moved.to_session) == (alicia, 3)
    assert (str(received.from_client), received.from_session) == (marcus, 8)
    assert (moved.actor, moved.reason, received.actor, received.reason) == ("dr-lee", WHY) * 2
    assert dict(moved.homework) == dict(received.homework) == done["homework"]
    log = [
        e for e in _lines(clinic, "log") if e["type"] in ("SessionReassigned", "SessionReceived")
    ]
    assert [(e["client"], e["type"], e["actor"], e["reason"]) for e in log] == [
        ("Marcus Thompson", "SessionReassigned", "dr-lee", WHY),
        ("Alicia Rodriguez", "SessionReceived", "dr-lee", WHY),
    ]
    assert log[1]["position"] == log[0]["position"] + 1  # one transaction, in order


# --- as of a moment ------------------------------------------------------------------------


def test_recorded_before_the_move_shows_the_session_under_the_source(clinic):
    done = _move(clinic, "alex", 5, "Jordan Lee")
    before = ("--recorded-before", done["recorded_at"])
    assert _numbers(clinic, "alex", *before) == [5, 14]
    assert _numbers(clinic, "jordan", *before) == []
    assert list(_homework(clinic, "alex", *before)) == ["S5.H1", "S5.H2", "S5.H3", "S14.H1"]
    assert _homework(clinic, "jordan", *before) == {}
    then = clinic("replay", "alex", "--session", "5", *before)
    assert then.exit_code == 0 and "Hi Alex, good morning!" in then.stdout
    assert _json(clinic, "recap", "alex", *before)["for_session"] == 15
    version = str(done["from"]["version"] - 1)
    assert _numbers(clinic, "alex", "--at-version", version) == [5, 14]
    # Now, and by session or date, the move holds however late it came.
    assert _numbers(clinic, "alex") == [14]
    assert _numbers(clinic, "alex", "--at-session", "5") == []
    assert _numbers(clinic, "alex", "--at-date", "2025-06-30") == []
    assert _numbers(clinic, "jordan", "--at-session", "5") == [5]
    assert _numbers(clinic, "jordan", "--at-date", "2025-06-30") == [5]


# --- what moves with it ------------------------------------------------------------------


def test_corrections_recorded_on_the_moved_session_apply_under_the_receiving_client(clinic):
    amended = "Thanks, Nova. It has been a hard year."
    for args in (
        ("amend", "alicia", "--session", "1", "--seq", "3", "--text", amended, "--actor", "dr-lee"),
        ("amend", "alicia", "--session", "1", "--summary", "topics:2", "--text", "Work stress"),
        ("retract", "alicia", "--homework", "S1.H3"),
    ):
        assert clinic(*args, "--reason", "why").exit_code == 0
    done = _move(clinic, "alicia", 1, "Jordan Lee", "--as-session", "4")
    assert done["homework"] == {"S1.H1": "S4.H1", "S1.H2": "S4.H2", "S1.H3": "S4.H3"}
    (entry,) = [
        e
        for e in _lines(clinic, "replay", "jordan")
        if e["type"] == "UtteranceRecorded" and e["seq"] == 3
    ]
    assert (entry["session"], entry["text"], entry["amended"]) == (4, amended, True)
    assert entry["original_text"].startswith("Thanks, Nova. It's been a tough few months")
    assert entry["corrections"][0]["actor"] == "dr-lee"
    summary = _json(clinic, "summary", "jordan", "--session", "4")
    assert summary["source"] == "recorded" and summary["topics"][1] == "Work stress"
    retracted = _homework(clinic, "jordan")["S4.H3"]
    assert retracted["status"] == "retracted" and retracted["retracted"] is True
    (session,) = _json(clinic, "sessions", "jordan")
    assert (session["number"], session["amended"], session["retracted"]) == (4, 2, 1)
    # Alicia's session 2 still quotes session 1's summary: that quote is what she has now.
    assert _json(clinic, "summary", "alicia", "--session", "1")["source"] == "quoted"


def test_homework_moves_with_its_status_history_under_the_new_session_number(clinic):
    assert (
        clinic("homework-set", "alex", "S5.H1", "in_progress", "--note", "started").exit_code == 0
    )
    assert clinic("homework-set", "alex", "S5.H1", "completed", "--session", "5").exit_code == 0
    done = _move(clinic, "alex", 5, "Jordan Lee", "--as-session", "3")
    assert done["homework"] == {"S5.H1": "S3.H1", "S5.H2": "S3.H2", "S5.H3": "S3.H3"}
    item = _homework(clinic, "jordan")["S3.H1"]
    assert (item["session"], item["status"]) == (3, "completed")
    steps = [(h["status"], h["note"], h["session"]) for h in item["history"]]
    assert steps == [
        ("assigned", "from the dialogue", 3),
        ("in_progress", "started", None),
        ("completed", None, 3),  # reviewed in session 5 there: session 3 here
    ]
    before = event_count(clinic.db)
    refused = clinic("homework-set", "alex", "S5.H2", "completed")
    assert refused.exit_code == 1 and "has no homework 'S5.H2'" in refused.stderr
    assert event_count(clinic.db) == before
    assert clinic("homework-set", "jordan", "S3.H2", "completed").exit_code == 0


def test_a_carry_forward_by_the_moved_session_is_undone_on_the_source(clinic):
    assert _homework(clinic, "marcus")["S7.H1"]["status"] == "carried_forward"
    done = _move(clinic, "marcus", 8, "Sam Doe")
    assert done["reopened"] == {"S7.H1": "assigned"}
    kept = _homework(clinic, "marcus")
    assert list(kept) == ["S7.H1", "S7.H2", "S7.H3"]  # a quoted session's homework stays
    assert (kept["S7.H1"]["status"], kept["S7.H1"]["carried_to"]) == ("assigned", None)
    assert [h["status"] for h in kept["S7.H1"]["history"]] == ["assigned"]
    moved = _homework(clinic, "sam doe")["S8.H1"]
    assert (moved["status"], moved["carried_from"]) == ("assigned", None)
    recap = _json(clinic, "recap", "marcus", "--for-session", "8")
    open_now = [h["homework_id"] for h in recap["open_homework"]]
    assert "S7.H1" in open_now


# --- refusals ----------------------------------------------------------------------------

REFUSED = [
    (("nobody", "--session", "5", "--to", "Jordan Lee"), "no client matches 'nobody'"),
    (
        ("alex", "--session", "6", "--to", "Jordan Lee"),
        "Alex has no session 6 recorded (sessions: 5, 14)",
    ),
    (
        ("marcus", "--session", "8", "--to", "alicia", "--as-session", "2"),
        "Alicia Rodriguez already has a session 2; give --as-session with a free number"
        " (e.g. --as-session 3)",
    ),
    (("alex", "--session", "5", "--to", "ALEX"), "already filed under Alex"),
    (("alex", "--session", "5", "--to", "  "), "name the client to move the session to"),
    (("alex", "--session", "5", "--to", "Jordan Lee", "--reason", ""), "needs a reason"),
    (("alex", "--session", "5", "--to", "Jordan Lee", "--reason", "  "), "needs a reason"),
    (("alex", "--session", "5", "--to", "Jordan Lee", "--no-reason"), "needs a reason"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_a_reassignment_that_cannot_be_made_is_refused_in_one_line_and_stores_nothing(
    clinic, args, message
):
    if args[-1] == "--no-reason":
        args = args[:-1]
    elif "--reason" not in args:
        args = (*args, "--reason", WHY)
    before = event_count(clinic.db)
    result = clinic("reassign", *args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert event_count(clinic.db) == before
    assert _numbers(clinic, "alex") == [5, 14]


def test_an_erased_client_can_neither_give_nor_receive_a_session(clinic):
    assert clinic("erase", "marcus", "--reason", "request 17", "--yes").exit_code == 0
    before = event_count(clinic.db)
    # An erased client is named by its full name (or id): its name is gone from the list.
    away = clinic("reassign", "Marcus Thompson", "--session", "8", "--to", "alex", "--reason", WHY)
    there = clinic("reassign", "alex", "--session", "5", "--to", "Marcus Thompson", "--reason", WHY)
    told = ((away, "its sessions cannot be moved"), (there, "no session can be moved there"))
    for result, said in told:
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("error: Marcus Thompson: erased on ")
        assert said in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert event_count(clinic.db) == before


def test_a_usage_error_is_exit_2(clinic):
    assert clinic("reassign", "alex", "--to", "x", "--reason", "r").exit_code == 2  # no --session
    assert clinic("reassign", "alex", "--session", "0", "--to", "x", "--reason", "r").exit_code == 2


# --- the store around it -------------------------------------------------------------------


def test_verify_passes_after_a_reassignment(clinic):
    _move(clinic, "alex", 5, "Jordan Lee")
    _move(clinic, "marcus", 8, "jordan")
    result = clinic("verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("intact: ")
    assert _json(clinic, "verify")["ok"] is True


def test_export_then_import_keeps_the_move(clinic, tmp_path):
    from tests.conftest import raw, sibling

    done = _move(clinic, "alex", 5, "Jordan Lee")
    exported = tmp_path / "clinic.jsonl"
    assert clinic("export", "--output", str(exported)).exit_code == 0
    restored = Cli(sibling(clinic.db, "restored"))
    key = raw(clinic.db).default_key_file()
    key_args = ["--key-file", str(key)] if key.exists() else []
    result = restored("import", str(exported), *key_args)
    assert result.exit_code == 0, result.output
    assert restored("verify").exit_code == 0
    assert _numbers(restored, "alex") == [14] and _numbers(restored, "jordan") == [5]
    for args in (("sessions", "jordan"), ("homework", "jordan"), ("replay", "jordan")):
        assert restored(*args, "--json").stdout == clinic(*args, "--json").stdout, args
    before = ("--recorded-before", done["recorded_at"])
    assert _numbers(restored, "alex", *before) == [5, 14]
    again = tmp_path / "again.jsonl"
    assert restored("export", "--output", str(again)).exit_code == 0
    assert again.read_bytes() == exported.read_bytes()


def test_erasing_the_source_after_the_move_leaves_the_moved_session_readable(clinic):
    _move(clinic, "alex", 5, "Jordan Lee")
    assert clinic("erase", "alex", "--reason", "request 9", "--yes").exit_code == 0
    text = clinic("replay", "jordan", "--session", "5")
    assert text.exit_code == 0 and "Hi Alex, good morning!" in text.stdout
    assert list(_homework(clinic, "jordan")) == ["S5.H1", "S5.H2", "S5.H3"]
    assert _json(clinic, "sessions", "jordan")[0]["reassigned_from"]["session"] == 5
    markdown = clinic("export", "jordan", "--format", "markdown")
    assert markdown.exit_code == 0 and "Hi Alex, good morning!" in markdown.stdout
    assert "erased on" in clinic("sessions", "alex").stdout
    assert clinic("verify").exit_code == 0


def test_read_models_follow_the_move_and_a_rebuild_says_the_same(clinic):
    from caselog.adapters.readmodels import ReadModels

    assert clinic("project", "enable").exit_code == 0
    hits = _json(clinic, "search", "perfectionism spiral")
    assert [(h["client"], h["session"]) for h in hits] == [("Alex", 5)]
    _move(clinic, "alex", 5, "Jordan Lee")
    _move(clinic, "marcus", 8, "Jordan Lee")
    for _ in range(2):  # as applied one event at a time, then rebuilt from the log
        hits = _json(clinic, "search", "perfectionism spiral")
        assert [(h["client"], h["session"]) for h in hits] == [("Jordan Lee", 5)]
        assert _json(clinic, "search", "kindness meditation", "--client", "marcus") == []
        rows = _json(clinic, "homework", "--all-clients")
        open_items = {(r["client"], r["homework_id"]) for r in rows}
        assert ("Alex", "S5.H1") not in open_items and ("Jordan Lee", "S5.H1") in open_items
        assert ("Marcus Thompson", "S7.H1") in open_items  # reopened
        assert ("Jordan Lee", "S8.H1") in open_items
        rows = ReadModels(open_store(clinic.db)).sessions_by_date()
        assert {(r.client, r.session) for r in rows} == {
            ("Alex", 14),
            ("Alicia Rodriguez", 1),
            ("Alicia Rodriguez", 2),
            ("Jordan Lee", 5),
            ("Jordan Lee", 8),
        }
        assert clinic("project", "rebuild").exit_code == 0


def test_markdown_and_fhir_exports_follow_the_move(clinic):
    from tests.test_export_fhir import _resources, _validate

    done = _move(clinic, "alex", 5, "Jordan Lee", "--actor", "dr-lee")
    alex = clinic("export", "alex", "--format", "markdown").stdout
    assert "session 5" not in alex and "Hi Alex, good morning!" not in alex
    refused = clinic("export", "alex", "--format", "markdown", "--session", "5")
    assert refused.exit_code == 1 and "has no session 5" in refused.stderr
    jordan = clinic("export", "jordan", "--format", "markdown", "--session", "5").stdout
    assert f"- **Reassigned:** from client `{done['from']['client_id']}` session 5," in jordan
    assert "Hi Alex, good morning!" in jordan
    bundle = _json(clinic, "export", "jordan", "--format", "fhir")
    _validate(bundle)
    moves = [
        p
        for p in _resources(bundle, "Provenance")
        if p["activity"]["coding"][0]["code"] == "UPDATE"
    ]
    (move,) = moves
    assert move["reason"] == [{"text": WHY}]
    assert move["agent"][0]["who"] == {"display": "dr-lee"}
    assert move["entity"][0]["what"]["identifier"]["value"] == f"{done['from']['client_id']}/5"
    assert len(_resources(bundle, "Encounter")) == 1 and len(_resources(bundle, "Task")) == 3
    assert len(_resources(_json(clinic, "export", "alex", "--format", "fhir"), "Encounter")) == 1


def test_ingesting_the_moved_file_again_records_nothing(clinic):
    _move(clinic, "alex", 5, "Jordan Lee")
    before = event_count(clinic.db)
    again = _json(clinic, "ingest", str(FIXTURES))
    assert {r["status"] for r in again} == {"unchanged"}
    assert event_count(clinic.db) == before
    assert _numbers(clinic, "alex") == [14]


def test_a_continuation_of_a_moved_session_is_matched_where_it_is_now(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0  # Alicia's session 1
    _move(cli, "alicia", 1, "Bea Moss")
    (recorded,) = _json(cli, "ingest", str(seed("003")))  # a continuation of it
    assert (recorded["status"], recorded["client"], recorded["session"]) == (
        "recorded",
        "Bea Moss",
        2,
    )


def test_the_command_has_help_with_an_example():
    from typer.testing import CliRunner

    from caselog.cli.app import app

    result = CliRunner().invoke(app, ["reassign", "--help"])
    assert result.exit_code == 0
    assert "caselog reassign" in result.stdout and "--as-session" in result.stdout
