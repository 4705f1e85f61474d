"""Reassigning a mis-filed session: through the CLI on real stores (SQLite and PostgreSQL).

The seeds: Alex has sessions 5 and 14, Alicia Rodriguez 1 and 2 (2 continues 1),
Marcus Thompson 8 (which quotes session 7, whose S7.H1 his S8.H1 carries forward).
"""

from __future__ import annotations

import pytest

from caselog.adapters.store import open_store
from caselog.domain.events import SessionReassigned, SessionReceived
from tests.conftest import FIXTURES, Cli, event_count
from tests.reassigning import WHY, homework_of, json_of, lines_of, move, numbers


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    result = cli("ingest", str(FIXTURES))
    assert result.exit_code == 0, result.output
    return cli


# --- the move --------------------------------------------------------------------------


def test_a_reassigned_session_is_shown_under_the_receiving_client_and_not_the_source(clinic):
    (first,) = [s for s in json_of(clinic, "sessions", "alex") if s["number"] == 5]
    done = move(clinic, "alex", 5, "Jordan Lee", "--actor", "dr-lee")
    assert (done["from"]["client"], done["from"]["session"]) == ("Alex", 5)
    assert (done["to"]["client"], done["to"]["session"], done["to"]["created"]) == (
        "Jordan Lee",
        5,
        True,
    )
    listed = {c["name"]: c["sessions"] for c in json_of(clinic, "clients")}
    assert listed["Alex"] == [14] and listed["Jordan Lee"] == [5]
    assert numbers(clinic, "alex") == [14]
    (moved,) = json_of(clinic, "sessions", "jordan")
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
    assert list(homework_of(clinic, "alex")) == ["S14.H1"]
    assert list(homework_of(clinic, "jordan")) == ["S5.H1", "S5.H2", "S5.H3"]
    recap = json_of(clinic, "recap", "jordan")
    assert recap["for_session"] == 6
    assert [h["homework_id"] for h in recap["open_homework"]] == ["S5.H1", "S5.H2", "S5.H3"]
    assert json_of(clinic, "recap", "alex")["for_session"] == 15


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
    assert numbers(clinic, "alex") == [5]


def test_both_clients_record_the_move_linked_by_one_id_with_actor_and_reason(clinic):
    done = move(clinic, "marcus", 8, "alicia", "--as-session", "3", "--actor", "dr-lee")
    app = open_store(clinic.db).app
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
        e for e in lines_of(clinic, "log") if e["type"] in ("SessionReassigned", "SessionReceived")
    ]
    assert [(e["client"], e["type"], e["actor"], e["reason"]) for e in log] == [
        ("Marcus Thompson", "SessionReassigned", "dr-lee", WHY),
        ("Alicia Rodriguez", "SessionReceived", "dr-lee", WHY),
    ]
    assert log[1]["position"] == log[0]["position"] + 1  # one transaction, in order


# --- as of a moment ------------------------------------------------------------------------


def test_recorded_before_the_move_shows_the_session_under_the_source(clinic):
    done = move(clinic, "alex", 5, "Jordan Lee")
    before = ("--recorded-before", done["recorded_at"])
    assert numbers(clinic, "alex", *before) == [5, 14]
    assert numbers(clinic, "jordan", *before) == []
    assert list(homework_of(clinic, "alex", *before)) == ["S5.H1", "S5.H2", "S5.H3", "S14.H1"]
    assert homework_of(clinic, "jordan", *before) == {}
    then = clinic("replay", "alex", "--session", "5", *before)
    assert then.exit_code == 0 and "Hi Alex, good morning!" in then.stdout
    assert json_of(clinic, "recap", "alex", *before)["for_session"] == 15
    version = str(done["from"]["version"] - 1)
    assert numbers(clinic, "alex", "--at-version", version) == [5, 14]
    # Now, and by session or date, the move holds however late it came.
    assert numbers(clinic, "alex") == [14]
    assert numbers(clinic, "alex", "--at-session", "5") == []
    assert numbers(clinic, "alex", "--at-date", "2025-06-30") == []
    assert numbers(clinic, "jordan", "--at-session", "5") == [5]
    assert numbers(clinic, "jordan", "--at-date", "2025-06-30") == [5]


# --- what moves with it ------------------------------------------------------------------


def test_corrections_recorded_on_the_moved_session_apply_under_the_receiving_client(clinic):
    amended = "Thanks, Nova. It has been a hard year."
    for args in (
        ("amend", "alicia", "--session", "1", "--seq", "3", "--text", amended, "--actor", "dr-lee"),
        ("amend", "alicia", "--session", "1", "--summary", "topics:2", "--text", "Work stress"),
        ("retract", "alicia", "--homework", "S1.H3"),
    ):
        assert clinic(*args, "--reason", "why").exit_code == 0
    done = move(clinic, "alicia", 1, "Jordan Lee", "--as-session", "4")
    assert done["homework"] == {"S1.H1": "S4.H1", "S1.H2": "S4.H2", "S1.H3": "S4.H3"}
    (entry,) = [
        e
        for e in lines_of(clinic, "replay", "jordan")
        if e["type"] == "UtteranceRecorded" and e["seq"] == 3
    ]
    assert (entry["session"], entry["text"], entry["amended"]) == (4, amended, True)
    assert entry["original_text"].startswith("Thanks, Nova. It's been a tough few months")
    assert entry["corrections"][0]["actor"] == "dr-lee"
    summary = json_of(clinic, "summary", "jordan", "--session", "4")
    assert summary["source"] == "recorded" and summary["topics"][1] == "Work stress"
    retracted = homework_of(clinic, "jordan")["S4.H3"]
    assert retracted["status"] == "retracted" and retracted["retracted"] is True
    (session,) = json_of(clinic, "sessions", "jordan")
    assert (session["number"], session["amended"], session["retracted"]) == (4, 2, 1)
    # Alicia's session 2 still quotes session 1's summary: that quote is what she has now.
    assert json_of(clinic, "summary", "alicia", "--session", "1")["source"] == "quoted"


def test_homework_moves_with_its_status_history_under_the_new_session_number(clinic):
    assert (
        clinic("homework-set", "alex", "S5.H1", "in_progress", "--note", "started").exit_code == 0
    )
    assert clinic("homework-set", "alex", "S5.H1", "completed", "--session", "5").exit_code == 0
    done = move(clinic, "alex", 5, "Jordan Lee", "--as-session", "3")
    assert done["homework"] == {"S5.H1": "S3.H1", "S5.H2": "S3.H2", "S5.H3": "S3.H3"}
    item = homework_of(clinic, "jordan")["S3.H1"]
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
    assert homework_of(clinic, "marcus")["S7.H1"]["status"] == "carried_forward"
    done = move(clinic, "marcus", 8, "Sam Doe")
    assert done["reopened"] == {"S7.H1": "assigned"}
    kept = homework_of(clinic, "marcus")
    assert list(kept) == ["S7.H1", "S7.H2", "S7.H3"]  # a quoted session's homework stays
    assert (kept["S7.H1"]["status"], kept["S7.H1"]["carried_to"]) == ("assigned", None)
    assert [h["status"] for h in kept["S7.H1"]["history"]] == ["assigned"]
    moved = homework_of(clinic, "sam doe")["S8.H1"]
    assert (moved["status"], moved["carried_from"]) == ("assigned", None)
    recap = json_of(clinic, "recap", "marcus", "--for-session", "8")
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
    assert numbers(clinic, "alex") == [5, 14]


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


def test_the_command_has_help_with_an_example():
    from typer.testing import CliRunner

    from caselog.cli.app import app

    result = CliRunner().invoke(app, ["reassign", "--help"])
    assert result.exit_code == 0
    assert "caselog reassign" in result.stdout and "--as-session" in result.stdout
