"""``caselog log``: streamed in fixed-width columns or JSON lines, filtered, access-logged."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from caselog.adapters.access_log import ACCESS_LOG_TABLE
from caselog.adapters.store import open_store
from caselog.adapters.transcript_files import IngestOptions
from caselog.application.eventlog import EVENT_TYPES, PAGE
from tests.conftest import FIXTURES, Cli, event_count, raw
from tests.importing import one_line_error

CASELOG = str(Path(sys.executable).with_name("caselog"))


@pytest.fixture
def loaded(cli: Cli) -> Cli:
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One synthetic client of 24 sessions: about 1,900 events, more than a page."""
    folder = tmp_path_factory.mktemp("big")
    db = str(folder / "store.db")
    (client,) = write_corpus(folder / "corpus", 1)
    with open_store(db, create=True) as store:
        assert all(
            r.status == "recorded" for r in store.ingest(client.files, IngestOptions(actor="t"))
        )
    return db


def _rows(cli: Cli, *args: str) -> list[dict]:
    result = cli("log", "--json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _reads(db: str) -> list[tuple[str, str | None]]:
    store = raw(db)
    with store.transaction() as conn:
        conn.execute(store.ddl(ACCESS_LOG_TABLE))  # made by the first read
        rows = conn.execute("SELECT command, client_id FROM access_log ORDER BY seq").fetchall()
    return [(command, client) for command, client in rows]


def test_rows_are_in_fixed_width_columns_under_a_heading(loaded):
    lines = loaded("log").stdout.splitlines()
    assert lines[0].split() == [
        "position", "client", "version", "type", "recorded", "at", "actor", "reason"
    ]  # fmt: skip
    assert len(lines) == event_count(loaded.db) + 1
    at = lines[0].index("recorded at")
    assert {line.index("+00:00") - 19 for line in lines[1:]} == {at}
    actor = lines[0].index("actor")
    assert {(line[actor - 1], line[actor] != " ") for line in lines[1:]} == {(" ", True)}
    position = len("position")  # numbers end under the heading's last letter
    assert all(line[position - 1].isdigit() and line[position] == " " for line in lines[1:])


def test_json_is_one_object_per_line_in_the_documented_shape(loaded):
    rows = _rows(loaded)
    assert len(rows) == event_count(loaded.db)
    assert {tuple(r) for r in rows} == {
        ("position", "client_id", "client", "version", "type", "recorded_at", "actor", "reason")
    }
    assert all(r["recorded_at"].endswith("+00:00") for r in rows)
    help_text = loaded("log", "--help").stdout
    assert "one JSON object per line" in help_text
    assert all(f'"{field}": ' in help_text for field in rows[0])


def test_type_keeps_only_events_of_those_types_and_can_be_repeated(loaded):
    both = _rows(loaded, "--type", "SessionOpened", "--type", "SessionEnded")
    assert {r["type"] for r in both} == {"SessionOpened", "SessionEnded"}
    opened = _rows(loaded, "--type", "SessionOpened")
    assert len(opened) == 5  # Alex 5 and 14, Alicia 1 and 2, Marcus 8
    assert [r["position"] for r in both] == sorted(r["position"] for r in both)


def test_an_unknown_type_is_refused_naming_every_known_one_and_nothing_is_read(loaded):
    message = one_line_error(loaded("log", "--type", "SessionOpend"))
    assert message.startswith("error: unknown event type 'SessionOpend': expected one of ")
    assert all(name in message for name in EVENT_TYPES)
    assert _reads(loaded.db) == []


def test_client_is_resolved_as_every_command_resolves_it(loaded):
    alicia = _rows(loaded, "--client", "ali")
    assert {r["client"] for r in alicia} == {"Alicia Rodriguez"}
    assert [r["version"] for r in alicia] == list(range(1, len(alicia) + 1))
    assert one_line_error(loaded("log", "--client", "zed")).startswith("error: no client matches")


def test_since_keeps_the_events_recorded_from_that_moment_on(loaded):
    assert loaded("homework-set", "alicia", "S1.H1", "completed").exit_code == 0
    everything = _rows(loaded)
    last = everything[-1]
    since = _rows(loaded, "--since", last["recorded_at"])
    assert since[0] == last and len(since) == 1
    assert _rows(loaded, "--since", "2999-01-01") == []
    assert len(_rows(loaded, "--since", "2000-01-01T00:00:00-05:00")) == len(everything)
    refused = loaded("log", "--since", "last week")
    assert refused.exit_code == 2 and "expected an ISO 8601 timestamp" in refused.output


def test_limit_stops_after_that_many_events_once_filtered(loaded):
    assert [r["position"] for r in _rows(loaded, "--limit", "3")] == [1, 2, 3]
    ended = _rows(loaded, "--type", "SessionEnded", "--limit", "2")
    assert [r["type"] for r in ended] == ["SessionEnded"] * 2
    assert _rows(loaded, "--limit", "0") == []
    assert len(loaded("log", "--limit", "2").stdout.splitlines()) == 3


def test_reads_through_log_are_access_logged_like_other_reads(loaded):
    marcus = open_store(loaded.db).app.client_id_for("Marcus Thompson").hex
    assert loaded("log", "--type", "SessionOpened").exit_code == 0
    assert loaded("log", "--client", "marcus", "--limit", "1").exit_code == 0
    assert _reads(loaded.db) == [("log", None), ("log", marcus)]


def test_a_log_longer_than_a_page_lists_every_event_once_in_order(big):
    cli = Cli(big)
    rows = _rows(cli)
    assert len(rows) > PAGE
    assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
    crossing = _rows(cli, "--type", "UtteranceRecorded", "--limit", str(PAGE + 5))
    assert len(crossing) == PAGE + 5
    assert {r["type"] for r in crossing} == {"UtteranceRecorded"}


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_closing_the_output_after_five_lines_ends_log_quietly(big, as_json):
    env = {**os.environ, "CASELOG_ACTOR": "head"}
    args = [CASELOG, "--db", big, "log", *(["--json"] if as_json else [])]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert child.stdout is not None and child.stderr is not None
    first = [child.stdout.readline() for _ in range(5)]
    child.stdout.close()  # what `| head -5` does: the rest would not fit in the pipe
    errors = child.stderr.read().decode()
    assert child.wait() == 0
    assert errors == ""
    assert all(line.endswith(b"\n") for line in first)


def test_the_first_entries_come_from_the_first_page_alone(big):
    """Streaming: the first rows are read, decoded and given before any later page is."""
    with open_store(big) as store:
        recorder = store.app.recorder
        pages: list[int] = []
        select = recorder.select_notifications

        def counted(*args: object, **kwargs: object) -> object:
            page = select(*args, **kwargs)  # type: ignore[arg-type]
            if not kwargs.get("topics"):  # not the lookups of names and erasures
                pages.append(len(page))
            return page

        recorder.select_notifications = counted  # type: ignore[method-assign]
        entries = store.records.log()
        first = list(itertools.islice(entries, 5))
        assert [e.position for e in first] == [1, 2, 3, 4, 5]
        assert pages == [PAGE]
        total = 5 + sum(1 for _ in entries)
        assert total == recorder.max_notification_id() and PAGE < total < 2 * PAGE
        assert pages == [PAGE, total - PAGE]
