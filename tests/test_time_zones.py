"""Times mean the same instant under any TZ: printed in UTC with the offset, read back alike.

Each command runs in its own process under TZ=UTC, America/New_York and Asia/Kolkata
(zones 5 hours behind and 5:30 ahead), on one store recorded in three steps a second
apart, so that a time printed to the second separates them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import seed

CASELOG = str(Path(sys.executable).with_name("caselog"))
ZONES = ("UTC", "America/New_York", "Asia/Kolkata")
SHOWN = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\b")


def run(db: str, zone: str, *args: str) -> str:
    env = {**os.environ, "TZ": zone, "COLUMNS": "250", "CASELOG_ACTOR": "tz-test"}
    env.pop("CASELOG_DB", None)
    done = subprocess.run(
        [CASELOG, "--db", db, *args], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Alicia's session 1, then a second later session 2, then a second later a
    homework status change: recorded under New York's zone."""
    db = str(tmp_path_factory.mktemp("zones") / "store.db")
    run(db, "America/New_York", "ingest", str(seed("002")))
    time.sleep(1.1)
    run(db, "America/New_York", "ingest", str(seed("003")))
    time.sleep(1.1)
    run(db, "America/New_York", "homework-set", "alicia", "S1.H1", "completed")
    return db


def _logged(db: str, zone: str, *args: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in run(db, zone, "log", "--json", *args).splitlines()]


def _first_time_of(log_text: str, kind: str) -> str:
    """The time on the first row of the text log whose type is ``kind``."""
    row = next(line for line in log_text.splitlines() if f" {kind} " in line)
    found = SHOWN.search(row)
    assert found, row
    return found.group()


def _sessions(db: str, zone: str, *args: str) -> list[int]:
    return [s["number"] for s in json.loads(run(db, zone, "sessions", "alicia", "--json", *args))]


def test_log_prints_every_time_in_utc_with_its_offset_the_same_under_every_zone(store):
    printed = {zone: run(store, zone, "log") for zone in ZONES}
    assert printed["UTC"] == printed["America/New_York"] == printed["Asia/Kolkata"]
    rows = printed["UTC"].splitlines()[1:]
    assert rows and all(SHOWN.search(row) for row in rows)
    as_json = {zone: [e["recorded_at"] for e in _logged(store, zone)] for zone in ZONES}
    assert as_json["UTC"] == as_json["America/New_York"] == as_json["Asia/Kolkata"]
    assert all(t.endswith("+00:00") for t in as_json["UTC"])


def test_a_time_copied_from_log_is_the_same_instant_to_recorded_before_under_every_zone(store):
    copied = _first_time_of(run(store, "America/New_York", "log"), "PriorSummaryQuoted")
    for zone in ZONES:
        assert _sessions(store, zone, "--recorded-before", copied) == [1]
        assert _sessions(store, zone) == [1, 2]
    # Without its offset it is read as UTC, the zone it was printed in; with another
    # offset, as that instant.
    bare = copied.removesuffix("+00:00")
    ahead = dt.datetime.fromisoformat(copied).astimezone(dt.timezone(dt.timedelta(hours=5.5)))
    assert not ahead.isoformat().endswith("+00:00")
    for zone in ZONES:
        assert _sessions(store, zone, "--recorded-before", bare) == [1]
        assert _sessions(store, zone, "--recorded-before", ahead.isoformat()) == [1]


def test_since_reads_a_time_copied_from_log_as_the_same_instant_under_every_zone(store):
    copied = _first_time_of(run(store, "Asia/Kolkata", "log"), "HomeworkStatusChanged")
    for zone in ZONES:
        assert [e["type"] for e in _logged(store, zone, "--since", copied)] == [
            "HomeworkStatusChanged"
        ]


def test_replay_homework_and_access_log_print_times_that_read_back_alike_under_every_zone(
    store,
):
    changed = _first_time_of(run(store, "UTC", "log"), "HomeworkStatusChanged")
    second = _first_time_of(run(store, "UTC", "log"), "PriorSummaryQuoted")
    for zone in ZONES:
        header = run(store, zone, "replay", "alicia", "--session", "2").splitlines()[5]
        assert f"recorded {second} by tz-test" in header
        history = run(store, zone, "homework", "alicia")
        assert f"completed {changed} by tz-test" in history
        # The change's time, copied from the history, is the moment it was recorded:
        # before it the homework was still as assigned.
        before = json.loads(
            run(store, zone, "homework", "alicia", "--recorded-before", changed, "--json")
        )
        assert [h["status"] for h in before if h["homework_id"] == "S1.H1"] == ["assigned"]
        recorded = [
            s["recorded_at"] for s in json.loads(run(store, zone, "sessions", "alicia", "--json"))
        ]
        assert recorded[1].startswith(second.removesuffix("+00:00"))
        assert recorded[1].endswith("+00:00")
        accesses = run(store, zone, "access-log").splitlines()[3:-1]
        assert accesses and all(SHOWN.search(row) for row in accesses)


def test_an_access_log_time_reads_back_as_the_same_instant_under_every_zone(store):
    """The homework change read Alicia's record (logged) a second after session 2 was
    recorded, and recorded the change just after: a time copied from that access
    bounds a view holding both sessions and the homework as it was assigned."""
    rows = run(store, "America/New_York", "access-log").splitlines()
    read = next(row for row in rows if " homework-set " in row)
    copied = SHOWN.search(read)
    assert copied
    for zone in ZONES:
        assert _sessions(store, zone, "--recorded-before", copied.group()) == [1, 2]
        before = json.loads(
            run(store, zone, "homework", "alicia", "--recorded-before", copied.group(), "--json")
        )
        assert [h["status"] for h in before if h["homework_id"] == "S1.H1"] == ["assigned"]


@pytest.mark.parametrize(
    ("command", "option"),
    [
        ("sessions", "--recorded-before"),
        ("replay", "--recorded-before"),
        ("homework", "--recorded-before"),
        ("summary", "--recorded-before"),
        ("recap", "--recorded-before"),
        ("log", "--since"),
    ],
)
def test_every_timestamp_option_says_a_time_without_an_offset_is_read_as_utc(command, option):
    from typer.testing import CliRunner

    from caselog.cli.app import app

    shown = " ".join(CliRunner().invoke(app, [command, "--help"]).stdout.split())
    described = shown[shown.index(f"{option} TIMESTAMP") :].split(" --")[0]
    assert "read as UTC if it has no offset" in described
    overview = CliRunner().invoke(app, ["--help"]).stdout
    assert "a time given without an offset is read as UTC" in " ".join(overview.split())
