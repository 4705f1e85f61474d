"""What each session's own summary block says, read back from its events.

Shared by the ingest decision (matching a continuation's opening summary to
the session it summarises) and by the projections that render summaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from caselog.domain.events import (
    DomainEvent,
    HelpfulNoted,
    HomeworkAssigned,
    InsightRecorded,
    SummaryItemNoted,
    TechniqueIntroduced,
    TopicNoted,
)
from caselog.domain.transcript import SECTION_KEYS, SectionKey, Summary

SessionSummaries = dict[int, dict[SectionKey, list[str]]]


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
    HomeworkAssigned,
)
"""The stored event types a session's own summary is read back from."""


def note_summary_item(found: SessionSummaries, event: DomainEvent) -> None:
    """Add ``event`` to ``found`` if it is an item of its session's own summary."""
    if isinstance(event, SummaryItemNoted):
        key: SectionKey = event.section
    elif isinstance(event, HomeworkAssigned) and event.source == "summary":
        key = "homework"
    else:
        return
    sections = found.setdefault(event.session, {k: [] for k in SECTION_KEYS})
    sections[key].append(event.text)


def _item_key(text: str) -> str:
    return re.sub(r"[\s.;,:]+$", "", " ".join(text.split()).casefold())


def item_keys(sections: Mapping[SectionKey, Iterable[str]]) -> set[tuple[str, str]]:
    """The (section, item) pairs that matching compares: items as normalised text."""
    return {(key, _item_key(text)) for key, items in sections.items() for text in items}


def summary_similarity(quoted: Summary, recorded: Mapping[SectionKey, Iterable[str]]) -> float:
    """Jaccard similarity of the two summaries' (section, item) sets, 0.0 to 1.0."""
    a = item_keys({key: quoted.items(key) for key in SECTION_KEYS})
    b = item_keys(recorded)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
