"""CSV utterance tables through `caselog ingest`: several sessions per file, all or nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import event_count
from tests.importing import (
    IMPORT_FIXTURES,
    clients,
    events,
    one_line_error,
    said,
    sessions,
    zoom_vtt,
)

MULTILINE = "Some days it helped.\nOther days I forgot it,\n  until the meeting had started."

# Line numbers: the quoted cell in row 5 runs over lines 5-7, so row 6 is on line 8.
CORPUS = (
    "session,speaker,text,time\n"
    '1,therapist,"Hello, and welcome.",00:00:04\n'
    "1,client,I have been anxious at work.,9.5\n"
    "2,therapist,How did the breathing go?,0:03\n"
    f'2,client,"{MULTILINE}",00:00:08\n'
    "3,therapist,Shall we plan for next week?,about a minute in\n"
    '3,client,"Yes, please.",1:01:12\n'
)
GIVEN = ("--client", "Priya Nair")


def _write(tmp_path, text=CORPUS, name="corpus.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_three_session_csv_records_every_row_as_an_utterance(tmp_path, cli, db):
    path = _write(tmp_path)
    result = cli("ingest", str(path), *GIVEN, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["file"], r["status"], r["client"], r["session"]) for r in rows] == [
        (str(path), "recorded", "Priya Nair", n) for n in (1, 2, 3)
    ]
    assert set(rows[0]) == {
        *("file", "status", "client", "session", "events", "error"),
        *("inferred", "similar_clients"),
    }
    assert sum(r["events"] for r in rows) == event_count(db)

    found = sessions(cli, "priya")
    assert [s["number"] for s in found] == [1, 2, 3]
    assert sum(s["utterances"] for s in found) == CORPUS.count("\n") - 1 - 2  # 2 quoted newlines
    assert said(cli, "priya", 1) == [
        ("professional", "therapist", "00:00:04", "Hello, and welcome."),
        ("client", "client", "00:00:09", "I have been anxious at work."),
    ]
    assert said(cli, "priya", 2)[1] == ("client", "client", "00:00:08", MULTILINE)
    assert said(cli, "priya", 3) == [
        ("professional", "therapist", "about a minute in", "Shall we plan for next week?"),
        ("client", "client", "01:01:12", "Yes, please."),
    ]


def test_a_malformed_timestamp_is_kept_as_written_and_flagged(tmp_path, cli):
    assert cli("ingest", str(_write(tmp_path)), *GIVEN).exit_code == 0
    flags = [e for e in events(cli, "priya") if e["type"] == "QualityFlagRaised"]
    assert [(f["session"], f["seq"], f["flag"], f["excerpt"]) for f in flags] == [
        (3, 1, "malformed_timestamp", "about a minute in")
    ]
    assert [s["quality_flags"] for s in sessions(cli, "priya")] == [0, 0, 1]


def test_a_quoted_cell_over_several_lines_keeps_the_file_line_numbers(tmp_path, cli):
    assert cli("ingest", str(_write(tmp_path)), *GIVEN).exit_code == 0
    spans = [
        e["lines"]
        for e in events(cli, "priya")
        if e["type"] == "UtteranceRecorded" and e["session"] in (2, 3)
    ]
    assert spans == [
        {"first": 4, "last": 4},
        {"first": 5, "last": 7},
        {"first": 8, "last": 8},
        {"first": 9, "last": 9},
    ]


def test_columns_are_mapped_by_option(tmp_path, cli, db):
    path = _write(
        tmp_path,
        "transcript_id,interlocutor,utterance_text,participant,day\n"
        "s-07,Dr. Okafor,How are you?,Priya Nair,2025-02-03\n"
        "s-07,Priya,Tired.,Priya Nair,2025-02-03\n",
    )
    result = cli(
        "ingest",
        str(path),
        *("--column", "speaker=interlocutor", "--column", "text=utterance_text"),
        *("--column", "session=transcript_id", "--column", "client=participant"),
        *("--column", "date=day", "--role", "dr. okafor=professional", "--role", "Priya=client"),
    )
    assert result.exit_code == 0, result.output
    (session,) = sessions(cli, "priya")
    assert (session["number"], session["date"], session["professional"]) == (
        1,
        "2025-02-03",
        "Dr. Okafor",
    )
    opened = next(e for e in events(cli, "priya") if e["type"] == "SessionOpened")
    assert opened["header"] == [["Session id", "s-07"]]


def test_session_ids_that_are_not_numbers_are_numbered_by_first_appearance(tmp_path, cli):
    path = _write(
        tmp_path,
        "session,speaker,text\nintake,client,Hi.\nfollow-up,client,Hello.\nintake,client,Bye.\n",
    )
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    found = {
        e["session"]: dict(e["header"])["Session id"]
        for e in events(cli, "priya")
        if e["type"] == "SessionOpened"
    }
    assert found == {1: "intake", 2: "follow-up"}
    assert [len(said(cli, "priya", n)) for n in (1, 2)] == [2, 1]


def test_session_gives_the_number_of_the_first_session_and_the_rest_follow(tmp_path, cli):
    assert cli("ingest", str(_write(tmp_path)), *GIVEN, "--session", "7").exit_code == 0
    assert [s["number"] for s in sessions(cli, "priya")] == [7, 8, 9]


def test_a_client_column_puts_each_clients_rows_in_their_own_sessions(tmp_path, cli):
    path = _write(
        tmp_path,
        "client,session,speaker,text\nAna,1,client,Hi.\nBo,1,client,Hey.\nAna,2,client,Again.\n",
    )
    assert cli("ingest", str(path)).exit_code == 0
    assert {c["name"]: c["sessions"] for c in clients(cli)} == {"Ana": [1, 2], "Bo": [1]}


def test_reingesting_a_csv_reports_each_session_unchanged(tmp_path, cli, db):
    path = _write(tmp_path)
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    before = event_count(db)
    rows = json.loads(cli("ingest", str(path), *GIVEN, "--json").stdout)
    assert [r["status"] for r in rows] == ["unchanged"] * 3
    assert event_count(db) == before


def test_a_csv_whose_second_session_conflicts_stores_nothing_of_the_file(tmp_path, cli, db):
    earlier = tmp_path / "earlier.vtt"
    earlier.write_text(zoom_vtt([(1.0, "client", "An earlier recording of session 2.")]))
    assert cli("ingest", str(earlier), *GIVEN, "--session", "2").exit_code == 0
    before, known = event_count(db), clients(cli)

    message = one_line_error(cli("ingest", str(_write(tmp_path)), *GIVEN))
    assert "session 2 of Priya Nair is already recorded from earlier.vtt" in message
    assert event_count(db) == before and clients(cli) == known
    assert [s["number"] for s in sessions(cli, "priya")] == [2]


def test_a_sidecar_supplies_client_date_and_columns_and_options_override_it(tmp_path, cli):
    path = _write(tmp_path, "sid,who,said\n1,Dr. Okafor,Hello.\n1,Priya,Hi.\n")
    (tmp_path / "corpus.csv.meta.json").write_text(
        json.dumps(
            {
                "client": "Somebody Else",
                "date": "2025-02-03",
                "columns": {"session": "sid", "speaker": "who", "text": "said"},
                "roles": {"Dr. Okafor": "professional", "Priya": "client"},
            }
        )
    )
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    assert [c["name"] for c in clients(cli)] == ["Priya Nair"]
    assert sessions(cli, "priya")[0]["date"] == "2025-02-03"


def test_the_bundled_csv_example_ingests_as_the_readme_shows(cli):
    result = cli(
        "ingest",
        str(IMPORT_FIXTURES / "corpus.csv"),
        *("--column", "speaker=interlocutor", "--column", "text=utterance_text"),
        *("--column", "session=transcript_id", "--column", "time=start"),
        *("--client", "P014"),
    )
    assert result.exit_code == 0, result.output
    assert [(s["number"], s["utterances"]) for s in sessions(cli, "P014")] == [
        (1, 2),
        (2, 2),
        (3, 2),
    ]


BROKEN = {
    "a row missing the text column": (
        f'session,speaker,text\n1,client,"{MULTILINE}"\n1,therapist\n',
        5,
        "expected a value in column 'text' (text), but the row has only 2 of 3 cells",
    ),
    "an empty text cell": (
        "session,speaker,text\n1,client,Hi.\n1,therapist,  \n",
        3,
        "expected the utterance's text in column 'text'",
    ),
    "an unquoted comma": (
        "session,speaker,text\n1,client,Well, I think so.\n",
        2,
        "expected 3 cells as in the header row, found 4",
    ),
    "an unclosed quote": (
        'session,speaker,text\n1,client,Hi.\n1,client,"Hello\nthere\n',
        3,
        "expected a well-formed CSV row",
    ),
    "no text column": (
        "session,speaker,utterance\n1,client,Hi.\n",
        1,
        "expected a 'text' column in the header row (found: session, speaker, utterance); "
        "map one with --column text=HEADER",
    ),
    "a speaker without a role": (
        "session,speaker,text\n1,client,Hi.\n2,Kim,Hello.\n",
        3,
        "speaker 'Kim' has no role",
    ),
    "a bad date": (
        "session,speaker,text,date\n1,client,Hi.,March 3\n",
        2,
        "expected a date as YYYY-MM-DD in the date column, not 'March 3'",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_unreadable_tables_are_one_line_naming_file_and_line_and_store_nothing(
    tmp_path, cli, db, case
):
    text, line, says = BROKEN[case]
    path = _write(tmp_path, text)
    message = one_line_error(cli("ingest", str(path), *GIVEN))
    assert message.startswith(f"error: {path}:{line}: {says}")
    assert event_count(db) == 0 and clients(cli) == []


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ((), "expected the client's name: give --client NAME, a client column"),
        (
            ("--client", "Ana"),
            "expected the session number: give --session N, a session column",
        ),
    ],
)
def test_a_csv_without_client_or_session_says_which_option_is_missing(
    tmp_path, cli, db, given, says
):
    path = _write(tmp_path, "speaker,text\nclient,Hi.\n")
    message = one_line_error(cli("ingest", str(path), *given))
    assert message.startswith(f"error: {path}:1: {says}")
    assert "corpus.csv.meta.json" in message
    assert event_count(db) == 0
