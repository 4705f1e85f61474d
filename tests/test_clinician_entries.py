"""Clinician entries through the command line, on both engines: homework-add, insight-add
and note each record one event with its actor and reason, and each entry shows in replay,
summary, recap, homework, search, the exports, as-of reads, corrections and erasure."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import FIXTURES, Cli, event_count, sibling
from tests.test_backup import _key_args
from tests.test_protection import _table_bytes

MARCUS = "Marcus Thompson"
HOMEWORK = "Stroll around the allotment after lunch"
INSIGHT = "Mornings are the hardest part of the day"
NOTE = "Engaged and open; review the stroll diary first next time"


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    assert cli("project", "enable").exit_code == 0
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _ok(cli: Cli, *args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _entered(cli: Cli) -> dict[str, dict]:
    """The three entries on Marcus's session 8, by kind: their --json receipts."""
    return {
        "homework": json.loads(
            _ok(
                cli,
                "homework-add",
                "marcus",
                HOMEWORK,
                "--reason",
                "agreed by phone",
                "--actor",
                "clinic",
                "--json",
            )
        ),
        "insight": json.loads(
            _ok(
                cli,
                "insight-add",
                "marcus",
                INSIGHT,
                "--session",
                "8",
                "--actor",
                "dr.ward",
                "--json",
            )
        ),
        "note": json.loads(_ok(cli, "note", "marcus", NOTE, "--actor", "dr.lee", "--json")),
    }


def test_each_entry_goes_to_the_latest_session_unless_told_and_says_so(clinic):
    said = _ok(clinic, "note", "alicia", "Quiet today", "--actor", "dr.ward")
    assert said == (
        "Alicia Rodriguez S2.N1: note added to session 2 (the latest: no --session was given), "
        "recorded by dr.ward\n"
    )
    told = _ok(clinic, "note", "alicia", "Quiet in the first one too", "--session", "1")
    assert "S1.N1" in told and "latest" not in told


def test_each_entry_is_an_event_with_its_actor_and_reason(clinic):
    entered = _entered(clinic)
    assert entered["homework"]["entry_id"] == "S8.H6" and entered["homework"]["latest_session"]
    assert entered["homework"]["reason"] == "agreed by phone"
    assert (
        entered["insight"]["entry_id"] == "insights:5" and entered["insight"]["actor"] == "dr.ward"
    )
    assert entered["insight"]["latest_session"] is False
    assert entered["note"]["entry_id"] == "S8.N1"
    assert entered["note"]["reason"] == "entered by hand"  # the default
    log = [json.loads(line) for line in _ok(clinic, "log", "--json").splitlines()][-3:]
    assert [e["type"] for e in log] == ["HomeworkAdded", "InsightAdded", "NoteRecorded"]
    assert [e["actor"] for e in log] == ["clinic", "dr.ward", "dr.lee"]
    assert [e["reason"] for e in log] == ["agreed by phone", "entered by hand", "entered by hand"]


def test_each_entry_shows_in_replay_with_who_when_and_why(clinic):
    _entered(clinic)
    lines = [json.loads(line) for line in _ok(clinic, "replay", "marcus", "--json").splitlines()]
    by_kind = {
        e["kind"]: e for e in lines if e["kind"] in ("homework_added", "insight_added", "note")
    }
    assert by_kind["homework_added"]["text"] == HOMEWORK
    assert by_kind["homework_added"]["reason"] == "agreed by phone"
    assert by_kind["insight_added"]["item"] == 5 and by_kind["insight_added"]["actor"] == "dr.ward"
    assert by_kind["note"]["note_id"] == "S8.N1" and by_kind["note"]["session"] == 8
    text = _ok(clinic, "replay", "marcus", "--session", "8")
    for words in (HOMEWORK, INSIGHT, NOTE, "(agreed by phone)"):
        assert words in text


def test_each_entry_shows_in_the_summary_and_the_recap(clinic):
    _entered(clinic)
    summary = json.loads(_ok(clinic, "summary", "marcus", "--session", "8", "--json"))
    assert summary["insights"][-1] == INSIGHT and summary["homework"][-1] == HOMEWORK
    assert summary["notes"] == [NOTE]
    assert [e["kind"] for e in summary["clinician_entries"]] == ["homework", "insight", "note"]
    recap = _ok(clinic, "recap", "marcus")
    assert INSIGHT in recap and f"Clinician notes:\n- {NOTE}" in recap
    assert f"- {HOMEWORK} (S8.H6, assigned)" in recap


def test_an_entry_on_a_session_without_a_summary_gives_it_one_of_the_clinician(clinic):
    sessions = json.loads(_ok(clinic, "sessions", "alex", "--json"))
    bare = next(s["number"] for s in sessions if _summary_of(clinic, s["number"]) is None)
    _ok(clinic, "insight-add", "alex", "Names the pattern himself", "--session", str(bare))
    summary = json.loads(_ok(clinic, "summary", "alex", "--session", str(bare), "--json"))
    assert summary["source"] == "clinician" and summary["insights"] == ["Names the pattern himself"]


def _summary_of(cli: Cli, session: int) -> dict | None:
    result = cli("summary", "alex", "--session", str(session), "--json")
    return json.loads(result.stdout) if result.exit_code == 0 else None


def test_homework_added_by_hand_is_homework_in_every_list(clinic):
    _entered(clinic)
    items = json.loads(_ok(clinic, "homework", "marcus", "--json"))
    added = next(h for h in items if h["homework_id"] == "S8.H6")
    assert added["source"] == "manual" and added["status"] == "assigned"
    assert added["history"][0]["note"] == "added by hand: agreed by phone"
    everywhere = json.loads(_ok(clinic, "homework", "--all-clients", "--json"))
    assert any(r["homework_id"] == "S8.H6" and r["text"] == HOMEWORK for r in everywhere)
    _ok(clinic, "homework-set", "marcus", "S8.H6", "completed")
    everywhere = json.loads(_ok(clinic, "homework", "--all-clients", "--json"))
    assert not any(r["homework_id"] == "S8.H6" for r in everywhere)


def test_homework_that_continues_an_open_item_carries_it_forward(clinic):
    items = json.loads(_ok(clinic, "homework", "marcus", "--json"))
    earlier = next(h for h in items if h["status"] == "assigned")
    given = json.loads(
        _ok(clinic, "homework-add", "marcus", f"Continue: {earlier['text']}", "--json")
    )
    assert given["continues"] == earlier["homework_id"]
    after = {h["homework_id"]: h for h in json.loads(_ok(clinic, "homework", "marcus", "--json"))}
    assert after[earlier["homework_id"]]["status"] == "carried_forward"
    assert after[given["entry_id"]]["carried_from"] == earlier["homework_id"]


def test_each_entry_is_found_by_search(clinic):
    _entered(clinic)
    for words, kind, entry in (
        ("allotment", "homework", "S8.H6"),
        ("mornings hardest", "insight", "insights:5"),
        ("stroll diary", "note", "S8.N1"),
    ):
        hits = json.loads(_ok(clinic, "search", words, "--json"))
        assert [(h["role"], h["entry"], h["client"]) for h in hits] == [(kind, entry, MARCUS)]
    assert "S8.N1" in _ok(clinic, "search", "stroll diary")


def test_each_entry_is_in_the_fhir_export_with_its_provenance(clinic, tmp_path):
    _entered(clinic)
    path = tmp_path / "marcus.json"
    _ok(clinic, "export", "marcus", "--format", "fhir", "--output", str(path))
    resources = [e["resource"] for e in json.loads(path.read_text())["entry"]]
    task = next(
        r for r in resources if r["resourceType"] == "Task" and r["description"] == HOMEWORK
    )
    observation = next(r for r in resources if r["resourceType"] == "Observation")
    assert observation["valueString"] == INSIGHT and observation["status"] == "final"
    assert observation["performer"] == [{"display": "dr.ward"}]
    note = next(
        r
        for r in resources
        if r["resourceType"] == "DocumentReference" and r["type"]["text"] == "Progress note"
    )
    assert base64.b64decode(note["content"][0]["attachment"]["data"]).decode() == NOTE
    assert note["type"]["coding"][0]["code"] == "11506-3"
    encounter = next(r for r in resources if r["resourceType"] == "Encounter")
    assert note["context"]["encounter"] == [{"reference": f"urn:uuid:{encounter['id']}"}]
    reasons = {
        p["target"][0]["reference"]: p["reason"][0]["text"]
        for p in resources
        if p["resourceType"] == "Provenance" and "reason" in p
    }
    assert reasons[f"urn:uuid:{task['id']}"] == "agreed by phone"
    session = next(p for p in resources if p["resourceType"] == "Provenance" and "entity" in p)
    targets = {t["reference"] for t in session["target"]}
    assert f"urn:uuid:{task['id']}" not in targets  # the session's recorder did not enter it
    assert len([t for t in targets if t != f"urn:uuid:{encounter['id']}"]) > 1
    assert reasons[f"urn:uuid:{observation['id']}"] == "entered by hand"
    assert f"urn:uuid:{note['id']}" in reasons


def test_each_entry_is_in_the_markdown_export(clinic):
    _entered(clinic)
    markdown = _ok(clinic, "export", "marcus", "--format", "markdown")
    for words in (HOMEWORK, INSIGHT, NOTE):
        assert words in markdown


def test_entries_survive_export_and_import(clinic, tmp_path):
    _entered(clinic)
    path = tmp_path / "all.jsonl"
    _ok(clinic, "export", "--output", str(path))
    target = Cli(sibling(clinic.db, "restored"))
    args = _key_args(clinic)
    _ok(target, "import", str(path), *args)
    for command in (
        ("replay", "marcus", "--json"),
        ("summary", "marcus", "--session", "8", "--json"),
    ):
        assert _ok(target, *command) == _ok(clinic, *command)


def test_sessions_counts_each_session_s_entries_as_of_any_point(clinic):
    def counts(*at: str) -> dict[int, int]:
        listed = json.loads(_ok(clinic, "sessions", "marcus", "--json", *at))
        return {s["number"]: s["entries"] for s in listed}

    listed = json.loads(_ok(clinic, "clients", "--json"))
    version = next(c["events"] for c in listed if c["name"] == MARCUS)
    assert counts() == {8: 0}
    _entered(clinic)
    _ok(clinic, "homework-add", "alicia", "Walk after work", "--session", "1")
    assert counts() == {8: 3}
    assert counts("--at-version", str(version)) == {8: 0}
    alicia = json.loads(_ok(clinic, "sessions", "alicia", "--json"))
    assert [s["entries"] for s in alicia] == [1, 0]
    table = _ok(clinic, "sessions", "marcus")
    assert "entries" in table.split("┡")[0]  # the heading row(s)


def test_an_as_of_before_an_entry_does_not_show_it(clinic):
    before = json.loads(_ok(clinic, "clients", "--json"))
    version = next(c["events"] for c in before if c["name"] == MARCUS)
    _entered(clinic)
    then = ("--at-version", str(version))
    assert NOTE not in _ok(clinic, "recap", "marcus", *then)
    assert INSIGHT not in _ok(clinic, "summary", "marcus", "--session", "8", *then)
    assert "S8.H6" not in _ok(clinic, "homework", "marcus", "--json", *then)
    replay = _ok(clinic, "replay", "marcus", "--json", *then)
    assert '"kind":"note"' not in replay.replace(" ", "") and HOMEWORK not in replay
    assert NOTE in _ok(clinic, "recap", "marcus")  # and now it does


def test_corrections_amend_and_retract_entries_like_any_other(clinic):
    _entered(clinic)
    _ok(
        clinic,
        "amend",
        "marcus",
        "--session",
        "8",
        "--summary",
        "insights:5",
        "--text",
        "Mornings are hard",
        "--reason",
        "typo",
    )
    _ok(clinic, "retract", "marcus", "--homework", "S8.H6", "--reason", "not agreed after all")
    summary = json.loads(_ok(clinic, "summary", "marcus", "--session", "8", "--json"))
    assert summary["insights"][-1] == "Mornings are hard" and HOMEWORK not in summary["homework"]
    marks = {e["entry_id"]: (e["amended"], e["retracted"]) for e in summary["clinician_entries"]}
    assert marks["insights:5"] == (True, False) and marks["S8.H6"] == (False, True)
    hits = json.loads(_ok(clinic, "search", "mornings", "--json"))
    assert [(h["entry"], h["amended"]) for h in hits] == [("insights:5", True)]
    assert json.loads(_ok(clinic, "search", "allotment", "--json")) == []
    homework = {
        h["homework_id"]: h for h in json.loads(_ok(clinic, "homework", "marcus", "--json"))
    }
    assert homework["S8.H6"]["status"] == "retracted"


def test_a_note_is_amended_and_retracted_by_its_id(clinic):
    _entered(clinic)
    said = _ok(clinic, "amend", "marcus", "--note", "S8.N1", "--text", "Engaged", "--reason", "r")
    assert "note S8.N1 amended" in said
    summary = json.loads(_ok(clinic, "summary", "marcus", "--session", "8", "--json"))
    assert summary["notes"] == ["Engaged"]
    replayed = [json.loads(line) for line in _ok(clinic, "replay", "marcus", "--json").splitlines()]
    note = next(e for e in replayed if e["kind"] == "note")
    assert (note["text"], note["original_text"], note["amended"]) == ("Engaged", NOTE, True)
    assert json.loads(_ok(clinic, "search", "stroll diary", "--json")) == []
    _ok(clinic, "retract", "marcus", "--note", "S8.N1", "--reason", "wrong client")
    assert "Clinician notes:" not in _ok(clinic, "recap", "marcus")
    again = clinic("retract", "marcus", "--note", "S8.N1", "--reason", "twice")
    assert again.exit_code == 1 and "cannot be retracted again" in again.stderr
    unknown = clinic("retract", "marcus", "--note", "S8.N7", "--reason", "r")
    assert "has no note 'S8.N7' (notes: S8.N1)" in unknown.stderr


def test_an_erased_client_keeps_no_entry_anywhere(clinic):
    _entered(clinic)
    assert "S8.N1" in _ok(clinic, "search", "stroll diary")  # the read models catch up
    assert NOTE.encode() in _table_bytes(clinic.db)  # and hold it in clear
    _ok(clinic, "erase", MARCUS, "--reason", "request 17", "--yes")
    held = _table_bytes(clinic.db)
    for words in (HOMEWORK, INSIGHT, NOTE):
        assert words.encode() not in held
    assert json.loads(_ok(clinic, "search", "stroll diary", "--json")) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("note", "nobody at all", "words"), "no client matches 'nobody at all'"),
        (
            ("note", "marcus", "words", "--session", "3"),
            "Marcus Thompson has no session 3 recorded (sessions: 8)",
        ),
        (("homework-add", "marcus", "   "), "homework text is empty"),
        (("insight-add", "marcus", ""), "insight text is empty"),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(clinic, args, expected):
    events = event_count(clinic.db)
    result = clinic(*args)
    assert result.exit_code == 1
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert event_count(clinic.db) == events


def test_a_transcript_quoting_a_recap_with_entries_continues_that_session(cli, tmp_path):
    summaries = FIXTURES / "summaries"
    _ok(cli, "ingest", str(summaries / "jordan-3.txt"))
    _ok(cli, "insight-add", "jordan", "Worry time works better before dinner")
    _ok(cli, "homework-add", "jordan", "Write the worries down at six")
    _ok(cli, "note", "jordan", "Less tense than last week")
    quoted = _ok(cli, "summary", "jordan", "--session", "3")
    assert "Write the worries down at six" in quoted  # two of its seven items came by hand
    dialogue = (summaries / "jordan-4-typography.txt").read_text(encoding="utf-8")
    continuation = tmp_path / "jordan-next.txt"
    continuation.write_text(quoted + "\n" + dialogue[dialogue.index("Therapist:") :])
    rows = json.loads(_ok(cli, "ingest", str(continuation), "--json"))
    assert [(r["status"], r["client"], r["session"]) for r in rows] == [
        ("recorded", "Jordan Ellis", 4)
    ]


def test_entries_are_encrypted_at_rest_like_every_event(cli):
    assert cli("ingest", str(FIXTURES)).exit_code == 0  # an encrypted store, no read models
    _entered(cli)
    held = _table_bytes(cli.db)
    for words in (HOMEWORK, INSIGHT, NOTE, "agreed by phone"):
        assert words.encode() not in held
    assert NOTE in _ok(cli, "summary", "marcus", "--session", "8")  # and they read back
