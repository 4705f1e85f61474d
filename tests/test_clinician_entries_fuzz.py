"""Fuzzing the clinician entries: any text, session and reason given to homework-add,
insight-add or note is recorded and read back as given (stripped), or refused in one line
with nothing stored — never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.conftest import FIXTURES, Cli, event_count
from tests.test_cli_fuzz import FUZZ, assert_answered

KINDS = {"homework-add": "homework_added", "insight-add": "insight_added", "note": "note"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Cli:
    cli = Cli(str(tmp_path_factory.mktemp("entries-fuzz") / "seeds.db"))
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


@pytest.mark.parametrize("command", sorted(KINDS))
@FUZZ
@given(
    text=st.text(max_size=60),
    session=st.none() | st.integers(-2, 20).map(str) | st.text(max_size=5),
    reason=st.none() | st.text(max_size=20),
)
@example(text="\x1b[31mred\x1b[0m", session=None, reason=None)
@example(text="  Keep breathing  ", session="8", reason="   ")
@example(text="", session="8", reason="r")
def test_any_entry_is_recorded_as_given_or_refused_in_one_line(
    seeded, command, text, session, reason
):
    before = event_count(seeded.db)
    options = (["--session", session] if session is not None else []) + (
        ["--reason", reason] if reason is not None else []
    )
    result = seeded(*[command, "marcus", *options, "--json", "--", text])
    assert_answered(result)
    if result.exit_code != 0:
        assert event_count(seeded.db) == before
        return
    receipt = json.loads(result.stdout)
    assert receipt["text"] == text.strip() and text.strip()
    assert receipt["reason"] == ((reason or "").strip() or "entered by hand")
    replayed = [
        json.loads(line) for line in seeded("replay", "marcus", "--json").stdout.splitlines()
    ]
    entry = next(e for e in replayed if e["version"] == receipt["version"])
    assert (entry["kind"], entry["text"]) == (KINDS[command], text.strip())
