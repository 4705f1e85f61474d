"""What each session's own summary block says, read back from its events, and how alike
a quoted summary is to a recorded one.

Shared by the ingest decision (matching a continuation's opening summary to
the session it summarises), by the summary index that narrows that search, and
by the projections that render summaries.

Matching compares the (section, item) pairs of the five named sections, each
item normalised by ``item_key``, and decides with ``Likeness.matches``:

- the Jaccard similarity of the two sets is at least ``MATCH_THRESHOLD`` (0.8); or
- the two summaries differ by at most one item on each side — one item reworded,
  added or dropped, a reworded one staying in its section — with at least
  ``FEWEST_IN_COMMON`` items in common. This matters only for short summaries:
  from nine items up, one item reworded still scores 0.8 (8 of 10), while a five-item
  summary with one item reworded scores 4/6.

``fewest_shared`` is the least number of items in common that either rule accepts,
which is what the summary index looks up.

Extra (``other``) sections are left out of the comparison: sessions recorded before
they were kept have none, and a generator quoting a summary may leave out a risk
note or a plan while copying the five sections.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from caselog.domain.events import (
    DomainEvent,
    HelpfulNoted,
    HomeworkAdded,
    HomeworkAssigned,
    InsightAdded,
    InsightRecorded,
    OtherItemNoted,
    SummaryItemNoted,
    TechniqueIntroduced,
    TopicNoted,
)
from caselog.domain.transcript import NAMED_SECTIONS, SECTION_KEYS, SectionKey, Summary

SessionSummaries = dict[int, dict[SectionKey, list[str]]]

MATCH_THRESHOLD = 0.8
"""The Jaccard similarity at which two summaries match, whatever their size."""
FEWEST_IN_COMMON = 3
"""A match by the one-item allowance needs at least this many items in common."""


def summaries_by_session(events: Iterable[DomainEvent]) -> SessionSummaries:
    """Each session's summary items, section by section, in recorded order."""
    found: SessionSummaries = {}
    for event in events:
        note_summary_item(found, event)
    return found


SUMMARY_EVENTS: tuple[type[DomainEvent], ...] = (
    TopicNoted,
    TechniqueIntroduced,
    HelpfulNoted,
    InsightRecorded,
    OtherItemNoted,
    HomeworkAssigned,
    InsightAdded,
    HomeworkAdded,
)
"""The stored event types a session's own summary is read back from. A clinician's insights
and homework are among them: a recap shows them in the summary, so a later transcript
quoting that recap quotes them too."""

MATCHED_EVENTS: tuple[type[DomainEvent], ...] = tuple(
    t for t in SUMMARY_EVENTS if t is not OtherItemNoted
)
"""The stored event types whose items matching compares: the five named sections'."""


def note_summary_item(found: SessionSummaries, event: DomainEvent) -> None:
    """Add ``event`` to ``found`` if it is an item of its session's own summary."""
    if isinstance(event, SummaryItemNoted):
        key: SectionKey = event.section
    elif isinstance(event, HomeworkAdded) or (
        isinstance(event, HomeworkAssigned) and event.source == "summary"
    ):
        key = "homework"
    else:
        return
    sections = found.setdefault(event.session, {k: [] for k in SECTION_KEYS})
    sections[key].append(event.text)


_TYPOGRAPHIC = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)
_EMPHASIS = re.compile(r"\*\*|__")
_BULLET = re.compile(r"(?:[-*+•◦▪‣·]|\(?[0-9]{1,3}[.)]|\([0-9a-z]{1,3}\)|[a-z]\))\s+")
_TRAILING = re.compile(r"[\s.;,:!?]+$")


def item_key(text: str) -> str:
    """An item as matching compares it: the same words, whatever their typography.

    Unicode compatibility forms folded (NFKC: "…" is "..."), typographic quotes made
    straight and dashes made hyphens, bold markers dropped, case folded, whitespace
    collapsed, a leading bullet or number and trailing punctuation removed.
    """
    text = unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC).casefold()
    text = " ".join(_EMPHASIS.sub("", text).split())
    text = _BULLET.sub("", text, count=1) if _BULLET.match(text) else text
    return _TRAILING.sub("", text)


def item_keys(sections: Mapping[SectionKey, Iterable[str]]) -> set[tuple[str, str]]:
    """The (section, item) pairs that matching compares: the named sections' items, as
    normalised text (extra sections are left out)."""
    return {
        (key, item_key(text))
        for key, items in sections.items()
        if key in NAMED_SECTIONS
        for text in items
    }


def quoted_keys(quoted: Summary) -> set[tuple[str, str]]:
    return item_keys({key: quoted.items(key) for key in NAMED_SECTIONS})


@dataclass(frozen=True)
class Likeness:
    """How a quoted summary compares with a recorded one, in (section, item) pairs."""

    shared: int
    quoted: int
    recorded: int
    one_item_apart: bool
    """At most one item on each side is not on the other, and a reworded one (one
    on each side) is in the same section on both."""

    @property
    def score(self) -> float:
        """Jaccard similarity, 0.0 to 1.0: what ranks the matches."""
        union = self.quoted + self.recorded - self.shared
        return self.shared / union if union else 0.0

    @property
    def matches(self) -> bool:
        if self.score >= MATCH_THRESHOLD:
            return True
        return self.one_item_apart and self.shared >= FEWEST_IN_COMMON


def likeness(quoted: set[tuple[str, str]], recorded: set[tuple[str, str]]) -> Likeness:
    only_quoted, only_recorded = quoted - recorded, recorded - quoted
    apart = len(only_quoted) <= 1 and len(only_recorded) <= 1
    if apart and only_quoted and only_recorded:
        ((quoted_section, _),), ((recorded_section, _),) = only_quoted, only_recorded
        apart = quoted_section == recorded_section
    return Likeness(len(quoted & recorded), len(quoted), len(recorded), apart)


def summary_likeness(quoted: Summary, recorded: Mapping[SectionKey, Iterable[str]]) -> Likeness:
    return likeness(quoted_keys(quoted), item_keys(recorded))


def summary_similarity(quoted: Summary, recorded: Mapping[SectionKey, Iterable[str]]) -> float:
    """Jaccard similarity of the two summaries' (section, item) sets, 0.0 to 1.0."""
    return summary_likeness(quoted, recorded).score


def fewest_shared(quoted_items: int) -> int:
    """The fewest items a recorded summary can share with a quoted one of ``quoted_items``
    distinct items and still match it: the least either rule of ``Likeness`` accepts.

    Jaccard at least t needs ``ceil(t·n)`` shared, since the union is at least the
    quoted n; the one-item allowance needs ``n - 1``, and never fewer than
    ``FEWEST_IN_COMMON``.
    """
    by_score = math.ceil(MATCH_THRESHOLD * quoted_items - 1e-9)
    by_allowance = max(FEWEST_IN_COMMON, quoted_items - 1)
    return max(1, min(by_score, by_allowance))
