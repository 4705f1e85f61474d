"""Chat-message JSON and JSON lines through `caselog ingest`, on real stores."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import event_count
from tests.importing import clients, events, one_line_error, said, sessions

CHAT = Path(__file__).parent / "fixtures" / "chat"
GIVEN = ("--client", "Rowan Vale", "--session", "3")
# turns.jsonl names its client Begoña: filed under Rowan Vale only when told they are one.
BEGONA = ("--role", "Begoña=client")
MIRA = ("--role", "Mira=client")

# Each shape: (extra options, the utterances' (role, speaker) in order, stage directions,
# the homework the professional assigned).
SHAPES: dict[str, tuple[tuple[str, ...], list[tuple[str, str]], int, list[str]]] = {
    "openai-list.json": (
        (),
        [("professional", "Dr. Ward"), ("client", "Rowan")] * 3,
        1,
        [
            "keep a sleep diary: the time you wake, the first thought, and how long until "
            "you sleep again"
        ],
    ),
    "simulation-messages.json": (
        (),
        [("professional", "assistant"), ("client", "user")] * 3,
        1,
        ["notice one moment each day when you paused before reacting, and write it down"],
    ),
    "sharegpt.json": (
        (),
        [("client", "human"), ("professional", "gpt")] * 2,
        1,
        ["go to one lunch this week and stay for ten minutes, then note what actually happened"],
    ),
    "sharegpt-object.json": (
        (),
        [("client", "human"), ("professional", "gpt")] * 2,
        0,
        ["write down what you would say to a friend in the same position before we meet again"],
    ),
    "turns.jsonl": (
        ("--role", "Begoña=client"),
        [("professional", "Dra. Méndez"), ("client", "Begoña")] * 3,
        1,
        ["practise the slow breathing for five minutes every morning"],
    ),
    "content-parts.json": (
        ("--role", "Jonah=client"),
        [("professional", "Dr. Osei"), ("client", "Jonah"), ("professional", "Dr. Osei")],
        1,
        ["write down three things you did well in your revision"],
    ),
    "gemini-parts.json": (
        (),
        [("client", "user"), ("professional", "model")] * 2,
        0,
        ["take ten minutes alone in the car before going in, every evening until we meet again"],
    ),
    "custom-roles.jsonl": (
        ("--role", "counsellor_agent=professional", "--role", "client_agent=client", *MIRA),
        [("professional", "Counsellor"), ("client", "Mira")] * 2 + [("professional", "Counsellor")],
        0,
        ["write the title and headings tomorrow morning, before opening your email"],
    ),
    "role-words.json": (
        (),
        [("professional", "therapist"), ("client", "patient"), ("professional", "therapist")],
        0,
        ["use the grounding exercise when the calls get heated"],
    ),
    "tool-calls.json": (
        ("--skip-tools",),
        [("client", "user"), ("professional", "assistant"), ("client", "user")],
        1,
        [],
    ),
    "long-unicode.json": (
        ("--role", "田中=client"),
        [("professional", "佐藤先生"), ("client", "田中")] * 2 + [("professional", "佐藤先生")],
        1,
        ["write down each night-time thought in the worksheet, with how strongly you believed it"],
    ),
}


def homework(cli, client: str) -> list[str]:
    result = cli("homework", client, "--json")
    assert result.exit_code == 0, result.output
    return [h["text"] for h in json.loads(result.stdout)]


@pytest.mark.parametrize("fixture", SHAPES)
def test_each_chat_shape_records_its_messages_roles_directions_and_homework(cli, fixture):
    options, speakers, directions, assigned = SHAPES[fixture]
    result = cli("ingest", str(CHAT / fixture), *GIVEN, *options, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["status"] == "recorded"
    assert [(role, speaker) for role, speaker, _, _ in said(cli, "rowan", 3)] == speakers
    (session,) = sessions(cli, "rowan")
    assert session["source"]["format"] == "chat"
    found = events(cli, "rowan", "--session", "3")
    assert sum(e["type"] == "StageDirectionRecorded" for e in found) == directions
    assert homework(cli, "rowan") == assigned


def test_a_chat_keeps_paragraphs_and_unicode_and_each_message_spans_its_object(cli):
    assert cli("ingest", str(CHAT / "openai-list.json"), *GIVEN).exit_code == 0
    utterances = [e for e in events(cli, "rowan") if e["type"] == "UtteranceRecorded"]
    assert utterances[1]["text"] == (
        "Honestly, a bit rough. I kept waking at four and lying there going over work.\n\n"
        "On Thursday I gave up and got up at five."
    )
    assert utterances[0]["lines"] == {"first": 6, "last": 10}
    unicode = cli("ingest", str(CHAT / "long-unicode.json"), "--client", "田中", "--session", "2")
    assert unicode.exit_code == 0, unicode.output
    said_there = said(cli, "田中", 2)
    assert said_there[1][3] == (
        "あまり眠れませんでした。\n\n仕事のことばかり考えてしまって、夜中に何度も目が覚めました。"
    )


def test_the_named_assistant_is_the_professional_and_the_system_prompt_a_direction(cli):
    assert cli("ingest", str(CHAT / "openai-list.json"), *GIVEN).exit_code == 0
    (session,) = sessions(cli, "rowan")
    assert session["professional"] == "Dr. Ward"
    direction = next(e for e in events(cli, "rowan") if e["type"] == "StageDirectionRecorded")
    assert direction["text"].startswith("You are Dr. Ines Ward, a cognitive behavioural")
    replay = cli("replay", "rowan", "--session", "3")
    assert "Dr. Ward: Good morning, Rowan." in replay.stdout


def test_the_recap_after_a_chat_session_carries_its_homework_forward(cli):
    assert cli("ingest", str(CHAT / "turns.jsonl"), *GIVEN, *BEGONA).exit_code == 0
    recap = cli("recap", "rowan")
    assert recap.exit_code == 0, recap.output
    assert "- practise the slow breathing for five minutes every morning (S3.H1, assigned)" in (
        recap.stdout
    )


def test_skip_system_leaves_the_system_prompt_out(cli):
    result = cli("ingest", str(CHAT / "openai-list.json"), *GIVEN, "--skip-system")
    assert result.exit_code == 0, result.output
    found = events(cli, "rowan")
    assert not any(e["type"] == "StageDirectionRecorded" for e in found)
    assert sum(e["type"] == "UtteranceRecorded" for e in found) == 6


def test_skip_tools_keeps_the_words_of_a_message_that_also_calls_a_tool(tmp_path, cli):
    path = tmp_path / "tools.jsonl"
    path.write_text(
        '{"role": "user", "content": "Did I do the homework last week?"}\n'
        '{"role": "assistant", "content": "Let me look.", "tool_calls": [{"id": "c1"}]}\n'
        '{"role": "tool", "tool_call_id": "c1", "content": "thought records"}\n'
        '{"role": "assistant", "content": "", "tool_calls": [{"id": "c2"}]}\n'
    )
    assert cli("ingest", str(path), *GIVEN, "--skip-tools").exit_code == 0
    assert [(r, t) for r, _, _, t in said(cli, "rowan", 3)] == [
        ("client", "Did I do the homework last week?"),
        ("professional", "Let me look."),
    ]


def test_a_chat_is_read_by_content_when_forced_or_without_an_extension(tmp_path, cli):
    forced = tmp_path / "run.txt"
    forced.write_bytes((CHAT / "openai-list.json").read_bytes())
    assert cli("ingest", str(forced), *GIVEN, "--format", "chat").exit_code == 0
    bare = tmp_path / "run-2"
    bare.write_bytes((CHAT / "turns.jsonl").read_bytes())
    given = ("--client", "Rowan Vale", "--session", "4", *BEGONA)
    assert cli("ingest", str(bare), *given).exit_code == 0
    assert [s["source"]["format"] for s in sessions(cli, "rowan")] == ["chat", "chat"]


def test_a_byte_order_mark_and_windows_line_ends_keep_the_message_lines(tmp_path, cli):
    path = tmp_path / "windows.json"
    text = (CHAT / "role-words.json").read_text().replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    utterances = [e for e in events(cli, "rowan") if e["type"] == "UtteranceRecorded"]
    assert [u["lines"]["first"] for u in utterances] == [2, 3, 4]


def test_a_simulation_where_the_model_plays_the_client_is_mapped_with_role(cli):
    path = CHAT / "sharegpt-object.json"
    result = cli(
        "ingest", str(path), *GIVEN, "--role", "gpt=client", "--role", "human=professional"
    )
    assert result.exit_code == 0, result.output
    assert [r for r, _, _, _ in said(cli, "rowan", 3)] == ["professional", "client"] * 2
    assert homework(cli, "rowan") == []  # only the professional's turns assign homework


def test_a_role_given_to_a_name_wins_over_the_message_role(tmp_path, cli):
    path = tmp_path / "agents.jsonl"
    path.write_text(
        '{"role": "user", "name": "Coach", "content": "What would help this week?"}\n'
        '{"role": "user", "name": "Ada", "content": "Going to bed before midnight."}\n'
    )
    roles = ("--role", "Coach=professional", "--role", "Ada=client")
    assert cli("ingest", str(path), *GIVEN, *roles).exit_code == 0
    assert [(r, s) for r, s, _, _ in said(cli, "rowan", 3)] == [
        ("professional", "Coach"),
        ("client", "Ada"),
    ]


def test_a_message_named_for_someone_other_than_the_client_is_refused_until_mapped(cli, db):
    path = str(CHAT / "turns.jsonl")
    refused = cli("ingest", path, *GIVEN)
    assert refused.exit_code == 1
    assert one_line_error(refused) == (
        f"error: {path}:3: expected the client, Rowan Vale, but a client's message is named "
        "'Begoña': give --client \"Begoña\" if the chat is theirs, or --role "
        '"Begoña=client" if Begoña is Rowan Vale'
    )
    assert event_count(db) == 0
    assert cli("ingest", path, "--client", "Begoña Ruiz", "--session", "3").exit_code == 0
    assert [s for _, s, _, _ in said(cli, "begoña", 3)][:2] == ["Dra. Méndez", "Begoña"]


def test_a_message_of_the_professional_named_for_the_client_is_refused(tmp_path, cli, db):
    path = tmp_path / "swapped.jsonl"
    path.write_text(
        '{"role": "assistant", "name": "Rowan", "content": "I slept badly."}\n'
        '{"role": "user", "name": "Dr. Ward", "content": "What woke you?"}\n'
    )
    refused = cli("ingest", str(path), *GIVEN)
    assert refused.exit_code == 1
    assert "'Rowan' names the client, Rowan Vale, but speaks as the professional" in (
        one_line_error(refused)
    )
    assert event_count(db) == 0


def test_a_sidecar_gives_client_session_date_and_roles(tmp_path, cli):
    path = tmp_path / "run-17.jsonl"
    shutil.copy(CHAT / "custom-roles.jsonl", path)
    sidecar = {
        "client": "Mira Sol",
        "session": 2,
        "date": "2025-11-03",
        "roles": {"counsellor_agent": "professional", "client_agent": "client"},
    }
    (tmp_path / "run-17.jsonl.meta.json").write_text(json.dumps(sidecar))
    result = cli("ingest", str(path), "--json")
    assert result.exit_code == 0, result.output
    (session,) = sessions(cli, "mira")
    assert (session["number"], session["date"]) == (2, "2025-11-03")


def test_a_chat_ingested_again_is_unchanged(cli):
    path = str(CHAT / "turns.jsonl")
    assert cli("ingest", path, *GIVEN, *BEGONA).exit_code == 0
    again = cli("ingest", path, *GIVEN, *BEGONA, "--json")
    assert json.loads(again.stdout)[0]["status"] == "unchanged"


def test_a_folder_reads_chats_but_not_sidecars_exports_or_reports(tmp_path, cli, db):
    folder = tmp_path / "inbox"
    folder.mkdir()
    shutil.copy(CHAT / "sharegpt.json", folder / "a.json")
    (folder / "a.json.meta.json").write_text(json.dumps({"client": "Lee Park", "session": 1}))
    shutil.copy(CHAT / "turns.jsonl", folder / "b.jsonl")
    (folder / "b.jsonl.meta.json").write_text(json.dumps({"client": "Begoña Ruiz", "session": 4}))
    assert cli("ingest", str(folder)).exit_code == 0
    before = event_count(db)
    # What caselog itself writes beside them: an export, a FHIR bundle, an ingest report.
    assert cli("export", "--output", str(folder / "backup.jsonl")).exit_code == 0
    fhir = cli("export", "lee", "--format", "fhir", "--output", str(folder / "lee.json"))
    assert fhir.exit_code == 0, fhir.output
    report = cli("ingest", str(folder), "--json")
    assert report.exit_code == 0, report.output
    (folder / "report.json").write_text(report.stdout)
    again = cli("ingest", str(folder), "--json")
    assert again.exit_code == 0, again.output
    rows = json.loads(again.stdout)
    assert sorted(Path(r["file"]).name for r in rows) == ["a.json", "b.jsonl"]
    assert {r["status"] for r in rows} == {"unchanged"}
    assert event_count(db) == before
    assert sorted(c["name"] for c in clients(cli)) == ["Begoña Ruiz", "Lee Park"]


def test_a_broken_json_file_in_a_folder_is_reported_not_skipped(tmp_path, cli, db):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "cut.json").write_text('[\n  {"role": "user", "content": "I was say')
    message = one_line_error(cli("ingest", str(folder), "--client", "Sam"))
    assert message.startswith(f"error: {folder / 'cut.json'}:2: expected chat messages as JSON")
    assert event_count(db) == 0
