"""Every command names a client the same way: full name, a unique leading part of it, or a
prefix of its id; an unknown name is "no client matches", never a verification failure."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SEEDS

MARCUS = "Marcus Thompson"


@pytest.fixture
def loaded(cli):
    assert cli("ingest", *map(str, SEEDS)).exit_code == 0
    return cli


def _marcus_id(cli) -> str:
    (marcus,) = [c for c in json.loads(cli("clients", "--json").stdout) if c["name"] == MARCUS]
    return str(marcus["client_id"])


# (the command, with {} where the client goes; what identifies Marcus's record in its output)
READERS = [
    (["verify", "--client", "{}"], "45 events of 1 clients"),
    (["sessions", "{}", "--json"], '"number": 8'),
    (["recap", "{}"], "Last time we talked about"),
    (["homework", "{}"], "kindness"),
    (["export", "{}", "--format", "markdown"], MARCUS),
]


def _run(cli, command: list[str], client: str):
    return cli(*(client if arg == "{}" else arg for arg in command))


@pytest.mark.parametrize(("command", "marker"), READERS, ids=lambda v: str(v)[:14])
def test_a_leading_part_and_an_id_prefix_name_the_same_client_in_every_command(
    loaded, command, marker
):
    by_name = _run(loaded, command, MARCUS)
    assert by_name.exit_code == 0, by_name.output
    assert marker.lower() in by_name.stdout.lower()
    for other in ("marcus", "MARC", _marcus_id(loaded)[:8]):
        result = _run(loaded, command, other)
        assert result.exit_code == 0, (other, result.output)
        assert marker.lower() in result.stdout.lower()


@pytest.mark.parametrize("command", [r[0] for r in READERS], ids=lambda v: v[0])
def test_an_unknown_client_is_no_client_matches_and_never_a_broken_chain(loaded, command):
    result = _run(loaded, command, "Nobody Known")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no client matches 'Nobody Known'")
    assert "BROKEN" not in result.output and "chain" not in result.output


def test_an_erased_client_named_by_a_leading_part_is_told_to_name_it_in_full(loaded):
    assert loaded("erase", MARCUS, "--reason", "request 7", "--yes").exit_code == 0
    for command in (["verify", "--client", "{}"], ["recap", "{}"], ["sessions", "{}"]):
        result = _run(loaded, command, "marcus")
        assert result.exit_code == 1
        assert "erased clients can be named only in full" in result.stderr
        whole = _run(loaded, command, MARCUS)
        assert whole.exit_code == 0, whole.output
        assert "Traceback" not in whole.output


def test_a_store_without_erasures_does_not_mention_them(loaded):
    result = loaded("recap", "nobody")
    assert result.exit_code == 1
    assert "erased" not in result.stderr
