"""The timeline: every event of a client as a replayable entry, in session order.

Domain order is by session number (a session may be recorded after a later
one); within a session, by version, which is the order of the source.
"""

from __future__ import annotations

from collections.abc import Iterable

from caselog.domain.events import DomainEvent, HomeworkAssigned, SessionEvent
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
    entries: list[tuple[int, int, TimelineEntry]] = []
    current = 0
    for event in events:
        where = _replay_session(event)
        current = where if where is not None else current
        if session is not None and current != session:
            continue
        entries.append(
            (
                current,
                event.originator_version,
                TimelineEntry(
                    version=event.originator_version,
                    type=type(event).__name__,
                    session=event.session if isinstance(event, SessionEvent) else None,
                    recorded_at=event.timestamp.isoformat(),
                    actor=event.actor,
                    fields=event.model_dump(mode="json", exclude=_OWN_FIELDS),
                ),
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]
