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

import re
from collections.abc import Callable, Sequence
from typing import Literal

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import Role

from .dates import DateReading, read_date_and_time
from .detect import BLOCK_CLOCK, SESSION_OF, STAMP, SUMMARY_HEADING
from .draft import Draft
from .header import incomplete, read_fields, require_turns, stops_at
from .labels import SynonymNotes, heads_a_note, is_speaker_shaped, read_label
from .participants import Participants, name_unnamed, read_participants
from .speakers import AmbiguousLabel, Speakers, TitleConflict
from .summary import parse_summary
from .text import first_nonblank, numbered
from .turns import (
    END_MARKER,
    ClockMark,
    DirectionMark,
    EndMark,
    Mark,
    TurnStart,
    build,
    is_direction,
)


def parse_clocked(
    lines: Sequence[str],
    name: str,
    fmt: Literal["A", "B"],
    roles: dict[str, Role] | None = None,
    dates: DateReading | None = None,
    stated_client: str | None = None,
) -> Draft:
    """``stated_client`` (``--client``) names a client the header leaves unnamed."""
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
    draft.header.extend((f.key, f.value) for f in fields)
    header_end = fields[-1].line if fields else start + 1
    participants, inferred = read_participants(fields, name, header_end, stated_client)
    draft.inferred.extend(inferred)
    require_turns(lines, body_start, name, "the header")

    speakers = Speakers(participants.client, participants.professional, roles, participants.others)
    labels = _Labels(speakers, name, participants)
    classify = _stamped(labels) if fmt == "A" else _blocked(labels)
    example = "'[10:03] Name: …'" if fmt == "A" else "'Name: …'"
    summary_at = _summary_after_end(lines, body_start)
    body = build(
        numbered(lines, body_start, summary_at),
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
    last = stops_at(lines, body_start, summary_at)
    draft.ending = body.ending or incomplete("no end-of-session marker", last)
    if summary_at < len(lines):
        block = parse_summary(numbered(lines, summary_at + 1))
        draft.summary = block.summary
        draft.header.extend(("Session summary note", n) for n in block.notes)
    client, professional, found = name_unnamed(participants, draft.entries, name)
    draft.inferred.extend(found)
    if client is not None:
        draft.client_name, draft.client_title = client.name, client.title
        draft.client_descriptor = client.note
    draft.professional_name = professional
    draft.professional_title = participants.professional.note
    return draft


def _summary_after_end(lines: Sequence[str], body_start: int) -> int:
    """Where a ``Session Summary:`` block after the end of session starts ("[11:35] End of
    session", then the summary generators append), or ``len(lines)``. Only after an end
    line, and only when no stamped or clock line follows: a summary quoted in a turn stays
    words."""
    ended = False
    for i in range(body_start, len(lines)):
        text = lines[i].strip()
        stamp = STAMP.match(text)
        rest = text[stamp.end() :].strip() if stamp else text
        if END_MARKER.fullmatch(rest):
            ended = True
        elif ended and SUMMARY_HEADING.fullmatch(text):
            later = lines[i + 1 :]
            if not any(STAMP.match(t) or BLOCK_CLOCK.fullmatch(t) for t in later):
                return i
    return len(lines)


CREDENTIALS = frozenset(
    (
        *("phd", "psyd", "edd", "md", "do", "dclinpsy", "cpsychol", "mrcpsych", "mbbs"),
        *("lcsw", "licsw", "lmsw", "msw", "lmft", "mft", "lpc", "lpcc", "lmhc", "lcpc"),
        *("ncc", "ma", "ms", "msc", "med", "rn", "np", "aprn", "pmhnp", "bcba", "abpp"),
        *("lcadc", "cadc", "ladc", "rp", "ccc", "bacp", "ukcp", "hcpc", "cpsy", "lp"),
    )
)
"""Clinical credentials written after a name ("Ines Ward, PhD", "Dana Hale, LCSW"),
compared without dots and case; only these, so "Rowan, OK: …" stays words."""
_CREDENTIALED = re.compile(
    r"\s*(?P<name>[^\W\d_][^,:：\n]{0,60}?)(?P<after>(?:,\s*[A-Za-z.]{2,12}){1,4})"
    r"\s*[:：]\s*(?P<rest>.*)"
)
_LEAD = re.compile(r"[\W\d_]+(?=[^\W\d_])")
"""What comes before a line's first letter: marks, digits."""


class _Labels:
    """Turn labels to turns; refuses a person-like label that names nobody."""

    def __init__(self, speakers: Speakers, name: str, participants: Participants):
        self.speakers = speakers
        self.name = name
        client = participants.client.full if participants.client_named else None
        professional = participants.professional.full if participants.professional_named else None
        self.people = " or ".join(p for p in (client, professional) if p) or "nobody"
        self.unnamed = [
            (who, line)
            for who, line, named in (
                ("Client", participants.client_line, participants.client_named),
                (
                    participants.professional_key,
                    participants.professional_line,
                    participants.professional_named,
                ),
            )
            if not named
        ]
        self.synonyms = SynonymNotes()
        self._first_line: dict[str, int] = {}

    def turn(self, number: int, text: str, clock: str | None) -> TurnStart | None:
        read = read_label(text) if ":" in text or "：" in text else None
        if read is None and (":" in text or "：" in text):
            read = self._credentialed(text)
        if read is None:
            if clock is not None and text.strip():
                raise TranscriptError(
                    self.name,
                    number,
                    f"expected a speaker label after the clock, naming {self.people}",
                )
            if ":" in text or "：" in text:
                self._refuse_hidden(number, text)
            return None
        label, rest = read
        self._first_line.setdefault(label, number)
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
        except TitleConflict as e:
            raise TranscriptError(self.name, number, self._conflict(e)) from None
        if role is None:
            if is_speaker_shaped(label) and label.endswith((")", "]")):
                raise TranscriptError(
                    self.name,
                    number,
                    f"expected a speaker label naming {self.people}, not '{label}': words "
                    "said as someone else, or under a descriptor, are not filed as theirs; "
                    f'give --role "{label}=client" or --role "{label}=professional"',
                )
            if is_speaker_shaped(label):
                raise TranscriptError(self.name, number, self._nobody(label))
            if clock is not None and not heads_a_note(label):
                # A stamp opens a turn: "[10:05] T: …" is someone's, never words of the
                # turn before; "[10:05] Note: …" is a note in it.
                raise TranscriptError(
                    self.name,
                    number,
                    f"expected a speaker label after the clock, naming {self.people}, "
                    f"not '{label}'; give --role \"{label}=client\" or "
                    f'--role "{label}=professional"',
                )
            return None
        self.synonyms.note(label, role, number)
        return TurnStart(number, role, label, rest, clock)

    def _names_someone(self, label: str) -> bool:
        try:
            return self.speakers.role(label) is not None
        except (AmbiguousLabel, TitleConflict):
            return True

    def _credentialed(self, text: str) -> tuple[str, str] | None:
        """(label, words) of "Ines Ward, PhD: …": a participant's name with credentials
        after it, which a label does not otherwise take (a comma is words)."""
        m = _CREDENTIALED.match(text)
        if m is None:
            return None
        after = [c.strip().replace(".", "").casefold() for c in m.group("after").split(",")[1:]]
        if not all(c in CREDENTIALS for c in after) or not self._names_someone(m.group("name")):
            return None
        return m.group("name"), m.group("rest")

    def _refuse_hidden(self, number: int, text: str) -> None:
        """A participant's label behind marks or a number ("— Dr. Ward: …", "12. Rowan:
        …") would, taken for words, put their turn in the mouth of the speaker before."""
        lead = _LEAD.match(text)
        if lead is None:
            return
        read = read_label(text[lead.end() :])
        if read is not None and self._names_someone(read[0]):
            raise TranscriptError(
                self.name,
                number,
                f"expected a speaker label to open the line ('Label: words'), but "
                f"'{text[: lead.end()].strip()}' comes before '{read[0]}'",
            )

    def _conflict(self, e: TitleConflict) -> str:
        if e.earlier is not None:
            seen = f"'{e.earlier}' (line {self._first_line.get(e.earlier, '?')})"
        else:
            seen = f"the header's '{e.header}'"
        return (
            f"expected one title for {e.person.name}, but '{e.label}' and {seen} differ: "
            "two people are never merged into one; if they are one, give "
            f'--role "{e.label}=client" or --role "{e.label}=professional"'
        )

    def _nobody(self, label: str) -> str:
        other = self.speakers.other_named(label)
        if other is not None:
            why = f"'{label}' is {other.full}, whom the header names besides them"
        elif self.unnamed:
            lines = ", ".join(f"'{who}:' (line {line})" for who, line in self.unnamed)
            why = f"not '{label}', and the header's {lines} names nobody"
        else:
            why = f"not '{label}'"
        return (
            f"expected a speaker named in the header ({self.people}), {why}; "
            f'give --role "{label}=client" or --role "{label}=professional"'
            + ("" if not self.unnamed else ", or --client NAME")
        )


def _stamped(labels: _Labels) -> Callable[[int, str, bool], Mark | None]:
    def classify(number: int, text: str, _opens: bool) -> Mark | None:
        m = STAMP.match(text)
        if m is None:
            # A turn its writer forgot to stamp still starts a turn.
            return labels.turn(number, text, None)
        clock, rest = m.group(1), text[m.end() :]
        if END_MARKER.fullmatch(rest.strip()):
            return EndMark(number, rest.strip(), clock)
        if is_direction(rest.strip()):
            return DirectionMark(number, rest.strip(), clock)
        return labels.turn(number, rest, clock)

    return classify


def _blocked(labels: _Labels) -> Callable[[int, str, bool], Mark | None]:
    stamped = _stamped(labels)

    def classify(number: int, text: str, opens: bool) -> Mark | None:
        m = BLOCK_CLOCK.fullmatch(text)
        if m is not None:
            return ClockMark(number, m.group(1))
        if text.startswith("**[") and STAMP.match(text):
            # A block's bold clock written on the line it opens ("**[16:48]** Dr. Grant: …",
            # "**[16:50]** (End of session)") stamps that line, as in format A.
            return stamped(number, text, opens)
        return labels.turn(number, text, None)

    return classify
