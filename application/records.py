"""The query facade: what other code (and the CLI) asks of a store.

    records = Records(open_store("caselog.db"))
    alicia = records.client("alicia")
    alicia.sessions(); alicia.history(session=2)
    alicia.recap(for_session=2); alicia.homework(at=AsOf(session=1))

Every method returns view models from ``caselog.projections.views``; ``history`` returns
timeline entries, typed by kind (``caselog.projections.entries``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

from caselog.application.eventlog import LogFilter, read_log, topics_of
from caselog.application.service import CaselogApplication
from caselog.domain.client import Client
from caselog.domain.errors import (
    AmbiguousClient,
    ClientNotFound,
    ClientUnreadable,
    ClientWasErased,
    SessionNotFound,
)
from caselog.domain.events import DomainEvent
from caselog.domain.identity import fold_name, normalise_name
from caselog.domain.spans import Span, version_runs
from caselog.domain.withdrawal import withdrawn
from caselog.projections.asof import NOW, AsOf, choose, prefix_end, within
from caselog.projections.entries import TimelineEntry
from caselog.projections.homework import fold_homework, homework_views, open_homework
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
)


@dataclass(frozen=True)
class ClientRecord:
    """One client's record. Reads only that client's events, and of those only the
    version ranges a query needs: the Client state (from its latest snapshot)
    says which ranges those are before any event is read."""

    app: CaselogApplication
    id: UUID
    name: str

    def events(self, at: AsOf = NOW) -> list[DomainEvent]:
        """This client's events as of ``at``, in version order, without what a session's
        reassignment to another client withdrew."""
        seen = self._seen(at)
        return self._read(seen.spans, seen, at)

    def sessions(self, at: AsOf = NOW) -> list[SessionView]:
        return fold_sessions(self.events(at))

    def history(self, session: int | None = None, at: AsOf = NOW) -> list[TimelineEntry]:
        return timeline(self.events(at), session=session)

    def homework(self, at: AsOf = NOW, status: str | None = None) -> list[HomeworkView]:
        views = self._homework(self._seen(at), at)
        return [v for v in views if status is None or v.status == status]

    def summary(self, session: int, at: AsOf = NOW) -> SummaryView:
        found = self._summary(self._seen(at), session, at)
        if found is None:
            raise SessionNotFound(f"{self.name} has no summary for session {session} recorded")
        return found

    def recap(self, for_session: int | None = None, at: AsOf = NOW) -> RecapView:
        """What to open session ``for_session`` with (default: the one after the latest)."""
        seen = self._seen(at)
        spans = seen.spans
        if for_session is None:
            opened = (s.session for s in spans if s.opened_on is not None)
            for_session = max((n for n in opened if n is not None), default=0) + 1
        # The homework still open when the new session starts: the record as of the session before.
        before = _Seen(seen.state, choose(spans, AsOf(session=for_session - 1)))
        summarised = {s.session for s in spans if s.summary} | {s.quotes for s in spans}
        held = {s.session for s in before.spans if s.opened_on is not None}
        # Sessions going on now (begun live, not ended); the record as of an earlier point
        # is what it was then, with nothing going on.
        now = seen.state.sessions if seen.state and at.is_now else ()
        going_on = sorted(s.number for s in now if not s.ended and s.number < for_session)
        # A session still going on has no summary yet: the one before it speaks for it.
        candidates = [
            n
            for n in summarised | held
            if n is not None and n < for_session and (n in summarised or n not in going_on)
        ]
        from_session = max(candidates, default=None)
        summary = self._summary(seen, from_session, at) if from_session is not None else None
        open_items = open_homework(self._homework(before, at))
        return recap(for_session, summary, from_session, open_items, going_on)

    # --- bounded reading --------------------------------------------------------------

    def _seen(self, at: AsOf) -> _Seen:
        state = self.app.get_client(self.id, version=at.version)
        return _Seen(state, choose(state.spans, at) if state is not None else [])

    def _read(self, spans: Sequence[Span], seen: _Seen, at: AsOf) -> list[DomainEvent]:
        """The events of ``spans`` — one read per run of adjacent versions — without what
        a reassignment in view withdrew (its own, one-event spans are read with them)."""
        spans = [*spans, *(s for s in seen.spans if s.kind == "reassignment")]
        events = [
            e
            for first, last in version_runs(spans)
            for e in self.app.client_events(self.id, after=first - 1, upto=last)
        ]
        if at.recorded_before is not None:
            events = within(events, spans, at)
        return withdrawn(events)

    def _homework(self, seen: _Seen, at: AsOf) -> list[HomeworkView]:
        """From the Client state when ``at`` sees a whole prefix of the history, else folded
        (a moved session leaves a gap)."""
        end = prefix_end(seen.spans, at)
        if end is None:
            return fold_homework(self._read(seen.spans, seen, at))
        if seen.state is not None and seen.state.version == end:
            return homework_views(seen.state)
        return homework_views(self.app.get_client(self.id, version=end))

    def _summary(self, seen: _Seen, session: int, at: AsOf) -> SummaryView | None:
        wanted = [
            s
            for s in seen.spans
            if (s.summary and s.session == session)
            or s.quotes == session
            or (s.kind == "correction" and s.session == session)
        ]
        return summaries(self._read(wanted, seen, at)).get(session)


@dataclass(frozen=True)
class _Seen:
    """The Client state a query started from, and the spans ``at`` chose from it."""

    state: Client | None
    spans: list[Span]


class Records:
    def __init__(
        self,
        app: CaselogApplication,
        on_access: Callable[[UUID | None], None] | None = None,
    ) -> None:
        self.app = app
        # Called with each client ``client()`` resolves, and with None for a listing of every
        # client: the store appends it to the access log.
        self.on_access = on_access

    def _accessed(self, client: UUID | None) -> None:
        if self.on_access is not None:
            self.on_access(client)

    def clients(self) -> list[ClientView]:
        """Every client with their sessions: a read of the whole store."""
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
        self._accessed(None)
        return sorted(views, key=lambda v: normalise_name(v.name))

    def unreadable(self) -> list[ClientUnreadable]:
        """The clients a listing left out because their data key is damaged or missing."""
        return list(self.app.unreadable.values())

    def client(self, query: str) -> ClientRecord:
        """A client by name (case and accents aside), unique leading part of it, or id prefix."""
        if not normalise_name(query):  # no name to derive an id from, nor to match
            raise ClientNotFound(f"no client matches {query!r}: give a name or an id prefix")
        self._refuse_erased(query)
        record = self._exact(query) or self._matching(query)
        self._accessed(record.id)
        return record

    def _exact(self, query: str) -> ClientRecord | None:
        """The client whose full name or id this is: found by its id, whatever the store's size."""
        candidates = [self.app.client_id_for(query)]
        with contextlib.suppress(ValueError):
            candidates.append(UUID(query))
        for cid in candidates:
            if (state := self.app.get_client(cid)) is not None:
                return ClientRecord(self.app, cid, state.name)
        return None

    def _matching(self, query: str) -> ClientRecord:
        """The one client a leading part of a name, or of an id, names (a scan of every client)."""
        known = list(self.app.registered_clients())
        # Case, accents and a title do not matter to a lookup: "ines" finds "Inês".
        key = fold_name(query)
        for matcher in (
            lambda name, cid: fold_name(name) == key,
            lambda name, cid: fold_name(name).startswith(key),
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
        if self.app.erasures():
            # An erased client's name is unreadable, so no leading part of it can match.
            hint += " (erased clients can be named only in full, or by their id)"
        raise ClientNotFound(f"no client matches {query!r}{hint}")

    def _refuse_erased(self, query: str) -> None:
        """An erased client is named by its full name or id; its record says only that."""
        candidates = [self.app.client_id_for(query)]
        with contextlib.suppress(ValueError):
            candidates.append(UUID(query))
        erased = next(filter(None, map(self.app.erasure, candidates)), None)
        if erased is not None:
            raise ClientWasErased(
                f"{query}: erased on {erased.timestamp.date().isoformat()} by {erased.actor} "
                f"(reason: {erased.reason}); nothing else of this record can be read"
            )

    def log(
        self,
        client: ClientRecord | None = None,
        *,
        types: Sequence[str] = (),
        since: dt.datetime | None = None,
        limit: int | None = None,
    ) -> Iterator[LogEntry]:
        """The raw event log in recording order, streamed: position, client, version,
        type, time, actor (see ``caselog.application.eventlog``).

        Of one client, its read was logged when it was resolved; of every client, the
        log is a read of the whole store."""
        wanted = LogFilter(client.id if client else None, tuple(types), since, limit)
        topics_of(types)  # an unknown type is refused now, not at the first read
        if client is not None:
            names = {client.id: client.name}
        else:
            names = dict(self.app.registered_clients())
            self._accessed(None)
        return read_log(self.app, names, wanted)
