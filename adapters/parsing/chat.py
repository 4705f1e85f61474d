"""Chat messages, as simulation frameworks and research corpora save conversations.

    [{"role": "system", "content": "You are Dr. Ines Ward, a CBT therapist."},
     {"role": "assistant", "name": "Dr. Ward", "content": "Good morning, Rowan."},
     {"role": "user", "content": [{"type": "text", "text": "I kept waking at four."}]}]

A message is an object with a ``role`` (ShareGPT: ``from``) and a ``content``
(ShareGPT: ``value``; Gemini: ``parts``): a string, or a list of text parts
``{"type": "text", "text": …}``, joined by blank lines. Each message is one
utterance (or stage direction); its lines are the message object's.

Roles: a message's ``name``, when ``--role`` or the sidecar maps it, decides;
else its role as written or as its alias (``human`` is ``user``; ``gpt`` and
``model`` are ``assistant``; ``developer`` is ``system``; ``function``,
``ipython`` and ``observation`` are ``tool``), when mapped; else ``assistant``
is the professional, ``user`` the client, and the role words of the text
formats (``therapist``, ``patient``) their roles. ``system`` messages are
stage directions, or left out with ``--skip-system``. Tool messages and tool
calls are refused unless ``--skip-tools`` leaves them out: they are neither
party's words. Any other role is an error that says how to map it.

The speaker label is the message's ``name``, else its role as written. Two
different names under the client's role are refused, as a second client is in
the text formats: a record is one client's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from caselog.domain.errors import TranscriptError
from caselog.domain.identity import may_be_client, names_person
from caselog.domain.transcript import Entry, LineSpan, ParsedSession, StageDirection, Utterance

from .chatjson import Located, read_conversation, repeated, twice
from .header import end_of_recording
from .headerless import Headerless, parsed_session, professional_of, require_client, require_session
from .labels import ROLE_WORDS, label_key, read_label
from .sidecar import ChatOptions, Given
from .text import decode, split_lines

ALIASES = {
    "human": "user",
    "gpt": "assistant",
    "model": "assistant",
    "developer": "system",
    **dict.fromkeys(("function", "ipython", "observation", "function_call"), "tool"),
}
DEFAULT_ROLES = {"assistant": "professional", "user": "client"}
READ_KEYS = ("role", "from", "name", "content", "value", "parts", "tool_calls", "function_call")
TOOL_PARTS = frozenset(
    ("tool_use", "tool_result", "tool_call", "function_call", "function_call_output")
)
"""Content parts that call a tool or carry its result (Anthropic, OpenAI Responses)."""
# Direction marks and zero-width spaces that editors and right-to-left text put around a
# name: invisible, and not part of it (joiners are, in Persian and in emoji, so they stay).
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
)


@dataclass(frozen=True)
class _Message:
    at: Located
    role: str
    """As written."""
    name: str | None
    text: str | None
    """None for a tool call without words."""
    calls: bool
    """It calls a tool (``tool_calls``, ``function_call``)."""


def parse_chat(
    data: bytes, name: str, given: Given, options: ChatOptions | None = None
) -> ParsedSession:
    options = options or ChatOptions()
    lines = decode(data, name, given.encoding)
    conversation = read_conversation(lines, name)
    messages = [_message(m, name) for m in conversation.messages]
    kept: list[tuple[_Message, Entry]] = []
    unmapped: list[_Message] = []
    for m in messages:
        kind = _kind(m, given.roles)
        if (kind == "tool" or m.calls) and not options.skip_tools:
            raise TranscriptError(name, m.at.first, _tool(m))
        if kind is None:
            unmapped.append(m)
        elif kind in ("client", "professional") or (kind == "system" and not options.skip_system):
            kept.append((m, _entry(m, kind)))
    entries = [e for _, e in kept]
    if not any(isinstance(e, Utterance) for e in entries) and not unmapped:
        raise TranscriptError(
            name,
            conversation.line,
            "expected at least one message from the client or the professional, "
            "but the conversation has none",
        )
    client, session = require_client(given, name), require_session(given, name)
    if unmapped:
        raise TranscriptError(name, unmapped[0].at.first, _no_role(unmapped[0], given))
    named = [e for m, e in kept if m.name is not None]
    _one_client(named, name)
    _names_fit(kept, client, given.roles, name)
    _one_speaker_each(kept, client, given.roles, name)
    facts = Headerless(
        "chat", client, session, given.date, professional_of(given, named), (), given.date_source
    )
    ending = end_of_recording("a chat", messages[-1].at.last)
    return parsed_session(facts, entries, ending, data, name)


def _message(at: Located, name: str) -> _Message:
    value = at.value
    if not isinstance(value, dict) or not any(k in value for k in ("role", "from")):
        raise TranscriptError(
            name,
            at.first,
            'expected a message object with a role, such as {"role": "user", "content": "…"}',
        )
    doubled = repeated(value, READ_KEYS)
    if doubled is not None:
        raise TranscriptError(name, at.first, twice(doubled))
    key = "role" if "role" in value else "from"
    role = value[key]
    if not isinstance(role, str) or not role.strip():
        raise TranscriptError(name, at.first, f'expected the message\'s "{key}" as a word')
    speaker = value.get("name")
    if speaker is not None and not isinstance(speaker, str):
        raise TranscriptError(name, at.first, 'expected the message\'s "name" as a string')
    label = " ".join((speaker or "").translate(_INVISIBLE).split()) or None
    found = next((k for k in ("content", "value", "parts") if k in value), None)
    content = value[found] if found is not None else None
    parts = [p for p in content if not _is_tool_part(p)] if isinstance(content, list) else None
    calls = bool(value.get("tool_calls") or value.get("function_call")) or (
        isinstance(content, list) and len(parts or ()) < len(content)
    )
    if parts is not None:
        content = parts
    text = _content(found, content, calls, at.first, name)
    return _Message(at, role.strip(), label, text, calls)


def _is_tool_part(part: object) -> bool:
    return isinstance(part, dict) and part.get("type") in TOOL_PARTS


def _content(key: str | None, content: object, calls: bool, line: int, name: str) -> str | None:
    if calls and content in (None, "", []):
        return None
    if key is None:
        raise TranscriptError(name, line, 'expected the message\'s "content", but it has none')
    if isinstance(content, list):
        content = "\n\n".join(_part(part, line, name) for part in content)
    if not isinstance(content, str):
        raise TranscriptError(
            name,
            line,
            f'expected the message\'s "{key}" as a string or a list of text parts, '
            f"not {_json_type(content)}",
        )
    text = "\n".join(line.rstrip() for line in split_lines(content.strip()))
    if not text.strip():
        raise TranscriptError(
            name, line, f'expected words in the message\'s "{key}", but it is empty'
        )
    return text


def _part(part: object, line: int, name: str) -> str:
    if isinstance(part, str):
        return part.strip()
    doubled = repeated(part, ("type", "text"))
    if doubled is not None:
        raise TranscriptError(name, line, twice(doubled))
    if (
        isinstance(part, dict)
        and isinstance(part.get("text"), str)
        and part.get("type", "text") in ("text", "input_text", "output_text")
    ):
        return str(part["text"]).strip()
    kind = part.get("type") if isinstance(part, dict) else None
    what = f"a {kind!r} part" if isinstance(kind, str) else _json_type(part)
    raise TranscriptError(
        name,
        line,
        f'expected text parts such as {{"type": "text", "text": "…"}} in the content, not '
        f"{what}: caselog records words",
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    return "an object" if isinstance(value, dict) else "a list"


def _kind(m: _Message, mapped: Mapping[str, str]) -> str | None:
    """client, professional, system or tool; None for a role nobody mapped."""
    if m.text is None:
        return "tool"  # a call without words
    written = label_key(m.role)
    alias = ALIASES.get(written, written)
    for key in (label_key(m.name or ""), written, alias):
        if key in mapped:
            return mapped[key]
    if alias in ("system", "tool"):
        return alias
    return DEFAULT_ROLES.get(alias) or ROLE_WORDS.get(alias)


def _entry(m: _Message, kind: str) -> Entry:
    assert m.text is not None
    lines = LineSpan(first=m.at.first, last=m.at.last)
    if kind == "system":
        return StageDirection(text=m.text, lines=lines)
    role = "client" if kind == "client" else "professional"
    return Utterance(role=role, speaker=m.name or m.role, text=m.text, lines=lines)


def _tool(m: _Message) -> str:
    what = "a tool call or its result" if m.calls else f"a {m.role!r} message"
    return (
        f"expected words of the client or the professional, not {what}: tool messages are "
        "neither party's; leave them out with --skip-tools"
    )


def _no_role(m: _Message, given: Given) -> str:
    return (
        f'the message role {m.role!r} has no mapping: give --role "{m.role}=client" or '
        f'--role "{m.role}=professional", or map it under "roles" in {given.sidecar}'
    )


def _spaced(label: str) -> str:
    """A name as a person reads it: OpenAI's ``name`` allows no spaces, so "Rowan_Vale"
    stands for "Rowan Vale"."""
    return " ".join(label.replace("_", " ").split())


def _names_fit(
    kept: Sequence[tuple[_Message, Entry]], client: str, mapped: Mapping[str, str], name: str
) -> None:
    """A message's ``name`` must fit its role: the client's messages named for someone
    who is not the client, or the professional's named for the client (or called
    "client", "patient"), would put one person's words in another's record. A name
    ``--role`` maps is taken as given."""
    for m, e in kept:
        if m.name is None or not isinstance(e, Utterance) or label_key(m.name) in mapped:
            continue
        person, word = _spaced(m.name), ROLE_WORDS.get(label_key(m.name))
        if e.role == "client" and word != "client" and not names_person(person, client):
            raise TranscriptError(
                name,
                m.at.first,
                f"expected the client, {client}, but a client's message is named "
                f"'{m.name}': give --client \"{person}\" if the chat is theirs, or "
                f'--role "{m.name}=client" if {m.name} is {client}',
            )
        if e.role == "professional" and (word == "client" or may_be_client(person, client)):
            raise TranscriptError(
                name,
                m.at.first,
                f"'{m.name}' names the client, {client}, but speaks as the professional "
                f"(role '{m.role}'): give --role \"{m.name}=client\" if that is the client",
            )


def _one_speaker_each(
    kept: Sequence[tuple[_Message, Entry]], client: str, mapped: Mapping[str, str], name: str
) -> None:
    """A message is one speaker's words. A line inside it that opens with the other
    party's label ("Client: …" in the assistant's message, as when a model writes a
    whole session in one reply) would file that party's words as this speaker's."""
    roles: dict[str, str] = dict(ROLE_WORDS)
    roles.update(
        {
            k: DEFAULT_ROLES[ALIASES.get(k, k)]
            for k in ("user", "human", "assistant", "gpt", "model")
        }
    )
    for m, e in kept:
        if isinstance(e, Utterance):
            roles[label_key(e.speaker)] = e.role
            roles[label_key(m.role)] = e.role
    roles.update({k: v for k, v in mapped.items() if v in ("client", "professional")})
    for m, e in kept:
        if not isinstance(e, Utterance):
            continue
        for number, text in enumerate(e.text.split("\n"), start=1):
            found = read_label(text.strip())
            if found is None:
                continue
            label = found[0]
            role = roles.get(label_key(label))
            if role is None and may_be_client(_spaced(label), client):
                role = "client"
            if role is not None and role != e.role:
                raise TranscriptError(
                    name,
                    m.at.first,
                    f"expected one speaker's words in a message, but the {e.role}'s message "
                    f"has a turn of the {role}, '{label}:', on line {number} of its content: "
                    "a transcript of several speakers in one message is not a chat; save it "
                    "as a text transcript and ingest that",
                )


def _one_client(named: Sequence[Entry], name: str) -> None:
    """Two names under the client's role would file one person's words as another's
    (messages without a name are taken as the one client's)."""
    first: dict[str, tuple[str, int]] = {}
    for e in named:
        if isinstance(e, Utterance) and e.role == "client":
            first.setdefault(label_key(e.speaker), (e.speaker, e.lines.first))
    if len(first) < 2:
        return
    (one, line), (other, there) = list(first.values())[:2]
    raise TranscriptError(
        name,
        there,
        f"expected one client, but '{one}' (line {line}) and '{other}' both speak as the "
        "client: a record is one client's; record each person's session on its own, or give "
        f'--role "{other}=professional" if they are a professional',
    )
