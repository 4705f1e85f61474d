"""The raw event log, read a page of notifications at a time: what ``caselog log`` streams.

Nothing is held beyond one page, so the first entries come out as soon as they are
read and memory stays flat however large the store. A filter by type is done by the
database (on the stored topic); by client, before an event is decrypted; by time,
after (the time is inside the encrypted state).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from caselog.application.service import CaselogApplication
from caselog.domain import events
from caselog.domain.errors import CaselogError, RecordErased
from caselog.domain.events import (
    Correction,
    DomainEvent,
    HomeworkAdded,
    InsightAdded,
    NoteRecorded,
    SessionReassigned,
    SessionReceived,
)
from caselog.domain.instants import stamp, utc
from caselog.projections.views import LogEntry

PAGE = 1000
ERASED = "(erased)"
"""What stands for the time and actor of an event whose client was erased."""


def _recorded_types() -> dict[str, type[DomainEvent]]:
    """Every event type a store can hold, by the name ``log`` prints: the event classes of
    ``caselog.domain.events`` that no other there extends (the others are kinds of event)."""
    defined = [
        c
        for c in vars(events).values()
        if isinstance(c, type) and issubclass(c, DomainEvent) and c.__module__ == events.__name__
    ]
    leaves = [c for c in defined if not any(o is not c and issubclass(o, c) for o in defined)]
    return {c.__name__: c for c in sorted(leaves, key=lambda c: c.__name__)}


EVENT_TYPES = _recorded_types()


class UnknownEventType(CaselogError):
    """A type asked for that no event of caselog has."""


@dataclass(frozen=True)
class LogFilter:
    """Which entries of the log to read. Empty: all of them."""

    client: UUID | None = None
    types: tuple[str, ...] = ()
    """Event type names, as ``log`` prints them."""
    since: dt.datetime | None = None
    """Only events recorded at or after this instant."""
    limit: int | None = None


def topics_of(types: Iterable[str]) -> list[str]:
    """The stored topics of these event types; an unknown one is refused, naming the known."""
    names = list(dict.fromkeys(types))
    unknown = [t for t in names if t not in EVENT_TYPES]
    if unknown:
        raise UnknownEventType(
            f"unknown event type {unknown[0]!r}: expected one of {', '.join(EVENT_TYPES)}"
        )
    return [get_topic(EVENT_TYPES[t]) for t in names]


def read_log(
    app: CaselogApplication, names: Mapping[UUID, str], wanted: LogFilter
) -> Iterator[LogEntry]:
    """The log's entries in recording order, as ``wanted`` filters them."""
    topics = topics_of(wanted.types)  # refuses an unknown type before anything is read
    since = utc(wanted.since) if wanted.since is not None else None
    left = wanted.limit
    start: int | None = None
    while left is None or left > 0:
        page = app.recorder.select_notifications(
            start=start, limit=PAGE, topics=topics, inclusive_of_start=False
        )
        for n in page:
            cid = _uuid(n.originator_id)
            if wanted.client is not None and cid != wanted.client:
                continue
            entry = _entry(app, n, names.get(cid, ERASED), since)
            if entry is None:
                continue
            yield entry
            if left is not None:
                left -= 1
                if left == 0:
                    return
        if len(page) < PAGE:
            return
        start = page[-1].id


def _uuid(originator_id: object) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))


def _entry(
    app: CaselogApplication, n: Notification, client: str, since: dt.datetime | None
) -> LogEntry | None:
    try:
        event = app.mapper.to_domain_event(n)
    except RecordErased:
        # Its type and place stay on record; who and when went with the key.
        if since is not None:
            return None  # when it was recorded went with the key: no telling it is recent
        recorded_at = actor = ERASED
        reason = None
    else:
        assert isinstance(event, DomainEvent)
        if since is not None and event.timestamp < since:
            return None
        recorded_at, actor = stamp(event.timestamp), event.actor
        noted = (
            Correction,
            SessionReassigned,
            SessionReceived,
            HomeworkAdded,
            InsightAdded,
            NoteRecorded,
        )
        reason = event.reason if isinstance(event, noted) else None
    return LogEntry(
        position=n.id,
        client_id=str(n.originator_id),
        client=client,
        version=n.originator_version,
        type=n.topic.rsplit(":", 1)[-1],
        recorded_at=recorded_at,
        actor=actor,
        reason=reason,
    )
