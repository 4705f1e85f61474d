"""View models: what queries return, to the CLI and to other programs alike.

``model_dump(mode="json")`` of each is the documented ``--json`` shape.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from caselog.domain.transcript import Inference

SessionStatus = Literal["in_progress", "ended"]


class View(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class ClientView(View):
    client_id: str
    name: str
    descriptor: str | None
    sessions: list[int]
    events: int


class EndingView(View):
    reason: str
    detail: str
    clock: str | None = None


class Source(View):
    file: str
    sha256: str
    format: str


class CorrectionNote(View):
    """One amendment or retraction of an entry: what it did, when, by whom, why."""

    type: str
    """``EntryAmended`` or ``EntryRetracted``."""
    version: int
    recorded_at: str
    actor: str
    reason: str
    text: str | None = None
    """The text an amendment gave the entry."""
    speaker: str | None = None
    """The speaker an amendment gave an utterance."""
    role: str | None = None
    """The role an amendment gave an utterance."""


class Reassignment(View):
    """A session's move from another client: which one, when, by whom and why."""

    reassignment: str
    """The id both clients' events share."""
    client_id: str
    """The client it was filed under first."""
    session: int
    """Its number there."""
    at: str
    actor: str
    reason: str
    homework: dict[str, str] = {}
    """Each moved homework item's id there, and its id here."""


class SessionView(View):
    number: int
    planned_total: int | None
    date: str | None
    start_time: str | None
    professional: str | None
    professional_title: str | None
    utterances: int
    stage_directions: int
    quality_flags: int
    ended: EndingView | None
    source: Source
    recorded_at: str
    recorded_by: str
    amended: int = 0
    """How many of its entries (utterances, stage directions, summary items, homework)
    read differently now; retracted ones are counted in ``retracted`` only."""
    retracted: int = 0
    inferred: tuple[Inference, ...] = ()
    """Facts of the session worked out rather than stated (who, how, from what)."""
    reassigned_from: Reassignment | None = None
    """Set when the session was moved here from another client (``caselog reassign``);
    ``recorded_at`` is then when it was first recorded there."""
    entries: int = 0
    """Clinician entries on the session: homework, insights and notes entered by hand
    (``homework-add``, ``insight-add``, ``note``, or the write API)."""
    status: SessionStatus = "ended"
    """``in_progress``: begun (``caselog record``, the write API) and not ended yet."""


class LogEntry(View):
    position: int
    client_id: str
    client: str
    version: int
    type: str
    recorded_at: str
    actor: str
    reason: str | None = None
    """Why, for a correction (``EntryAmended``, ``EntryRetracted``), a reassignment
    (``SessionReassigned``, ``SessionReceived``) or a clinician's entry (``HomeworkAdded``,
    ``InsightAdded``, ``NoteRecorded``)."""


class HomeworkChange(View):
    status: str
    at: str
    note: str | None = None
    actor: str
    session: int | None = None


class HomeworkView(View):
    homework_id: str
    session: int
    text: str
    status: str
    source: str
    history: list[HomeworkChange]
    carried_to: str | None = None
    carried_from: str | None = None
    amended: bool = False
    """``text`` is an amended text; ``original_text`` is the text as assigned."""
    retracted: bool = False
    """Retracted (its status is ``retracted``): never open, kept for the record."""
    original_text: str | None = None
    corrections: list[CorrectionNote] = []
    session_in_progress: bool = False
    """Assigned in a session that is still in progress (not ended yet)."""


class SummaryItemCorrection(View):
    """A summary item that reads differently now, or is left out as retracted."""

    section: str
    item: int
    """Its number in its section, as recorded (retracted items keep their numbers)."""
    homework_id: str | None = None
    amended: bool
    retracted: bool
    text: str
    """What it reads now (for a retracted item: what it read when retracted)."""
    original_text: str
    corrections: list[CorrectionNote]


class SummarySectionView(View):
    """A section beyond the five, under its heading as written."""

    heading: str
    items: list[str]


class ClinicianEntryView(View):
    """An entry a clinician made by hand on a session: homework, an insight or a note."""

    kind: str
    """``homework``, ``insight`` or ``note``."""
    entry_id: str
    """The homework id (``S3.H4``), the insight's address (``insights:3``) or the note id
    (``S3.N1``)."""
    text: str
    """What it reads now."""
    actor: str
    recorded_at: str
    reason: str
    amended: bool = False
    retracted: bool = False


class SummaryView(View):
    session: int
    source: str
    """``recorded`` (the session's own summary block), ``quoted`` (known from a later session)
    or ``clinician`` (no summary block: only what a clinician entered by hand)."""
    topics: list[str]
    techniques: list[str]
    helpful: list[str]
    homework: list[str]
    insights: list[str]
    other: list[SummarySectionView] = []
    """Sections beyond the five ("Risk assessment:"), in order; their items are addressed
    ``other:N``, numbered across all of them."""
    corrections: list[SummaryItemCorrection] = []
    """The items shown amended, and those left out as retracted."""
    notes: list[str] = []
    """The clinician's progress notes on the session (``caselog note``), retracted ones left
    out."""
    clinician_entries: list[ClinicianEntryView] = []
    """What a clinician entered by hand: the insights and homework above that came from
    ``insight-add`` and ``homework-add``, and the notes, each with who, when and why."""


class RecapHomework(View):
    homework_id: str
    text: str
    status: str


class RecapView(View):
    for_session: int
    from_session: int | None
    text: str
    summary: SummaryView | None
    open_homework: list[RecapHomework]
    in_progress: list[int] = []
    """Earlier sessions begun and not ended yet (the one before may still be going on)."""
    note: str | None = None
    """Said beside the text, never in it: why the recap may be short of what is coming."""
