"""Whatever the chat file, the reader records it or refuses it at a line of the file."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caselog.adapters.parsing import ChatOptions, ImportOptions, parse_sessions
from caselog.domain.errors import TranscriptError

CHAT = Path(__file__).parent / "fixtures" / "chat"
FIXTURES = [p.read_bytes() for p in sorted(CHAT.iterdir())]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = st.sampled_from(
    [
        "role",
        "from",
        "content",
        "value",
        "parts",
        "name",
        "messages",
        "conversations",
        "type",
        "text",
        "tool_calls",
        "user",
        "assistant",
        "system",
        "tool",
        "human",
        "gpt",
        "model",
        "",
        "Hi.\n\nThere.",
    ]
)
SCALARS = st.none() | st.booleans() | st.integers() | WORDS | st.text(max_size=20)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(WORDS, inner, max_size=4),
    max_leaves=20,
)
OPTIONS = st.builds(ChatOptions, skip_system=st.booleans(), skip_tools=st.booleans())


def check(data: bytes, chat: ChatOptions) -> None:
    options = ImportOptions(client="Rowan Vale", session=3, chat=chat)
    try:
        (session,) = parse_sessions(data, "fuzz.json", options=options)
    except TranscriptError as error:
        assert error.file == "fuzz.json"
        assert 1 <= error.line <= data.count(b"\n") + 1
        return
    assert session.utterances
    lines = data.count(b"\n") + 1
    assert all(1 <= e.lines.first <= e.lines.last <= lines for e in session.entries)


@FUZZ
@given(JSON, st.booleans(), OPTIONS)
def test_any_json_value_is_recorded_or_refused_at_a_line(value, pretty, chat):
    check(json.dumps(value, indent=2 if pretty else None).encode(), chat)


@FUZZ
@given(st.lists(JSON, min_size=1, max_size=6), OPTIONS)
def test_any_json_lines_are_recorded_or_refused_at_a_line(values, chat):
    check("\n".join(json.dumps(v) for v in values).encode(), chat)


@FUZZ
@given(st.sampled_from(FIXTURES), st.data(), OPTIONS)
def test_a_cut_or_changed_fixture_is_recorded_or_refused_at_a_line(fixture, data, chat):
    at = data.draw(st.integers(0, len(fixture)))
    cut = data.draw(st.integers(0, 8))
    inserted = data.draw(st.sampled_from([b"", b",", b"]", b"}", b'"', b"\n", b"null", b"{"]))
    check(fixture[:at] + inserted + fixture[at + cut :], chat)
