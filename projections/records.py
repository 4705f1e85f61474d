"""The query facade: what other code (and the CLI) asks of a store.

    records = Records(open_store("caselog.db"))
    alicia = records.client("alicia")
    alicia.sessions(); alicia.history(session=2)
    alicia.recap(for_session=2); alicia.homework(at=AsOf(session=1))

Every method returns view models from ``caselog.projections.views``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from caselog.domain.errors import AmbiguousClient, ClientNotFound, SessionNotFound
from caselog.domain.events import DomainEvent
from caselog.domain.identity import normalise_name
from caselog.domain.service import CaselogApplication
from caselog.projections.asof import NOW, AsOf, select
from caselog.projections.homework import fold_homework, open_homework
from caselog.projections.sessions import fold_sessions
from caselog.projections.summary import recap, summaries
from caselog.projections.timeline import timeline
from caselog.projections.views import (
    ClientView,
    HomeworkView,
    LogEntry,
    RecapView,
    SessionView,
    SummaryView,
    TimelineEntry,
)


@dataclass(frozen=True)
class ClientRecord:
    """One client's record; reads only that client's events."""

    app: CaselogApplication
    id: UUID
    name: str

    def events(self, at: AsOf = NOW) -> list[DomainEvent]:
        """This client's events as of ``at``; the read stops at ``at.version`` when given."""
        return select(self.app.client_events(self.id, upto=at.version), at)

    def sessions(self, at: AsOf = NOW) -> list[SessionView]:
        return fold_sessions(self.events(at))

    def history(self, session: int | None = None, at: AsOf = NOW) -> list[TimelineEntry]:
        return timeline(self.events(at), session=session)

    def homework(self, at: AsOf = NOW, status: str | None = None) -> list[HomeworkView]:
        views = fold_homework(self.events(at))
        return [v for v in views if status is None or v.status == status]

    def summary(self, session: int, at: AsOf = NOW) -> SummaryView:
        found = summaries(self.events(at)).get(session)
        if found is None:
            raise SessionNotFound(f"{self.name} has no summary for session {session} recorded")
        return found

    def recap(self, for_session: int | None = None, at: AsOf = NOW) -> RecapView:
        """What to open session ``for_session`` with (default: the one after the latest)."""
        events = self.events(at)
        if for_session is None:
            latest = max((s.number for s in fold_sessions(events)), default=0)
            for_session = latest + 1
        # The homework still open when the new session starts: the record as of the session before.
        before = select(events, AsOf(session=for_session - 1))
        known = summaries(events)
        earlier = [n for n in known if n < for_session]
        held = [s.number for s in fold_sessions(before)]
        from_session = max([*earlier, *held], default=None)
        summary = known.get(from_session) if from_session is not None else None
        return recap(for_session, summary, from_session, open_homework(fold_homework(before)))


class Records:
    def __init__(self, app: CaselogApplication) -> None:
        self.app = app

    def clients(self) -> list[ClientView]:
        views = []
        for cid, name in self.app.registered_clients():
            client = self.app.get_client(cid)
            assert client is not None
            views.append(
                ClientView(
                    client_id=str(cid),
                    name=name,
                    descriptor=client.descriptor,
                    sessions=sorted(s.number for s in client.sessions),
                    events=client.version,
                )
            )
        return sorted(views, key=lambda v: normalise_name(v.name))

    def client(self, query: str) -> ClientRecord:
        """A client by name (case-insensitive), unique leading part of it, or id prefix."""
        known = list(self.app.registered_clients())
        key = normalise_name(query)
        for matcher in (
            lambda name, cid: normalise_name(name) == key,
            lambda name, cid: normalise_name(name).startswith(key),
            lambda name, cid: str(cid).startswith(query.lower()) or cid.hex.startswith(query),
        ):
            found = [(cid, name) for cid, name in known if key and matcher(name, cid)]
            if len(found) == 1:
                return ClientRecord(self.app, *found[0])
            if len(found) > 1:
                listed = "; ".join(f"{name} ({str(cid)[:8]})" for cid, name in found)
                raise AmbiguousClient(f"{query!r} matches more than one client: {listed}")
        names = [name for _, name in known]
        close = difflib.get_close_matches(query, names, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ClientNotFound(f"no client matches {query!r}{hint}")

    def log(self, client: ClientRecord | None = None) -> Iterator[LogEntry]:
        """The raw event log in recording order: position, client, version, type, actor."""
        names = dict(self.app.registered_clients())
        start: int | None = None
        while True:
            batch = self.app.recorder.select_notifications(
                start=start, limit=1000, inclusive_of_start=False
            )
            for n in batch:
                if client is not None and n.originator_id != client.id:
                    continue
                event = self.app.mapper.to_domain_event(n)
                assert isinstance(event, DomainEvent)
                yield LogEntry(
                    position=n.id,
                    client_id=str(n.originator_id),
                    client=names.get(UUID(str(n.originator_id)), "?"),
                    version=n.originator_version,
                    type=n.topic.rsplit(":", 1)[-1],
                    recorded_at=event.timestamp.isoformat(),
                    actor=event.actor,
                )
            if len(batch) < 1000:
                return
            start = batch[-1].id
