"""Otter.ai text exports: a speaker line, then what they said.

    Dr. Lee  0:03
    Good morning, Sam. How has the week been?

    Sam  0:10
    Honestly, a bit rough.

A speaker line is the name, two or more spaces and the time into the
recording (``m:ss`` or ``h:mm:ss``); the text below it, up to the next speaker
line, is one utterance, its paragraphs kept as written. Each speaker line is
a turn of its own, as Otter shows it, even when a speaker follows themself.
The ``Transcribed by https://otter.ai`` line Otter adds at the end is not
speech: it is kept as a header field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import ParsedSession

from .header import end_of_recording, stops_at
from .headerless import (
    Headerless,
    Roles,
    Turn,
    clock,
    parsed_session,
    professional_of,
    require_client,
    require_session,
)
from .sidecar import Given
from .text import decode, is_blank, paragraphs, verbatim

SPEAKER_LINE = re.compile(
    r"(?P<name>\S(?:.*?\S)?)[ \t]{2,}(?:(?P<h>[0-9]{1,2}):)?(?P<m>[0-9]{1,2}):(?P<s>[0-5][0-9])\s*"
)
_CREDIT = re.compile(r"Transcribed by\s+(?P<by>https?://otter\.ai\S*)\s*", re.IGNORECASE)


def has_speaker_lines(lines: Sequence[str]) -> bool:
    return any(SPEAKER_LINE.fullmatch(line) for line in lines)


def parse_otter(data: bytes, name: str, given: Given) -> ParsedSession:
    lines = decode(data, name, given.encoding)
    roles = Roles(given, name)
    turns: list[tuple[Turn, list[tuple[int, str]]]] = []
    for number, text in enumerate(lines, start=1):
        m = SPEAKER_LINE.fullmatch(text)
        if m is not None:
            speaker = m.group("name")
            seconds = (int(m.group("h") or 0) * 60 + int(m.group("m"))) * 60 + int(m.group("s"))
            turns.append(
                (Turn(roles(speaker, number), speaker, clock(seconds), number, number), [])
            )
        elif turns:
            turns[-1][1].append((number, text))
        elif not is_blank(text):
            raise TranscriptError(
                name, number, "expected a speaker line like 'Name  0:03' before this text"
            )
    assert turns  # decode() refuses a blank file, and words before a speaker line fail above
    header = _credit(turns[-1][1])
    for turn, body in turns:
        if not any(not is_blank(text) for _, text in body):
            raise TranscriptError(
                name, turn.first, f"expected what {turn.speaker} said below their speaker line"
            )
        turn.parts.append(verbatim(body))
        turn.last = stops_at(lines, turn.first - 1, body[-1][0])
    client, session = require_client(given, name), require_session(given, name)
    roles.check()
    entries = [turn.utterance("") for turn, _ in turns]
    ending = end_of_recording("an Otter export", entries[-1].lines.last)
    professional = professional_of(given, entries)
    facts = Headerless(
        "otter", client, session, given.date, professional, header, given.date_source
    )
    return parsed_session(facts, entries, ending, data, name)


def _credit(body: list[tuple[int, str]]) -> tuple[tuple[str, str], ...]:
    """Takes Otter's closing credit off the last turn's text, as a header field."""
    found = paragraphs(body)
    m = _CREDIT.fullmatch(found[-1].text) if found else None
    if m is None:
        return ()
    del body[body.index(found[-1].lines[0]) :]
    return (("Transcribed by", m.group("by")),)
