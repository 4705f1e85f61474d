"""What a ``SessionReassigned`` takes out of its client's views, from then on.

A session filed under the wrong client is moved, not erased: its events stay in
this client's log (the record as it was before the move can still be read), and
the views leave out, from the reassignment on, everything that belonged to it:

- the session's own events, and the corrections of its entries;
- its homework, with the status changes and corrections recorded on it;
- the carry-forward links between its homework and homework that stays (an item
  that stays and was carried forward by a moved one is open again).

Both functions are pure: ``withdrawn`` works on events, ``withdrawn_spans`` on the
text-free spans a query chooses before it reads (the status changes of moved
homework lie in spans of their own, so only ``withdrawn`` can leave those out).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from caselog.domain.events import (
    Correction,
    DomainEvent,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    SessionEvent,
    SessionReassigned,
)
from caselog.domain.spans import Span


def withdraws(marker: SessionReassigned, event: DomainEvent) -> bool:
    """Whether ``marker`` takes ``event`` (an event of the same client) out of the views."""
    if event.originator_version >= marker.originator_version:
        return False  # recorded after the move: a session recorded under that number anew
    moved = {old for old, _ in marker.homework}
    if isinstance(event, HomeworkCarriedForward):
        return event.session == marker.session or bool({event.earlier_id, event.later_id} & moved)
    if isinstance(event, SessionEvent | Correction):
        return event.session == marker.session
    if isinstance(event, HomeworkStatusChanged):
        return event.homework_id in moved
    return False


def withdrawn(events: Iterable[DomainEvent]) -> list[DomainEvent]:
    """``events`` (a client's, in version order) without what the reassignments among
    them withdraw. The ``SessionReassigned`` events themselves are kept."""
    events = list(events)
    markers = [e for e in events if isinstance(e, SessionReassigned)]
    if not markers:
        return events
    return [e for e in events if not any(withdraws(m, e) for m in markers)]


def withdrawn_spans(spans: Sequence[Span]) -> list[Span]:
    """``spans`` without the session and correction spans a reassignment among them
    withdraws: those of its session recorded before it."""
    markers = [s for s in spans if s.kind == "reassignment"]
    if not markers:
        return list(spans)

    def gone(s: Span) -> bool:
        return s.kind in ("session", "correction") and any(
            s.session == m.session and s.last < m.first for m in markers
        )

    return [s for s in spans if not gone(s)]
