"""The event catalogue: one immutable, past-tense event per fact in a client's record.

Every event carries the actor who recorded it; ``timestamp`` is when it was
recorded (audit time), never when the session was held (domain time, which
lives in ``SessionOpened.date``). Events hold text; the aggregate does not.

Evolving an event: raise ``class_version`` and add a static
``upcast_v<N>_v<N+1>(state: dict) -> None`` that rewrites an old stored state
in place. The mapper applies the chain when it reads an older event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal
from uuid import UUID

from eventsourcing.domain import datetime_now_with_tzinfo
from pydantic import BaseModel, ConfigDict, Field

from caselog.domain.transcript import (
    EndReason,
    Inference,
    LineSpan,
    Role,
    SectionKey,
    SourceRef,
    SummarySection,
)

HomeworkSource = Literal["summary", "dialogue", "quoted", "manual"]


class Persisted(BaseModel):
    """What the store keeps of anything: whose, which version, when, in which class version."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    class_version: ClassVar[int] = 1
    # Everything is encrypted at rest on an encrypted store, except what must stay
    # readable after a client's data key is destroyed (and so holds no personal data).
    kept_in_clear: ClassVar[bool] = False

    originator_id: UUID
    originator_version: int
    timestamp: dt.datetime = Field(default_factory=datetime_now_with_tzinfo)


class DomainEvent(Persisted):
    actor: str
    idempotency_key: str | None = None
    """Given by a caller that may retry (the live write API): a call whose key the
    session already holds is not recorded again. Not stored when None."""


class SessionEvent(DomainEvent):
    """An event that belongs to one session of the client."""

    session: int


class ClientRegistered(DomainEvent):
    name: str
    descriptor: str | None = None
    title: str | None = None
    """The honorific the first source gave ("Mrs."); never part of the name or the id."""


class SessionOpened(SessionEvent):
    planned_total: int | None = None
    date: dt.date | None = None
    start_time: str | None = None
    professional: str | None = None
    professional_title: str | None = None
    source: SourceRef
    header: tuple[tuple[str, str], ...] = ()
    client_title: str | None = None
    inferred: tuple[Inference, ...] = ()
    """The facts of this session that were worked out, not stated: who, how, from what."""


class UtteranceRecorded(SessionEvent):
    seq: int
    role: Role
    speaker: str
    text: str
    clock: str | None = None
    lines: LineSpan


class StageDirectionRecorded(SessionEvent):
    seq: int
    text: str
    clock: str | None = None
    lines: LineSpan


class PriorSummaryQuoted(SessionEvent):
    about_session: int | None = None
    sections: tuple[SummarySection, ...]
    in_utterance: int | None = None


class SummaryItemNoted(SessionEvent):
    """Base of the summary-section events; ``item`` is its place among the summary's items
    of its section (for ``other``, among the items of all its extra sections, in order)."""

    section: ClassVar[SectionKey]
    item: int
    text: str
    heading: str
    line: int


class TopicNoted(SummaryItemNoted):
    section: ClassVar[SectionKey] = "topics"


class TechniqueIntroduced(SummaryItemNoted):
    section: ClassVar[SectionKey] = "techniques"


class HelpfulNoted(SummaryItemNoted):
    section: ClassVar[SectionKey] = "helpful"


class InsightRecorded(SummaryItemNoted):
    section: ClassVar[SectionKey] = "insights"


class OtherItemNoted(SummaryItemNoted):
    """An item of a section beyond the five ("Risk assessment:", "Medication notes:");
    ``heading`` is the only record of what that section is about."""

    section: ClassVar[SectionKey] = "other"


class HomeworkAssigned(SessionEvent):
    homework_id: str
    text: str
    source: HomeworkSource
    utterance: int | None = None
    heading: str | None = None
    line: int | None = None


class HomeworkStatusChanged(DomainEvent):
    homework_id: str
    status: str
    note: str | None = None
    reviewed_in: int | None = None
    """The session in which the homework was reviewed, when known."""


CorrectionTarget = Literal["entry", "summary", "homework", "note"]


class Correction(DomainEvent):
    """Base of the two corrections. Which entry it addresses, by ``target``:

    - ``entry``: an utterance or stage direction, by ``session`` and ``seq``;
    - ``summary``: an item of the session's own summary, by ``session``, ``section``
      (topics, techniques, helpful, insights or other) and ``item`` (its place in the section);
    - ``homework``: a homework item by ``homework_id`` (``session`` is the item's session).
      A summary's homework items are homework, and are addressed as such;
    - ``note``: a clinician's progress note by ``note_id`` (``session`` is the note's).

    Not a ``SessionEvent``: it is recorded whenever the correction is made, and
    ``session`` names the corrected session, not the one being recorded.
    """

    session: int
    target: CorrectionTarget
    seq: int | None = None
    section: SectionKey | None = None
    item: int | None = None
    homework_id: str | None = None
    reason: str
    note_id: str | None = None
    """Events stored before notes existed have none: the default reads them as before."""


class EntryAmended(Correction):
    """The entry now reads ``text``, and (an utterance) is spoken by ``speaker`` in ``role``;
    the original stays in its own event.

    Each of the three is None when the amendment leaves it as it was. Events stored
    before ``speaker`` and ``role`` existed all hold a ``text`` and read as before:
    the new fields default to None, so no upcast is needed (the class stays version 1).
    """

    text: str | None = None
    speaker: str | None = None
    role: Role | None = None


class EntryRetracted(Correction):
    """The entry is withdrawn from the record's views; it stays in the log, marked."""


class HomeworkCarriedForward(SessionEvent):
    """``session`` is the later session, whose homework continues the earlier item."""

    earlier_id: str
    later_id: str
    overlap: float


class QualityFlagRaised(SessionEvent):
    seq: int
    kind: str
    excerpt: str


class SessionEnded(SessionEvent):
    reason: EndReason
    detail: str = ""
    clock: str | None = None


class SessionReassigned(DomainEvent):
    """Session ``session`` was filed under the wrong client: it now belongs to client
    ``to_client`` as session ``to_session``, where a ``SessionReceived`` with the same
    ``reassignment`` id holds its copy (both are written in one transaction).

    From this event on, every view of this client leaves out the session — its events,
    the corrections of them, its homework with the homework's status history, and the
    carry-forward links between that homework and the homework that stays. The events
    themselves stay in the log, so the record as it was before (``--recorded-before``,
    ``--at-version``) still shows the session here.

    Not a ``SessionEvent``: like a correction, it is recorded whenever the move is made.
    """

    session: int
    to_client: UUID
    to_session: int
    reassignment: UUID
    reason: str
    homework: tuple[tuple[str, str], ...] = ()
    """Each moved homework item's id here and its id under the receiving client."""
    reopened: tuple[tuple[str, str], ...] = ()
    """Items that stay here and had been carried forward by the moved session's homework,
    with the status they return to (the one they had before that carry-forward)."""


class SessionReceived(SessionEvent):
    """Opens session ``session`` moved here from session ``from_session`` of client
    ``from_client`` (see ``SessionReassigned``). The session's own events follow, recorded
    again under this client (so its data key protects them, and erasing the other client
    leaves them readable): each keeps its actor, with this session's number and homework
    ids (see ``homework``), then the corrections and status changes recorded on them.
    """

    from_client: UUID
    from_session: int
    reassignment: UUID
    reason: str
    first_recorded_at: dt.datetime
    """When the session was first recorded, from its source, under the other client."""
    homework: tuple[tuple[str, str], ...] = ()
    """Each moved homework item's id under the other client and its id here."""


class ClientErased(DomainEvent):
    """The client's record was erased (its data key destroyed). Holds no personal data:
    it is stored unencrypted so the erasure itself stays readable."""

    kept_in_clear: ClassVar[bool] = True
    reason: str


class HomeworkAdded(HomeworkAssigned):
    """Homework a clinician assigned by hand (``caselog homework-add``), not read from a
    transcript: homework like any other (its lifecycle, carry-forward, corrections by id),
    with the ``reason`` it was entered for."""

    source: HomeworkSource = "manual"
    reason: str


class InsightAdded(InsightRecorded):
    """An insight a clinician noted by hand (``caselog insight-add``): an item of the
    session's insights, after those of its summary block (``item`` goes on from them)."""

    heading: str = "Insights/realizations:"
    line: int = 0
    """No source line: it was not read from a file."""
    reason: str


class NoteRecorded(SessionEvent):
    """A clinician's free-text progress note on a session (``caselog note``); ``note_id``
    is ``S<session>.N<k>``, numbered in the session."""

    note_id: str
    text: str
    reason: str


SUMMARY_EVENT_BY_SECTION: dict[SectionKey, type[SummaryItemNoted]] = {
    "topics": TopicNoted,
    "techniques": TechniqueIntroduced,
    "helpful": HelpfulNoted,
    "insights": InsightRecorded,
    "other": OtherItemNoted,
}


def upcast(cls: type[Persisted], state: dict[str, Any], from_version: int) -> None:
    """Bring a stored state written by an older ``class_version`` up to date, in place."""
    while from_version < cls.class_version:
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
        from_version += 1
