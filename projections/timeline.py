"""The timeline: every event of a client as a replayable entry, in session order.

Domain order is by session number (a session may be recorded after a later
one); within a session, by version, which is the order of the source.

Each event becomes the entry of its kind (``projections.entries``). A corrected
entry shows what it reads now: the current ``text``, ``amended``/``retracted``,
the ``original_text`` and each correction. The corrections themselves are entries
too, replayed where the entry they correct is (after that session's own events),
when that entry is in view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from caselog.domain.corrections import (
    Address,
    address_of,
    corrected,
    corrections_by_address,
    target_of,
)
from caselog.domain.events import (
    ClientErased,
    ClientRegistered,
    Correction,
    DomainEvent,
    EntryAmended,
    EntryRetracted,
    HomeworkAdded,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    InsightAdded,
    NoteRecorded,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionEvent,
    SessionOpened,
    SessionReassigned,
    SessionReceived,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.instants import stamp
from caselog.domain.withdrawal import withdrawn
from caselog.projections.corrections import corrected_fields
from caselog.projections.entries import (
    AmendmentEntry,
    CarryForwardEntry,
    ErasureEntry,
    HomeworkAddedEntry,
    HomeworkEntry,
    HomeworkStatusEntry,
    InsightAddedEntry,
    NoteEntry,
    QualityFlagEntry,
    QuotedSummaryEntry,
    RegistrationEntry,
    RetractionEntry,
    SessionEndEntry,
    SessionReceivedEntry,
    SessionStartEntry,
    StageDirectionEntry,
    SummaryItemEntry,
    TimelineEntry,
    UtteranceEntry,
)

_OWN_FIELDS = {
    "originator_id",
    "originator_version",
    "timestamp",
    "actor",
    "session",
    "idempotency_key",
}

_ENTRY_OF: dict[type[DomainEvent], Callable[[dict[str, Any]], TimelineEntry]] = {
    ClientRegistered: RegistrationEntry.model_validate,
    SessionOpened: SessionStartEntry.model_validate,
    UtteranceRecorded: UtteranceEntry.model_validate,
    StageDirectionRecorded: StageDirectionEntry.model_validate,
    PriorSummaryQuoted: QuotedSummaryEntry.model_validate,
    SummaryItemNoted: SummaryItemEntry.model_validate,
    HomeworkAssigned: HomeworkEntry.model_validate,
    HomeworkStatusChanged: HomeworkStatusEntry.model_validate,
    HomeworkCarriedForward: CarryForwardEntry.model_validate,
    QualityFlagRaised: QualityFlagEntry.model_validate,
    SessionEnded: SessionEndEntry.model_validate,
    EntryAmended: AmendmentEntry.model_validate,
    EntryRetracted: RetractionEntry.model_validate,
    SessionReceived: SessionReceivedEntry.model_validate,
    ClientErased: ErasureEntry.model_validate,
    HomeworkAdded: HomeworkAddedEntry.model_validate,
    InsightAdded: InsightAddedEntry.model_validate,
    NoteRecorded: NoteEntry.model_validate,
}
"""The entry each event replays as, looked up along the event class's MRO."""


def _entry_of(event: DomainEvent) -> Callable[[dict[str, Any]], TimelineEntry]:
    for cls in type(event).__mro__:
        if cls in _ENTRY_OF:
            return _ENTRY_OF[cls]
    # A new event type must be given its entry, not dropped from replay unseen.
    raise TypeError(f"the timeline has no entry for {type(event).__name__}")


def _replay_session(event: DomainEvent) -> int | None:
    """The session whose replay shows this event.

    Homework known only from a quote belongs to the quoted session, but it was
    recorded with — and is replayed in — the session that quoted it.
    """
    if isinstance(event, HomeworkAssigned) and event.source == "quoted":
        return None
    return event.session if isinstance(event, SessionEvent) else None


def timeline(events: Iterable[DomainEvent], session: int | None = None) -> list[TimelineEntry]:
    events = withdrawn(events)  # as the reader gave them, if it did (it is idempotent)
    fixes = corrections_by_address(events)
    placed: dict[Address, int] = {}  # where each correctable entry is replayed
    entries: list[tuple[int, int, TimelineEntry]] = []
    current = 0
    for event in events:
        if isinstance(event, SessionReassigned):
            continue  # the session it moved away is not in this client's record any more
        address = address_of(event)
        if isinstance(event, Correction):
            # Replayed with the entry it corrects, which comes before it in version order.
            found = placed.get(target_of(event))
            if found is None:
                continue  # it corrects what this view of the record does not hold
            place = found
        else:
            where = _replay_session(event)
            current = place = where if where is not None else current
        if address is not None:
            placed[address] = place
        if session is not None and place != session:
            continue
        build = _entry_of(event)
        fields = _own_fields(event)
        if address is not None and address in fixes:
            now = corrected(
                fields["text"], fixes[address], fields.get("speaker"), fields.get("role")
            )
            fields.update(corrected_fields(now))
        entries.append((place, event.originator_version, build(fields)))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]


def _own_fields(event: DomainEvent) -> dict[str, Any]:
    """The entry's fields: where and when, then the event's own."""
    fields = event.model_dump(exclude=_OWN_FIELDS)
    if isinstance(event, QualityFlagRaised):
        fields["flag"] = fields.pop("kind")  # ``kind`` names the entry's model
    if isinstance(event, SummaryItemNoted):
        fields["section"] = event.section
    return {
        "type": type(event).__name__,
        "version": event.originator_version,
        "session": event.session if isinstance(event, SessionEvent | Correction) else None,
        "recorded_at": stamp(event.timestamp),
        "actor": event.actor,
        **fields,
    }


def replayed_with(entries: Iterable[TimelineEntry]) -> dict[int, list[TimelineEntry]]:
    """Each session's entries, as its replay shows them.

    An entry's ``session`` says where it is, except for homework known only from a
    quote: its ``session`` is the quoted one, but it is replayed with the session that
    quoted it, the last one opened before it.
    """
    found: dict[int, list[TimelineEntry]] = {}
    current: int | None = None
    for entry in entries:
        if isinstance(entry, SessionStartEntry | SessionReceivedEntry):
            current = entry.session
        place = entry.session
        if isinstance(entry, HomeworkEntry) and entry.source == "quoted" and current is not None:
            place = current
        if place is not None:
            found.setdefault(place, []).append(entry)
    return found
