"""Session summaries and the recap that opens the next session."""

from __future__ import annotations

from collections.abc import Iterable

from caselog.domain.corrections import address_of, corrected, corrections_by_address
from caselog.domain.events import (
    DomainEvent,
    HomeworkAssigned,
    PriorSummaryQuoted,
    SummaryItemNoted,
)
from caselog.domain.transcript import SECTION_KEYS, SectionKey
from caselog.domain.withdrawal import withdrawn
from caselog.projections.corrections import note_of
from caselog.projections.views import (
    HomeworkView,
    RecapHomework,
    RecapView,
    SummaryItemCorrection,
    SummaryView,
)

CANONICAL_HEADINGS: dict[SectionKey, str] = {
    "topics": "Main topics discussed:",
    "techniques": "Techniques/exercises introduced:",
    "helpful": "Things that appeared helpful/important:",
    "homework": "Homework assigned:",
    "insights": "Insights/realizations:",
}


def summary_text(view: SummaryView) -> str:
    """The canonical five-section ``Session Summary:`` form."""
    lines = ["Session Summary:"]
    for key in SECTION_KEYS:
        items: list[str] = getattr(view, key)
        lines += ["", CANONICAL_HEADINGS[key]]
        if key == "homework":
            lines += [f"{i}. {text}" for i, text in enumerate(items, start=1)]
        else:
            lines += [f"- {text}" for text in items]
    return "\n".join(lines)


def summaries(events: Iterable[DomainEvent]) -> dict[int, SummaryView]:
    """Each session's summary: its own block where recorded, else a quoted one.

    A recorded summary shows its items' current text; retracted items are left
    out. Both are listed in ``corrections``. A quoted summary is shown as quoted.
    What a session's reassignment to another client withdrew is left out.
    """
    events = withdrawn(events)
    found: dict[int, SummaryView] = {}
    for e in events:
        if isinstance(e, PriorSummaryQuoted) and e.about_session is not None:
            quoted = {
                k: [i.text for s in e.sections if s.key == k for i in s.items] for k in SECTION_KEYS
            }
            found[e.about_session] = SummaryView(session=e.about_session, source="quoted", **quoted)
    for number, (sections, notes) in _recorded(events).items():
        found[number] = SummaryView(
            session=number, source="recorded", corrections=notes, **sections
        )
    return found


def _recorded(
    events: list[DomainEvent],
) -> dict[int, tuple[dict[SectionKey, list[str]], list[SummaryItemCorrection]]]:
    """Each session's own summary items, corrected, and the notes on those corrected."""
    fixes = corrections_by_address(events)
    found: dict[int, tuple[dict[SectionKey, list[str]], list[SummaryItemCorrection]]] = {}
    counts: dict[tuple[int, SectionKey], int] = {}
    for e in events:
        if isinstance(e, SummaryItemNoted):
            key: SectionKey = e.section
        elif isinstance(e, HomeworkAssigned) and e.source == "summary":
            key = "homework"
        else:
            continue
        sections, notes = found.setdefault(e.session, ({k: [] for k in SECTION_KEYS}, []))
        number = counts[e.session, key] = counts.get((e.session, key), 0) + 1
        address = address_of(e)
        item = corrected(e.text, fixes.get(address, []) if address else [])
        if not item.retracted:
            sections[key].append(item.text)
        if item.corrections:
            notes.append(
                SummaryItemCorrection(
                    section=key,
                    item=e.item if isinstance(e, SummaryItemNoted) else number,
                    homework_id=e.homework_id if isinstance(e, HomeworkAssigned) else None,
                    amended=item.amended,
                    retracted=item.retracted,
                    text=item.text,
                    original_text=item.original,
                    corrections=[note_of(c) for c in item.corrections],
                )
            )
    return found


def recap(
    for_session: int,
    summary: SummaryView | None,
    from_session: int | None,
    open_items: list[HomeworkView],
) -> RecapView:
    """The text a generator pastes into the client's first turn of ``for_session``."""
    ordered = sorted(open_items, key=lambda h: (-h.session, int(h.homework_id.rsplit("H", 1)[-1])))
    homework = [
        RecapHomework(homework_id=h.homework_id, text=h.text, status=h.status) for h in ordered
    ]
    parts = ["Last time we talked about:", ""]
    if summary is not None:
        parts.append(summary_text(summary))
    else:
        parts.append("(no summary was recorded for the previous session)")
    if homework:
        parts += ["", "Homework still open:"]
        parts += [f"- {h.text} ({h.homework_id}, {h.status.replace('_', ' ')})" for h in homework]
    return RecapView(
        for_session=for_session,
        from_session=from_session,
        text="\n".join(parts),
        summary=summary,
        open_homework=homework,
    )
