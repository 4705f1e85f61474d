"""Spans: the text-free shape of a client's history, in version order.

A span is a run of consecutive events that as-of selection treats alike: the
registration, one status change, one correction, one reassignment of a session
to another client, or a run of one session's
events (a quoted session's homework, recorded inside the quoting session, is a
run of its own).
The Client state keeps its spans, so a query can decide which versions it
needs before it reads any event, and then read only those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from caselog.domain.events import (
    ClientRegistered,
    Correction,
    DomainEvent,
    HomeworkAdded,
    HomeworkAssigned,
    HomeworkStatusChanged,
    NoteRecorded,
    PriorSummaryQuoted,
    SessionEvent,
    SessionOpened,
    SessionReassigned,
    SummaryItemNoted,
)

SpanKind = Literal["client", "session", "status", "correction", "reassignment"]


class Span(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: SpanKind
    first: int
    last: int
    recorded_from: dt.datetime
    """When the span's first event was recorded; a save records its events in order."""
    recorded_to: dt.datetime
    session: int | None = None
    """The session a ``session`` span's events belong to; for a ``correction``, the
    session it corrects; for a ``reassignment``, the session moved away."""
    reviewed_in: int | None = None
    """For a ``status`` span: the session the change was reviewed in, when known."""
    opened_on: dt.date | None = None
    """Set on the span that opens its session: the day it was held, else the day recorded."""
    summary: bool = False
    """Holds the session's own summary items."""
    quotes: int | None = None
    """The session whose summary a ``PriorSummaryQuoted`` in this span quotes."""

    def cut(self, last: int) -> Span:
        return self if last >= self.last else self.model_copy(update={"last": last})


def _kind(event: DomainEvent) -> tuple[SpanKind, int | None]:
    if isinstance(event, SessionEvent):
        return "session", event.session
    if isinstance(event, HomeworkStatusChanged):
        return "status", None
    if isinstance(event, Correction):
        return "correction", event.session
    if isinstance(event, SessionReassigned):
        return "reassignment", event.session
    if isinstance(event, ClientRegistered):
        return "client", None
    raise TypeError(f"no span kind for the event {type(event).__name__}")


def _marks(event: DomainEvent) -> dict[str, object]:
    """What this event tells the span it falls in."""
    if isinstance(event, SessionOpened):
        return {"opened_on": event.date or event.timestamp.date()}
    if isinstance(event, SummaryItemNoted | HomeworkAdded | NoteRecorded) or (
        isinstance(event, HomeworkAssigned) and event.source == "summary"
    ):
        return {"summary": True}  # a clinician's entries are shown with the summary
    if isinstance(event, PriorSummaryQuoted) and event.about_session is not None:
        return {"quotes": event.about_session}
    return {}


def extend_spans(spans: tuple[Span, ...], events: Iterable[DomainEvent]) -> tuple[Span, ...]:
    """``spans`` with ``events`` (the next ones, in version order) added.

    A session's run grows in ``grown`` and is copied once at the end, not once
    per event: a session is some eighty events, all in one run.
    """
    out = list(spans)
    grown: dict[str, Any] = {}

    def settle() -> None:
        if grown:
            out[-1] = out[-1].model_copy(update=grown)
            grown.clear()

    for event in events:
        kind, session = _kind(event)
        version, moment = event.originator_version, event.timestamp
        previous = out[-1] if out else None
        if (
            previous is not None
            and kind == "session"
            and previous.kind == "session"
            and previous.session == session
            and grown.get("last", previous.last) == version - 1
        ):
            grown["last"] = version
            grown["recorded_to"] = max(grown.get("recorded_to", previous.recorded_to), moment)
            grown.update(_marks(event))
            continue
        settle()
        out.append(
            Span(
                kind=kind,
                first=version,
                last=version,
                recorded_from=moment,
                recorded_to=moment,
                session=session,
                reviewed_in=event.reviewed_in if isinstance(event, HomeworkStatusChanged) else None,
                **_marks(event),
            )
        )
    settle()
    return tuple(out)


def version_runs(spans: Iterable[Span]) -> list[tuple[int, int]]:
    """The (first, last) versions ``spans`` cover, adjacent ones joined: one read each."""
    runs: list[list[int]] = []
    for s in sorted(spans, key=lambda s: s.first):
        if runs and runs[-1][1] + 1 >= s.first:
            runs[-1][1] = max(runs[-1][1], s.last)
        else:
            runs.append([s.first, s.last])
    return [(first, last) for first, last in runs]
