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
speech: it is kept as a header field, and so are the sections Otter can put
before the transcript (``Summary``, ``Keywords``, ``Outline``, ``Action Items``,
``Overview``, ``Speakers``), each under its heading.

A line with a single space before the time (``Sam Rivera 1:02:30``, as an
editor that collapses spaces leaves it) is a speaker line when that name has a
two-space speaker line elsewhere in the file or a role given: otherwise the
next speaker's words would be filed under the one before.
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
from .labels import label_key
from .sidecar import Given
from .text import decode, is_blank, paragraphs, verbatim

SPEAKER_LINE = re.compile(
    r"(?P<name>\S(?:.*?\S)?)[ \t]{2,}(?:(?P<h>[0-9]{1,2}):)?(?P<m>[0-9]{1,2}):(?P<s>[0-5][0-9])\s*"
)
_LOOSE_SPEAKER_LINE = re.compile(
    r"(?P<name>\S(?:.*?\S)?)[ \t]+(?:(?P<h>[0-9]{1,2}):)?(?P<m>[0-9]{1,2}):(?P<s>[0-5][0-9])\s*"
)
_SECTIONS = ("summary", "keywords", "outline", "action items", "overview", "speakers")
_CREDIT = re.compile(r"Transcribed by\s+(?P<by>https?://otter\.ai\S*)\s*", re.IGNORECASE)


def has_speaker_lines(lines: Sequence[str]) -> bool:
    return any(SPEAKER_LINE.fullmatch(line) for line in lines)


def parse_otter(data: bytes, name: str, given: Given) -> ParsedSession:
    lines = decode(data, name, given.encoding)
    roles = Roles(given, name)
    named = {label_key(m.group("name")) for m in map(SPEAKER_LINE.fullmatch, lines) if m}
    sections, start = _sections(lines)
    turns: list[tuple[Turn, list[tuple[int, str]]]] = []
    for number, text in enumerate(lines, start=1):
        if number <= start:
            continue
        m = SPEAKER_LINE.fullmatch(text) or _loose(text, named, roles)
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
    header = sections + _credit(turns[-1][1])
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


def _loose(text: str, named: set[str], roles: Roles) -> re.Match[str] | None:
    m = _LOOSE_SPEAKER_LINE.fullmatch(text)
    if m is None:
        return None
    known = label_key(m.group("name")) in named or roles.knows(m.group("name"))
    return m if known else None


def _sections(lines: Sequence[str]) -> tuple[tuple[tuple[str, str], ...], int]:
    """Otter's sections before the first speaker line, and the line they end on.

    Only when the file opens with one of their headings: other text before the first
    speaker line is still refused, as words nobody is known to have said.
    """
    first = next((i for i, t in enumerate(lines) if not is_blank(t)), None)
    if first is None or _heading(lines[first]) is None:
        return (), 0
    end = next((i for i, t in enumerate(lines) if SPEAKER_LINE.fullmatch(t)), len(lines))
    found: list[tuple[str, list[str]]] = []
    for text in lines[first:end]:
        heading = _heading(text)
        if heading is not None:
            found.append((heading, []))
        elif not is_blank(text):
            found[-1][1].append(text.strip())
    return tuple((h, " ".join(body)) for h, body in found), end


def _heading(text: str) -> str | None:
    key = text.strip().rstrip(":").strip()
    return key if key.casefold() in _SECTIONS else None


def _credit(body: list[tuple[int, str]]) -> tuple[tuple[str, str], ...]:
    """Takes Otter's closing credit off the last turn's text, as a header field."""
    found = paragraphs(body)
    m = _CREDIT.fullmatch(found[-1].text) if found else None
    if m is None:
        return ()
    del body[body.index(found[-1].lines[0]) :]
    return (("Transcribed by", m.group("by")),)
