"""Chat files as found in the wild (tests/fixtures/chat-wild/), through `caselog ingest`: each
is recorded with the right role and speaker for every message, or refused at its line with
nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import event_count
from tests.importing import clients, events, one_line_error, said

WILD = Path(__file__).parent / "fixtures" / "chat-wild"
GIVEN = ("--client", "Rowan Vale", "--session", "1")

# file: (extra options, (role, speaker, start of text) of each utterance, stage directions)
RECORDED: dict[str, tuple[tuple[str, ...], list[tuple[str, str, str]], list[str]]] = {
    "openai-finetune-one.jsonl": (
        (),
        [
            ("client", "user", "I can't stop checking"),
            ("professional", "assistant", "How many times"),
            ("client", "user", "Six, maybe seven."),
            ("professional", "assistant", "This week, try checking once"),
        ],
        ["You are a supportive CBT therapist. Keep replies short."],
    ),
    "sharegpt-system.json": (
        (),
        [
            ("client", "human", "My sister and I"),
            ("professional", "gpt", "What happened"),
            ("client", "human", "She said I never call."),
        ],
        ["A counselling role-play."],
    ),
    "anthropic-blocks.json": (
        (),
        [
            ("client", "user", "I panicked on the train again."),
            ("professional", "assistant", "What did you notice first?\n\nYour breath"),
            ("client", "user", "My chest."),
        ],
        ["You are a counsellor."],  # the top-level "system" is not dropped
    ),
    "anthropic-tools.json": (
        ("--skip-tools",),
        [
            ("client", "user", "What did we agree last time?"),
            ("professional", "assistant", "Let me check your notes."),
            ("professional", "assistant", "We agreed a short walk each day."),
        ],
        [],
    ),
    "tool-calls-mixed.json": (
        ("--skip-tools",),
        [
            ("client", "user", "Book me in for next week."),
            ("professional", "assistant", "Checking the calendar."),
            ("professional", "assistant", "You're booked for Tuesday at ten."),
        ],
        [],
    ),
    "developer-function.jsonl": (
        ("--skip-tools", "--skip-system"),
        [
            ("client", "user", "Can you remind me of my homework?"),
            ("professional", "assistant", "Your homework was the mood diary."),
        ],
        [],
    ),
    "human-assistant-caps.jsonl": (
        (),
        [
            ("client", "Human", "I snapped at my son."),
            ("professional", "Assistant", "What was happening"),
            ("client", "HUMAN", "I was exhausted."),
        ],
        [],
    ),
    "bot-roles.jsonl": (
        ("--role", "bot=professional"),
        [("client", "user", "Hello?"), ("professional", "bot", "Hi, what's on your mind?")],
        [],
    ),
    "role-words-counselor.json": (
        (),
        [
            ("professional", "counselor", "What would you like"),
            ("client", "client", "My exams."),
            ("professional", "counselor", "Which one worries you most?"),
        ],
        [],
    ),
    "role-words-named.json": (
        (),
        [("professional", "Dr. Rowan Hale", "Shall we begin?"), ("client", "R. Vale", "Yes.")],
        [],
    ),
    "named-one-client.jsonl": (
        (),
        [("professional", "Dr_Ward", "Good to see you"), ("client", "Rowan", "Thanks.")],
        [],
    ),
    "named-other-client.jsonl": (
        ("--role", "Priya=client"),
        [("professional", "Dr_Ward", "Welcome back."), ("client", "Priya", "Thanks for")],
        [],
    ),
    "gemini-contents.json": (
        (),
        [("client", "user", "Hi"), ("professional", "model", "Hello")],
        [],
    ),
    "nested-messages.json": ((), [("client", "user", "Hi.")], []),
    "bom-crlf.jsonl": (
        (),
        [("client", "user", "First line.\nSecond line."), ("professional", "assistant", "Go on.")],
        [],
    ),
}


@pytest.mark.parametrize("fixture", RECORDED)
def test_a_wild_chat_is_recorded_with_every_speaker_and_role(cli, fixture):
    options, expected, directions = RECORDED[fixture]
    result = cli("ingest", str(WILD / fixture), *GIVEN, *options)
    assert result.exit_code == 0, result.output
    found = said(cli, "rowan", 1)
    assert len(found) == len(expected)
    for (role, speaker, _, text), (want_role, want_speaker, start) in zip(
        found, expected, strict=True
    ):
        assert (role, speaker) == (want_role, want_speaker)
        assert text.startswith(start), text
    stage = [e["text"] for e in events(cli, "rowan") if e["type"] == "StageDirectionRecorded"]
    assert stage == directions


# file: (extra options, line of the offending message, what the error says)
REFUSED: dict[str, tuple[tuple[str, ...], int, str]] = {
    "openai-finetune.jsonl": ((), 2, "expected one conversation per file"),
    "chatgpt-export.json": ((), 1, 'not a ChatGPT export\'s "mapping" tree'),
    "hf-dialog.json": ((), 1, "expected chat messages: a list of messages"),
    "hf-turns.jsonl": ((), 1, "expected chat messages: a list of messages"),
    "anthropic-tools.json": ((), 12, "not a tool call or its result"),
    "tool-calls-mixed.json": ((), 7, "not a tool call"),
    "developer-function.jsonl": ((), 3, "not a tool call"),
    "bot-roles.jsonl": ((), 2, "the message role 'bot' has no mapping"),
    "model-ai-roles.jsonl": ((), 3, "the message role 'ai' has no mapping"),
    "named-other-client.jsonl": ((), 2, "a client's message is named 'Priya'"),
    "named-two-clients.json": ((), 12, "expected one client, but 'Rowan' (line 2)"),
    "professional-named-client.jsonl": ((), 2, "'Rowan_Vale' names the client, Rowan Vale"),
    "assistant-named-client.jsonl": ((), 2, "'client' names the client"),
    "multimodal-image.json": ((), 2, "not a 'image_url' part"),
    "empty-contents.jsonl": ((), 2, 'expected words in the message\'s "content"'),
    "trailing-comma.json": ((), 4, "expected chat messages as JSON"),
    "not-a-chat.json": ((), 1, "expected chat messages: a list of messages"),
    "top-level-string.json": ((), 1, "expected chat messages: a list of messages"),
    "duplicate-content.json": ((), 2, 'expected "content" once, but the object gives it twice'),
    "duplicate-role.jsonl": ((), 2, 'expected "role" once'),
    "duplicate-messages.json": ((), 1, 'expected "messages" once'),
    "transcript-in-one-message.json": (
        (),
        6,
        "the professional's message has a turn of the client, 'Client:', on line 2",
    ),
    "gluedin-client.jsonl": (
        (),
        2,
        "the client's message has a turn of the professional, 'Dr. Ward:', on line 2",
    ),
    "rtl-emoji-names.jsonl": ((), 2, "a client's message is named 'نور'"),
}


@pytest.mark.parametrize("fixture", REFUSED)
def test_a_wild_chat_that_cannot_be_recorded_faithfully_is_refused_at_its_line(cli, db, fixture):
    options, line, says = REFUSED[fixture]
    path = WILD / fixture
    message = one_line_error(cli("ingest", str(path), *GIVEN, *options))
    assert message.startswith(f"error: {path}:{line}: "), message
    assert says in message, message
    assert event_count(db) == 0 and clients(cli) == []


def test_a_name_behind_direction_marks_is_the_client_it_names(cli):
    path = WILD / "rtl-emoji-names.jsonl"
    result = cli("ingest", str(path), "--client", "نور حداد", "--session", "1")
    assert result.exit_code == 0, result.output
    assert [(r, s) for r, s, _, _ in said(cli, "نور حداد", 1)] == [
        ("professional", "د. ليلى"),
        ("client", "نور"),
        ("professional", "🧠 Coach"),
    ]


def test_very_long_content_is_kept_whole(cli):
    path = WILD / "long-content.json"
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    text = said(cli, "rowan", 1)[1][3]
    assert text.count("\n\n") == 59 and text.endswith("I kept going over the meeting in my head.")
    assert len(text) > 100_000


def test_an_underscored_name_of_the_client_speaks_as_the_client(tmp_path, cli):
    path = tmp_path / "named.jsonl"
    path.write_text(
        '{"role": "assistant", "name": "Dr_Ward", "content": "How was the week?"}\n'
        '{"role": "user", "name": "Rowan_Vale", "content": "Long."}\n'
    )
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    assert [(r, s) for r, s, _, _ in said(cli, "rowan", 1)][1] == ("client", "Rowan_Vale")


def test_a_repeated_text_in_a_content_part_is_refused(tmp_path, cli, db):
    path = tmp_path / "parts.json"
    path.write_text(
        '[{"role": "assistant", "content": "Hi."},\n'
        ' {"role": "user", "content": [{"type": "text", "text": "a", "text": "b"}]}]\n'
    )
    message = one_line_error(cli("ingest", str(path), *GIVEN))
    assert message.startswith(f'error: {path}:2: expected "text" once'), message
    assert event_count(db) == 0


def test_a_chatgpt_export_in_a_folder_is_reported_not_skipped(tmp_path, cli, db):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "conversations.json").write_bytes((WILD / "chatgpt-export.json").read_bytes())
    message = one_line_error(cli("ingest", str(folder), *GIVEN))
    assert "ChatGPT export" in message
    assert event_count(db) == 0
