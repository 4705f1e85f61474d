"""The application service: load, decide, save — one ``save`` per recorded file.

Persistence is configured from outside (the composition root in
``caselog.adapters.store``); this module only knows eventsourcing's
``Application`` and caselog's own domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Cipher, IntegrityError, Mapper, Notification
from eventsourcing.utils import Environment, EnvType, get_topic

from caselog.application.continuations import (
    SummaryCandidates,
    find_continued_session,
    target_for,
)
from caselog.domain.client import Client, ClientSnapshot, project_client
from caselog.domain.corrections import CorrectionRequest, decide_correction
from caselog.domain.errors import (
    CaselogError,
    ClientNotFound,
    ClientUnreadable,
    ConcurrentChange,
    InvalidErasure,
    InvalidReassignment,
)
from caselog.domain.events import (
    ClientErased,
    ClientRegistered,
    Correction,
    DomainEvent,
    HomeworkStatusChanged,
    SessionReassigned,
    SessionReceived,
)
from caselog.domain.homework import change_status
from caselog.domain.identity import client_id, near_names
from caselog.domain.inference import refuse_inferred, stated_professional
from caselog.domain.reassignment import ReassignRequest, decide_reassignment
from caselog.domain.recording import Target, record_session
from caselog.domain.spans import Span, version_runs
from caselog.domain.transcript import Inference, ParsedSession
from caselog.domain.withdrawal import withdrawn, withdrawn_spans

E = TypeVar("E", bound=DomainEvent)

# Client states kept between recorded files (see ``CaselogApplication._recorded``).
RECORDED_STATES = 16


@dataclass(frozen=True)
class Reassigned:
    """A session moved: both events, with what a user is told about them."""

    source: SessionReassigned
    source_name: str
    received: SessionReceived
    target_name: str
    created: bool
    """The receiving client was registered by the move."""
    events: int
    """Events recorded under the receiving client."""


@dataclass(frozen=True)
class Recorded:
    status: Literal["recorded", "unchanged"]
    client_id: UUID
    client_name: str
    session: int
    events: int
    inferred: tuple[Inference, ...] = ()
    """The session's facts that were worked out rather than stated (see ``Inference``)."""
    near: tuple[tuple[str, str], ...] = ()
    """For a newly registered client: recorded names that may be the same person, and why."""


class CaselogApplication(Application[UUID]):
    """caselog's one application service."""

    def __init__(
        self, env: dict[str, str], namespace: UUID, *, cipher: Cipher | None = None
    ) -> None:
        self._cipher = cipher
        super().__init__(env)
        self.namespace = namespace
        # The states this process last recorded sessions into, so that recording the
        # next file of a client need not load it again (see ``record_sessions``).
        self._recorded: dict[UUID, Client] = {}
        # Given by the composition root: the (client, session) pairs whose summaries
        # could match a quoted one (a superset of the matches; see domain/summaries.py),
        # so that matching a continuation reads those sessions only. Without it,
        # every recorded summary is read.
        self.summary_candidates: SummaryCandidates | None = None
        self._names: list[str] | None = None
        self.unreadable: dict[UUID, ClientUnreadable] = {}
        """Clients left out of ``registered_clients`` because their data key is damaged."""

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the settings given, never the process environment: eventsourcing would
        otherwise read ``CASELOGAPPLICATION_*`` variables that switch off encryption,
        replace the recorder or send events elsewhere."""
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> Mapper[UUID]:
        # The cipher is given, not found by a topic: a per-client cipher needs the
        # store's database and master key, which a topic-built object could reach only
        # through a process-global registry.
        mapper = super().construct_mapper()
        mapper.cipher = self._cipher
        return mapper

    # --- reading what decisions need -------------------------------------------------

    def client_id_for(self, name: str) -> UUID:
        return client_id(self.namespace, name)

    def get_client(self, cid: UUID, version: int | None = None) -> Client | None:
        try:
            return self.repository.get(cid, version=version, projector_func=project_client)
        except AggregateNotFoundError:
            return None

    def client_events(
        self, cid: UUID, *, after: int | None = None, upto: int | None = None
    ) -> list[DomainEvent]:
        return cast(list[DomainEvent], list(self.events.get(cid, gt=after, lte=upto)))

    def registered_clients(self) -> Iterator[tuple[UUID, str]]:
        """(id, name) of every client, in order of registration."""
        erased = set(self.erasures())
        for notification in self.notifications(ClientRegistered):
            cid = UUID(str(notification.originator_id))
            if cid in erased:
                continue  # its name is unreadable now, by design
            try:
                event = cast(ClientRegistered, self.mapper.to_domain_event(notification))
            except ClientUnreadable as e:
                # Damage to one client's key stays with that client: the others are listed.
                self.unreadable[cid] = e
                continue
            yield event.originator_id, event.name

    def notifications(self, *types: type[DomainEvent]) -> Iterator[Notification]:
        """The store's events of these types, in order, read a batch at a time."""
        topics = [get_topic(t) for t in types]
        start: int | None = None
        while True:
            batch = self.recorder.select_notifications(
                start=start, limit=500, topics=topics, inclusive_of_start=False
            )
            yield from batch
            if len(batch) < 500:
                return
            start = batch[-1].id

    def append(self, events: Sequence[DomainEvent], *, then: Sequence[Client] = ()) -> None:
        """Store events atomically, in one transaction (optimistic on their versions).

        ``then`` are the clients' states after the events: their snapshots go in the
        same transaction, so later reads start there. A snapshot is a cache; the
        recorder may drop it (a store without snapshots), never the events.

        The event store directly, rather than ``save``: caselog decides with events,
        not aggregates, and ``save`` checks each event against a runtime Protocol,
        which costs more than encrypting it.
        """
        for event in events:
            self._recorded.pop(event.originator_id, None)
        snapshots = []
        if self.snapshots is not None:
            snapshots = [self.mapper.to_stored_event(ClientSnapshot.take(c)) for c in then]
        # The recorder directly, rather than ``events.put``, which builds a recording per
        # event that nothing here reads (a live append is one event: it shows).
        stored = [self.mapper.to_stored_event(cast(Any, e)) for e in events]
        self.recorder.insert_events(stored, snapshots=snapshots)

    # --- recording ------------------------------------------------------------------

    def record_session(
        self,
        parsed: ParsedSession,
        *,
        actor: str,
        client_name: str | None = None,
        session: int | None = None,
        professional: str | None = None,
        strict: bool = False,
        dry_run: bool = False,
    ) -> Recorded:
        """Record one parsed transcript atomically; idempotent for the same source."""
        (outcome,) = self.record_sessions(
            [parsed],
            actor=actor,
            client_name=client_name,
            session=session,
            professional=professional,
            strict=strict,
            dry_run=dry_run,
        )
        return outcome

    def record_sessions(
        self,
        sessions: Sequence[ParsedSession],
        *,
        actor: str,
        client_name: str | None = None,
        session: int | None = None,
        professional: str | None = None,
        strict: bool = False,
        dry_run: bool = False,
    ) -> list[Recorded]:
        """Record parsed sessions (one file's) all together or not at all.

        Each is idempotent for the same source; ``session`` applies to one only.
        ``professional`` names the professional, replacing what the parser found.
        ``strict`` refuses a session whose client or professional was inferred.
        """
        if session is not None and len(sessions) != 1:
            raise ValueError("a session number applies to one parsed session only")
        if professional is not None:
            sessions = [stated_professional(p, professional) for p in sessions]
        for attempt in range(4):
            # A remembered state saves a load, and a stale one (another writer since)
            # makes the save clash. A decision that writes nothing is not checked by a
            # save, so it is made again on what the store says now.
            remembered = self._recorded if attempt == 0 else {}
            clients: dict[UUID, Client | None] = {}
            events: list[DomainEvent] = []
            outcomes: list[Recorded] = []
            try:
                for parsed in sessions:
                    target = self._target(parsed, client_name, session)
                    if strict:
                        refuse_inferred(parsed, target)
                    if target.client_id not in clients:
                        client = remembered.get(target.client_id)
                        clients[target.client_id] = client or self.get_client(target.client_id)
                    client = clients[target.client_id]
                    decided = record_session(client, parsed, target, actor)
                    new = client is None and bool(decided)
                    outcomes.append(
                        Recorded(
                            "recorded" if decided else "unchanged",
                            target.client_id,
                            client.name if client else target.client_name,
                            target.session,
                            len(decided),
                            target.inferred,
                            tuple(near_names(target.client_name, self._known_names()))
                            if new
                            else (),
                        )
                    )
                    if decided:
                        clients[target.client_id] = project_client(client, decided)
                        events.extend(decided)
            except CaselogError:
                if remembered.keys() & clients.keys():
                    continue  # refused on a remembered state: decide again on a fresh one
                raise
            if dry_run or not events:
                if remembered.keys() & clients.keys():
                    continue
                return outcomes
            touched = {e.originator_id for e in events}
            after = [c for cid, c in clients.items() if c is not None and cid in touched]
            try:
                self.append(events, then=after)
            except IntegrityError:
                continue  # another writer got there first: decide again on fresh state
            self._remember(after)
            if self._names is not None:
                self._names.extend(e.name for e in events if isinstance(e, ClientRegistered))
            return outcomes
        files = ", ".join(p.source.file for p in sessions)
        raise ConcurrentChange(
            f"{files}: other writers kept changing this client's record; try again"
        )

    def _known_names(self) -> list[str]:
        """Every recorded client's name, read once per process and kept up to date here.

        Only the near-name warning uses it, so a name another process registered
        since is missed there and nowhere else.
        """
        if self._names is None:
            self._names = [name for _, name in self.registered_clients()]
        return self._names

    def _remember(self, clients: Sequence[Client]) -> None:
        for client in clients:
            self._recorded[client.id] = client
        while len(self._recorded) > RECORDED_STATES:
            del self._recorded[next(iter(self._recorded))]

    def change_homework_status(
        self,
        cid: UUID,
        homework_id: str,
        status: str,
        *,
        actor: str,
        note: str | None = None,
        reviewed_in: int | None = None,
    ) -> HomeworkStatusChanged:
        """Record a homework status change; refused if the lifecycle does not allow it."""
        return self._decide_and_save(
            cid,
            lambda client: change_status(
                client, homework_id, status, note=note, actor=actor, reviewed_in=reviewed_in
            ),
        )

    def erase_client(self, cid: UUID, *, actor: str, reason: str) -> ClientErased:
        """Record that the client's record is erased; the caller then destroys its key."""
        if not reason.strip():
            raise InvalidErasure("give a --reason for the erasure (it must hold no personal data)")
        return self._decide_and_save(
            cid,
            lambda client: ClientErased(
                originator_id=cid,
                originator_version=client.version + 1,
                actor=actor,
                reason=reason.strip(),
            ),
        )

    def _decide_and_save(self, cid: UUID, decide: Callable[[Client], E]) -> E:
        """Load the client, decide one event, save it; on a version clash decide again."""
        for _attempt in range(3):
            client = self.get_client(cid)
            if client is None:
                raise ClientNotFound(f"no client with id {cid}")
            event = decide(client)
            try:
                self.append([event])
            except IntegrityError:
                continue  # another writer got there first: decide again on fresh state
            return event
        raise ConcurrentChange(f"{cid}: other writers kept changing this record; try again")

    def erasure(self, cid: UUID) -> ClientErased | None:
        """The client's erasure, if erased: always its last event, and stored in the clear."""
        (last,) = self.recorder.select_events(cid, desc=True, limit=1) or (None,)
        if last is None or last.topic != get_topic(ClientErased):
            return None
        return cast(ClientErased, self.mapper.to_domain_event(last))

    def erasures(self) -> dict[UUID, ClientErased]:
        """Every erased client's erasure event (stored in the clear, so always readable)."""
        found: dict[UUID, ClientErased] = {}
        for notification in self.notifications(ClientErased):
            event = cast(ClientErased, self.mapper.to_domain_event(notification))
            found[event.originator_id] = event
        return found

    def _target(
        self, parsed: ParsedSession, client_name: str | None, session: int | None
    ) -> Target:
        return target_for(self, parsed, client_name, session)

    def find_continued_session(
        self, parsed: ParsedSession, *, client: UUID | None = None
    ) -> tuple[UUID, str, int] | None:
        """The (client, name, session) whose own summary the continuation opens with."""
        return find_continued_session(self, parsed, client=client)

    def record_correction(self, cid: UUID, request: CorrectionRequest, *, actor: str) -> Correction:
        """Record an amendment or retraction of one entry (see ``domain/corrections.py``)."""

        def decide(client: Client) -> Correction:
            # The session's own events and its corrections: only the versions they hold
            # (not those of an earlier session of that number, moved to another client).
            spans = [
                s
                for s in withdrawn_spans(client.spans)
                if s.kind in ("session", "correction") and s.session == request.session
            ]
            return decide_correction(client, self._read_spans(cid, spans), request, actor=actor)

        return self._decide_and_save(cid, decide)

    def reassign_session(self, cid: UUID, request: ReassignRequest, *, actor: str) -> Reassigned:
        """Move one session to another client, as linked events on both, in one transaction
        (see ``domain/reassignment.py``); refused if either client was erased."""
        target_id = self.client_id_for(request.to_name)
        for _attempt in range(3):
            for who, what in ((cid, "its record"), (target_id, "a session")):
                if (erased := self.erasure(who)) is not None:
                    raise InvalidReassignment(
                        f"client {who} was erased on {erased.timestamp.date().isoformat()}: "
                        f"{what} cannot be moved there or away"
                    )
            source, target = self.get_client(cid), self.get_client(target_id)
            if source is None:
                raise ClientNotFound(f"no client with id {cid}")
            decided = decide_reassignment(
                source,
                self._session_record(source, request.session),
                target,
                target_id,
                request,
                actor=actor,
                reassignment=uuid4(),
            )
            events = [*decided.source_events, *decided.target_events]
            after = [project_client(source, decided.source_events)]
            after.append(project_client(target, decided.target_events))
            try:
                self.append(events, then=[c for c in after if c is not None])
            except IntegrityError:
                continue  # another writer got there first: decide again on fresh state
            moved = cast(SessionReassigned, decided.source_events[0])
            received = next(e for e in decided.target_events if isinstance(e, SessionReceived))
            name = cast(Client, after[1]).name
            return Reassigned(
                moved, source.name, received, name, decided.created, len(decided.target_events)
            )
        raise ConcurrentChange(f"{cid}: other writers kept changing these records; try again")

    def _session_record(self, client: Client, session: int) -> list[DomainEvent]:
        """What moving ``session`` needs to read: its own events, the corrections of them,
        the status changes (of any homework: a span does not say whose) and earlier moves."""
        spans = [
            s
            for s in withdrawn_spans(client.spans)
            if s.kind in ("status", "reassignment") or s.session == session
        ]
        return withdrawn(self._read_spans(client.id, spans))

    def _read_spans(self, cid: UUID, spans: Iterable[Span]) -> list[DomainEvent]:
        """The events of ``spans``, in version order: one read per run of adjacent versions."""
        return [
            e
            for first, last in version_runs(spans)
            for e in self.client_events(cid, after=first - 1, upto=last)
        ]
