"""The Client aggregate: the state decisions need, and the events that change it.

State holds the record's shape without its words: sessions with their
sources, homework with its lifecycle, and the spans of its history (see
``spans.py``). No utterance or summary text is in it, so loading a client —
from a snapshot and the events after it — stays cheap however long its
sessions were, and a snapshot of it holds nothing a clinician said.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import singledispatch
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from caselog.domain.errors import RecordErased
from caselog.domain.events import (
    ClientErased,
    ClientRegistered,
    DomainEvent,
    EntryAmended,
    EntryRetracted,
    HomeworkAdded,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    NoteRecorded,
    Persisted,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionOpened,
    SessionReassigned,
    SessionReceived,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.spans import Span, extend_spans
from caselog.domain.transcript import SourceRef


class State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class RecordedSession(State):
    number: int
    source: SourceRef
    ended: bool = False


class ReassignedSession(State):
    """A session moved to another client: it no longer counts as recorded here."""

    number: int
    source: SourceRef
    to_client: UUID
    to_session: int
    version: int
    """The version of the ``SessionReassigned`` event."""


class HomeworkStep(State):
    """One step of an item's lifecycle: who moved it to which status, and when."""

    status: str
    at: dt.datetime
    actor: str
    session: int | None = None
    note: str | None = None


RETRACTED = "retracted"
"""The status of a retracted homework item: final, and never open."""


class HomeworkCorrection(State):
    """An amendment or retraction of a homework item: who, when, why, and the new text."""

    kind: str
    """``amended`` or ``retracted``."""
    version: int
    at: dt.datetime
    actor: str
    reason: str
    text: str | None = None


class HomeworkState(State):
    """Homework text is short and decisions need it (carry-forward); utterances stay out.

    ``text`` is the current text: an amendment replaces it (so carry-forward
    uses it), keeping the text as assigned in ``original_text``.
    """

    homework_id: str
    session: int
    status: str
    source: str
    text: str
    history: tuple[HomeworkStep, ...] = ()
    carried_to: str | None = None
    carried_from: str | None = None
    original_text: str | None = None
    corrections: tuple[HomeworkCorrection, ...] = ()


class Client(State):
    id: UUID
    version: int
    created_on: dt.datetime
    modified_on: dt.datetime
    name: str
    descriptor: str | None = None
    sessions: tuple[RecordedSession, ...] = ()
    homework: tuple[HomeworkState, ...] = ()
    spans: tuple[Span, ...] = ()
    reassigned: tuple[ReassignedSession, ...] = ()

    def session(self, number: int) -> RecordedSession | None:
        return next((s for s in self.sessions if s.number == number), None)

    def homework_item(self, homework_id: str) -> HomeworkState | None:
        return next((h for h in self.homework if h.homework_id == homework_id), None)

    def homework_for(self, session: int) -> tuple[HomeworkState, ...]:
        return tuple(h for h in self.homework if h.session == session)


class ClientSnapshot(Persisted):
    """The Client state at a version: a cache to start from, never the record itself."""

    state: Client

    @classmethod
    def take(cls, client: Client) -> ClientSnapshot:
        return cls(originator_id=client.id, originator_version=client.version, state=client)


@singledispatch
def evolve(event: Persisted, client: Client | None) -> Client:
    raise TypeError(f"the Client aggregate does not know the event {type(event).__name__}")


def _touched(client: Client | None, event: DomainEvent, **changes: object) -> Client:
    return _advanced(client, (event,), **changes)


def _advanced(client: Client | None, run: Sequence[DomainEvent], **changes: object) -> Client:
    """``client`` moved past ``run`` (consecutive events), with ``changes``."""
    if client is None:
        raise TypeError(f"{type(run[0]).__name__} before ClientRegistered")
    last = run[-1]
    return client.model_copy(
        update={
            "version": last.originator_version,
            "modified_on": last.timestamp,
            "spans": extend_spans(client.spans, run),
            **changes,
        }
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
        spans=extend_spans((), (event,)),
    )


@evolve.register
def _(event: ClientSnapshot, client: Client | None) -> Client:
    if client is not None:
        raise TypeError("a snapshot can only start a client's history")
    return event.state


@evolve.register
def _(event: ClientErased, client: Client | None) -> Client:
    # Reached only by a process that still holds the destroyed key (it read the record
    # before another process erased it): the record is gone all the same.
    raise RecordErased(event.originator_id, event.timestamp.isoformat())


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
    why = event.reason if isinstance(event, HomeworkAdded) else None
    item = HomeworkState(
        homework_id=event.homework_id,
        session=event.session,
        status="assigned",
        source=event.source,
        text=event.text,
        history=(_step(event, "assigned", event.session, why),),
    )
    return _touched(client, event, homework=(*client.homework, item))


def _step(
    event: DomainEvent, status: str, session: int | None, note: str | None = None
) -> HomeworkStep:
    return HomeworkStep(
        status=status, at=event.timestamp, actor=event.actor, session=session, note=note
    )


def _updated(
    homework: tuple[HomeworkState, ...], homework_id: str, **update: object
) -> tuple[HomeworkState, ...]:
    return tuple(
        h.model_copy(update=update) if h.homework_id == homework_id else h for h in homework
    )


def _moved(
    client: Client, homework_id: str, step: HomeworkStep, **update: object
) -> tuple[HomeworkState, ...]:
    item = client.homework_item(homework_id)
    if item is None:
        return client.homework
    history = (*item.history, step)
    return _updated(client.homework, homework_id, status=step.status, history=history, **update)


@evolve.register
def _(event: HomeworkStatusChanged, client: Client | None) -> Client:
    assert client is not None
    step = _step(event, event.status, event.reviewed_in, event.note)
    return _touched(client, event, homework=_moved(client, event.homework_id, step))


@evolve.register
def _(event: HomeworkCarriedForward, client: Client | None) -> Client:
    assert client is not None
    step = _step(event, "carried_forward", event.session, f"continued by {event.later_id}")
    homework = _moved(client, event.earlier_id, step, carried_to=event.later_id)
    homework = _updated(homework, event.later_id, carried_from=event.earlier_id)
    return _touched(client, event, homework=homework)


def _correction(event: EntryAmended | EntryRetracted, kind: str) -> HomeworkCorrection:
    text = event.text if isinstance(event, EntryAmended) else None
    return HomeworkCorrection(
        kind=kind,
        version=event.originator_version,
        at=event.timestamp,
        actor=event.actor,
        reason=event.reason,
        text=text,
    )


@evolve.register
def _(event: EntryAmended, client: Client | None) -> Client:
    assert client is not None
    item = client.homework_item(event.homework_id or "") if event.target == "homework" else None
    if item is None or event.text is None:
        return _touched(client, event)  # an utterance or summary item: no state to change
    homework = _updated(
        client.homework,
        item.homework_id,
        text=event.text,
        original_text=item.original_text if item.original_text is not None else item.text,
        corrections=(*item.corrections, _correction(event, "amended")),
    )
    return _touched(client, event, homework=homework)


@evolve.register
def _(event: EntryRetracted, client: Client | None) -> Client:
    """A retracted homework item leaves the lifecycle: its status becomes ``retracted``."""
    assert client is not None
    item = client.homework_item(event.homework_id or "") if event.target == "homework" else None
    if item is None:
        return _touched(client, event)
    step = _step(event, RETRACTED, None, event.reason)
    fixes = (*item.corrections, _correction(event, "retracted"))
    homework = _moved(client, item.homework_id, step, corrections=fixes)
    return _touched(client, event, homework=homework)


@evolve.register
def _(event: SessionReassigned, client: Client | None) -> Client:
    """The session and its homework leave; carry-forward links to what stays are undone
    (as ``withdrawal.withdrawn`` leaves those links out of the events)."""
    assert client is not None
    moved = {old for old, _ in event.homework}
    homework = tuple(_unlinked(h, moved) for h in client.homework if h.homework_id not in moved)
    gone = client.session(event.session)
    reassigned = client.reassigned
    if gone is not None:
        reassigned += (
            ReassignedSession(
                number=gone.number,
                source=gone.source,
                to_client=event.to_client,
                to_session=event.to_session,
                version=event.originator_version,
            ),
        )
    return _touched(
        client,
        event,
        sessions=tuple(s for s in client.sessions if s.number != event.session),
        homework=homework,
        reassigned=reassigned,
    )


def _unlinked(item: HomeworkState, moved: set[str]) -> HomeworkState:
    """``item`` without its carry-forward links to moved items."""
    update: dict[str, object] = {}
    if item.carried_from in moved:
        update["carried_from"] = None
    if item.carried_to in moved:
        history = tuple(s for s in item.history if s.status != "carried_forward")
        update.update(carried_to=None, history=history, status=history[-1].status)
    return item.model_copy(update=update) if update else item


# Text-bearing events change nothing a decision needs; they only move the version.
_VERSION_ONLY = (
    UtteranceRecorded,
    StageDirectionRecorded,
    PriorSummaryQuoted,
    SummaryItemNoted,
    QualityFlagRaised,
    SessionReceived,
    NoteRecorded,
)


@evolve.register(NoteRecorded)
@evolve.register(SessionReceived)
@evolve.register(UtteranceRecorded)
@evolve.register(StageDirectionRecorded)
@evolve.register(PriorSummaryQuoted)
@evolve.register(SummaryItemNoted)
@evolve.register(QualityFlagRaised)
def _(event: DomainEvent, client: Client | None) -> Client:
    return _touched(client, event)


def project_client(client: Client | None, events: Iterable[Persisted]) -> Client | None:
    """Fold events (after, optionally, one snapshot) into the Client state.

    A run of text-bearing events is folded in one step: they only move the version
    and the spans, and a session is mostly such a run.
    """
    run: list[DomainEvent] = []
    for event in events:
        if isinstance(event, _VERSION_ONLY):
            run.append(event)
            continue
        if run:
            client = _advanced(client, run)
            run = []
        client = evolve(event, client)
    if run:
        client = _advanced(client, run)
    return client
