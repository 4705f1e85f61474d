"""A session begun and not ended is in progress in every view: sessions, replay, homework,
the Markdown export and the FHIR export — and no longer once it ends."""

from __future__ import annotations

import importlib
import json

import pytest
from fhir.resources.R4B.bundle import Bundle

from caselog.adapters.store import open_store
from tests.conftest import Cli


@pytest.fixture
def begun(db: str, cli: Cli):
    with open_store(db, create=True, actor="Dr. Ines Ward") as store:
        live = store.client("Rowan Vale").session(1, professional="Dr. Ines Ward")
        live.say("client", "I kept waking at four.")
        live.assign("Keep a sleep diary")
    return cli


def _end(cli: Cli) -> None:
    assert cli("end", "rowan", "--session", "1").exit_code == 0


def _encounter(cli: Cli) -> dict:
    result = cli("export", "rowan", "--format", "fhir")
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    for resource in resources:
        kind = resource["resourceType"]
        getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)(**resource)
    (encounter,) = [r for r in resources if r["resourceType"] == "Encounter"]
    return encounter


def test_sessions_and_replay_show_a_session_in_progress_until_it_ends(begun):
    table = begun("sessions", "rowan").stdout
    replay = begun("replay", "rowan", "--session", "1").stdout
    assert "in progress" in table and "live" in table
    assert replay.rstrip().endswith("— session in progress (not ended yet)")
    _end(begun)
    assert "in progress" not in begun("sessions", "rowan").stdout
    assert "session in progress" not in begun("replay", "rowan", "--session", "1").stdout


def test_homework_marks_items_of_a_session_in_progress(begun):
    (item,) = json.loads(begun("homework", "rowan", "--json").stdout)
    assert item["session_in_progress"] is True
    assert "1 (in progress)" in begun("homework", "rowan").stdout
    _end(begun)
    (item,) = json.loads(begun("homework", "rowan", "--json").stdout)
    assert item["session_in_progress"] is False


def test_exports_give_the_session_as_in_progress_until_it_ends(begun):
    markdown = begun("export", "rowan", "--format", "markdown").stdout
    assert "- **Status:** in progress (not ended yet)" in markdown
    assert _encounter(begun)["status"] == "in-progress"
    _end(begun)
    assert "**Status:** in progress" not in begun("export", "rowan", "--format", "markdown").stdout
    assert _encounter(begun)["status"] == "finished"
