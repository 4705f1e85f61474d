"""Reading commands: clients, sessions, replay and log, as people and programs see them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES, SEEDS, event_count


@pytest.fixture
def loaded(cli):
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _source_without_trailing_spaces(path) -> str:
    return "\n".join(line.rstrip() for line in path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_replay_contains_every_utterance_exactly_as_in_the_source(loaded, path):
    sessions = {
        s["source"]["file"]: (c["name"], s["number"])
        for c in json.loads(loaded("clients", "--json").stdout)
        for s in json.loads(loaded("sessions", c["name"], "--json").stdout)
    }
    client, number = sessions[path.name]
    replay = loaded("replay", client, "--session", str(number))
    assert replay.exit_code == 0
    events = [
        json.loads(line)
        for line in loaded("replay", client, "--session", str(number), "--json").stdout.splitlines()
    ]
    source = _source_without_trailing_spaces(path)
    utterances = [e["text"] for e in events if e["type"] == "UtteranceRecorded"]
    assert utterances
    for text in utterances:
        assert text in replay.stdout
        assert text in source


def test_replay_shows_clock_times_stage_directions_and_the_session_end(loaded):
    out = loaded("replay", "alex", "--session", "5").stdout
    assert "[10:03] Alex: Hey, Dr. Torres." in out
    assert "( pauses briefly for the exercise )" in out
    assert "session ended (end marker" in out
    assert out.index("[10:00]") < out.index("[11:35]")


def test_replay_of_a_client_goes_in_session_order(loaded):
    out = loaded("replay", "alex").stdout
    assert out.index("session 5 of 24") < out.index("session 14 of 24")


def test_replay_json_is_one_object_per_event_with_the_documented_keys(loaded, db):
    lines = loaded("replay", "marcus", "--json").stdout.splitlines()
    events = [json.loads(line) for line in lines]
    assert len(events) == json.loads(loaded("clients", "--json").stdout)[2]["events"]
    for e in events:
        assert {"version", "type", "session", "recorded_at"} <= set(e)
    assert events[0]["type"] == "ClientRegistered" and events[0]["name"] == "Marcus Thompson"


def test_sessions_json_has_the_documented_shape(loaded):
    (s,) = json.loads(loaded("sessions", "marcus", "--json").stdout)
    assert {
        "number",
        "planned_total",
        "date",
        "professional",
        "utterances",
        "ended",
        "source",
    } <= set(s)
    assert s["number"] == 8 and s["utterances"] == 14
    assert set(s["ended"]) >= {"reason", "detail"}
    assert s["source"]["file"] == "004_4efce3182aebd317.txt" and s["source"]["format"] == "C"


def test_log_lists_every_event_with_position_client_version_type_and_actor(loaded, db):
    rows = [json.loads(line) for line in loaded("log", "--json").stdout.splitlines()]
    assert len(rows) == event_count(db)
    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
    marcus = [
        json.loads(line)
        for line in loaded("log", "--client", "marcus", "--json").stdout.splitlines()
    ]
    assert {r["client"] for r in marcus} == {"Marcus Thompson"}
    assert [r["version"] for r in marcus] == list(range(1, len(marcus) + 1))
    assert {"position", "client", "version", "type", "recorded_at", "actor"} <= set(rows[0])


def test_clients_can_be_named_by_any_case_a_leading_part_or_an_id_prefix(loaded):
    clients = json.loads(loaded("clients", "--json").stdout)
    marcus_id = next(c["client_id"] for c in clients if c["name"] == "Marcus Thompson")
    for name in ("MARCUS THOMPSON", "marcus", marcus_id[:8]):
        result = loaded("sessions", name, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["number"] == 8


def test_an_ambiguous_client_lists_the_candidates(loaded):
    result = loaded("sessions", "a")
    assert result.exit_code == 1
    assert "Alex" in result.stderr and "Alicia Rodriguez" in result.stderr


def test_an_unknown_client_suggests_the_closest_names(loaded):
    result = loaded("sessions", "Alicja Rodriguez")
    assert result.exit_code == 1
    assert "no client matches" in result.stderr and "Alicia Rodriguez" in result.stderr
    assert "Traceback" not in result.output


def test_reading_a_store_that_does_not_exist_is_a_one_line_error(cli):
    result = cli("clients")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no caselog store at")
    assert len(result.stderr.strip().splitlines()) == 1


def test_replay_of_a_session_not_recorded_says_so(loaded):
    result = loaded("replay", "alex", "--session", "9")
    assert result.exit_code == 1
    assert "Alex has no session 9 recorded" in result.stderr


def test_no_homework_to_show_is_said_in_one_line_and_json_is_an_empty_list(loaded):
    result = loaded("homework", "alicia", "--status", "dropped")
    assert result.exit_code == 0
    assert result.stdout == "Alicia Rodriguez: no dropped homework recorded\n"
    assert json.loads(loaded("homework", "alicia", "--status", "dropped", "--json").stdout) == []
    before = loaded("homework", "alicia", "--at-session", "1", "--status", "completed")
    assert before.stdout == "Alicia Rodriguez: no completed homework recorded as of then\n"
