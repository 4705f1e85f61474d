"""Amending who said an utterance (speaker and role), through the CLI on real stores."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest

from caselog.adapters import readmodels_sql as sql
from caselog.adapters.readmodels_batch import Changes
from caselog.adapters.store import open_store
from caselog.domain.corrections import corrected
from caselog.domain.events import EntryAmended
from tests.conftest import Cli, event_count, raw, read_models_of, seed

# Alicia's session 1 (seed 002): entry 3 is her first answer, labelled "Patient".
THIRD = "Thanks, Nova. It's been a tough few months"


@pytest.fixture
def alicia(cli: Cli) -> Cli:
    assert cli("ingest", str(seed("002")), str(seed("003"))).exit_code == 0
    return cli


def _amend(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("amend", "alicia", "--session", "1", "--seq", "3", *args, "--json")
    assert result.exit_code == 0, result.output
    done: dict[str, Any] = json.loads(result.stdout)
    return done


def _third(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("replay", "alicia", "--session", "1", "--json", *args)
    assert result.exit_code == 0, result.output
    (entry,) = [
        e
        for line in result.stdout.splitlines()
        if (e := json.loads(line))["type"] == "UtteranceRecorded" and e["seq"] == 3
    ]
    return entry


def test_an_utterance_given_another_speaker_replays_under_it_marked_amended(alicia):
    done = _amend(
        alicia, "--speaker", "Dr. Lee", "--role", "professional", "--reason", "misattributed"
    )
    assert (done["type"], done["speaker"], done["role"], done["text"]) == (
        "EntryAmended",
        "Dr. Lee",
        "professional",
        None,
    )
    entry = _third(alicia)
    assert (entry["speaker"], entry["role"], entry["amended"]) == ("Dr. Lee", "professional", True)
    assert (entry["original_speaker"], entry["original_role"]) == ("Patient", "client")
    assert entry["text"] == entry["original_text"] and entry["text"].startswith(THIRD)
    assert entry["corrections"][0]["speaker"] == "Dr. Lee"
    text = alicia("replay", "alicia", "--session", "1").stdout
    assert f"Dr. Lee: {THIRD}" in text
    assert "✐ amended" in text and ": misattributed" in text
    assert "originally spoken by: Patient (client)" in text
    assert "originally: Thanks" not in text  # the text itself was not changed
    markdown = alicia("export", "alicia", "--format", "markdown", "--session", "1").stdout
    assert f"**Dr. Lee:** {THIRD}" in markdown
    assert "> originally spoken by: Patient (client)" in markdown


def test_text_speaker_and_role_can_be_amended_together_and_before_shows_them_as_they_were(alicia):
    done = _amend(alicia, "--text", "It was a hard year.", "--speaker", "Alicia", "--reason", "r")
    entry = _third(alicia)
    assert (entry["text"], entry["speaker"], entry["role"]) == (
        "It was a hard year.",
        "Alicia",
        "client",
    )
    then = _third(alicia, "--recorded-before", done["recorded_at"])
    assert (then["speaker"], then["role"]) == ("Patient", "client")
    assert then["amended"] is False and then["text"].startswith(THIRD)


def test_search_shows_the_amended_speaker_and_role_marked_amended(alicia):
    assert alicia("project", "enable").exit_code == 0

    def hit() -> dict[str, Any]:
        result = alicia("search", '"tough few months"', "--client", "alicia", "--json")
        (found,) = [h for h in json.loads(result.stdout) if h["session"] == 1]
        return found

    assert (hit()["speaker"], hit()["amended"]) == ("Patient", False)
    _amend(alicia, "--speaker", "Dr. Lee", "--role", "professional", "--reason", "r")
    for _ in range(2):  # applied as it came, then rebuilt from the log
        found = hit()
        assert (found["speaker"], found["role"], found["amended"]) == (
            "Dr. Lee",
            "professional",
            True,
        )
        assert alicia("project", "rebuild").exit_code == 0
    table = alicia("search", '"tough few months"', "--client", "alicia", env={"COLUMNS": "200"})
    assert "Dr. Lee (amended)" in table.stdout


REFUSED = [
    (("--seq", "3", "--speaker", "Patient"), "already reads as given; nothing to amend"),
    (("--seq", "3", "--role", "client"), "already reads as given"),
    (("--seq", "3", "--speaker", "  "), "give a non-empty --speaker"),
    (("--seq", "3", "--role", "therapist"), "unknown role 'therapist'"),
    (("--seq", "3"), "give --text, --speaker or --role"),
    (("--seq", "13", "--speaker", "X"), "entry 13 (a stage direction) has no speaker or role"),
    (("--summary", "topics:1", "--speaker", "X"), "a summary item has no speaker or role"),
    (("--summary", "homework:1", "--role", "client"), "has no speaker or role"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_an_amendment_of_speaker_or_role_that_cannot_be_made_is_refused(alicia, args, message):
    before = event_count(alicia.db)
    result = alicia("amend", "alicia", "--session", "1", *args, "--reason", "why")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert event_count(alicia.db) == before


def test_homework_has_no_speaker_to_amend(alicia):
    result = alicia("amend", "alicia", "--homework", "S1.H1", "--speaker", "X", "--reason", "r")
    assert result.exit_code == 1 and "a homework item has no speaker or role" in result.stderr


def test_amendments_stored_before_speaker_and_role_existed_still_read():
    """An EntryAmended of class version 1 as first stored: text, no speaker or role."""
    state = {
        "originator_id": uuid4(),
        "originator_version": 9,
        "actor": "t",
        "session": 1,
        "target": "entry",
        "seq": 3,
        "reason": "typo",
        "text": "New words.",
    }
    old = EntryAmended.model_validate(state)
    assert (old.text, old.speaker, old.role) == ("New words.", None, None)
    now = corrected("Old words.", [old], "Patient", "client")
    assert (now.text, now.speaker, now.role, now.amended) == (
        "New words.",
        "Patient",
        "client",
        True,
    )
    changes = Changes()
    sql.apply(EntryAmended, state, changes)  # the read models' handler, on the old state
    assert len(changes) == 1


def test_read_models_of_an_older_schema_are_dropped_and_rebuilt(alicia):
    assert alicia("project", "enable").exit_code == 0
    with raw(alicia.db).transaction() as conn:  # as an older caselog left them
        conn.execute("DELETE FROM readmodel_position WHERE name = 'schema'")
    models = read_models_of(open_store(alicia.db).app)
    hits = models.search('"tough few months"')
    assert hits and all(h.amended is False for h in hits)
    assert models.status().lag == 0
    with raw(alicia.db).transaction() as conn:
        row = conn.execute("SELECT position FROM readmodel_position WHERE name = 'schema'")
        assert row.fetchone()[0] == sql.SCHEMA_VERSION
