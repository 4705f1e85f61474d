"""What the commands print with ``--json``: view models of what a command did or found.

Each command builds its text and its JSON from the same model, so the two cannot drift
apart; ``model_dump(mode="json")`` of a model is its documented ``--json`` shape.
Imported by the commands that print them, when they print them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from caselog.adapters.access_log import AccessEntry
from caselog.adapters.readmodels import ProjectionStatus
from caselog.adapters.verify import Break
from caselog.domain.instants import stamp
from caselog.domain.transcript import Inference

if TYPE_CHECKING:
    from caselog.application.entries import EntryAdded
    from caselog.application.ingest import IngestResult
    from caselog.application.service import Reassigned
    from caselog.domain.events import ClientErased, Correction, HomeworkStatusChanged


class Receipt(BaseModel):
    model_config = ConfigDict(frozen=True, serialize_by_alias=True, populate_by_name=True)


class SimilarClient(Receipt):
    name: str
    why: str


class IngestedFile(Receipt):
    """One file of an ingest (or one session of a file holding several)."""

    file: str
    status: Literal["recorded", "unchanged", "error"]
    client: str | None
    session: int | None
    events: int
    error: str | None
    inferred: list[Inference]
    similar_clients: list[SimilarClient]

    @classmethod
    def of(cls, r: IngestResult) -> IngestedFile:
        return cls(
            file=r.file,
            status=r.status,
            client=r.client,
            session=r.session,
            events=r.events,
            error=r.error,
            inferred=list(r.inferred),
            similar_clients=[SimilarClient(name=n, why=why) for n, why in r.near],
        )


class HomeworkStatusSet(Receipt):
    client: str
    homework_id: str
    status: str
    note: str | None
    reviewed_in: int | None
    version: int
    recorded_at: str
    actor: str

    @classmethod
    def of(cls, client: str, event: HomeworkStatusChanged) -> HomeworkStatusSet:
        return cls(
            client=client,
            homework_id=event.homework_id,
            status=event.status,
            note=event.note,
            reviewed_in=event.reviewed_in,
            version=event.originator_version,
            recorded_at=stamp(event.timestamp),
            actor=event.actor,
        )


class CorrectionRecorded(Receipt):
    type: Literal["EntryAmended", "EntryRetracted"]
    client: str
    actor: str
    session: int
    target: str
    seq: int | None
    section: str | None
    item: int | None
    homework_id: str | None
    reason: str
    note_id: str | None = None
    text: str | None = None
    speaker: str | None = None
    role: str | None = None
    version: int
    recorded_at: str

    @classmethod
    def of(cls, client: str, event: Correction) -> CorrectionRecorded:
        return cls(
            type="EntryAmended" if type(event).__name__ == "EntryAmended" else "EntryRetracted",
            client=client,
            version=event.originator_version,
            recorded_at=stamp(event.timestamp),
            **event.model_dump(
                mode="json",
                exclude={"originator_id", "originator_version", "timestamp", "idempotency_key"},
            ),
        )


class ReassignedFrom(Receipt):
    client_id: str
    client: str
    session: int
    version: int


class ReassignedTo(Receipt):
    client_id: str
    client: str
    session: int
    created: bool
    events: int


class SessionMoved(Receipt):
    reassignment: str
    actor: str
    reason: str
    recorded_at: str
    from_: ReassignedFrom = Field(alias="from")
    to: ReassignedTo
    homework: dict[str, str]
    reopened: dict[str, str]

    @classmethod
    def of(cls, done: Reassigned) -> SessionMoved:
        moved, received = done.source, done.received
        return cls(
            reassignment=str(moved.reassignment),
            actor=moved.actor,
            reason=moved.reason,
            recorded_at=stamp(moved.timestamp),
            from_=ReassignedFrom(
                client_id=str(moved.originator_id),
                client=done.source_name,
                session=moved.session,
                version=moved.originator_version,
            ),
            to=ReassignedTo(
                client_id=str(received.originator_id),
                client=done.target_name,
                session=received.session,
                created=done.created,
                events=done.events,
            ),
            homework=dict(moved.homework),
            reopened=dict(moved.reopened),
        )


class ClientErasure(Receipt):
    client_id: str
    client: str
    erased_at: str
    erased_by: str
    reason: str
    version: int

    @classmethod
    def of(cls, client_id: str, client: str, erased: ClientErased) -> ClientErasure:
        return cls(
            client_id=client_id,
            client=client,
            erased_at=stamp(erased.timestamp),
            erased_by=erased.actor,
            reason=erased.reason,
            version=erased.originator_version,
        )


class KeyRotated(Receipt):
    rewrapped: int
    """Data keys wrapped under the new master key."""
    key_file: str | None
    """The file holding the new key; None when it is to go into $CASELOG_KEY."""


class ReadModelsSwitched(Receipt):
    kept: bool
    applied: int
    """Events applied to bring them up to date (0 when switched off)."""


class Rebuilt(ProjectionStatus):
    applied: int


class FollowStarted(Receipt):
    """The first line of ``project follow --json``."""

    event: Literal["start"] = "start"
    position: int
    mode: str


class FollowApplied(Receipt):
    """A line of ``project follow --json`` for each batch applied, and its last line."""

    event: Literal["batch", "stop"]
    applied: int
    position: int


class ExportWritten(Receipt):
    """An export of the whole store (or one client) as stored, written to a file."""

    file: str
    clients: int
    events: int


class DocumentWritten(ExportWritten):
    """One client exported as a document (markdown, FHIR), written to a file."""

    format: str
    sessions: int


class Imported(Receipt):
    """An export restored into a new store."""

    file: str
    db: str
    clients: int
    events: int
    encrypted: bool
    key_file: str | None


class VerifyReport(Receipt):
    clients: int
    events: int
    digest: str
    access_log_entries: int
    access_log_head: str | None
    breaks: list[Break]
    ok: bool


class AccessRow(AccessEntry):
    client: str | None
    """The client's name, when the store can be read."""


class EntryRecorded(Receipt):
    """A clinician entry recorded (``homework-add``, ``insight-add``, ``note``)."""

    client: str
    client_id: str
    kind: Literal["homework", "insight", "note"]
    type: Literal["HomeworkAdded", "InsightAdded", "NoteRecorded"]
    entry_id: str
    """``S3.H4``, ``insights:3`` or ``S3.N1``."""
    session: int
    latest_session: bool
    """No --session was given: the entry went to the client's latest session."""
    text: str
    reason: str
    continues: str | None
    """Homework only: the earlier open item it carries forward, if any."""
    version: int
    recorded_at: str
    actor: str

    @classmethod
    def of(cls, added: EntryAdded) -> EntryRecorded:
        event = added.event
        return cls(
            client=added.client_name,
            client_id=str(added.client_id),
            kind=added.kind,
            type=type(event).__name__,
            entry_id=added.entry_id,
            session=added.session,
            latest_session=added.latest,
            text=event.text,
            reason=event.reason,
            continues=added.continues,
            version=event.originator_version,
            recorded_at=stamp(event.timestamp),
            actor=event.actor,
        )


class Serving(Receipt):
    """The one line ``serve --json`` prints once it listens, before it serves."""

    url: str
    """The URL to open, with this run's token: a secret, like a password."""
    store: str
    host: str
    port: int
