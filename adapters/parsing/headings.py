"""Which section a summary heading names, and whether a line is a heading at all.

Generators word and dress the headings differently from session to session
("Things that appeared helpful/important:", "## Key takeaways", "**Next
steps**", "Homework assigned" with no colon). A heading's words are read
without their Markdown and colon, and the section is decided by its **first
section keyword**, reading left to right, not by any keyword anywhere:

- "Main topics (including last week's homework review)" and "Topics: reviewing
  homework from last week" are topics — "topics" comes first (and a parenthesis
  is not read at all);
- "Homework/exercises" is homework, "Techniques/exercises introduced" techniques;
- a heading about *reviewing* homework ("Homework review", "Review of homework")
  is a topic: the session talked about the homework, it did not assign it;
- "helpful" and "important" are adjectives: they decide only when no keyword
  does ("Things that appeared helpful/important", but "Important topics" is topics);
- "practice" is homework only as the heading's first word ("Practice:", "Practice
  for this week") or after home/daily/weekly/between-session; "Skills practiced"
  is techniques (its first keyword is "skills"), "In-session practice" too;
- anything else ("Risk assessment:", "Plan for next session:") is another section,
  kept under its own heading as ``other``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caselog.domain.transcript import SectionKey

_KEYWORDS: tuple[tuple[SectionKey, str], ...] = (
    (
        "homework",
        r"homework|home\s*work|assignments?|assigned\s+tasks?|action\s+(?:items?|steps|plan)"
        r"|next\s+steps?|tasks?|to-?dos?|between[- ]sessions?(?:\s+(?:tasks?|work|practice))?"
        r"|(?:home|daily|weekly)\s+practice|^practice(?!\s+(?:in|during)\b)"
        r"|(?:exercises?|activities)\s+(?:assigned|for\s+(?:the\s+|this\s+|next\s+)?week|at\s+home)",
    ),
    (
        "insights",
        r"insights?|reali[sz]ations?|(?:key\s+)?take-?aways?|learnings?|lessons?\s+learned"
        r"|aha\s+moments?",
    ),
    (
        "techniques",
        r"techniques?|exercises?|interventions?|skills?|strateg(?:y|ies)|tools?|methods?"
        r"|in[- ]session\s+practice|practice\s+(?:in|during)\s+(?:the\s+)?session",
    ),
    (
        "helpful",
        r"what\s+helped|what\s+worked|worked\s+well|went\s+well|strengths?",
    ),
    (
        "topics",
        r"topics?|themes?|discussion(?:\s+points?)?|main\s+points|focus\s+areas?"
        r"|areas?\s+of\s+focus|review(?:ed|ing)?|(?:key\s+|main\s+)?issues"
        r"|homework\s+(?:review(?:ed|ing)?|check-?in|discussion|progress|completion)",
    ),
)
_PATTERNS = tuple((key, re.compile(rf"\b(?:{words})\b", re.I)) for key, words in _KEYWORDS)
# Adjectives: they name the section only when no keyword does.
_ADJECTIVES = re.compile(r"\b(?:helpful|important)\b", re.I)
_ASIDE = re.compile(r"\([^)]*\)?")


def section_key(label: str) -> SectionKey | None:
    """The section a heading's words name, by their first keyword; None for none of the five."""
    words = _ASIDE.sub(" ", label).strip() or label
    found: list[tuple[int, int, SectionKey]] = []
    for key, pattern in _PATTERNS:
        m = pattern.search(words)
        if m:
            found.append((m.start(), -len(m.group(0)), key))
    if found:
        return min(found)[2]
    if _ADJECTIVES.search(words):
        return "helpful"
    return None


_ATX = re.compile(r"#{1,6}\s+(.*?)(?:\s+#+)?\s*")
_EMPHASIS = re.compile(r"\*\*|__")
_LABEL = re.compile(r"[^\W\d_][^:]{0,100}")
_SENTENCE_END = re.compile(r"[.!?,;]$")
BARE_WORDS = 8
"""A heading without a colon or Markdown has at most this many words."""


@dataclass(frozen=True)
class Heading:
    label: str
    """Its words, without Markdown, colon or anything after the colon."""
    marked: bool
    """A heading by its form alone: a Markdown heading, bold, or ending with a colon.
    An unmarked one ("Homework assigned", "Topics: reviewing homework") is a heading
    only when items follow it."""
    rest: str
    """Words after the colon, if any."""

    @property
    def key(self) -> SectionKey | None:
        return section_key(self.label)

    @property
    def short(self) -> bool:
        """Short enough to be an unmarked heading: a few words, not a sentence."""
        return len(self.label.split()) <= BARE_WORDS and not _SENTENCE_END.search(self.label)


def heading(text: str) -> Heading | None:
    """``text`` (a stripped line) read as a heading, or None if it cannot be one."""
    atx = _ATX.fullmatch(text)
    inner = atx.group(1) if atx else text
    bold = inner.startswith(("**", "__"))
    plain = _EMPHASIS.sub("", inner).strip()
    label, colon, rest = plain.partition(":")
    label, rest = label.strip(), rest.strip()
    if not _LABEL.fullmatch(label):
        return None
    marked = atx is not None or (not rest and (bool(colon) or bold))
    return Heading(label=label, marked=marked, rest=rest)
