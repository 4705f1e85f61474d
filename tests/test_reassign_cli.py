"""``caselog reassign`` at the edges: the access log, and any arguments (fuzzed)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, Cli, event_count


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _access(cli: Cli) -> list[dict]:
    result = cli("access-log", "--json")
    return [json.loads(line) for line in result.stdout.splitlines() if line]


def test_a_reassignment_logs_one_access_for_each_recorded_client_it_names(clinic):
    before = len(_access(clinic))
    result = clinic("reassign", "alex", "--session", "5", "--to", "alicia", "--reason", "r")
    assert result.exit_code == 0, result.output
    logged = _access(clinic)[before:-1]  # the last entry is access-log's own read
    assert [(e["command"], e["client"]) for e in logged] == [
        ("reassign", "Alex"),
        ("reassign", "Alicia Rodriguez"),
    ]
    before = len(_access(clinic))
    new = clinic("reassign", "alex", "--session", "14", "--to", "Jo New", "--reason", "r")
    assert new.exit_code == 0, new.output
    assert [e["client"] for e in _access(clinic)[before:-1]] == ["Alex"]  # nothing read of Jo


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Cli:
    cli = Cli(str(tmp_path_factory.mktemp("reassign") / "fuzz.db"))
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


numbers = st.one_of(
    st.integers(-3, 20), st.integers(), st.integers(min_value=2**62), st.just(2**64)
).map(str)
names = st.one_of(
    st.sampled_from(["alex", "alicia", "marcus", "Marcus Thompson", "ALEX", "a", "Zed Q"]),
    st.text(max_size=30),
)
reasons = st.one_of(st.just("filed under the wrong client"), st.text(max_size=40))


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    client=names,
    session=st.one_of(st.sampled_from(["1", "2", "5", "8", "14"]), numbers),
    to=names,
    as_session=st.one_of(st.none(), numbers),
    reason=st.one_of(st.none(), reasons),
    as_json=st.booleans(),
)
@example(client="marcus", session="8", to="alex", as_session=None, reason="r", as_json=True)
@example(client="alex", session="5", to="\x00", as_session=None, reason="r", as_json=False)
def test_any_reassign_arguments_are_answered_with_0_1_or_2_and_never_a_traceback(
    fuzzed, client, session, to, as_session, reason, as_json
):
    args = ["reassign", client, "--session", session, "--to", to]
    if as_session is not None:
        args += ["--as-session", as_session]
    if reason is not None:
        args += ["--reason", reason]
    if as_json:
        args.append("--json")
    before = event_count(fuzzed.db)
    result = fuzzed(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    event(f"exit {result.exit_code}")
    if result.exit_code == 0:
        assert event_count(fuzzed.db) > before
    else:
        assert event_count(fuzzed.db) == before
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.mark.parametrize("command", ["sessions", "reassign"])
def test_a_blank_client_name_is_refused_in_one_line(clinic, command):
    extra = ["--session", "5", "--to", "alicia", "--reason", "r"] if command == "reassign" else []
    result = clinic(command, "  ", *extra)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: no client matches '  '")
    assert len(result.stderr.strip().splitlines()) == 1
