"""Formats A and B: a header naming both participants, turns labelled by name.

A stamps every turn (``[10:03] Alex: …``) and ends with ``[11:35] End of
session``. B sets the clock in blocks (a ``**[10:10]**`` line) for the turns
below it (``Alex: …``) and ends with ``(End of session)``. In both, a label
counts only when it names a participant of the header, so a sentence such as
"Note: …" inside a turn stays text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from caselog.domain.errors import TranscriptError

from .dates import DateReading, parse_date, parse_time
from .detect import BLOCK_CLOCK, SESSION_OF, STAMP
from .draft import Draft
from .header import incomplete, read_fields, require_turns, stops_at
from .names import Person, Speakers, person
from .text import first_nonblank, numbered
from .turns import END_MARKER, ClockMark, EndMark, Mark, TurnStart, build

LABEL = re.compile(r"(?P<label>[^\W\d_][\w.'’ -]{0,60}?)\s*:(?=\s|$)\s*(?P<rest>.*)")
_PROFESSIONAL_KEYS = {"professional", "therapist", "counselor", "counsellor", "clinician"}


def parse_clocked(
    lines: Sequence[str], name: str, fmt: Literal["A", "B"], dates: DateReading | None = None
) -> Draft:
    start = first_nonblank(lines)
    assert start is not None  # decode() refuses blank files
    first = lines[start].strip()
    m = SESSION_OF.fullmatch(first)
    if m is None:
        raise TranscriptError(
            name,
            start + 1,
            f"expected a format {fmt} header starting with a line like 'Session 5/24'",
        )
    draft = Draft(entries=[], ending=incomplete("", 1))
    draft.session_number, draft.planned_total = int(m.group(1)), int(m.group(2))
    draft.header.append(("Session", first.split(None, 1)[1].strip()))

    def is_turn_line(text: str) -> bool:
        return bool(STAMP.match(text) or BLOCK_CLOCK.fullmatch(text))

    fields, body_start = read_fields(
        lines,
        start + 1,
        name,
        is_turn_line,
        "expected a header line such as 'Date: May 29, 2025', or a blank line before the turns",
    )
    client: Person | None = None
    professional: Person | None = None
    for f in fields:
        draft.header.append((f.key, f.value))
        key = f.key.casefold()
        if key == "date":
            day = parse_date(f.value, name, f.line, dates)
            draft.date, draft.date_source = day.date, day.source
        elif key == "time":
            draft.start_time = parse_time(f.value, name, f.line)
        elif key == "client":
            client = person(f.value)
        elif key in _PROFESSIONAL_KEYS:
            professional = person(f.value)
    header_end = fields[-1].line if fields else start + 1
    for who, found in (("Client", client), ("Professional", professional)):
        if found is None:
            raise TranscriptError(name, header_end, f"expected a '{who}: Name' line in the header")
    assert client is not None and professional is not None
    require_turns(lines, body_start, name, "the header")

    speakers = Speakers(client, professional)
    classify = _stamped(speakers) if fmt == "A" else _blocked(speakers)
    example = "'[10:03] Name: …'" if fmt == "A" else "'Name: …'"
    body = build(
        numbered(lines, body_start),
        classify,
        name,
        f"expected a speaker label like {example} naming the client or professional "
        "before this text",
    )
    if not any(e.kind == "utterance" for e in body.entries):
        raise TranscriptError(
            name, min(body_start + 1, len(lines)), "expected at least one turn after the header"
        )
    draft.entries = body.entries
    last = stops_at(lines, body_start, len(lines))
    draft.ending = body.ending or incomplete("no end-of-session marker", last)
    draft.client_name, draft.client_descriptor = client.name, client.note
    draft.professional_name, draft.professional_title = professional.name, professional.note
    return draft


def _turn(speakers: Speakers, number: int, text: str, clock: str | None) -> TurnStart | None:
    m = LABEL.match(text)
    if m is None:
        return None
    role = speakers.role(m.group("label"))
    if role is None:
        return None
    return TurnStart(number, role, m.group("label").strip(), m.group("rest"), clock)


def _stamped(speakers: Speakers) -> Callable[[int, str], Mark | None]:
    def classify(number: int, text: str) -> Mark | None:
        m = STAMP.match(text)
        if m is None:
            return None
        clock, rest = m.group(1), text[m.end() :]
        if END_MARKER.fullmatch(rest.strip()):
            return EndMark(number, rest.strip(), clock)
        return _turn(speakers, number, rest, clock)

    return classify


def _blocked(speakers: Speakers) -> Callable[[int, str], Mark | None]:
    def classify(number: int, text: str) -> Mark | None:
        m = BLOCK_CLOCK.fullmatch(text)
        if m is not None:
            return ClockMark(number, m.group(1))
        return _turn(speakers, number, text, None)

    return classify
