"""The ``Session Summary:`` block: sections of bullet or numbered items.

A heading is matched to one of the five sections (topics, techniques, helpful,
homework, insights) by its first keyword (see ``headings.py``) and kept as
written. A line is a heading when its form says so — ``Heading:``, ``## Heading``,
``**Heading**``, ``**Heading:**`` — or, without a colon or Markdown ("Homework
assigned", "Topics: reviewing homework"), when items follow it; so is a bold
item of a known section over nested items ("- **Homework:**"). A heading that
names none of the five but has items ("Risk assessment:") is an ``other``
section, kept with its heading and items: nothing is dropped or folded into a
neighbour. Items are bulleted (``-``, ``*``, ``+``, ``•``, ``–``, ``—``) or
numbered (``1.``, ``1)``, ``(1)``, ``a)``, ``(a)``).

Lines that are neither a heading nor an item — a closing remark such as "The
session showed good progress…", a heading with no items under it and whatever
follows it — are returned as notes so the caller can keep their words. A block
with none of the five sections is no summary: its extra sections are notes too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from caselog.domain.transcript import SectionKey, Summary, SummaryItem, SummarySection

from .detect import SUMMARY_HEADING
from .headings import Heading, heading, section_key
from .text import Line, is_blank

__all__ = ["SummaryBlock", "parse_summary", "section_key"]

_ITEM = re.compile(r"(?:[-*+•◦▪‣–—]|[0-9]{1,3}[.)]|\([0-9]{1,3}\)|\(?[A-Za-z]\))\s+(\S.*)")
_ABOUT = re.compile(
    r"\bsummary (?:of|for) (?:the )?session\s*#?\s*([0-9]{1,6})\b"
    r"|\bsession\s*#?\s*([0-9]{1,6}) summary\b",
    re.I,
)


@dataclass
class SummaryBlock:
    summary: Summary | None
    """None when the block holds none of the five sections."""
    notes: list[str] = field(default_factory=list)
    """Paragraphs of the block that are not headings or items, as written."""


@dataclass
class _Open:
    key: SectionKey
    heading: str
    first: int
    items: list[SummaryItem] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    """Its lines as written: the note it becomes if the block is no summary."""


def _followed_by_items(lines: Sequence[Line]) -> list[bool]:
    """For each line, whether the next non-blank line after it is an item."""
    out = [False] * len(lines)
    next_is_item = False
    for i in range(len(lines) - 1, -1, -1):
        out[i] = next_is_item
        text = lines[i][1].strip()
        if text:
            next_is_item = _ITEM.fullmatch(text) is not None
    return out


def _section_heading(
    found: Heading | None, item: re.Match[str] | None, items_follow: bool, starts_paragraph: bool
) -> SectionKey | None:
    """The section a line opens, given its reading as a heading, or None if it opens none."""
    if item is not None:
        # "- **Homework:**" over nested items: a heading dressed as an item, bold and of
        # a known section only (an item that merely ends with a colon stays an item).
        body = item.group(1)
        dressed = heading(body) if body.startswith(("**", "__")) else None
        if dressed is None or not (dressed.marked and items_follow):
            return None
        return dressed.key
    if found is None:
        return None
    key = found.key
    if found.marked:
        # A marked heading of no known section is one only if items follow it.
        if key is None and not items_follow:
            return None
        return key or "other"
    if not items_follow or not found.short:
        return None
    if key is None and not starts_paragraph:
        return None  # a line between items, not a heading of its own
    return key or "other"


def parse_summary(lines: Sequence[Line]) -> SummaryBlock:
    """Read the lines after a ``Session Summary:`` heading, up to the end of the block."""
    sections: list[_Open] = []
    current: _Open | None = None
    last_item_line: int | None = None
    about: int | None = None
    notes: list[tuple[int, list[str]]] = []
    note_open = False
    items_follow = _followed_by_items(lines)
    previous_blank = True

    def note(number: int, text: str) -> None:
        nonlocal note_open
        if not note_open:
            notes.append((number, []))
            note_open = True
        notes[-1][1].append(text)

    for index, (number, raw) in enumerate(lines):
        starts_paragraph, previous_blank = previous_blank, is_blank(raw)
        if previous_blank:
            note_open = False
            last_item_line = None
            continue
        text = raw.strip()
        item = _ITEM.fullmatch(text)
        found = None if item else heading(text)
        about_match = _ABOUT.search(text)
        if about_match and about is None and not item:
            about = int(about_match.group(1) or about_match.group(2))
        if SUMMARY_HEADING.fullmatch(text) or (
            about_match and found and (found.marked or (found.short and items_follow[index]))
        ):
            continue  # "Here's a concise summary of Session 7:", "Summary of session 7"
        key = _section_heading(found, item, items_follow[index], starts_paragraph)
        if key is not None:
            current = _Open(key, text, first=number, raw=[raw.rstrip()])
            sections.append(current)
            last_item_line = None
            continue
        if item and current is not None:
            current.items.append(SummaryItem(text=item.group(1).rstrip(), line=number))
            current.raw.append(raw.rstrip())
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
            current.raw.append(raw.rstrip())
            last_item_line = number
            continue
        if found is not None and found.marked:
            # A heading with no items under it ("Goals for next time:" over a paragraph):
            # a note, and so are the items after it, which belong to no section.
            current = None
        note(number, raw.rstrip())
    texts = [(first, "\n".join(n)) for first, n in notes]
    if not any(s.key != "other" for s in sections):
        # None of the five: no summary, and its extra sections are notes too.
        texts = sorted(texts + [(s.first, "\n".join(s.raw)) for s in sections])
        return SummaryBlock(None, [t for _, t in texts])
    summary = Summary(
        sections=tuple(
            SummarySection(key=s.key, heading=s.heading, items=tuple(s.items)) for s in sections
        ),
        about_session=about,
    )
    return SummaryBlock(summary, [t for _, t in texts])
