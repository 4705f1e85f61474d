"""As-of selection (DESIGN.md §5): which of a client's events a query sees.

- ``session``: the record as it stood once session N was recorded, in domain order —
  events of sessions ≤ N, and status changes reviewed in (or, when no session is
  named, recorded during) those sessions.
- ``version``: the aggregate after its V-th event; also bounds the read itself.
- ``date``: sessions held on or before that day (an undated session counts as held
  the day, in UTC, it was recorded), and status changes recorded by the end of that
  UTC day. The client's registration is always seen: the client existed whatever
  the date.
- ``recorded_before``: only what had been recorded before that moment (audit time);
  a naive moment is UTC, as everywhere in caselog (``caselog.domain.instants``).
  Combines with the others.

Corrections (amendments, retractions) and reassignments of a session to another
client are kept under ``session`` and ``date``, like the registration: the
corrected record is what those views show, however late the correction came. Only
``version`` and ``recorded_before`` leave them out, so those show what the record
said before a correction, or with a session it no longer holds.

What a reassignment in view withdraws is left out (``withdrawal.py``): its
session's spans before the selections by session and date, then the rest of it
(the status changes of the moved homework) from the events read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from caselog.domain.events import DomainEvent
from caselog.domain.instants import utc
from caselog.domain.spans import Span, extend_spans
from caselog.domain.withdrawal import withdrawn, withdrawn_spans


class AsOf(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    session: int | None = None
    version: int | None = None
    date: dt.date | None = None
    recorded_before: dt.datetime | None = None

    @property
    def is_now(self) -> bool:
        return self == NOW


NOW = AsOf()


def choose(spans: Iterable[Span], at: AsOf) -> list[Span]:
    """The spans (cut to ``at.version``) whose events the query sees.

    Deciding on spans, not events, lets a query know which versions it needs
    before it reads any. Only ``recorded_before`` can fall inside a span; the
    reader then drops that span's events recorded from that moment on.
    """
    chosen = [s.cut(at.version) if at.version is not None else s for s in spans]
    chosen = [s for s in chosen if at.version is None or s.first <= at.version]
    if at.recorded_before is not None:
        moment = utc(at.recorded_before)
        chosen = [s for s in chosen if s.recorded_from < moment]
    # Before the selections by session and date: a session moved away is not one of
    # those the record held, whenever it was recorded.
    chosen = withdrawn_spans(chosen)
    if at.session is not None:
        chosen = _by_session(chosen, at.session)
    if at.date is not None:
        chosen = _by_date(chosen, at.date)
    return chosen


def _by_session(spans: list[Span], upto: int) -> list[Span]:
    last_included = max(
        (
            s.last
            for s in spans
            if s.kind == "session" and s.session is not None and s.session <= upto
        ),
        default=0,
    )

    def keep(s: Span) -> bool:
        if s.kind == "session":
            return s.session is not None and s.session <= upto
        if s.kind == "status":
            return s.reviewed_in <= upto if s.reviewed_in is not None else s.last <= last_included
        return True  # the registration, corrections and reassignments

    return [s for s in spans if keep(s)]


def _by_date(spans: list[Span], day: dt.date) -> list[Span]:
    held = {s.session: s.opened_on <= day for s in spans if s.opened_on is not None}

    def keep(s: Span) -> bool:
        if s.kind in ("client", "correction", "reassignment"):
            return True
        if s.kind == "session" and s.session in held:
            return held[s.session]
        return utc(s.recorded_from).date() <= day

    return [s for s in spans if keep(s)]


def prefix_end(spans: Sequence[Span], at: AsOf) -> int | None:
    """V when the chosen spans are exactly versions 1..V, whole; else None.

    Then the record as of ``at`` is the Client state at version V, which a
    snapshot can give without reading the events before it.
    """
    expected = 1
    for s in spans:
        if s.first != expected:
            return None
        expected = s.last + 1
    if at.recorded_before is not None and any(
        s.recorded_to >= utc(at.recorded_before) for s in spans
    ):
        return None
    return expected - 1 if spans else None


def within(events: Iterable[DomainEvent], spans: Iterable[Span], at: AsOf) -> list[DomainEvent]:
    """The events that fall in the chosen spans and were recorded before ``at``'s moment."""
    wanted = {v for s in spans for v in range(s.first, s.last + 1)}
    moment = utc(at.recorded_before) if at.recorded_before is not None else None
    return [
        e
        for e in events
        if e.originator_version in wanted and (moment is None or e.timestamp < moment)
    ]


def select(events: Iterable[DomainEvent], at: AsOf) -> list[DomainEvent]:
    """What ``at`` sees of a full list of a client's events (the unbounded reference)."""
    events = list(events)
    return withdrawn(within(events, choose(extend_spans((), events), at), at))
