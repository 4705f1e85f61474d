"""Formats A and B: a header naming both participants, turns labelled by name.

A stamps every turn (``[10:03] Alex: …``) and ends with ``[11:35] End of
session``. B sets the clock in blocks (a ``**[10:10]**`` line) for the turns
below it (``Alex: …``) and ends with ``(End of session)``.

A turn starts at any line whose label names a participant (see ``Speakers``),
is a role word, or was given a role with ``--role``. A label that reads like a
person ("Mother:", "Dr. Patel:", "Patient 2:") at a line's start but names
nobody is refused at its line, and so is one that could name either
participant: their words are never added to the turn before them. Words that
head a note or a worksheet field ("Note: …", "Automatic Thought: …") stay text.
A header naming two people as the client or professional is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import Inference, Role

from .dates import DateReading, read_date_and_time
from .detect import BLOCK_CLOCK, SESSION_OF, STAMP
from .draft import Draft
from .header import incomplete, read_fields, require_turns, stops_at
from .labels import LABEL, ROLE_WORDS, SynonymNotes, is_speaker_shaped
from .speakers import AmbiguousLabel, Person, Speakers, names_two_people, person
from .text import first_nonblank, numbered
from .turns import (
    END_MARKER,
    STAGE_DIRECTION,
    ClockMark,
    DirectionMark,
    EndMark,
    Mark,
    TurnStart,
    build,
)

_PROFESSIONAL_KEYS = {k for k, role in ROLE_WORDS.items() if role == "professional"}


def parse_clocked(
    lines: Sequence[str],
    name: str,
    fmt: Literal["A", "B"],
    roles: dict[str, Role] | None = None,
    dates: DateReading | None = None,
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
    read_date_and_time(fields, name, draft, dates)
    client: Person | None = None
    client_value = ""
    professional: Person | None = None
    for f in fields:
        draft.header.append((f.key, f.value))
        key = f.key.casefold()
        if (key == "client" or key in _PROFESSIONAL_KEYS) and names_two_people(f.value):
            raise TranscriptError(
                name,
                f.line,
                f"expected one person after '{f.key}:', not {f.value.strip()!r}; "
                "a record is one client's: record each person's session on its own",
            )
        if key == "client":
            client, client_value = person(f.value), f.value.strip()
        elif key in _PROFESSIONAL_KEYS:
            professional = person(f.value)
    header_end = fields[-1].line if fields else start + 1
    if client is not None and client.reordered:
        line = next(f.line for f in fields if f.key.casefold() == "client")
        draft.inferred.append(
            Inference(
                fact="client",
                value=client.name,
                source="surname_first",
                line=line,
                evidence=f"read given name first from {client_value!r}",
            )
        )
    for who, found in (("Client", client), ("Professional", professional)):
        if found is None:
            raise TranscriptError(name, header_end, f"expected a '{who}: Name' line in the header")
    assert client is not None and professional is not None
    require_turns(lines, body_start, name, "the header")

    speakers = Speakers(client, professional, roles)
    labels = _Labels(speakers, name, client, professional)
    classify = _stamped(labels) if fmt == "A" else _blocked(labels)
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
    draft.flags = body.flags
    draft.inferred.extend(labels.synonyms.inferred)
    last = stops_at(lines, body_start, len(lines))
    draft.ending = body.ending or incomplete("no end-of-session marker", last)
    draft.client_name, draft.client_title = client.name, client.title
    draft.client_descriptor = client.note
    draft.professional_name, draft.professional_title = professional.full, professional.note
    return draft


class _Labels:
    """Turn labels to turns; refuses a person-like label that names nobody."""

    def __init__(self, speakers: Speakers, name: str, client: Person, professional: Person):
        self.speakers = speakers
        self.name = name
        self.people = f"{client.full} or {professional.full}"
        self.synonyms = SynonymNotes()

    def turn(self, number: int, text: str, clock: str | None) -> TurnStart | None:
        m = LABEL.match(text) if ":" in text else None
        if m is None:
            if clock is not None and text.strip():
                raise TranscriptError(
                    self.name,
                    number,
                    f"expected a speaker label after the clock, naming {self.people}",
                )
            return None
        label = m.group("label").strip()
        try:
            role = self.speakers.role(label)
        except AmbiguousLabel as e:
            raise TranscriptError(
                self.name,
                number,
                f"expected a label that names one person, but '{label}' could be "
                f"{' or '.join(e.people)}; write the name out, or give "
                f'--role "{label}=client" or --role "{label}=professional"',
            ) from None
        if role is None:
            if is_speaker_shaped(label):
                raise TranscriptError(
                    self.name,
                    number,
                    f"expected a speaker named in the header ({self.people}), not '{label}'; "
                    f'give --role "{label}=client" or --role "{label}=professional"',
                )
            return None
        self.synonyms.note(label, role, number)
        return TurnStart(number, role, label, m.group("rest"), clock)


def _stamped(labels: _Labels) -> Callable[[int, str, bool], Mark | None]:
    def classify(number: int, text: str, _opens: bool) -> Mark | None:
        m = STAMP.match(text)
        if m is None:
            # A turn its writer forgot to stamp still starts a turn.
            return labels.turn(number, text, None)
        clock, rest = m.group(1), text[m.end() :]
        if END_MARKER.fullmatch(rest.strip()):
            return EndMark(number, rest.strip(), clock)
        if STAGE_DIRECTION.fullmatch(rest.strip()):
            return DirectionMark(number, rest.strip(), clock)
        return labels.turn(number, rest, clock)

    return classify


def _blocked(labels: _Labels) -> Callable[[int, str, bool], Mark | None]:
    def classify(number: int, text: str, _opens: bool) -> Mark | None:
        m = BLOCK_CLOCK.fullmatch(text)
        if m is not None:
            return ClockMark(number, m.group(1))
        return labels.turn(number, text, None)

    return classify
