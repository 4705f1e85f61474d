"""Reassigning a session, and the store around it: verify, export and import, erasure, the read
models, the markdown and FHIR exports, ingest and continuations — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from caselog.adapters.store import open_store
from tests.conftest import FIXTURES, Cli, event_count, read_models_of, seed
from tests.reassigning import WHY, homework_of, json_of, move, numbers


@pytest.fixture
def clinic(cli: Cli) -> Cli:
    result = cli("ingest", str(FIXTURES))
    assert result.exit_code == 0, result.output
    return cli


def test_verify_passes_after_a_reassignment(clinic):
    move(clinic, "alex", 5, "Jordan Lee")
    move(clinic, "marcus", 8, "jordan")
    result = clinic("verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("intact: ")
    assert json_of(clinic, "verify")["ok"] is True


def test_export_then_import_keeps_the_move(clinic, tmp_path):
    from tests.conftest import raw, sibling

    done = move(clinic, "alex", 5, "Jordan Lee")
    exported = tmp_path / "clinic.jsonl"
    assert clinic("export", "--output", str(exported)).exit_code == 0
    restored = Cli(sibling(clinic.db, "restored"))
    key = raw(clinic.db).default_key_file()
    key_args = ["--key-file", str(key)] if key.exists() else []
    result = restored("import", str(exported), *key_args)
    assert result.exit_code == 0, result.output
    assert restored("verify").exit_code == 0
    assert numbers(restored, "alex") == [14] and numbers(restored, "jordan") == [5]
    for args in (("sessions", "jordan"), ("homework", "jordan"), ("replay", "jordan")):
        assert restored(*args, "--json").stdout == clinic(*args, "--json").stdout, args
    before = ("--recorded-before", done["recorded_at"])
    assert numbers(restored, "alex", *before) == [5, 14]
    again = tmp_path / "again.jsonl"
    assert restored("export", "--output", str(again)).exit_code == 0
    assert again.read_bytes() == exported.read_bytes()


def test_erasing_the_source_after_the_move_leaves_the_moved_session_readable(clinic):
    move(clinic, "alex", 5, "Jordan Lee")
    assert clinic("erase", "alex", "--reason", "request 9", "--yes").exit_code == 0
    text = clinic("replay", "jordan", "--session", "5")
    assert text.exit_code == 0 and "Hi Alex, good morning!" in text.stdout
    assert list(homework_of(clinic, "jordan")) == ["S5.H1", "S5.H2", "S5.H3"]
    assert json_of(clinic, "sessions", "jordan")[0]["reassigned_from"]["session"] == 5
    markdown = clinic("export", "jordan", "--format", "markdown")
    assert markdown.exit_code == 0 and "Hi Alex, good morning!" in markdown.stdout
    assert "erased on" in clinic("sessions", "alex").stdout
    assert clinic("verify").exit_code == 0


def test_read_models_follow_the_move_and_a_rebuild_says_the_same(clinic):

    assert clinic("project", "enable").exit_code == 0
    hits = json_of(clinic, "search", "perfectionism spiral")
    assert [(h["client"], h["session"]) for h in hits] == [("Alex", 5)]
    move(clinic, "alex", 5, "Jordan Lee")
    move(clinic, "marcus", 8, "Jordan Lee")
    for _ in range(2):  # as applied one event at a time, then rebuilt from the log
        hits = json_of(clinic, "search", "perfectionism spiral")
        assert [(h["client"], h["session"]) for h in hits] == [("Jordan Lee", 5)]
        assert json_of(clinic, "search", "kindness meditation", "--client", "marcus") == []
        rows = json_of(clinic, "homework", "--all-clients")
        open_items = {(r["client"], r["homework_id"]) for r in rows}
        assert ("Alex", "S5.H1") not in open_items and ("Jordan Lee", "S5.H1") in open_items
        assert ("Marcus Thompson", "S7.H1") in open_items  # reopened
        assert ("Jordan Lee", "S8.H1") in open_items
        rows = read_models_of(open_store(clinic.db).app).sessions_by_date()
        assert {(r.client, r.session) for r in rows} == {
            ("Alex", 14),
            ("Alicia Rodriguez", 1),
            ("Alicia Rodriguez", 2),
            ("Jordan Lee", 5),
            ("Jordan Lee", 8),
        }
        assert clinic("project", "rebuild").exit_code == 0


def test_markdown_and_fhir_exports_follow_the_move(clinic):
    from tests.test_export_fhir import _resources, _validate

    done = move(clinic, "alex", 5, "Jordan Lee", "--actor", "dr-lee")
    alex = clinic("export", "alex", "--format", "markdown").stdout
    assert "session 5" not in alex and "Hi Alex, good morning!" not in alex
    refused = clinic("export", "alex", "--format", "markdown", "--session", "5")
    assert refused.exit_code == 1 and "has no session 5" in refused.stderr
    jordan = clinic("export", "jordan", "--format", "markdown", "--session", "5").stdout
    assert f"- **Reassigned:** from client `{done['from']['client_id']}` session 5," in jordan
    assert "Hi Alex, good morning!" in jordan
    bundle = json_of(clinic, "export", "jordan", "--format", "fhir")
    _validate(bundle)
    moves = [
        p
        for p in _resources(bundle, "Provenance")
        if p["activity"]["coding"][0]["code"] == "UPDATE"
    ]
    (provenance,) = moves
    assert provenance["reason"] == [{"text": WHY}]
    assert provenance["agent"][0]["who"] == {"display": "dr-lee"}
    assert (
        provenance["entity"][0]["what"]["identifier"]["value"] == f"{done['from']['client_id']}/5"
    )
    assert len(_resources(bundle, "Encounter")) == 1 and len(_resources(bundle, "Task")) == 3
    assert len(_resources(json_of(clinic, "export", "alex", "--format", "fhir"), "Encounter")) == 1


def test_ingesting_the_moved_file_again_records_nothing(clinic):
    move(clinic, "alex", 5, "Jordan Lee")
    before = event_count(clinic.db)
    again = json_of(clinic, "ingest", str(FIXTURES))
    assert {r["status"] for r in again} == {"unchanged"}
    assert event_count(clinic.db) == before
    assert numbers(clinic, "alex") == [14]


def test_a_continuation_of_a_moved_session_is_matched_where_it_is_now(cli):
    assert cli("ingest", str(seed("002"))).exit_code == 0  # Alicia's session 1
    move(cli, "alicia", 1, "Bea Moss")
    (recorded,) = json_of(cli, "ingest", str(seed("003")))  # a continuation of it
    assert (recorded["status"], recorded["client"], recorded["session"]) == (
        "recorded",
        "Bea Moss",
        2,
    )
