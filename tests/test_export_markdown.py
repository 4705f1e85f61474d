"""``caselog export CLIENT --format markdown``: the record as a document a person reads.

Checked against what the reading commands say (``replay --json``, ``summary --json``,
``homework --json``, ``sessions --json``) on real SQLite stores of the sample transcripts.
"""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest

from tests.conftest import FIXTURES, Cli


@pytest.fixture
def loaded(sqlite_db: str) -> Cli:
    cli = Cli(sqlite_db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _sessions(cli: Cli) -> list[tuple[str, dict[str, Any]]]:
    clients = json.loads(cli("clients", "--json").stdout)
    found = [
        (c["name"], s)
        for c in clients
        for s in json.loads(cli("sessions", c["name"], "--json").stdout)
    ]
    assert len(found) == 5
    return found


def _markdown(cli: Cli, client: str, *args: str) -> str:
    result = cli("export", client, "--format", "markdown", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _replay(cli: Cli, client: str, session: int) -> list[dict[str, Any]]:
    out = cli("replay", client, "--session", str(session), "--json").stdout
    return [json.loads(line) for line in out.splitlines()]


def test_a_sessions_document_holds_every_utterance_verbatim_with_speaker_and_clock(loaded):
    for client, s in _sessions(loaded):
        doc = _markdown(loaded, client, "--session", str(s["number"]))
        events = _replay(loaded, client, s["number"])
        utterances = [e for e in events if e["type"] == "UtteranceRecorded"]
        assert len(utterances) == s["utterances"]
        for u in utterances:
            assert u["text"] in doc
            clock = f"[{u['clock']}] " if u["clock"] else ""
            assert f"**{clock}{u['speaker']}:** {u['text']}" in doc
        for d in (e for e in events if e["type"] == "StageDirectionRecorded"):
            assert d["text"] in doc


def test_multi_paragraph_utterances_keep_their_paragraphs(loaded):
    texts = [
        e["text"]
        for client, s in _sessions(loaded)
        for e in _replay(loaded, client, s["number"])
        if e["type"] == "UtteranceRecorded" and "\n\n" in e["text"]
    ]
    assert texts
    whole = "".join(_markdown(loaded, c) for c in ("alex", "alicia", "marcus"))
    assert all(t in whole for t in texts)


def test_a_sessions_header_names_client_session_date_and_professional(loaded):
    for client, s in _sessions(loaded):
        head = _markdown(loaded, client, "--session", str(s["number"])).split("## Transcript")[0]
        of = f" of {s['planned_total']}" if s["planned_total"] else ""
        assert head.startswith(f"# {client} — session {s['number']}{of}\n")
        assert f"**Session:** {s['number']}{of}" in head
        assert s["professional"] in head
        assert s["source"]["sha256"] in head
        if s["date"]:
            assert s["date"] in head and s["start_time"] in head
        assert s["ended"]["reason"].replace("_", " ") in head


def test_a_sessions_document_has_its_summary_and_homework_with_current_status(loaded):
    assert loaded("homework-set", "alicia", "S1.H1", "completed", "--note", "did it").exit_code == 0
    for client, s in _sessions(loaded):
        doc = _markdown(loaded, client, "--session", str(s["number"]))
        summary = loaded("summary", client, "--session", str(s["number"]), "--json")
        if summary.exit_code == 0:
            items = json.loads(summary.stdout)
            summary_part = doc.split("Session summary")[1]
            for key in ("topics", "techniques", "helpful", "homework", "insights"):
                assert all(f"- {text}" in summary_part for text in items[key])
        homework = json.loads(loaded("homework", client, "--json").stdout)
        assigned = {
            e["homework_id"]
            for e in _replay(loaded, client, s["number"])
            if e["type"] == "HomeworkAssigned"
        }
        for h in homework:
            if h["homework_id"] in assigned:
                line = next(
                    x for x in doc.splitlines() if x.startswith(f"- **{h['homework_id']}**")
                )
                assert h["text"] in line and f"*{h['status'].replace('_', ' ')}*" in line
    assert "*completed* (" in _markdown(loaded, "alicia", "--session", "1")


def test_a_clients_document_has_every_sessions_heading_in_session_order(loaded):
    by_client: dict[str, list[dict[str, Any]]] = {}
    for client, s in _sessions(loaded):
        by_client.setdefault(client, []).append(s)
    for client, sessions in by_client.items():
        doc = _markdown(loaded, client)
        assert doc.startswith(f"# {client}\n")
        headings = [line for line in doc.splitlines() if line.startswith("## ")]
        numbers = [s["number"] for s in sessions]
        assert numbers == sorted(numbers)
        expected = []
        for s in sessions:
            of = f" of {s['planned_total']}" if s["planned_total"] else ""
            expected.append(f"## {client} — session {s['number']}{of}")
        assert [h for h in headings if " — session " in h] == expected
        for s in sessions:
            for u in _replay(loaded, client, s["number"]):
                if u["type"] == "UtteranceRecorded":
                    assert u["text"] in doc


def test_corrections_show_as_replay_and_summary_show_them(loaded):
    new = "Thanks, Nova. It has been a hard year."
    assert (
        loaded("amend", "alicia", "--session", "1", "--seq", "3", "--text", new, "--reason", "typo")
    ).exit_code == 0
    assert (
        loaded("retract", "alicia", "--session", "1", "--summary", "insights:1", "--reason", "no")
    ).exit_code == 0
    assert (
        loaded("retract", "alicia", "--homework", "S1.H2", "--reason", "not agreed").exit_code == 0
    )
    doc = _markdown(loaded, "alicia", "--session", "1")
    entry = next(e for e in _replay(loaded, "alicia", 1) if e.get("seq") == 3)
    assert entry["text"] == new and entry["amended"]
    assert f"** {new}" in doc
    assert "amended" in doc and "typo" in doc
    assert entry["original_text"] in doc.split(new, 1)[1]  # shown after, as what it said first
    summary = json.loads(loaded("summary", "alicia", "--session", "1", "--json").stdout)
    retracted = [c["text"] for c in summary["corrections"] if c["retracted"]]
    assert len(retracted) == 2  # the insight, and the homework item (an item of the summary too)
    shown = doc.split("## Session summary")[1].split("\n## Homework")[0]
    assert not any(text in shown for text in retracted)
    assert all(f"- {t}" in doc for t in summary["insights"])
    homework_line = next(x for x in doc.splitlines() if x.startswith("- **S1.H2**"))
    assert "*retracted*" in homework_line and "not agreed" in homework_line


def test_output_file_is_owner_only_and_the_summary_line_names_it(loaded, tmp_path):
    out = tmp_path / "alex.md"
    result = loaded("export", "alex", "--format", "markdown", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"exported 2 sessions of Alex as markdown to {out}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text(encoding="utf-8") == _markdown(loaded, "alex")


def test_a_markdown_export_needs_a_client(loaded):
    result = loaded("export", "--format", "markdown")
    assert result.exit_code == 2
    assert "CLIENT" in result.stderr and "markdown" in result.stderr
    assert result.stdout == ""


def test_an_unknown_client_or_session_is_one_line_and_exit_1(loaded):
    for args in (["nobody"], ["alex", "--session", "3"]):
        result = loaded("export", *args, "--format", "markdown")
        assert result.exit_code == 1
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert "Traceback" not in result.output
