"""Clinician entries: homework, an insight or a progress note, entered by hand.

A clinician assigns homework or notes an insight after a session, without a
transcript. Each entry is one event (``HomeworkAdded``, ``InsightAdded``,
``NoteRecorded``) carrying its actor and its reason, and every projection that
folds homework or insights picks it up as it picks up theirs.

Rules, decided here and nowhere else:

- an entry belongs to a recorded session: the one given, else the client's latest
  (the session most recently held, by number), and the caller is told which;
  a client without sessions, or a session not recorded, is refused;
- the text must not be empty (it is stripped of surrounding whitespace);
- the reason defaults to ``DEFAULT_REASON``;
- numbering goes on from the session's own: homework ``S<n>.H<k>`` after its
  items, an insight ``insights:<k>`` after its summary's, a note ``S<n>.N<k>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from caselog.domain.client import Client
from caselog.domain.errors import InvalidEntry, SessionNotFound
from caselog.domain.events import (
    DomainEvent,
    HomeworkAdded,
    HomeworkCarriedForward,
    InsightAdded,
    InsightRecorded,
    NoteRecorded,
    SessionEvent,
)
from caselog.domain.homework import OPEN, OpenItem, continued_item
from caselog.domain.recording import homework_id

EntryKind = Literal["homework", "insight", "note"]

DEFAULT_REASON = "entered by hand"
"""The reason an entry carries when none is given."""


@dataclass(frozen=True)
class EntryRequest:
    """What a clinician asks to record, as given."""

    kind: EntryKind
    text: str
    session: int | None = None
    """None: the client's latest session."""
    reason: str | None = None


def entry_session(client: Client, session: int | None) -> int:
    """The recorded session an entry goes to: ``session``, else the latest one."""
    numbers = sorted(s.number for s in client.sessions)
    if session is None:
        if not numbers:
            raise SessionNotFound(
                f"{client.name} has no session recorded: an entry belongs to a session"
            )
        return numbers[-1]
    if session not in numbers:
        known = ", ".join(map(str, numbers)) or "none"
        raise SessionNotFound(
            f"{client.name} has no session {session} recorded (sessions: {known})"
        )
    return session


def decide_entry(
    client: Client, session_events: Iterable[DomainEvent], request: EntryRequest, *, actor: str
) -> list[DomainEvent]:
    """The events that record ``request``: the entry, and for homework that continues an
    open earlier item, its carry-forward (as ingest links it; see ``homework.py``).

    ``session_events`` are the target session's events (the Client state holds no
    insight or note text, so their numbering is counted there).
    """
    text = request.text.strip()
    if not text:
        raise InvalidEntry(f"{request.kind} text is empty: give the words to record")
    reason = (request.reason or "").strip() or DEFAULT_REASON
    n = entry_session(client, request.session)
    common = {
        "originator_id": client.id,
        "originator_version": client.version + 1,
        "actor": actor,
        "session": n,
        "text": text,
        "reason": reason,
    }
    own = [e for e in session_events if isinstance(e, SessionEvent) and e.session == n]
    if request.kind == "insight":
        item = sum(isinstance(e, InsightRecorded) for e in own) + 1
        return [InsightAdded.model_validate({**common, "item": item})]
    if request.kind == "note":
        number = sum(isinstance(e, NoteRecorded) for e in own) + 1
        return [NoteRecorded.model_validate({**common, "note_id": f"S{n}.N{number}"})]
    numbers = [int(h.homework_id.rsplit("H", 1)[-1]) for h in client.homework_for(n)]
    added = HomeworkAdded.model_validate(
        {**common, "homework_id": homework_id(n, max(numbers, default=0) + 1)}
    )
    pool = [
        OpenItem(h.homework_id, h.session, h.text)
        for h in client.homework
        if h.status in OPEN and h.carried_to is None
    ]
    found = continued_item(text, n, pool)
    if found is None:
        return [added]
    linked = HomeworkCarriedForward(
        originator_id=client.id,
        originator_version=client.version + 2,
        actor=actor,
        session=n,
        earlier_id=found.earlier_id,
        later_id=added.homework_id,
        overlap=found.overlap,
    )
    return [added, linked]
