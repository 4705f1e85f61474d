"""The ``Session Summary:`` block: five sections of bullet or numbered items.

Generators word the headings differently from session to session ("Things
that appeared helpful/important:", "Helpful/Important Elements:"), so a
heading is matched by keyword, case-insensitively, and kept as written.
Lines that are neither a heading nor an item — a closing remark such as
"The session showed good progress…", or the items of a heading that fits no
section — are returned as notes so the caller can keep their words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from caselog.domain.transcript import SectionKey, Summary, SummaryItem, SummarySection

from .detect import SUMMARY_HEADING
from .text import Line, is_blank

# Checked in order: "Homework/exercises" is homework, "Techniques/exercises" is not.
_SECTION_WORDS: tuple[tuple[SectionKey, re.Pattern[str]], ...] = (
    ("homework", re.compile(r"\bhomework\b|\bassignments?\b|\baction items\b", re.I)),
    ("insights", re.compile(r"\binsights?\b|\breali[sz]ations?\b", re.I)),
    ("techniques", re.compile(r"\btechniques?\b|\bexercises?\b|\binterventions?\b", re.I)),
    ("helpful", re.compile(r"\bhelpful\b|\bimportant\b", re.I)),
    ("topics", re.compile(r"\btopics?\b|\bthemes?\b", re.I)),
)
_HEADING = re.compile(r"(?:#{1,6}\s*)?(?:\*\*)?([^\W\d_][^:]{0,100}):(?:\*\*)?")
_ITEM = re.compile(r"(?:[-*•]|[0-9]{1,3}[.)])\s+(\S.*)")
_ABOUT = re.compile(
    r"\bsummary (?:of|for) (?:the )?session\s*#?\s*([0-9]{1,6})\b"
    r"|\bsession\s*#?\s*([0-9]{1,6}) summary\b",
    re.I,
)


@dataclass
class SummaryBlock:
    summary: Summary | None
    """None when the block holds no recognised section."""
    notes: list[str] = field(default_factory=list)
    """Paragraphs of the block that are not headings or items, as written."""


@dataclass
class _Open:
    key: SectionKey
    heading: str
    items: list[SummaryItem] = field(default_factory=list)


def section_key(heading: str) -> SectionKey | None:
    for key, words in _SECTION_WORDS:
        if words.search(heading):
            return key
    return None


def parse_summary(lines: Sequence[Line]) -> SummaryBlock:
    """Read the lines after a ``Session Summary:`` heading, up to the end of the block."""
    sections: list[_Open] = []
    current: _Open | None = None
    # Items under a heading that fits no section are notes, not topics.
    in_unknown = False
    last_item_line: int | None = None
    about: int | None = None
    notes: list[list[str]] = []
    note_open = False

    def note(text: str) -> None:
        nonlocal note_open
        if not note_open:
            notes.append([])
            note_open = True
        notes[-1].append(text)

    for number, raw in lines:
        if is_blank(raw):
            note_open = False
            last_item_line = None
            continue
        text = raw.strip()
        item = _ITEM.fullmatch(text)
        heading = None if item else _HEADING.fullmatch(text)
        about_match = _ABOUT.search(text)
        if about_match and about is None and not item:
            about = int(about_match.group(1) or about_match.group(2))
        if SUMMARY_HEADING.fullmatch(text) or (about_match and heading):
            continue
        if heading:
            key = section_key(heading.group(1))
            last_item_line = None
            if key is None:
                in_unknown = True
                note(raw.rstrip())
                continue
            in_unknown = False
            current = _Open(key, text)
            sections.append(current)
            continue
        if item and current is not None and not in_unknown:
            current.items.append(SummaryItem(text=item.group(1).rstrip(), line=number))
            last_item_line = number
            continue
        if (
            current is not None
            and current.items
            and last_item_line == number - 1
            and raw[:1].isspace()
        ):
            # An indented line right under an item wraps that item.
            prev = current.items[-1]
            current.items[-1] = SummaryItem(text=f"{prev.text}\n{text}", line=prev.line)
            last_item_line = number
            continue
        note(raw.rstrip())
    summary = None
    if sections:
        summary = Summary(
            sections=tuple(
                SummarySection(key=s.key, heading=s.heading, items=tuple(s.items)) for s in sections
            ),
            about_session=about,
        )
    return SummaryBlock(summary, ["\n".join(n) for n in notes])
