"""A chat file's messages as JSON values, each with the lines it spans.

The shapes read: a JSON list of messages; an object holding them under
``"messages"`` (Gemini: ``"contents"``) or, as ShareGPT corpora do,
``"conversations"``; a list of one
such object; and JSON lines, one message per line. A file of several
conversations is refused: a file is one session.

``json`` says where a document is broken but not where a valid one's values
are, so a document is walked with ``raw_decode`` to find the line each message
object starts on.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from caselog.domain.errors import TranscriptError

from .text import first_nonblank, is_blank

CONVERSATION_KEYS = ("messages", "conversations", "contents")
"""``contents``: the Gemini API's request body."""
MESSAGE_KEYS = ("role", "from")
SHAPES = (
    'a list of messages, {"messages": [...]}, ShareGPT {"conversations": [...]} '
    "or one message per line"
)

_TOO_DEEP = "expected chat messages, not JSON nested thousands of levels deep"
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class Repeated(dict[str, object]):
    """A JSON object whose text gives a key twice. ``json`` keeps the last value and
    drops the other without a word, which would lose a message's words or change its
    role; the reader refuses such a key where it reads it."""

    repeated: frozenset[str] = frozenset()


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) == len(keys):
        return dict(pairs)
    found = Repeated(pairs)
    found.repeated = frozenset(k for k in keys if keys.count(k) > 1)
    return found


def repeated(value: object, keys: Sequence[str]) -> str | None:
    """The first of ``keys`` the object gives twice, if any."""
    doubled = value.repeated if isinstance(value, Repeated) else frozenset()
    return next((k for k in keys if k in doubled), None)


def _loads(text: str) -> object:
    return json.loads(text, object_pairs_hook=_object)


_DECODER = json.JSONDecoder(object_pairs_hook=_object)


@dataclass(frozen=True)
class Located:
    """A JSON value and the 1-based lines it spans."""

    value: object
    first: int
    last: int
    offset: int = 0
    """Where it starts in the text it was read from."""


@dataclass(frozen=True)
class Conversation:
    messages: list[Located]
    line: int
    """Where the list of messages opens, for an error about the whole conversation."""


def is_conversation(value: object) -> bool:
    return isinstance(value, list) or (
        isinstance(value, dict) and any(k in value for k in CONVERSATION_KEYS)
    )


def is_message(value: object) -> bool:
    return isinstance(value, dict) and any(k in value for k in MESSAGE_KEYS)


def is_chatgpt_export(value: object) -> bool:
    """A ChatGPT data export (conversations.json): each conversation a ``mapping`` tree
    of message nodes, the branch shown chosen by ``current_node``."""
    return isinstance(value, dict) and isinstance(value.get("mapping"), dict)


_CHATGPT = (
    'expected chat messages, not a ChatGPT export\'s "mapping" tree: its messages branch '
    "wherever a reply was edited or regenerated, so which were said is not in the file "
    'alone; save the conversation as {"messages": [...]}'
)


def may_hold_chat(data: bytes) -> bool:
    """False only for valid JSON (or JSON lines) that is surely not chat messages."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return True
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        start = next((line for line in text.splitlines() if line.strip()), "")
        try:
            value = json.loads(start)
        except (json.JSONDecodeError, RecursionError):
            return True
    except RecursionError:
        return True
    while isinstance(value, list) and value:  # a list of messages, or of conversations
        value = value[0]
    # A ChatGPT export is reported, never skipped: it does hold a conversation.
    return value != [] and (is_message(value) or is_conversation(value) or is_chatgpt_export(value))


def read_conversation(lines: Sequence[str], name: str) -> Conversation:
    """The file's one conversation; a TranscriptError at the line where it is not one."""
    try:
        return _conversation(lines, name)
    except RecursionError:  # json's scanner recurses per level of nesting
        raise TranscriptError(name, 1, _TOO_DEEP) from None


def _conversation(lines: Sequence[str], name: str) -> Conversation:
    text = "\n".join(lines)
    try:
        value = _loads(text)
    except json.JSONDecodeError as e:
        start = first_nonblank(lines) or 0
        if not _parses(lines[start]) or first_nonblank(lines, start + 1) is None:
            raise TranscriptError(
                name, e.lineno, f"expected chat messages as JSON ({e.msg}, column {e.colno})"
            ) from None
        return _json_lines(lines, name)
    return _Document(text, name).conversation(value, _skip(text, 0))


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


def _json_lines(lines: Sequence[str], name: str) -> Conversation:
    found: list[Located] = []
    for number, line in enumerate(lines, start=1):
        if is_blank(line):
            continue
        try:
            value = _loads(line)
        except json.JSONDecodeError as e:
            raise TranscriptError(
                name, number, f"expected one JSON message per line ({e.msg}, column {e.colno})"
            ) from None
        except RecursionError:
            raise TranscriptError(name, number, _TOO_DEEP) from None
        found.append(Located(value, number, number))
    wrapped = [m.first for m in found if is_conversation(m.value)]
    if len(wrapped) > 1:
        raise TranscriptError(name, wrapped[1], several(wrapped[0]))
    if wrapped:  # among messages: the document as a whole did not parse
        raise TranscriptError(
            name, wrapped[0], "expected one message per line, not a whole conversation"
        )
    return Conversation(found, found[0].first)


def twice(key: str) -> str:
    return (
        f'expected "{key}" once, but the object gives it twice: JSON keeps only the last, '
        "so the other would be lost"
    )


def several(first: int) -> str:
    return (
        f"expected one conversation per file, but another starts here (the first at line "
        f"{first}): a file is one session; split it into one file per conversation"
    )


def _skip(text: str, at: int) -> int:
    found = _WHITESPACE.match(text, at)
    assert found is not None  # the pattern matches the empty string
    return found.end()


class _Document:
    """Offsets in a valid JSON text to values and lines."""

    def __init__(self, text: str, name: str, lines_before: int = 0) -> None:
        self.text = text
        self.name = name
        self.before = lines_before
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def line(self, offset: int) -> int:
        return self.before + bisect_right(self.starts, offset)

    def conversation(self, value: object, at: int) -> Conversation:
        if isinstance(value, dict) and is_message(value) and not is_conversation(value):
            return Conversation([self._located(value, at)], self.line(at))
        if isinstance(value, dict) and is_conversation(value):
            key = next(k for k in CONVERSATION_KEYS if k in value)
            inner = self._member(at, key)
            key_twice = repeated(value, (*CONVERSATION_KEYS, "system"))
            if key_twice is not None:
                raise TranscriptError(self.name, self.line(at), twice(key_twice))
            if not isinstance(value[key], list):
                raise TranscriptError(
                    self.name, self.line(inner), f'expected "{key}" to be a list of messages'
                )
            found = self.conversation(value[key], inner)
            if "system" not in value:
                return found
            # Anthropic's API keeps the system prompt beside the messages, not among
            # them: read as the system message it is, never silently dropped.
            prompt = self._member(at, "system")
            first = self.line(prompt)
            last = self.line(_DECODER.raw_decode(self.text, prompt)[1] - 1)
            system = Located({"role": "system", "content": value["system"]}, first, last, prompt)
            return Conversation([system, *found.messages], found.line)
        if isinstance(value, list) and value and all(map(is_chatgpt_export, value)):
            raise TranscriptError(self.name, self.line(at), _CHATGPT)
        if is_chatgpt_export(value):
            raise TranscriptError(self.name, self.line(at), _CHATGPT)
        if not isinstance(value, list):
            raise TranscriptError(self.name, self.line(at), f"expected chat messages: {SHAPES}")
        items = self._items(at)
        wrapped = [item for item in items if is_conversation(item.value)]
        if len(wrapped) > 1:
            raise TranscriptError(self.name, wrapped[1].first, several(wrapped[0].first))
        if len(items) == 1 and wrapped:
            return self.conversation(items[0].value, items[0].offset)
        return Conversation(items, self.line(at))

    def _located(self, value: object, at: int) -> Located:
        _, end = _DECODER.raw_decode(self.text, at)
        return Located(value, self.line(at), self.line(end - 1))

    def _items(self, at: int) -> list[Located]:
        """The elements of the array that opens at ``at``."""
        items: list[Located] = []
        i = _skip(self.text, at + 1)
        while self.text[i] != "]":
            value, end = _DECODER.raw_decode(self.text, i)
            items.append(Located(value, self.line(i), self.line(end - 1), i))
            i = _skip(self.text, end)
            if self.text[i] == ",":
                i = _skip(self.text, i + 1)
        return items

    def _member(self, at: int, key: str) -> int:
        """Where the value of ``key`` starts in the object that opens at ``at`` (the last
        one, as ``json`` keeps it)."""
        found = at
        i = _skip(self.text, at + 1)
        while self.text[i] != "}":
            member, end = _DECODER.raw_decode(self.text, i)
            i = _skip(self.text, _skip(self.text, end) + 1)  # past the colon
            if member == key:
                found = i
            _, end = _DECODER.raw_decode(self.text, i)
            i = _skip(self.text, end)
            if self.text[i] == ",":
                i = _skip(self.text, i + 1)
        return found
