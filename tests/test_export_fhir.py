"""``caselog export CLIENT --format fhir``: a FHIR R4 Bundle that validates, built from the record.

Every bundle is checked with the ``fhir.resources`` R4B models — the Bundle, and each
entry's resource with its own class — on real SQLite stores holding the sample transcripts.
"""

from __future__ import annotations

import importlib
import json
import stat
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from caselog.adapters.export.fhir import TASK_STATUS
from caselog.domain.client import RETRACTED
from caselog.domain.homework import STATUSES
from tests.conftest import FIXTURES, Cli
from tests.transcripts import transcript_text

# The mapping docs/export.md documents: the contract, written out here on its own.
DOCUMENTED = {
    "assigned": "ready",
    "in_progress": "in-progress",
    "partially_completed": "in-progress",
    "completed": "completed",
    "not_completed": "failed",
    "carried_forward": "cancelled",
    "dropped": "cancelled",
    "retracted": "entered-in-error",
}


@pytest.fixture
def loaded(sqlite_db: str) -> Cli:
    cli = Cli(sqlite_db)
    result = cli("ingest", str(FIXTURES), "--actor", "intake-bot")
    assert result.exit_code == 0, result.output
    return cli


def _clients(cli: Cli) -> list[dict[str, Any]]:
    clients = json.loads(cli("clients", "--json").stdout)
    assert clients
    return clients


def _sessions(cli: Cli, client: str) -> list[dict[str, Any]]:
    return json.loads(cli("sessions", client, "--json").stdout)


def _bundle(cli: Cli, client: str, *args: str) -> dict[str, Any]:
    result = cli("export", client, "--format", "fhir", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _validate(bundle: dict[str, Any]) -> None:
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        model = getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)
        model.model_validate(entry["resource"])


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def test_every_sample_clients_bundle_and_each_sessions_bundle_validate_as_fhir_r4(loaded):
    for client in _clients(loaded):
        _validate(_bundle(loaded, client["client_id"]))
        for s in _sessions(loaded, client["client_id"]):
            _validate(_bundle(loaded, client["client_id"], "--session", str(s["number"])))


def test_every_reference_in_a_bundle_points_at_one_of_its_entries(loaded):
    for client in _clients(loaded):
        bundle = _bundle(loaded, client["client_id"])
        urls = [e["fullUrl"] for e in bundle["entry"]]
        assert len(set(urls)) == len(urls)
        assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in bundle["entry"])
        assert set(_references(bundle)) <= set(urls)


def test_there_is_one_encounter_per_session_and_a_session_export_has_exactly_one(loaded):
    for client in _clients(loaded):
        sessions = _sessions(loaded, client["client_id"])
        bundle = _bundle(loaded, client["client_id"])
        assert len(_resources(bundle, "Encounter")) == len(sessions) == len(client["sessions"])
        for s in sessions:
            one = _bundle(loaded, client["client_id"], "--session", str(s["number"]))
            [encounter] = _resources(one, "Encounter")
            assert encounter["identifier"][0]["value"].endswith(f"/{s['number']}")
            assert len(_resources(one, "DocumentReference")) == 1


def test_the_patient_is_identified_by_the_client_id_and_named_only_when_asked(loaded):
    for client in _clients(loaded):
        [patient] = _resources(_bundle(loaded, client["client_id"]), "Patient")
        assert patient["identifier"] == [
            {"system": "urn:caselog:client", "value": client["client_id"]}
        ]
        assert "name" not in patient
        assert client["name"] not in loaded("export", client["name"], "--format", "fhir").stdout
        [named] = _resources(_bundle(loaded, client["client_id"], "--include-name"), "Patient")
        assert named["name"] == [{"text": client["name"]}]


def test_the_status_mapping_covers_every_homework_status_as_documented():
    assert set(TASK_STATUS) == {*STATUSES, RETRACTED}
    assert TASK_STATUS == DOCUMENTED


def test_each_tasks_status_maps_from_the_homework_status_the_record_shows(loaded):
    assert loaded("homework-set", "alicia", "S1.H1", "completed").exit_code == 0
    assert loaded("homework-set", "alicia", "S1.H2", "in_progress").exit_code == 0
    assert loaded("retract", "alicia", "--homework", "S1.H3", "--reason", "x").exit_code == 0
    seen: set[str] = set()
    for client in _clients(loaded):
        homework = json.loads(loaded("homework", client["client_id"], "--json").stdout)
        tasks = {
            t["identifier"][0]["value"].rsplit("/", 1)[-1]: t
            for t in _resources(_bundle(loaded, client["client_id"]), "Task")
        }
        assert set(tasks) == {h["homework_id"] for h in homework}
        for h in homework:
            task = tasks[h["homework_id"]]
            assert task["status"] == DOCUMENTED[h["status"]]
            assert task["businessStatus"]["text"] == h["status"]
            assert task["description"] == h["text"]
            seen.add(h["status"])
    assert {"completed", "in_progress", "retracted", "carried_forward", "assigned"} <= seen


def test_a_session_export_holds_the_homework_recorded_in_that_session(loaded):
    homework = json.loads(loaded("homework", "marcus", "--json").stdout)
    tasks = _resources(_bundle(loaded, "marcus", "--session", "8"), "Task")
    # Session 8 quotes session 7's summary: its homework was recorded with session 8.
    assert {t["identifier"][0]["value"].rsplit("/", 1)[-1] for t in tasks} == {
        h["homework_id"] for h in homework
    }
    [encounter] = _resources(_bundle(loaded, "marcus", "--session", "8"), "Encounter")
    own = {t["encounter"]["reference"] for t in tasks if "encounter" in t}
    assert own == {f"urn:uuid:{encounter['id']}"}


def test_an_incomplete_session_is_in_progress_and_an_ended_one_finished(loaded, tmp_path):
    cut = transcript_text("Avery Quinn", 1).rsplit("\n", 2)[0] + "\n"  # no end-of-session line
    assert "End of session" not in cut
    (tmp_path / "cut.txt").write_text(cut, encoding="utf-8")
    assert loaded("ingest", str(tmp_path / "cut.txt")).exit_code == 0
    checked = {"incomplete": 0, "ended": 0}
    for client in _clients(loaded):
        for s in _sessions(loaded, client["client_id"]):
            one = _bundle(loaded, client["client_id"], "--session", str(s["number"]))
            [encounter] = _resources(one, "Encounter")
            incomplete = s["ended"]["reason"] == "incomplete"
            assert encounter["status"] == ("in-progress" if incomplete else "finished")
            checked["incomplete" if incomplete else "ended"] += 1
    assert checked["incomplete"] >= 2 and checked["ended"] >= 1  # Avery's and Alicia's 2nd


def test_an_encounter_starts_at_the_session_date_and_clock_only_in_a_given_zone(loaded):
    dated = [
        (c["client_id"], s)
        for c in _clients(loaded)
        for s in _sessions(loaded, c["client_id"])
        if s["date"]
    ]
    assert dated
    for client, s in dated:
        [plain] = _resources(_bundle(loaded, client, "--session", str(s["number"])), "Encounter")
        assert plain["period"]["start"] == s["date"]
        zoned = _bundle(loaded, client, "--session", str(s["number"]), "--timezone", "+02:00")
        [encounter] = _resources(zoned, "Encounter")
        start = encounter["period"]["start"]
        assert start.startswith(s["date"] + "T") and start.endswith("+02:00")
        hour = int(s["start_time"].split(":")[0]) % 12
        assert int(start[11:13]) % 12 == hour
        _validate(zoned)


def test_an_encounter_names_the_professional_when_the_record_does(loaded):
    for client in _clients(loaded):
        for s in _sessions(loaded, client["client_id"]):
            one = _bundle(loaded, client["client_id"], "--session", str(s["number"]))
            [encounter] = _resources(one, "Encounter")
            [participant] = encounter["participant"]
            assert participant["individual"]["display"].startswith(s["professional"])


def test_each_transcript_is_a_document_of_its_encounter_with_its_sha256(loaded):
    for client in _clients(loaded):
        bundle = _bundle(loaded, client["client_id"])
        encounters = {
            e["identifier"][0]["value"].rsplit("/", 1)[-1]: e
            for e in _resources(bundle, "Encounter")
        }
        documents = _resources(bundle, "DocumentReference")
        by_sha = {d["identifier"][0]["value"]: d for d in documents}
        for s in _sessions(loaded, client["client_id"]):
            document = by_sha[s["source"]["sha256"]]
            assert document["content"][0]["attachment"]["title"] == s["source"]["file"]
            assert "hash" not in document["content"][0]["attachment"]  # FHIR's is SHA-1
            encounter = encounters[str(s["number"])]
            assert document["context"]["encounter"] == [
                {"reference": f"urn:uuid:{encounter['id']}"}
            ]


def test_provenance_names_who_recorded_each_session_when_and_what_it_produced(loaded):
    for client in _clients(loaded):
        bundle = _bundle(loaded, client["client_id"])
        ids = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
        provenances = _resources(bundle, "Provenance")
        for s in _sessions(loaded, client["client_id"]):
            [provenance] = [
                p
                for p in provenances
                if p.get("entity", [{}])[0].get("what", {}).get("display") == s["source"]["file"]
            ]
            assert [a["who"]["display"] for a in provenance["agent"]] == ["intake-bot"]
            assert s["recorded_by"] == "intake-bot"
            assert provenance["recorded"] == s["recorded_at"]
            targets = {
                ids[r["reference"].removeprefix("urn:uuid:")]["resourceType"]
                for r in provenance["target"]
            }
            assert {"Encounter", "DocumentReference"} <= targets
        produced = {r["reference"] for p in provenances for r in p["target"]}
        tasks = {f"urn:uuid:{t['id']}" for t in _resources(bundle, "Task")}
        assert tasks <= produced


def test_the_same_record_exports_to_the_same_bytes(loaded, tmp_path):
    for client in _clients(loaded):
        args = ("export", client["client_id"], "--format", "fhir", "--include-name")
        first = loaded(*args, "--output", str(tmp_path / "first.json"))
        loaded("replay", client["client_id"])  # a read in between changes only the access log
        second = loaded(*args, "--output", str(tmp_path / "second.json"))
        assert first.exit_code == second.exit_code == 0
        assert (tmp_path / "first.json").read_bytes() == (tmp_path / "second.json").read_bytes()


def test_a_status_change_changes_the_bundle_but_not_the_ids(loaded):
    before = _bundle(loaded, "alicia")
    assert loaded("homework-set", "alicia", "S1.H1", "dropped", "--actor", "dr-n").exit_code == 0
    after = _bundle(loaded, "alicia")
    assert before != after
    assert [e["fullUrl"] for e in before["entry"]] == [e["fullUrl"] for e in after["entry"]]
    [task] = [t for t in _resources(after, "Task") if t["identifier"][0]["value"].endswith("S1.H1")]
    assert task["note"][-1]["authorString"] == "dr-n"


def test_output_file_is_owner_only_and_the_summary_counts_what_was_exported(loaded, tmp_path):
    out = tmp_path / "alex.json"
    result = loaded("export", "alex", "--format", "fhir", "--output", str(out), "--json")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    summary = json.loads(result.stdout)
    assert summary["file"] == str(out) and summary["clients"] == 1
    assert summary["sessions"] == len(_sessions(loaded, "alex"))
    _validate(json.loads(out.read_bytes()))
    assert not out.with_name(out.name + ".partial").exists()


def test_an_export_is_logged_as_one_read_of_that_client(loaded):
    [alex] = [c for c in _clients(loaded) if c["name"] == "Alex"]
    assert loaded("export", "alex", "--format", "fhir").exit_code == 0
    entries = [json.loads(line) for line in loaded("access-log", "--json").stdout.splitlines()]
    exports = [e for e in entries if e["command"] == "export"]
    assert [e["client_id"] for e in exports] == [alex["client_id"]]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nobody", "--format", "fhir"], "no client matches 'nobody'"),
        (["alex", "--format", "fhir", "--session", "99"], "no session 99"),
    ],
)
def test_a_user_error_is_one_line_and_exit_1(loaded, args, says):
    result = loaded("export", *args)
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and says in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--format", "fhir"], "CLIENT"),
        (["alex", "--format", "pdf"], "expected one of: jsonl, markdown, fhir"),
        (["alex", "--format", "fhir", "--timezone", "Mars/Base"], "unknown time zone"),
        (["alex", "--format", "markdown", "--include-name"], "--include-name"),
        (["alex", "--session", "5"], "does not apply to --format jsonl"),
    ],
)
def test_bad_usage_is_refused_with_a_message_saying_why(loaded, args, says):
    result = loaded("export", *args)
    assert result.exit_code == 2
    assert says in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
