"""The timeline: every event of a client as a replayable entry, in session order.

Domain order is by session number (a session may be recorded after a later
one); within a session, by version, which is the order of the source.

A corrected entry shows what it reads now: its fields carry the current
``text``, ``amended``/``retracted``, the ``original_text`` and each correction.
The corrections themselves are entries too, replayed where the entry they
correct is (after that session's own events), when that entry is in view.
"""

from __future__ import annotations

from collections.abc import Iterable

from caselog.domain.corrections import (
    Address,
    address_of,
    corrected,
    corrections_by_address,
    target_of,
)
from caselog.domain.events import (
    Correction,
    DomainEvent,
    HomeworkAssigned,
    SessionEvent,
    SessionReassigned,
)
from caselog.domain.withdrawal import withdrawn
from caselog.projections.corrections import corrected_fields
from caselog.projections.views import TimelineEntry

_OWN_FIELDS = {"originator_id", "originator_version", "timestamp", "actor", "session"}


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
        fields = event.model_dump(mode="json", exclude=_OWN_FIELDS)
        if address is not None and address in fixes:
            now = corrected(
                fields["text"], fixes[address], fields.get("speaker"), fields.get("role")
            )
            fields.update(corrected_fields(now))
        entries.append(
            (
                place,
                event.originator_version,
                TimelineEntry(
                    version=event.originator_version,
                    type=type(event).__name__,
                    session=event.session if isinstance(event, SessionEvent | Correction) else None,
                    recorded_at=event.timestamp.isoformat(),
                    actor=event.actor,
                    fields=fields,
                ),
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]
