"""Chat files caselog cannot record faithfully: one line naming the file and the line of the
offending message, and nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import event_count
from tests.importing import clients, one_line_error

CHAT = Path(__file__).parent / "fixtures" / "chat"
GIVEN = ("--client", "Rowan Vale", "--session", "3")

HELLO = '{"role": "assistant", "content": "Hello, Rowan."}'

# name: (file name, text, line of the offending message, what the error says there)
BROKEN: dict[str, tuple[str, str, int, str]] = {
    "not JSON": (
        "chat.json",
        f'[\n  {HELLO},\n  {{"role": "user" "content": "Hi."}}\n]\n',
        3,
        "expected chat messages as JSON (Expecting ',' delimiter",
    ),
    "not JSON on a line of JSON lines": (
        "chat.jsonl",
        f'{HELLO}\n{{"role": "user", "content": "Hi."}}\n{{"role": "assistant", "content": \n',
        3,
        "expected one JSON message per line",
    ),
    "a message without content": (
        "chat.json",
        f'[\n  {HELLO},\n  {{\n    "role": "user",\n    "name": "Rowan"\n  }}\n]\n',
        3,
        'expected the message\'s "content", but it has none',
    ),
    "content that is null": (
        "chat.json",
        f'{{"messages": [\n  {HELLO},\n  {{"role": "user", "content": null}}\n]}}\n',
        3,
        'expected the message\'s "content" as a string or a list of text parts, not null',
    ),
    "content that is a number": (
        "chat.jsonl",
        f'{HELLO}\n{{"role": "user", "content": 42}}\n',
        2,
        'expected the message\'s "content" as a string or a list of text parts, not a number',
    ),
    "content that is an object": (
        "chat.json",
        f'[{HELLO},\n {{"role": "user", "content": {{"text": "Hi."}}}}]\n',
        2,
        'expected the message\'s "content" as a string or a list of text parts, not an object',
    ),
    "an image among the content parts": (
        "chat.json",
        f'[{HELLO},\n {{"role": "user", "content": [{{"type": "image_url", "image_url": '
        '{"url": "x.png"}}]}]\n',
        2,
        'expected text parts such as {"type": "text", "text": "…"} in the content, '
        "not a 'image_url' part",
    ),
    "empty content": (
        "chat.json",
        f'[{HELLO},\n {{"role": "user", "content": "   "}}]\n',
        2,
        'expected words in the message\'s "content", but it is empty',
    ),
    "a message that is not an object": (
        "chat.json",
        f'[{HELLO},\n "Hi."]\n',
        2,
        "expected a message object with a role",
    ),
    "an unknown role with no mapping": (
        "chat.jsonl",
        f'{HELLO}\n\n{{"role": "narrator", "content": "The room is quiet."}}\n',
        3,
        "the message role 'narrator' has no mapping: give --role \"narrator=client\"",
    ),
    "an empty conversation": ("chat.json", "[]\n", 1, "expected at least one message"),
    "an empty list of messages": (
        "chat.json",
        '{"id": "run-4",\n "messages": []}\n',
        2,
        "expected at least one message",
    ),
    "only a system prompt": (
        "chat.json",
        '[{"role": "system", "content": "You are a therapist."}]\n',
        1,
        "expected at least one message from the client or the professional",
    ),
    "messages that are not a list": (
        "chat.json",
        '{\n  "messages": "Hello"\n}\n',
        2,
        'expected "messages" to be a list of messages',
    ),
    "a JSON value that is no chat": (
        "chat.json",
        '{"client": "Rowan", "session": 3}\n',
        1,
        "expected chat messages: a list of messages",
    ),
    "several ShareGPT conversations": (
        "chat.json",
        '[\n {"id": "a", "conversations": [{"from": "human", "value": "Hi."}]},\n'
        ' {"id": "b", "conversations": [{"from": "human", "value": "Hello."}]}\n]\n',
        3,
        "expected one conversation per file, but another starts here (the first at line 2)",
    ),
    "several conversations as JSON lines": (
        "chat.jsonl",
        f'{{"messages": [{HELLO}]}}\n{{"messages": [{HELLO}]}}\n',
        2,
        "expected one conversation per file",
    ),
    "a conversation among messages on JSON lines": (
        "chat.jsonl",
        f'{HELLO}\n{{"messages": [{HELLO}]}}\n',
        2,
        "expected one message per line, not a whole conversation",
    ),
    "a tool message": (
        "chat.jsonl",
        f'{HELLO}\n{{"role": "tool", "tool_call_id": "c1", "content": "{{}}"}}\n',
        2,
        "expected words of the client or the professional, not a 'tool' message",
    ),
    "a tool call": (
        "chat.jsonl",
        f'{HELLO}\n{{"role": "assistant", "content": null, "tool_calls": [{{"id": "c1"}}]}}\n',
        2,
        "expected words of the client or the professional, not a tool call",
    ),
    "a tool call beside words": (
        "chat.jsonl",
        f'{HELLO}\n{{"role": "assistant", "content": "Let me look.", "tool_calls": '
        '[{"id": "c1"}]}\n',
        2,
        "expected words of the client or the professional, not a tool call",
    ),
    "a name that is not a string": (
        "chat.jsonl",
        f'{HELLO}\n{{"role": "user", "name": 7, "content": "Hi."}}\n',
        2,
        'expected the message\'s "name" as a string',
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_bad_chat_is_one_line_at_its_message_and_stores_nothing(tmp_path, cli, db, case):
    file, text, line, says = BROKEN[case]
    path = tmp_path / file
    path.write_text(text)
    message = one_line_error(cli("ingest", str(path), *GIVEN))
    assert message.startswith(f"error: {path}:{line}: "), message
    assert says in message, message
    assert event_count(db) == 0 and clients(cli) == []


def test_several_conversations_in_a_folder_are_refused_not_skipped(tmp_path, cli, db):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "dump.json").write_text(f"[\n  [{HELLO}],\n  [{HELLO}]\n]\n")
    message = one_line_error(cli("ingest", str(folder), *GIVEN[:2]))
    assert message.startswith(f"error: {folder / 'dump.json'}:3: expected one conversation")
    assert event_count(db) == 0


def test_two_names_under_the_client_role_are_refused_not_merged(cli, db):
    path = CHAT / "group-agents.json"
    message = one_line_error(cli("ingest", str(path), *GIVEN))
    assert message.startswith(f"error: {path}:4: expected one client, but 'Noor' (line 2)")
    assert "'Sami'" in message
    assert event_count(db) == 0


def test_a_bad_chat_beside_good_files_fails_alone(tmp_path, cli, db):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.jsonl").write_bytes((CHAT / "turns.jsonl").read_bytes())
    (folder / "good.jsonl.meta.json").write_text(json.dumps({"client": "Begoña", "session": 1}))
    (folder / "bad.jsonl").write_text(f'{HELLO}\n{{"role": "user", "content": 42}}\n')
    (folder / "bad.jsonl.meta.json").write_text(json.dumps({"client": "Rowan", "session": 1}))
    result = cli("ingest", str(folder), "--json")
    assert result.exit_code == 1
    rows = {Path(r["file"]).name: r["status"] for r in json.loads(result.stdout)}
    assert rows == {"bad.jsonl": "error", "good.jsonl": "recorded"}
    assert [c["name"] for c in clients(cli)] == ["Begoña"]


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (("--session", "3"), 'give --client NAME or "client" in openai-list.json.meta.json'),
        (("--client", "Rowan"), 'give --session N or "session" in openai-list.json.meta.json'),
    ],
)
def test_a_chat_without_client_or_session_says_which_to_give(cli, db, given, says):
    path = CHAT / "openai-list.json"
    message = one_line_error(cli("ingest", str(path), *given))
    assert message.startswith(f"error: {path}:1: expected the ") and message.endswith(says)
    assert event_count(db) == 0
