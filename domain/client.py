"""The Client aggregate: the state decisions need, and the events that change it.

State holds no utterance text — only session numbers with their sources,
homework ids with their statuses, and the version — so loading a client to
decide something stays cheap however long its sessions were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import singledispatch
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from caselog.domain.events import (
    ClientRegistered,
    DomainEvent,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionOpened,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.identity import normalise_name
from caselog.domain.transcript import SourceRef


class State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordedSession(State):
    number: int
    source: SourceRef
    ended: bool = False


class HomeworkState(State):
    """Homework text is short and decisions need it (carry-forward); utterances stay out."""

    homework_id: str
    session: int
    status: str
    source: str
    text: str


class Client(State):
    id: UUID
    version: int
    created_on: dt.datetime
    modified_on: dt.datetime
    name: str
    descriptor: str | None = None
    sessions: tuple[RecordedSession, ...] = ()
    homework: tuple[HomeworkState, ...] = ()

    @property
    def name_key(self) -> str:
        return normalise_name(self.name)

    def session(self, number: int) -> RecordedSession | None:
        return next((s for s in self.sessions if s.number == number), None)

    def homework_item(self, homework_id: str) -> HomeworkState | None:
        return next((h for h in self.homework if h.homework_id == homework_id), None)

    def homework_for(self, session: int) -> tuple[HomeworkState, ...]:
        return tuple(h for h in self.homework if h.session == session)

    @property
    def latest_session(self) -> int | None:
        return max((s.number for s in self.sessions), default=None)


@singledispatch
def evolve(event: DomainEvent, client: Client | None) -> Client:
    raise TypeError(f"the Client aggregate does not know the event {type(event).__name__}")


def _touched(client: Client | None, event: DomainEvent, **changes: object) -> Client:
    if client is None:
        raise TypeError(f"{type(event).__name__} before ClientRegistered")
    return client.model_copy(
        update={"version": event.originator_version, "modified_on": event.timestamp, **changes}
    )


@evolve.register
def _(event: ClientRegistered, client: Client | None) -> Client:
    if client is not None:
        raise TypeError("ClientRegistered on a client that exists")
    return Client(
        id=event.originator_id,
        version=event.originator_version,
        created_on=event.timestamp,
        modified_on=event.timestamp,
        name=event.name,
        descriptor=event.descriptor,
    )


@evolve.register
def _(event: SessionOpened, client: Client | None) -> Client:
    assert client is not None
    opened = RecordedSession(number=event.session, source=event.source)
    return _touched(client, event, sessions=(*client.sessions, opened))


@evolve.register
def _(event: SessionEnded, client: Client | None) -> Client:
    assert client is not None
    sessions = tuple(
        s.model_copy(update={"ended": True}) if s.number == event.session else s
        for s in client.sessions
    )
    return _touched(client, event, sessions=sessions)


@evolve.register
def _(event: HomeworkAssigned, client: Client | None) -> Client:
    assert client is not None
    item = HomeworkState(
        homework_id=event.homework_id,
        session=event.session,
        status="assigned",
        source=event.source,
        text=event.text,
    )
    return _touched(client, event, homework=(*client.homework, item))


def _with_status(client: Client, homework_id: str, status: str) -> tuple[HomeworkState, ...]:
    return tuple(
        h.model_copy(update={"status": status}) if h.homework_id == homework_id else h
        for h in client.homework
    )


@evolve.register
def _(event: HomeworkStatusChanged, client: Client | None) -> Client:
    assert client is not None
    return _touched(client, event, homework=_with_status(client, event.homework_id, event.status))


@evolve.register
def _(event: HomeworkCarriedForward, client: Client | None) -> Client:
    assert client is not None
    homework = _with_status(client, event.earlier_id, "carried_forward")
    return _touched(client, event, homework=homework)


# Text-bearing events change nothing a decision needs; they only move the version.
@evolve.register(UtteranceRecorded)
@evolve.register(StageDirectionRecorded)
@evolve.register(PriorSummaryQuoted)
@evolve.register(SummaryItemNoted)
@evolve.register(QualityFlagRaised)
def _(event: DomainEvent, client: Client | None) -> Client:
    return _touched(client, event)


def project_client(client: Client | None, events: Iterable[DomainEvent]) -> Client | None:
    for event in events:
        client = evolve(event, client)
    return client
