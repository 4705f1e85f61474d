"""Summaries, recaps, homework status and time travel, on the seed transcripts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from caselog.adapters.parsing import parse_transcript
from caselog.adapters.store import open_store
from caselog.application.records import Records
from caselog.domain.transcript import SECTION_KEYS
from caselog.projections.asof import AsOf, select
from caselog.projections.homework import fold_homework
from tests.conftest import FIXTURES, Cli, RowsRead, event_count, seed
from tests.sessions import parsed


def _source_summary(prefix: str, quoted: bool = False) -> dict[str, list[str]]:
    parsed = parse_transcript(seed(prefix).read_bytes(), seed(prefix).name)
    block = parsed.quoted_summary.summary if quoted else parsed.summary
    assert block is not None
    return {key: list(block.items(key)) for key in SECTION_KEYS}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Cli:
    cli = Cli(str(tmp_path_factory.mktemp("p") / "seeds.db"))
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


@pytest.mark.parametrize(
    ("prefix", "client", "session"), [("002", "alicia", 1), ("004", "marcus", 8)]
)
def test_summary_json_lists_exactly_the_sources_items_in_order(seeded, prefix, client, session):
    result = seeded("summary", client, "--session", str(session), "--json")
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert view["session"] == session
    assert {k: view[k] for k in SECTION_KEYS} == _source_summary(prefix)


@pytest.mark.parametrize(
    ("prefix", "client", "session"), [("002", "alicia", 1), ("004", "marcus", 8)]
)
def test_summary_text_reparses_to_the_same_items(seeded, prefix, client, session):
    text = seeded("summary", client, "--session", str(session)).stdout
    document = f"{text}\nTherapist: Hello.\n\nPatient: Hi.\n".encode()
    reparsed = parse_transcript(document, "summary.txt", format="D").quoted_summary
    assert reparsed is not None
    assert {k: list(reparsed.summary.items(k)) for k in SECTION_KEYS} == _source_summary(prefix)


def test_recap_after_the_first_session_lists_what_the_continuation_opens_with(cli):
    cli("ingest", str(seed("002")))
    recap = json.loads(cli("recap", "alicia", "--for-session", "2", "--json").stdout)
    assert recap["from_session"] == 1
    assert {k: recap["summary"][k] for k in SECTION_KEYS} == _source_summary("003", quoted=True)
    assert sum(len(recap["summary"][k]) for k in SECTION_KEYS) == 20
    assert recap["text"].startswith("Last time we talked about:\n\nSession Summary:")


def test_recap_text_is_exactly_what_the_json_carries(seeded):
    text = seeded("recap", "alicia", "--for-session", "2").stdout
    assert (
        text
        == json.loads(seeded("recap", "alicia", "--for-session", "2", "--json").stdout)["text"]
        + "\n"
    )


def test_recap_for_session_eight_uses_the_quoted_summary_of_session_seven(seeded):
    recap = json.loads(seeded("recap", "marcus", "--for-session", "8", "--json").stdout)
    assert recap["from_session"] == 7 and recap["summary"]["source"] == "quoted"
    assert {k: recap["summary"][k] for k in SECTION_KEYS} == _source_summary("004", quoted=True)
    assert [h["homework_id"] for h in recap["open_homework"]] == ["S7.H1", "S7.H2", "S7.H3"]


def test_recap_for_session_nine_lists_session_eight_and_the_open_homework(seeded):
    recap = json.loads(seeded("recap", "marcus", "--json").stdout)
    assert (recap["for_session"], recap["from_session"]) == (9, 8)
    assert {k: recap["summary"][k] for k in SECTION_KEYS} == _source_summary("004")
    assert [h["homework_id"] for h in recap["open_homework"]] == [
        "S8.H1", "S8.H2", "S8.H3", "S8.H4", "S8.H5", "S7.H2", "S7.H3",
    ]  # fmt: skip
    assert "Continue modified kindness meditation practice" in recap["text"]


def test_homework_at_session_seven_shows_the_quoted_items_all_assigned(seeded):
    rows = json.loads(seeded("homework", "marcus", "--at-session", "7", "--json").stdout)
    assert [(r["homework_id"], r["status"]) for r in rows] == [
        ("S7.H1", "assigned"), ("S7.H2", "assigned"), ("S7.H3", "assigned"),
    ]  # fmt: skip


def test_homework_at_session_eight_shows_the_carried_forward_item(seeded):
    rows = {
        r["homework_id"]: r
        for r in json.loads(seeded("homework", "marcus", "--at-session", "8", "--json").stdout)
    }
    assert rows["S7.H1"]["status"] == "carried_forward"
    assert rows["S7.H1"]["carried_to"] == "S8.H1" and rows["S8.H1"]["carried_from"] == "S7.H1"
    assert {"homework_id", "session", "text", "status", "history"} <= set(rows["S8.H1"])
    assert {"status", "at", "note"} <= set(rows["S7.H1"]["history"][-1])


def test_only_s7_h1_is_carried_forward_across_the_seeds(seeded):
    carried = []
    for client in ("alex", "alicia", "marcus"):
        rows = json.loads(seeded("homework", client, "--json").stdout)
        carried += [
            (r["homework_id"], r["carried_to"]) for r in rows if r["status"] == "carried_forward"
        ]
    assert carried == [("S7.H1", "S8.H1")]


def test_recorded_before_shows_the_status_before_a_later_change(cli, db):
    cli("ingest", str(seed("002")))
    before_change = dt.datetime.now(dt.UTC).isoformat()
    assert cli("homework-set", "alicia", "S1.H1", "completed", "--note", "daily").exit_code == 0
    then = json.loads(
        cli("homework", "alicia", "--recorded-before", before_change, "--json").stdout
    )
    now = json.loads(cli("homework", "alicia", "--json").stdout)
    assert then[0]["status"] == "assigned"
    assert now[0]["status"] == "completed" and now[0]["history"][-1]["note"] == "daily"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("S1.H9", "completed"), "has no homework 'S1.H9'"),
        (("S1.H1", "finished"), "unknown status 'finished'"),
        (("S1.H1", "assigned"), "it cannot move to assigned"),
    ],
)
def test_invalid_homework_changes_are_refused_and_record_nothing(cli, db, args, message):
    cli("ingest", str(seed("002")))
    before = event_count(db)
    result = cli("homework-set", "alicia", *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert event_count(db) == before


def test_a_final_status_cannot_change_again(cli):
    cli("ingest", str(seed("002")))
    assert cli("homework-set", "alicia", "S1.H2", "dropped").exit_code == 0
    result = cli("homework-set", "alicia", "S1.H2", "completed")
    assert result.exit_code == 1 and "which is final" in result.stderr


def test_status_changes_carry_the_actor(cli):
    cli("ingest", str(seed("002")))
    cli("homework-set", "alicia", "S1.H3", "in_progress", "--actor", "dr.nova")
    (row,) = [
        r
        for r in json.loads(cli("homework", "alicia", "--json").stdout)
        if r["homework_id"] == "S1.H3"
    ]
    assert row["history"][-1]["actor"] == "dr.nova"


def test_at_date_shows_only_sessions_held_by_then(seeded):
    early = json.loads(seeded("sessions", "alex", "--json").stdout)
    assert [s["number"] for s in early] == [5, 14]
    rows = json.loads(seeded("homework", "alex", "--at-date", "2025-06-01", "--json").stdout)
    assert {r["session"] for r in rows} == {5}


def test_at_version_is_the_record_after_that_event(seeded):
    rows = json.loads(seeded("homework", "marcus", "--at-version", "4", "--json").stdout)
    assert [r["homework_id"] for r in rows] == ["S7.H1"]


def test_a_query_for_one_client_reads_only_that_clients_rows_however_big_the_store(tmp_path):
    db = str(tmp_path / "bounded.db")
    Cli(db)("ingest", str(seed("004")))
    app = open_store(db).app
    reads = RowsRead(app)
    marcus = Records(app).client("marcus")
    reads.clear()
    marcus.history()
    alone = reads.count()
    for i in range(30):  # a bigger store must not make Marcus's query read more
        app.record_session(parsed(client=f"Other {i}", body=f"b{i}"), actor="t")
    reads.clear()
    marcus.history()
    assert reads.count() == alone == app.get_client(marcus.id).version  # type: ignore[union-attr]
    assert reads.clients() == {marcus.id}


def test_at_version_stops_the_read_at_that_version(tmp_path):
    db = str(tmp_path / "bounded.db")
    Cli(db)("ingest", str(seed("004")))
    app = open_store(db).app
    marcus = Records(app).client("marcus")
    reads = RowsRead(app)
    assert [h.homework_id for h in marcus.homework(at=AsOf(version=5))] == ["S7.H1", "S7.H2"]
    # No snapshot is that old, so the five events are read, once.
    assert reads.count() == 5 and reads.count("snapshots") == 0


def _sessions(app, name: str, count: int) -> None:
    for n in range(1, count + 1):
        session = parsed(
            client=name, session=n, body=f"{name} {n}", with_summary=True, file=f"{n}.txt"
        )
        app.record_session(session, actor="t")


def test_a_recap_reads_only_the_previous_sessions_summary_span(app):
    _sessions(app, "Long History", 8)
    record = Records(app).client("long history")
    state = app.get_client(record.id)
    (summarised,) = [s for s in state.spans if s.session == 4 and s.summary]
    reads = RowsRead(app)
    recap = record.recap(for_session=5)
    assert recap.from_session == 4 and recap.summary is not None
    assert reads.count() == summarised.last - summarised.first + 1 < state.version / 4
    # The latest state and the state once session 4 was recorded, each one snapshot.
    assert reads.count("snapshots") == 2


def test_homework_at_a_session_starts_from_that_sessions_snapshot(app):
    _sessions(app, "Long History", 8)
    record = Records(app).client("long history")
    reads = RowsRead(app)
    at_three = record.homework(at=AsOf(session=3))
    assert reads.count() == 0 and reads.count("snapshots") == 2
    assert {h.session for h in at_three} == {1, 2, 3}
    assert at_three == fold_homework(select(app.client_events(record.id), AsOf(session=3)))


def test_a_summary_that_was_never_recorded_is_a_clear_error(seeded):
    result = seeded("summary", "alex", "--session", "5")
    assert result.exit_code == 1
    assert "Alex has no summary for session 5 recorded" in result.stderr


def test_open_homework_across_clients_comes_from_the_caught_up_read_model(cli):
    cli("ingest", str(FIXTURES))
    rows = json.loads(cli("homework", "--all-clients", "--json").stdout)
    ids = {(r["client"], r["homework_id"]) for r in rows}
    assert ("Marcus Thompson", "S8.H1") in ids and ("Marcus Thompson", "S7.H1") not in ids
    assert ("Alicia Rodriguez", "S1.H1") in ids
    cli("homework-set", "alicia", "S1.H1", "completed")
    after = json.loads(cli("homework", "--all-clients", "--json").stdout)
    assert ("Alicia Rodriguez", "S1.H1") not in {(r["client"], r["homework_id"]) for r in after}


def test_homework_needs_a_client_or_all_clients(cli):
    cli("ingest", str(seed("002")))
    assert cli("homework").exit_code == 2
    assert cli("homework", "alicia", "--all-clients").exit_code == 2


def test_sessions_and_replay_take_the_as_of_flags(seeded):
    early = json.loads(seeded("sessions", "alex", "--at-date", "2025-06-01", "--json").stdout)
    assert [s["number"] for s in early] == [5]
    lines = seeded("replay", "marcus", "--at-version", "3", "--json").stdout.splitlines()
    assert [json.loads(line)["version"] for line in lines] == [1, 2, 3]
