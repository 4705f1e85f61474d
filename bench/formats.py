"""One synthetic session written out in each of the four transcript formats.

Modelled on samples/ (see adapters/parsing for the rules each format follows):

- A: ``Session 5/24`` header naming both participants, every turn stamped
  ``[10:03] Name: …``, closing ``[11:35] End of session``;
- B: the same header, clock lines ``**[10:10]**`` over blocks of ``Name: …`` turns,
  closing ``(End of session)``;
- C: ``Session Number: 8``, turns labelled ``Therapist:``/``Patient:``, then
  ``Termination Details:`` and the session's ``Session Summary:`` block;
- D: a continuation: C without the first line, opening instead with the previous
  session's summary block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from .dialogue import Session, SummarySection

STAGE_DIRECTION = "( pauses for a short breathing exercise )"


def render(session: Session, fmt: str, previous: tuple[SummarySection, ...] = ()) -> str:
    """The transcript text; ``previous`` is the summary a continuation (D) opens with."""
    if fmt == "A":
        lines = [*_clocked_header(session), *_stamped(session)]
    elif fmt == "B":
        lines = [*_clocked_header(session), *_blocked(session)]
    elif fmt == "C":
        lines = [f"Session Number: {session.number}", "", *_labelled(session), *_trailer(session)]
    elif fmt == "D":
        if not previous:
            raise ValueError("a continuation needs the previous session's summary")
        opening = ["", "Session Summary:", "", *_summary_lines(previous)]
        lines = [*opening, *_labelled(session), *_trailer(session)]
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return "\n".join(lines) + "\n"


def _clock(minutes: int) -> str:
    return f"{10 + minutes // 60}:{minutes % 60:02d}"


def _date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def _clocked_header(s: Session) -> list[str]:
    first, last, title = s.professional
    return [
        f"Session {s.number}/{s.planned}",
        f"Date: {_date(s.date)}",
        "Time: 10:00 AM",
        f"Client: {s.client} ({s.descriptor})",
        f"Professional: Dr. {first} {last} ({title})",
        "",
    ]


def _label(s: Session, role: str) -> str:
    return s.professional_label if role == "professional" else s.client_first


def _stamped(s: Session) -> Iterator[str]:
    for i, turn in enumerate(s.turns):
        yield f"[{_clock(i)}] {_label(s, turn.role)}: {turn.paragraphs[0]}"
        yield ""
        for paragraph in turn.paragraphs[1:]:
            yield paragraph
            yield ""
        if i == s.stage_after:
            yield STAGE_DIRECTION
            yield ""
    yield f"[{_clock(len(s.turns))}] End of session"


def _blocked(s: Session) -> Iterator[str]:
    for i, turn in enumerate(s.turns):
        if i % 8 == 0:
            # The samples' clock lines end with two spaces (a Markdown line break).
            yield f"**[{_clock(i)}]**  "
        yield f"{_label(s, turn.role)}: {turn.paragraphs[0]}  "
        yield ""
        for paragraph in turn.paragraphs[1:]:
            yield paragraph
            yield ""
        if i == s.stage_after:
            yield STAGE_DIRECTION
            yield ""
    yield f"**[{_clock(len(s.turns))}]**  "
    yield "(End of session)"


def _labelled(s: Session) -> Iterator[str]:
    for i, turn in enumerate(s.turns):
        label = "Therapist" if turn.role == "professional" else "Patient"
        yield f"{label}: {turn.paragraphs[0]}"
        yield ""
        for paragraph in turn.paragraphs[1:]:
            yield paragraph
            yield ""
        if i == s.stage_after:
            yield STAGE_DIRECTION
            yield ""


def _trailer(s: Session) -> Iterator[str]:
    yield "Termination Details:"
    yield "Reason: Natural Session End"
    yield r"Details: Detected end phrase: '\btake care\b'"
    yield ""
    yield ""
    yield "Session Summary:"
    yield ""
    yield from _summary_lines(s.summary)


def _summary_lines(sections: tuple[SummarySection, ...]) -> Iterator[str]:
    for section in sections:
        yield section.heading
        numbered = "homework" in section.heading.casefold()
        for i, item in enumerate(section.items, start=1):
            yield f"{i}. {item}" if numbered else f"- {item}"
        yield ""
