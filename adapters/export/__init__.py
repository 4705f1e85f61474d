"""Exports of one client's record for people and other systems: Markdown and FHIR R4.

Both are built from the query facade's views (``ClientRecord``), never from the raw
store, so they show the record as ``replay``, ``summary`` and ``homework`` do —
corrections included. ``gather`` does the reading; the renderers are pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from caselog.application.records import ClientRecord
from caselog.domain.errors import SessionNotFound
from caselog.projections.asof import AsOf
from caselog.projections.entries import HomeworkItemEntry, TimelineEntry
from caselog.projections.timeline import replayed_with
from caselog.projections.views import HomeworkView, SessionView, SummaryView


@dataclass(frozen=True)
class ClientExport:
    """What an export shows of one client: all its sessions, or one."""

    client_id: str
    name: str
    descriptor: str | None
    session: int | None
    """The one session exported, or None for the whole record."""
    sessions: list[SessionView]
    history: list[TimelineEntry]
    homework: list[HomeworkView]
    placed: dict[str, int]
    """Each homework item's session of record: the session whose transcript it was
    written from (a quoted item belongs to the session that quoted it)."""
    summaries: dict[int, SummaryView]


def gather(record: ClientRecord, session: int | None = None) -> ClientExport:
    """Read what an export needs, every read pinned to one version of the record,
    so a concurrent ingest cannot make the parts disagree."""
    state = record.app.get_client(record.id)
    if state is None:
        raise SessionNotFound(f"{record.name} has no record")
    at = AsOf(version=state.version)
    sessions = record.sessions(at=at)
    if session is not None:
        sessions = [s for s in sessions if s.number == session]
        if not sessions:
            raise SessionNotFound(f"{record.name} has no session {session} recorded")
    history = record.history(session=session, at=at)
    placed = homework_places(history)
    homework = [h for h in record.homework(at=at) if h.homework_id in placed]
    summaries: dict[int, SummaryView] = {}
    for s in sessions:
        try:
            summaries[s.number] = record.summary(s.number, at=at)
        except SessionNotFound:
            continue  # a session without a summary block: nothing to show
    return ClientExport(
        client_id=str(record.id),
        name=record.name,
        descriptor=state.descriptor,
        session=session,
        sessions=sessions,
        history=history,
        homework=homework,
        placed=placed,
        summaries=summaries,
    )


def homework_places(history: list[TimelineEntry]) -> dict[str, int]:
    """Where each homework item in ``history`` was recorded (see ``ClientExport.placed``):
    the session whose replay shows it."""
    return {
        entry.homework_id: session
        for session, entries in replayed_with(history).items()
        for entry in entries
        if isinstance(entry, HomeworkItemEntry)
    }
