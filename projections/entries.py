"""Timeline entries: one typed model per kind of event replay shows, told apart by ``kind``.

``TimelineEntry`` is their union, discriminated by ``kind``; ``replay --json`` prints
``model_dump(mode="json")`` of each, so every line says what it is and validates back
(``parse_entry``). ``type`` is the event's class name, as ``caselog log`` shows it.

An entry holds its event's own fields (``extra="forbid"``: a field added to an event and
not here fails the first replay, instead of vanishing from it). Entries a correction can
reach add what they read now: ``text`` is the current text, ``amended``/``retracted``
say why it differs, ``original_text`` and ``corrections`` say from what.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, TypeAdapter

from caselog.domain.events import CorrectionTarget, HomeworkSource
from caselog.domain.transcript import (
    EndReason,
    Inference,
    LineSpan,
    Role,
    SectionKey,
    SourceRef,
    SummarySection,
)
from caselog.projections.views import CorrectionNote, View


class EntryBase(View):
    """Where and when: what every entry has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    type: str
    version: int
    session: int | None
    """The event's session; for a correction, the corrected session; None for events of
    the whole record (registration, status changes, erasure)."""
    recorded_at: str
    actor: str

    def as_json_line(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Correctable(EntryBase):
    """An entry a correction can reach, as it reads now."""

    text: str
    amended: bool = False
    retracted: bool = False
    original_text: str | None = None
    """The text as recorded, when corrected (even if only retracted)."""
    corrections: tuple[CorrectionNote, ...] = ()


class RegistrationEntry(EntryBase):
    kind: Literal["registration"] = "registration"
    type: Literal["ClientRegistered"] = "ClientRegistered"
    name: str
    descriptor: str | None = None
    title: str | None = None


class SessionStartEntry(EntryBase):
    kind: Literal["session_started"] = "session_started"
    type: Literal["SessionOpened"] = "SessionOpened"
    planned_total: int | None = None
    date: dt.date | None = None
    start_time: str | None = None
    professional: str | None = None
    professional_title: str | None = None
    source: SourceRef
    header: tuple[tuple[str, str], ...] = ()
    client_title: str | None = None
    inferred: tuple[Inference, ...] = ()


class UtteranceEntry(Correctable):
    kind: Literal["utterance"] = "utterance"
    type: Literal["UtteranceRecorded"] = "UtteranceRecorded"
    seq: int
    role: Role
    speaker: str
    clock: str | None = None
    lines: LineSpan
    original_speaker: str | None = None
    """The speaker as recorded, when corrected."""
    original_role: Role | None = None


class StageDirectionEntry(Correctable):
    kind: Literal["stage_direction"] = "stage_direction"
    type: Literal["StageDirectionRecorded"] = "StageDirectionRecorded"
    seq: int
    clock: str | None = None
    lines: LineSpan


class QuotedSummaryEntry(EntryBase):
    """A summary of an earlier session as this session's transcript quotes it."""

    kind: Literal["quoted_summary"] = "quoted_summary"
    type: Literal["PriorSummaryQuoted"] = "PriorSummaryQuoted"
    about_session: int | None = None
    sections: tuple[SummarySection, ...]
    in_utterance: int | None = None
    """The utterance the quote is part of, or None for a summary block of its own."""


class SummaryItemEntry(Correctable):
    """An item of the session's own summary (its homework items are ``HomeworkEntry``)."""

    kind: Literal["summary_item"] = "summary_item"
    type: Literal[
        "TopicNoted", "TechniqueIntroduced", "HelpfulNoted", "InsightRecorded", "OtherItemNoted"
    ]
    section: SectionKey
    item: int
    heading: str
    line: int


class HomeworkItemEntry(Correctable):
    """A homework item's assignment, from a transcript or by hand: what both kinds have."""

    homework_id: str
    source: HomeworkSource
    utterance: int | None = None
    heading: str | None = None
    line: int | None = None


class HomeworkEntry(HomeworkItemEntry):
    kind: Literal["homework_assigned"] = "homework_assigned"
    type: Literal["HomeworkAssigned"] = "HomeworkAssigned"


class HomeworkStatusEntry(EntryBase):
    kind: Literal["homework_status"] = "homework_status"
    type: Literal["HomeworkStatusChanged"] = "HomeworkStatusChanged"
    homework_id: str
    status: str
    note: str | None = None
    reviewed_in: int | None = None


class CarryForwardEntry(EntryBase):
    kind: Literal["homework_carried_forward"] = "homework_carried_forward"
    type: Literal["HomeworkCarriedForward"] = "HomeworkCarriedForward"
    earlier_id: str
    later_id: str
    overlap: float


class QualityFlagEntry(EntryBase):
    kind: Literal["quality_flag"] = "quality_flag"
    type: Literal["QualityFlagRaised"] = "QualityFlagRaised"
    seq: int
    flag: str
    """What was flagged ("cut_turn", "empty_turn"); the event's own ``kind``."""
    excerpt: str


class SessionEndEntry(EntryBase):
    kind: Literal["session_ended"] = "session_ended"
    type: Literal["SessionEnded"] = "SessionEnded"
    reason: EndReason
    detail: str = ""
    clock: str | None = None


class CorrectionEntry(EntryBase):
    """What a correction addresses (see ``domain.events.Correction``) and why."""

    target: CorrectionTarget
    seq: int | None = None
    section: SectionKey | None = None
    item: int | None = None
    homework_id: str | None = None
    reason: str
    note_id: str | None = None


class AmendmentEntry(CorrectionEntry):
    kind: Literal["amendment"] = "amendment"
    type: Literal["EntryAmended"] = "EntryAmended"
    text: str | None = None
    speaker: str | None = None
    role: Role | None = None


class RetractionEntry(CorrectionEntry):
    kind: Literal["retraction"] = "retraction"
    type: Literal["EntryRetracted"] = "EntryRetracted"


class SessionReceivedEntry(EntryBase):
    """A session reassigned here from another client (its own events follow)."""

    kind: Literal["session_received"] = "session_received"
    type: Literal["SessionReceived"] = "SessionReceived"
    from_client: UUID
    from_session: int
    reassignment: UUID
    reason: str
    first_recorded_at: dt.datetime
    homework: tuple[tuple[str, str], ...] = ()


class ErasureEntry(EntryBase):
    kind: Literal["erasure"] = "erasure"
    type: Literal["ClientErased"] = "ClientErased"
    reason: str


class HomeworkAddedEntry(HomeworkItemEntry):
    """Homework a clinician added by hand (``caselog homework-add``), and why."""

    kind: Literal["homework_added"] = "homework_added"
    type: Literal["HomeworkAdded"] = "HomeworkAdded"
    reason: str


class InsightAddedEntry(Correctable):
    """An insight a clinician added by hand (``caselog insight-add``): the session's
    insights item ``item``, addressed ``insights:<item>`` by a correction."""

    kind: Literal["insight_added"] = "insight_added"
    type: Literal["InsightAdded"] = "InsightAdded"
    section: SectionKey
    item: int
    heading: str
    line: int
    reason: str


class NoteEntry(Correctable):
    """A clinician's progress note on the session (``caselog note``)."""

    kind: Literal["note"] = "note"
    type: Literal["NoteRecorded"] = "NoteRecorded"
    note_id: str
    reason: str


TimelineEntry = Annotated[
    RegistrationEntry
    | SessionStartEntry
    | UtteranceEntry
    | StageDirectionEntry
    | QuotedSummaryEntry
    | SummaryItemEntry
    | HomeworkEntry
    | HomeworkStatusEntry
    | CarryForwardEntry
    | QualityFlagEntry
    | SessionEndEntry
    | AmendmentEntry
    | RetractionEntry
    | SessionReceivedEntry
    | ErasureEntry
    | HomeworkAddedEntry
    | InsightAddedEntry
    | NoteEntry,
    Field(discriminator="kind"),
]
"""One event as replay shows it; ``kind`` says which model it is."""


@cache
def _adapter() -> TypeAdapter[TimelineEntry]:
    # Built on first use: a reading command that prints text never needs it.
    return TypeAdapter(TimelineEntry)


def parse_entry(data: dict[str, Any] | str | bytes) -> TimelineEntry:
    """An entry from its JSON (a ``replay --json`` line) or the dict ``model_dump`` gave."""
    if isinstance(data, dict):
        return _adapter().validate_python(data)
    return _adapter().validate_json(data)
