"""A client's homework — current status and full history — as views.

The Client state already folds the homework lifecycle (``domain/client.py``);
this turns that state into what people read, so a homework query can start
from a snapshot instead of replaying every event before it. An amended item
shows its current text (``original_text`` keeps the first); a retracted one has
the status ``retracted``, so it is never open, and stays listed with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from caselog.domain.client import RETRACTED, Client, HomeworkState, HomeworkStep, project_client
from caselog.domain.events import DomainEvent
from caselog.domain.homework import OPEN
from caselog.domain.instants import stamp
from caselog.projections.corrections import homework_note
from caselog.projections.views import HomeworkChange, HomeworkView

_ORIGIN = {
    "summary": "from the session summary",
    "dialogue": "from the dialogue",
    "quoted": "from a summary quoted in a later session",
    "manual": "added by hand",
}


def _change(item: HomeworkState, step: HomeworkStep) -> HomeworkChange:
    note = step.note
    if step.status == "assigned":  # where it came from; for an entry by hand, and why
        origin = _ORIGIN.get(item.source, item.source)
        note = f"{origin}: {step.note}" if step.note else origin
    return HomeworkChange(
        status=step.status,
        at=stamp(step.at),
        note=note,
        actor=step.actor,
        session=step.session,
    )


def _view(item: HomeworkState, going_on: set[int]) -> HomeworkView:
    return HomeworkView(
        homework_id=item.homework_id,
        session=item.session,
        text=item.text,
        status=item.status,
        source=item.source,
        history=[_change(item, step) for step in item.history],
        carried_to=item.carried_to,
        carried_from=item.carried_from,
        amended=item.original_text is not None,
        retracted=item.status == RETRACTED,
        original_text=item.original_text,
        corrections=[homework_note(c) for c in item.corrections],
        session_in_progress=item.session in going_on,
    )


def _order(view: HomeworkView) -> tuple[int, int]:
    return view.session, int(view.homework_id.rsplit("H", 1)[-1] or 0)


def homework_views(client: Client | None) -> list[HomeworkView]:
    """Every homework item of the client, in (session, number) order."""
    if client is None:
        return []
    going_on = {s.number for s in client.sessions if not s.ended}
    views = [_view(item, going_on) for item in client.homework]
    return sorted(views, key=_order)


def fold_homework(events: Iterable[DomainEvent]) -> list[HomeworkView]:
    return homework_views(project_client(None, events))


def open_homework(views: Iterable[HomeworkView]) -> list[HomeworkView]:
    return [v for v in views if v.status in OPEN]
