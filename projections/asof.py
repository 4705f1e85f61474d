"""As-of selection (DESIGN.md §5): which of a client's events a query sees.

- ``session``: the record as it stood once session N was recorded, in domain order —
  events of sessions ≤ N, and status changes reviewed in (or, when no session is
  named, recorded during) those sessions.
- ``version``: the aggregate after its V-th event; also bounds the read itself.
- ``date``: sessions held on or before that day (an undated session counts as held
  the day it was recorded), and status changes recorded by then.
- ``recorded_before``: only what had been recorded before that moment (audit time).
  Combines with the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from caselog.domain.events import DomainEvent, HomeworkStatusChanged, SessionEvent, SessionOpened


class AsOf(BaseModel):
    model_config = ConfigDict(frozen=True)

    session: int | None = None
    version: int | None = None
    date: dt.date | None = None
    recorded_before: dt.datetime | None = None

    @property
    def is_now(self) -> bool:
        return self == NOW


NOW = AsOf()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.astimezone()


def select(events: Iterable[DomainEvent], at: AsOf) -> list[DomainEvent]:
    chosen = [
        e
        for e in events
        if (at.version is None or e.originator_version <= at.version)
        and (at.recorded_before is None or e.timestamp < _aware(at.recorded_before))
    ]
    if at.session is not None:
        chosen = _by_session(chosen, at.session)
    if at.date is not None:
        chosen = _by_date(chosen, at.date)
    return chosen


def _by_session(events: list[DomainEvent], upto: int) -> list[DomainEvent]:
    last_included = max(
        (e.originator_version for e in events if isinstance(e, SessionEvent) and e.session <= upto),
        default=0,
    )
    kept = []
    for e in events:
        if isinstance(e, SessionEvent):
            keep = e.session <= upto
        elif isinstance(e, HomeworkStatusChanged):
            keep = (
                e.reviewed_in <= upto
                if e.reviewed_in is not None
                else e.originator_version <= last_included
            )
        else:
            keep = True
        if keep:
            kept.append(e)
    return kept


def _by_date(events: list[DomainEvent], day: dt.date) -> list[DomainEvent]:
    held: dict[int, bool] = {}
    for e in events:
        if isinstance(e, SessionOpened):
            held[e.session] = (e.date or e.timestamp.date()) <= day
    kept = []
    for e in events:
        if isinstance(e, SessionEvent) and e.session in held:
            keep = held[e.session]
        else:
            keep = e.timestamp.date() <= day
        if keep:
            kept.append(e)
    return kept
