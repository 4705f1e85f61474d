"""Fold a client's events into the list of its sessions, in session order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import singledispatch

from caselog.domain.corrections import Address, target_of
from caselog.domain.events import (
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
    SessionOpened,
    SessionReassigned,
    SessionReceived,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.instants import stamp
from caselog.projections.views import EndingView, Reassignment, SessionView, Source


@dataclass
class _Session:
    opened: SessionOpened
    utterances: int = 0
    stage_directions: int = 0
    flags: int = 0
    entries: int = 0
    """Clinician entries: homework, insights and notes entered by hand."""
    ended: SessionEnded | None = None
    corrected: dict[Address, bool] = field(default_factory=dict)
    """Each corrected entry's address: True once it is retracted."""
    received: SessionReceived | None = None


@dataclass
class _Sessions:
    by_number: dict[int, _Session] = field(default_factory=dict)
    received: dict[int, SessionReceived] = field(default_factory=dict)
    """Moves whose copied session has not opened yet (it opens right after)."""


@singledispatch
def _apply(event: DomainEvent, acc: _Sessions) -> None:
    raise TypeError(f"the sessions fold does not know the event {type(event).__name__}")


@_apply.register
def _(event: SessionOpened, acc: _Sessions) -> None:
    acc.by_number[event.session] = _Session(event, received=acc.received.pop(event.session, None))


@_apply.register
def _(event: SessionReceived, acc: _Sessions) -> None:
    acc.received[event.session] = event


@_apply.register
def _(event: SessionReassigned, acc: _Sessions) -> None:
    # Its events are withdrawn before any fold (withdrawal.py); a fold of every event
    # of the client, unfiltered, still ends without the session.
    acc.by_number.pop(event.session, None)


@_apply.register
def _(event: UtteranceRecorded, acc: _Sessions) -> None:
    acc.by_number[event.session].utterances += 1


@_apply.register
def _(event: StageDirectionRecorded, acc: _Sessions) -> None:
    acc.by_number[event.session].stage_directions += 1


@_apply.register
def _(event: QualityFlagRaised, acc: _Sessions) -> None:
    acc.by_number[event.session].flags += 1


@_apply.register(HomeworkAdded)
@_apply.register(InsightAdded)
@_apply.register(NoteRecorded)
def _(event: HomeworkAdded | InsightAdded | NoteRecorded, acc: _Sessions) -> None:
    session = acc.by_number.get(event.session)
    if session is not None:
        session.entries += 1


@_apply.register
def _(event: SessionEnded, acc: _Sessions) -> None:
    acc.by_number[event.session].ended = event


@_apply.register(EntryAmended)
@_apply.register(EntryRetracted)
def _(event: Correction, acc: _Sessions) -> None:
    session = acc.by_number.get(event.session)
    if session is None:
        return  # a session the record (as of now) does not hold, e.g. one known from a quote
    key = target_of(event)
    session.corrected[key] = session.corrected.get(key, False) or isinstance(event, EntryRetracted)


@_apply.register(ClientRegistered)
@_apply.register(PriorSummaryQuoted)
@_apply.register(SummaryItemNoted)
@_apply.register(HomeworkAssigned)
@_apply.register(HomeworkStatusChanged)
@_apply.register(HomeworkCarriedForward)
def _(event: DomainEvent, acc: _Sessions) -> None:
    return None


def fold_sessions(events: Iterable[DomainEvent]) -> list[SessionView]:
    acc = _Sessions()
    for event in events:
        _apply(event, acc)
    return [_view(acc.by_number[n]) for n in sorted(acc.by_number)]


def _view(s: _Session) -> SessionView:
    o = s.opened
    moved = s.received
    return SessionView(
        number=o.session,
        planned_total=o.planned_total,
        date=o.date.isoformat() if o.date else None,
        start_time=o.start_time,
        professional=o.professional,
        professional_title=o.professional_title,
        utterances=s.utterances,
        stage_directions=s.stage_directions,
        quality_flags=s.flags,
        entries=s.entries,
        ended=EndingView(reason=s.ended.reason, detail=s.ended.detail, clock=s.ended.clock)
        if s.ended
        else None,
        source=Source(file=o.source.file, sha256=o.source.sha256, format=o.source.format),
        # A moved session was recorded from its source when first recorded (its copy
        # here keeps the actor).
        recorded_at=stamp(moved.first_recorded_at if moved else o.timestamp),
        recorded_by=o.actor,
        amended=sum(not retracted for retracted in s.corrected.values()),
        retracted=sum(s.corrected.values()),
        inferred=o.inferred,
        reassigned_from=reassignment_of(moved) if moved else None,
        status="ended" if s.ended else "in_progress",
    )


def reassignment_of(event: SessionReceived) -> Reassignment:
    return Reassignment(
        reassignment=str(event.reassignment),
        client_id=str(event.from_client),
        session=event.from_session,
        at=stamp(event.timestamp),
        actor=event.actor,
        reason=event.reason,
        homework=dict(event.homework),
    )
