"""Moving a mis-filed session to the client it belongs to: a pure decision.

Nothing is erased and nothing is edited. The move is recorded on both clients,
linked by one reassignment id, with the actor and the reason:

- the source gets ``SessionReassigned``: from then on its views leave the session
  out (``withdrawal.py``), while its events stay in its log;
- the receiving client gets ``SessionReceived``, then the session's events recorded
  again under its own aggregate — so its own data key protects them and erasing the
  source later leaves the moved session readable — renumbered to the receiving
  session, homework ids included (``S<session>.H<n>``). The corrections recorded on
  the session and the status changes of its homework are copied with them, in their
  order, so the receiving record reads as the source's did, history included.

Each copy keeps its actor (who recorded or corrected it) and gets the time it was
recorded here: the store's time is audit time, so the record as it was before the
move (``--recorded-before``) holds the session under the source and not here.
``SessionReceived`` names the mover, and when the session was first recorded.

Carry-forward links cross no client: links between the moved homework and homework
that stays are dropped on both sides (a source item the moved session had carried
forward is open again), and the moved homework is matched against the receiving
client's open homework as ingest matches a new session's (``homework.py``).

Homework a transcript quoted for an earlier session belongs to that session, and
stays where it is. A session moved under another number (``--as-session``) keeps
the summary it opens with, quoted, but as a quote of no particular session: which
of the receiving client's sessions it summarises is not known.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import datetime_now_with_tzinfo

from caselog.domain.client import RETRACTED, Client, project_client
from caselog.domain.errors import InvalidReassignment, SessionConflict, SessionNotFound
from caselog.domain.events import (
    ClientRegistered,
    Correction,
    DomainEvent,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    PriorSummaryQuoted,
    SessionEvent,
    SessionOpened,
    SessionReassigned,
    SessionReceived,
)
from caselog.domain.homework import OPEN, OpenItem, continued_item
from caselog.domain.recording import homework_id


@dataclass(frozen=True)
class ReassignRequest:
    """What a user asks: move ``session`` to the client named ``to_name``."""

    session: int
    to_name: str
    reason: str
    to_session: int | None = None
    """The number it takes there; by default the same number."""


@dataclass(frozen=True)
class Reassignment:
    """The events that record one move, for each side, to be stored together."""

    source_events: list[DomainEvent]
    target_events: list[DomainEvent]
    to_session: int
    homework: tuple[tuple[str, str], ...]
    created: bool
    """The receiving client was not recorded yet: ``target_events`` register it."""


def decide_reassignment(
    source: Client,
    session_events: Sequence[DomainEvent],
    target: Client | None,
    target_id: UUID,
    request: ReassignRequest,
    *,
    actor: str,
    reassignment: UUID,
) -> Reassignment:
    """The events that move ``request.session`` from ``source`` to ``target``.

    ``session_events`` are the source's events as its views see them now (withdrawn
    sessions left out): at least the session's own events, the corrections of them
    and the homework status changes; other events are ignored.
    """
    n = request.session
    if not request.reason.strip():
        raise InvalidReassignment("a reassignment needs a reason: give --reason")
    if source.session(n) is None:
        held = ", ".join(str(s.number) for s in sorted(source.sessions, key=lambda s: s.number))
        raise SessionNotFound(
            f"{source.name} has no session {n} recorded (sessions: {held or 'none'})"
        )
    if target_id == source.id:
        raise InvalidReassignment(
            f"session {n} is already filed under {source.name}; name another client with --to"
        )
    m = request.to_session if request.to_session is not None else n
    if m < 1:
        raise InvalidReassignment(f"expected a session number of 1 or more, not {m}")
    if target is not None and target.session(m) is not None:
        free = max(s.number for s in target.sessions) + 1
        raise SessionConflict(
            f"{target.name} already has a session {m}; give --as-session with a free "
            f"number (e.g. --as-session {free})"
        )
    opened = next(
        (e for e in session_events if isinstance(e, SessionOpened) and e.session == n), None
    )
    if opened is None:
        raise SessionNotFound(f"{source.name} has no session {n} recorded")
    moved = [h.homework_id for h in source.homework_for(n)]
    ids = dict(zip(moved, _new_ids(target, m, len(moved)), strict=True))
    pairs = tuple(ids.items())
    reason = request.reason.strip()
    withdrawal = SessionReassigned(
        originator_id=source.id,
        originator_version=source.version + 1,
        actor=actor,
        session=n,
        to_client=target_id,
        to_session=m,
        reassignment=reassignment,
        reason=reason,
        homework=pairs,
        reopened=_reopened(source, set(moved)),
    )
    copies = _Copier(target_id, target.version if target else 0, n, m, ids)
    events: list[DomainEvent] = []
    if target is None:
        events.append(
            ClientRegistered(
                originator_id=target_id,
                originator_version=copies.next_version(),
                actor=actor,
                name=" ".join(request.to_name.split()),
            )
        )
    events.append(
        SessionReceived(
            originator_id=target_id,
            originator_version=copies.next_version(),
            actor=actor,
            session=m,
            from_client=source.id,
            from_session=n,
            reassignment=reassignment,
            reason=reason,
            first_recorded_at=opened.timestamp,
            homework=pairs,
        )
    )
    events.extend(copies.of(session_events))
    events.extend(_carried_forward(project_client(target, events), ids, m, copies, actor))
    return Reassignment([withdrawal], events, m, pairs, target is None)


def _new_ids(target: Client | None, session: int, count: int) -> Iterator[str]:
    """``count`` free homework ids of ``session`` under the receiving client, in order
    (after any the session already has there from a quoted summary)."""
    taken = {h.homework_id for h in target.homework} if target else set()
    index = len(target.homework_for(session)) if target else 0
    for _ in range(count):
        index += 1
        while homework_id(session, index) in taken:
            index += 1
        yield homework_id(session, index)


def _reopened(source: Client, moved: set[str]) -> tuple[tuple[str, str], ...]:
    """Items that stay and were carried forward by moved ones, with their earlier status."""
    found = []
    for h in source.homework:
        if h.homework_id not in moved and h.carried_to in moved and h.status == "carried_forward":
            before = [s for s in h.history if s.status != "carried_forward"]
            found.append((h.homework_id, before[-1].status))
    return tuple(found)


class _Copier:
    """Records the moved session's events again under the receiving client."""

    def __init__(self, target: UUID, after: int, n: int, m: int, ids: dict[str, str]) -> None:
        self.target, self.version, self.n, self.m, self.ids = target, after, n, m, ids

    def next_version(self) -> int:
        self.version += 1
        return self.version

    def of(self, events: Sequence[DomainEvent]) -> Iterator[DomainEvent]:
        for event in events:
            changes = self._changes(event)
            if changes is not None:
                yield event.model_copy(
                    update={
                        "originator_id": self.target,
                        "originator_version": self.next_version(),
                        # Audit time: when it was recorded here (the module's docstring).
                        "timestamp": datetime_now_with_tzinfo(),
                        **changes,
                    }
                )

    def _changes(self, event: DomainEvent) -> dict[str, object] | None:
        """What changes in the copy of ``event``; None if it is not copied."""
        ids, n, m = self.ids, self.n, self.m
        if isinstance(event, HomeworkCarriedForward):
            if event.earlier_id not in ids or event.later_id not in ids:
                return None  # a link to homework that stays with the source
            earlier, later = ids[event.earlier_id], ids[event.later_id]
            return {"session": m, "earlier_id": earlier, "later_id": later}
        if isinstance(event, SessionEvent):
            if event.session != n:
                return None
            changes: dict[str, object] = {"session": m}
            if isinstance(event, HomeworkAssigned):
                changes["homework_id"] = ids[event.homework_id]
            if isinstance(event, PriorSummaryQuoted) and m != n:
                # Which session of the receiving client a quote summarises was read off
                # the transcript's own numbering; renumbered, it is not known: a quote of
                # no session, rather than a guess filed as another session's summary.
                changes["about_session"] = None
            return changes
        if isinstance(event, Correction):
            if event.session != n:
                return None
            changes = {"session": m}
            if event.homework_id is not None:
                changes["homework_id"] = ids.get(event.homework_id, event.homework_id)
            return changes
        if isinstance(event, HomeworkStatusChanged) and event.homework_id in ids:
            # A review in another session of the source names no session here.
            reviewed = m if event.reviewed_in == n else None
            return {"homework_id": ids[event.homework_id], "reviewed_in": reviewed}
        return None


def _carried_forward(
    after: Client | None, ids: dict[str, str], m: int, copies: _Copier, actor: str
) -> Iterator[HomeworkCarriedForward]:
    """The receiving client's open items that the moved homework continues."""
    if after is None:
        return
    new = set(ids.values())
    pool = [
        OpenItem(h.homework_id, h.session, h.text)
        for h in after.homework
        if h.status in OPEN and h.homework_id not in new
    ]
    for item in after.homework:
        if item.homework_id not in new or item.source == "quoted" or item.status == RETRACTED:
            continue
        found = continued_item(item.text, m, pool)
        if found is None:
            continue
        pool = [p for p in pool if p.homework_id != found.earlier_id]
        yield HomeworkCarriedForward(
            originator_id=copies.target,
            originator_version=copies.next_version(),
            actor=actor,
            session=m,
            earlier_id=found.earlier_id,
            later_id=item.homework_id,
            overlap=found.overlap,
        )
