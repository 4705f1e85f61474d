"""View models: what queries return, to the CLI and to other programs alike.

``model_dump(mode="json")`` of each is the documented ``--json`` shape.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClientView(View):
    client_id: str
    name: str
    descriptor: str | None
    sessions: list[int]
    events: int


class Ending(View):
    reason: str
    detail: str
    clock: str | None = None


class Source(View):
    file: str
    sha256: str
    format: str


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
    ended: Ending | None
    source: Source
    recorded_at: str
    recorded_by: str


class TimelineEntry(View):
    """One event as replay shows it: its place, its kind, and its own fields."""

    version: int
    type: str
    session: int | None
    recorded_at: str
    actor: str
    fields: dict[str, Any]

    def as_json_line(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "type": self.type,
            "session": self.session,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            **self.fields,
        }


class LogEntry(View):
    position: int
    client_id: str
    client: str
    version: int
    type: str
    recorded_at: str
    actor: str


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


class SummaryView(View):
    session: int
    source: str
    """``recorded`` (the session's own summary block) or ``quoted`` (known from a later session)."""
    topics: list[str]
    techniques: list[str]
    helpful: list[str]
    homework: list[str]
    insights: list[str]


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
