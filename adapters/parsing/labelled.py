"""Formats C and D: turns labelled by role, names only in the dialogue.

C opens with ``Session Number: 8``; D (a continuation) opens with the
previous session's ``Session Summary:`` block instead. Both may end with a
trailer — ``Termination Details:`` with ``Reason:``/``Details:`` lines, then
the session's own ``Session Summary:`` block. The trailer starts only after
the last labelled turn, so a summary the client quotes inside a turn never
cuts the dialogue short.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import Ending, QuotedSummary, Role, Utterance

from .detect import SESSION_NUMBER, SUMMARY_HEADING
from .draft import Draft
from .header import KEY_VALUE, incomplete, read_fields, require_turns, stops_at
from .names import addressed_name, introduced_name
from .summary import parse_summary
from .text import first_nonblank, is_blank, numbered
from .turns import Mark, TurnStart, build

ROLES: dict[str, Role] = {
    "Patient": "client",
    "Client": "client",
    "Therapist": "professional",
    "Counselor": "professional",
    "Counsellor": "professional",
    "Professional": "professional",
}
LABEL = re.compile(rf"({'|'.join(ROLES)})\s*:(?=\s|$)\s*(.*)")
TERMINATION = re.compile(r"Termination Details:?\s*", re.IGNORECASE)
END_PHRASE = re.compile(r"Detected end phrase:\s*'(.*)'\s*", re.IGNORECASE)
_HINT = "expected a speaker label like 'Patient: …' or 'Therapist: …' before this text"


def parse_labelled(lines: Sequence[str], name: str, fmt: Literal["C", "D"]) -> Draft:
    start = first_nonblank(lines)
    assert start is not None  # decode() refuses blank files
    draft = Draft(entries=[], ending=incomplete("", 1))
    first = lines[start].strip()
    if fmt == "C":
        m = SESSION_NUMBER.fullmatch(first)
        if m is None:
            raise TranscriptError(name, start + 1, "expected a first line like 'Session Number: 8'")
        draft.session_number = int(m.group(1))
        draft.header.append(("Session Number", m.group(1)))
        fields, body_start = read_fields(
            lines,
            start + 1,
            name,
            lambda text: LABEL.match(text) is not None,
            "expected a header line such as 'Key: value', or a blank line before the turns",
        )
        draft.header.extend((f.key, f.value) for f in fields)
        require_turns(lines, body_start, name, "the header")
    else:
        if not SUMMARY_HEADING.fullmatch(first):
            raise TranscriptError(
                name, start + 1, "expected a continuation to open with 'Session Summary:'"
            )
        body_start = next((i for i in range(start, len(lines)) if LABEL.match(lines[i])), -1)
        if body_start < 0:
            raise TranscriptError(
                name,
                len(lines),
                "expected turns like 'Patient: …' after the opening 'Session Summary:' block",
            )
        block = parse_summary(numbered(lines, start + 1, body_start))
        if block.summary is None:
            raise TranscriptError(
                name, start + 1, "expected summary sections such as 'Main topics discussed:'"
            )
        draft.quoted_summary = QuotedSummary(summary=block.summary, in_utterance=None)
        draft.header.extend(("Opening summary note", n) for n in block.notes)

    trailer = _trailer_start(lines, body_start)
    body = build(numbered(lines, body_start, trailer), _classify, name, _HINT)
    if not any(e.kind == "utterance" for e in body.entries):
        raise TranscriptError(name, min(body_start + 1, len(lines)), "expected at least one turn")
    draft.entries = body.entries
    last = stops_at(lines, body_start, trailer)
    draft.ending = body.ending or incomplete("no termination details", last)
    _read_trailer(lines, trailer, name, draft)
    _names(draft, fmt)
    return draft


def _classify(number: int, text: str) -> Mark | None:
    m = LABEL.match(text)
    if m is None:
        return None
    return TurnStart(number, ROLES[m.group(1)], m.group(1), m.group(2))


def _trailer_start(lines: Sequence[str], body_start: int) -> int:
    last_label = body_start
    for i in range(body_start, len(lines)):
        if LABEL.match(lines[i]):
            last_label = i
    for i in range(last_label + 1, len(lines)):
        text = lines[i].strip()
        if TERMINATION.fullmatch(text) or SUMMARY_HEADING.fullmatch(text):
            return i
    return len(lines)


def _read_trailer(lines: Sequence[str], start: int, name: str, draft: Draft) -> None:
    i = start
    if i < len(lines) and TERMINATION.fullmatch(lines[i].strip()):
        ended_at = i + 1
        i += 1
        fields: dict[str, str] = {}
        while i < len(lines) and not SUMMARY_HEADING.fullmatch(lines[i].strip()):
            if not is_blank(lines[i]):
                m = KEY_VALUE.fullmatch(lines[i].strip())
                if m is None:
                    raise TranscriptError(
                        name,
                        i + 1,
                        "expected 'Reason: …' or 'Details: …' under 'Termination Details:'",
                    )
                draft.header.append((m.group(1), m.group(2)))
                fields[m.group(1).casefold()] = m.group(2).strip()
            i += 1
        draft.ending = _termination(fields, ended_at)
    if i < len(lines):
        block = parse_summary(numbered(lines, i + 1))
        draft.summary = block.summary
        draft.header.extend(("Session summary note", n) for n in block.notes)


def _termination(fields: dict[str, str], line: int) -> Ending:
    reason = fields.get("reason", "")
    details = fields.get("details", "")
    phrase = END_PHRASE.fullmatch(details)
    detail = phrase.group(1) if phrase else details
    if "natural" in reason.casefold():
        return Ending(reason="natural_end", detail=detail or reason, line=line)
    stated = "; ".join(x for x in (reason, details) if x) or "no reason given"
    return Ending(reason="incomplete", detail=f"termination details: {stated}", line=line)


def _names(draft: Draft, fmt: Literal["C", "D"]) -> None:
    said = [e.text for e in draft.entries if isinstance(e, Utterance) and e.role == "client"]
    # D's client is matched by the service against recorded summaries, not guessed here.
    if fmt == "C":
        draft.client_name = introduced_name(said[:2])
    own = draft.client_name.split() if draft.client_name else []
    draft.professional_name = addressed_name(said, exclude=own)
