"""Fuzzing the command line: any as-of flag value and any search text is answered, never crashes.

Through typer's CliRunner on one seeded store: whatever the value, the exit status is 0, 1 (a user
error: one line on stderr) or 2 (bad usage), there is no traceback, and nothing escapes but the
SystemExit that carries the status.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, Cli

# No shrinking: it can take minutes, and the explicit examples below are already minimal.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
)

CLIENTS = ("alex", "alicia", "marcus", "Marcus Thompson")
FLAGS = ("--at-session", "--at-version", "--at-date", "--recorded-before")
# The reading commands that take the as-of flags, with what else they need.
READERS: dict[str, tuple[str, ...]] = {
    "sessions": (),
    "replay": (),
    "summary": ("--session", "8"),
    "recap": (),
    "homework": (),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Cli:
    cli = Cli(str(tmp_path_factory.mktemp("fuzz") / "seeds.db"))
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    # A status change, so the record has history after the sessions too.
    assert cli("homework-set", "alicia", "S1.H1", "in_progress").exit_code == 0
    # Search needs the read models, which an encrypted store keeps only once enabled.
    assert cli("project", "enable").exit_code == 0
    return cli


def _zone(minutes: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(minutes=minutes))


zones = st.none() | st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(_zone)
flag_values = st.one_of(
    st.integers(-3, 30).map(str),
    st.integers().map(str),
    st.integers(min_value=2**62).map(str),
    st.dates().map(dt.date.isoformat),
    st.datetimes(timezones=zones).map(dt.datetime.isoformat),
    st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="minutes")),
    st.sampled_from(["", " ", "now", "yesterday", "2025-02-30", "2025-5-29", "1e3", "0x10"]),
    st.text(max_size=20),
)
as_of_flags = st.lists(st.tuples(st.sampled_from(FLAGS), flag_values), max_size=3)


def assert_answered(result) -> None:
    """Exit 0, 1 or 2; no traceback; only SystemExit escapes; a user error is one line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.mark.parametrize("command", sorted(READERS))
@FUZZ
@given(client=st.sampled_from(CLIENTS), flags=as_of_flags, as_json=st.booleans())
@example(client="marcus", flags=[("--at-version", str(2**64))], as_json=False)
@example(client="marcus", flags=[("--recorded-before", "0001-01-01")], as_json=False)
@example(client="marcus", flags=[("--recorded-before", "0001-01-01T00:00:00+01:00")], as_json=False)
@example(client="alex", flags=[("--at-date", "9999-12-31")], as_json=True)
@example(client="alex", flags=[("--at-session", "-1"), ("--at-version", "0")], as_json=True)
def test_any_as_of_flag_value_is_answered_or_refused_without_a_crash(
    seeded, command, client, flags, as_json
):
    args = [command, client, *READERS[command], *(f"{flag}={value}" for flag, value in flags)]
    result = seeded(*args, *(["--json"] if as_json else []))
    assert_answered(result)
    if result.exit_code == 0 and as_json and command != "replay":
        json.loads(result.stdout)


_FTS_PIECES = (
    *('"', "'", "(", ")", "*", "^", ":", "-", "+", ",", ".", "{", "}", "[", "]", " ", "  "),
    *("AND", "OR", "NOT", "NEAR", "NEAR(", "NEAR/2", "near", "and", "or"),
    *("kindness", "medit", "meditation*", "perfection", "Alex", "the", "a", "text:", "session"),
    *("é", "Ünïcödé", "💥", "日本語", "\u200b", "\t", "\\", "%", "_", ";", "--"),
)
queries = st.one_of(
    st.lists(st.sampled_from(_FTS_PIECES), max_size=8).map("".join),
    st.lists(st.sampled_from(_FTS_PIECES), max_size=6).map(" ".join),
    st.text(max_size=30),
)


@FUZZ
@given(text=queries, as_json=st.booleans())
@example(text="", as_json=False)
@example(text='"unterminated', as_json=True)
@example(text="NEAR(kindness meditation, 2)", as_json=True)
@example(text="-kindness", as_json=False)
@example(text="kindness AND NOT OR", as_json=True)
def test_any_search_text_is_answered_without_a_crash(seeded, text, as_json):
    # "--" so a text starting with "-" is the query, not an option.
    result = seeded("search", *(["--json"] if as_json else []), "--", text)
    assert_answered(result)
    assert result.exit_code == 0, result.output
    if as_json:
        assert isinstance(json.loads(result.stdout), list)


@FUZZ
@given(
    text=st.sampled_from(["kindness", "perfectionism", '"mixed bag"', "zzz"]),
    client=st.none() | st.sampled_from([*CLIENTS, "nobody", "", "a"]),
    limit=st.none() | st.integers().map(str) | st.text(max_size=5),
)
@example(text="kindness", client=None, limit=str(2**63))
def test_any_search_client_and_limit_are_answered_or_refused_without_a_crash(
    seeded, text, client, limit
):
    options = [
        *(["--client", client] if client is not None else []),
        *([f"--limit={limit}"] if limit is not None else []),
    ]
    assert_answered(seeded("search", *options, "--", text))
