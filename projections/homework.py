"""Fold a client's events into its homework: current status and full history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import singledispatch

from caselog.domain.events import (
    ClientRegistered,
    DomainEvent,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionOpened,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.homework import OPEN
from caselog.projections.views import HomeworkChange, HomeworkView

_ORIGIN = {
    "summary": "from the session summary",
    "dialogue": "from the dialogue",
    "quoted": "from a summary quoted in a later session",
    "manual": "added by hand",
}


@dataclass
class _Item:
    assigned: HomeworkAssigned
    status: str = "assigned"
    history: list[HomeworkChange] = field(default_factory=list)
    carried_to: str | None = None
    carried_from: str | None = None


@singledispatch
def _apply(event: DomainEvent, items: dict[str, _Item]) -> None:
    raise TypeError(f"the homework fold does not know the event {type(event).__name__}")


@_apply.register
def _(event: HomeworkAssigned, items: dict[str, _Item]) -> None:
    item = _Item(event)
    item.history.append(
        HomeworkChange(
            status="assigned",
            at=event.timestamp.isoformat(),
            note=_ORIGIN.get(event.source, event.source),
            actor=event.actor,
            session=event.session,
        )
    )
    items[event.homework_id] = item


@_apply.register
def _(event: HomeworkStatusChanged, items: dict[str, _Item]) -> None:
    item = items[event.homework_id]
    item.status = event.status
    item.history.append(
        HomeworkChange(
            status=event.status,
            at=event.timestamp.isoformat(),
            note=event.note,
            actor=event.actor,
            session=event.reviewed_in,
        )
    )


@_apply.register
def _(event: HomeworkCarriedForward, items: dict[str, _Item]) -> None:
    earlier = items[event.earlier_id]
    earlier.status = "carried_forward"
    earlier.carried_to = event.later_id
    earlier.history.append(
        HomeworkChange(
            status="carried_forward",
            at=event.timestamp.isoformat(),
            note=f"continued by {event.later_id}",
            actor=event.actor,
            session=event.session,
        )
    )
    if event.later_id in items:
        items[event.later_id].carried_from = event.earlier_id


@_apply.register(ClientRegistered)
@_apply.register(SessionOpened)
@_apply.register(UtteranceRecorded)
@_apply.register(StageDirectionRecorded)
@_apply.register(PriorSummaryQuoted)
@_apply.register(SummaryItemNoted)
@_apply.register(QualityFlagRaised)
@_apply.register(SessionEnded)
def _(event: DomainEvent, items: dict[str, _Item]) -> None:
    return None


def _order(view: HomeworkView) -> tuple[int, int]:
    return view.session, int(view.homework_id.rsplit("H", 1)[-1] or 0)


def fold_homework(events: Iterable[DomainEvent]) -> list[HomeworkView]:
    """Every homework item of the client, in (session, number) order."""
    items: dict[str, _Item] = {}
    for event in events:
        _apply(event, items)
    views = [
        HomeworkView(
            homework_id=hid,
            session=item.assigned.session,
            text=item.assigned.text,
            status=item.status,
            source=item.assigned.source,
            history=item.history,
            carried_to=item.carried_to,
            carried_from=item.carried_from,
        )
        for hid, item in items.items()
    ]
    return sorted(views, key=_order)


def open_homework(views: Iterable[HomeworkView]) -> list[HomeworkView]:
    return [v for v in views if v.status in OPEN]
