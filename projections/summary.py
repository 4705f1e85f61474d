"""Session summaries and the recap that opens the next session."""

from __future__ import annotations

import re
from collections.abc import Iterable

from caselog.domain.corrections import address_of, corrected, corrections_by_address
from caselog.domain.events import (
    DomainEvent,
    HomeworkAdded,
    HomeworkAssigned,
    InsightAdded,
    NoteRecorded,
    PriorSummaryQuoted,
    SummaryItemNoted,
)
from caselog.domain.instants import stamp
from caselog.domain.transcript import NAMED_SECTIONS, SectionKey
from caselog.domain.withdrawal import withdrawn
from caselog.projections.corrections import note_of
from caselog.projections.views import (
    ClinicianEntryView,
    HomeworkView,
    RecapHomework,
    RecapView,
    SummaryItemCorrection,
    SummarySectionView,
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
    """The canonical ``Session Summary:`` form: the five sections under their canonical
    headings, then any other sections under their headings as written."""
    lines = ["Session Summary:"]
    for key in NAMED_SECTIONS:
        items: list[str] = getattr(view, key)
        lines += ["", CANONICAL_HEADINGS[key]]
        if key == "homework":
            lines += [f"{i}. {text}" for i, text in enumerate(items, start=1)]
        else:
            lines += [f"- {text}" for text in items]
    for section in view.other:
        lines += ["", section.heading, *(f"- {text}" for text in section.items)]
    if view.notes:
        lines += ["", NOTES_HEADING, *(f"- {text}" for text in view.notes)]
    return "\n".join(lines)


NOTES_HEADING = "Clinician notes:"


def heading_words(heading: str) -> str:
    """A heading as written without its Markdown and colon: "**Risk assessment:**" →
    "Risk assessment"."""
    return _MARKUP.sub("", heading).strip().rstrip(":").strip()


_MARKUP = re.compile(r"^#{1,6}\s+|\*\*|__")


def _other_sections(pairs: Iterable[tuple[str, str]]) -> list[SummarySectionView]:
    """(heading, item) pairs in order, as sections: consecutive items under one heading."""
    out: list[SummarySectionView] = []
    for heading, text in pairs:
        if not out or out[-1].heading != heading:
            out.append(SummarySectionView(heading=heading, items=[]))
        out[-1].items.append(text)
    return out


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
                k: [i.text for s in e.sections if s.key == k for i in s.items]
                for k in NAMED_SECTIONS
            }
            extra = [
                SummarySectionView(heading=s.heading, items=[i.text for i in s.items])
                for s in e.sections
                if s.key == "other"
            ]
            found[e.about_session] = SummaryView(
                session=e.about_session, source="quoted", other=extra, **quoted
            )
    for number, (sections, other, notes) in _recorded(events).items():
        found[number] = SummaryView(
            session=number,
            source="recorded",
            corrections=notes,
            other=_other_sections(other),
            **sections,
        )
    for number, entries in _entered(events).items():
        found[number] = _with_entries(found.get(number), number, entries)
    return found


_ENTRY_KIND = {HomeworkAdded: "homework", InsightAdded: "insight", NoteRecorded: "note"}


def _entered(events: list[DomainEvent]) -> dict[int, list[ClinicianEntryView]]:
    """Each session's clinician entries (``domain/entries.py``), as they read now."""
    fixes = corrections_by_address(events)
    found: dict[int, list[ClinicianEntryView]] = {}
    for e in events:
        if not isinstance(e, HomeworkAdded | InsightAdded | NoteRecorded):
            continue
        address = address_of(e)
        now = corrected(e.text, fixes.get(address, []) if address else [])
        if isinstance(e, HomeworkAdded):
            entry_id = e.homework_id
        elif isinstance(e, InsightAdded):
            entry_id = f"insights:{e.item}"
        else:
            entry_id = e.note_id
        found.setdefault(e.session, []).append(
            ClinicianEntryView(
                kind=_ENTRY_KIND[type(e)],
                entry_id=entry_id,
                text=now.text,
                actor=e.actor,
                recorded_at=stamp(e.timestamp),
                reason=e.reason,
                amended=now.amended,
                retracted=now.retracted,
            )
        )
    return found


def _with_entries(
    view: SummaryView | None, session: int, entries: list[ClinicianEntryView]
) -> SummaryView:
    """``view`` with a clinician's entries added: insights and homework after the
    summary's own, notes in their own list (retracted ones left out of all three)."""
    if view is None:
        empty: dict[str, list[str]] = {k: [] for k in NAMED_SECTIONS}
        view = SummaryView(session=session, source="clinician", **empty)
    shown = [e for e in entries if not e.retracted]
    return view.model_copy(
        update={
            "insights": [*view.insights, *(e.text for e in shown if e.kind == "insight")],
            "homework": [*view.homework, *(e.text for e in shown if e.kind == "homework")],
            "notes": [e.text for e in shown if e.kind == "note"],
            "clinician_entries": entries,
        }
    )


_Recorded = tuple[dict[SectionKey, list[str]], list[tuple[str, str]], list[SummaryItemCorrection]]


def _recorded(events: list[DomainEvent]) -> dict[int, _Recorded]:
    """Each session's own summary items, corrected — the five sections' texts, the other
    sections' (heading, text) pairs — and the notes on those corrected."""
    fixes = corrections_by_address(events)
    found: dict[int, _Recorded] = {}
    counts: dict[tuple[int, SectionKey], int] = {}
    for e in events:
        if isinstance(e, InsightAdded):
            continue  # a clinician's entry (``_entered``), not an item of the summary block
        if isinstance(e, SummaryItemNoted):
            key: SectionKey = e.section
        elif isinstance(e, HomeworkAssigned) and e.source == "summary":
            key = "homework"
        else:
            continue
        sections, other, notes = found.setdefault(
            e.session, ({k: [] for k in NAMED_SECTIONS}, [], [])
        )
        number = counts[e.session, key] = counts.get((e.session, key), 0) + 1
        address = address_of(e)
        item = corrected(e.text, fixes.get(address, []) if address else [])
        if not item.retracted:
            if key == "other":
                other.append((e.heading if isinstance(e, SummaryItemNoted) else "", item.text))
            else:
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
    in_progress: list[int] | None = None,
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
    going_on = in_progress or []
    note = None
    if going_on:
        which = ", ".join(str(n) for n in going_on)
        note = (
            f"session {which} {'is' if len(going_on) == 1 else 'are'} still in progress: "
            "this recap holds what is recorded so far"
        )
    return RecapView(
        for_session=for_session,
        from_session=from_session,
        text="\n".join(parts),
        summary=summary,
        open_homework=homework,
        in_progress=going_on,
        note=note,
    )
