"""Recording a clinician's entry — homework, an insight, a progress note — as its events.

The rules are ``domain/entries.py``'s; this loads what they need (the Client state and
the target session's events), saves what they decide in one transaction, and decides
again on a version clash, as every other write does.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from caselog.application.service import CaselogApplication
from caselog.domain.entries import EntryKind, EntryRequest, decide_entry, entry_session
from caselog.domain.errors import ClientNotFound, ConcurrentChange
from caselog.domain.events import (
    DomainEvent,
    HomeworkAdded,
    HomeworkCarriedForward,
    InsightAdded,
    NoteRecorded,
)
from caselog.domain.withdrawal import withdrawn_spans

ATTEMPTS = 10
"""Decisions made again on a clash before giving up: a clinician's entry is one small
event, so writers streaming a session beside it may win many times in a row."""


@dataclass(frozen=True)
class EntryAdded:
    """An entry recorded: where it went, what it is called, and its events."""

    client_id: UUID
    client_name: str
    kind: EntryKind
    entry_id: str
    """``S3.H4`` (homework), ``insights:3`` (an insight: its address for ``amend``) or
    ``S3.N1`` (a note)."""
    session: int
    latest: bool
    """No session was given: the entry went to the client's latest."""
    event: HomeworkAdded | InsightAdded | NoteRecorded
    continues: str | None = None
    """For homework that continues an earlier open item: that item's id."""


def add_entry(
    app: CaselogApplication, cid: UUID, request: EntryRequest, *, actor: str
) -> EntryAdded:
    """Record ``request`` on client ``cid``; refused (nothing stored) if the rules say so."""
    for _attempt in range(ATTEMPTS):
        client = app.get_client(cid)
        if client is None:
            raise ClientNotFound(f"no client with id {cid}")
        session = entry_session(client, request.session)
        spans = [
            s for s in withdrawn_spans(client.spans) if s.kind == "session" and s.session == session
        ]
        events = decide_entry(client, app._read_spans(cid, spans), request, actor=actor)
        try:
            app.append(events)
        except IntegrityError:
            continue  # another writer got there first: decide again on fresh state
        return _added(client.name, request, events)
    raise ConcurrentChange(f"{cid}: other writers kept changing this record; try again")


def _added(name: str, request: EntryRequest, events: list[DomainEvent]) -> EntryAdded:
    entry = events[0]
    assert isinstance(entry, HomeworkAdded | InsightAdded | NoteRecorded)
    if isinstance(entry, HomeworkAdded):
        entry_id = entry.homework_id
    elif isinstance(entry, InsightAdded):
        entry_id = f"insights:{entry.item}"
    else:
        entry_id = entry.note_id
    linked = next((e for e in events if isinstance(e, HomeworkCarriedForward)), None)
    return EntryAdded(
        client_id=entry.originator_id,
        client_name=name,
        kind=request.kind,
        entry_id=entry_id,
        session=entry.session,
        latest=request.session is None,
        event=entry,
        continues=linked.earlier_id if linked else None,
    )
