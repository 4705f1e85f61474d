"""Deciding what a session adds to a client's record: pure functions.

``SessionSteps`` makes each recording decision — open, utterance, stage direction,
homework, summary item, carry-forward, end — for one session, a step at a time.
``record_session`` takes a whole ``ParsedSession`` through those steps (or records
nothing when the same source is already recorded); the live write API takes them as
each call arrives. Nothing here needs a store, so it is tested directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.domain import datetime_now_with_tzinfo

from caselog.domain.client import _VERSION_ONLY, Client, project_client
from caselog.domain.errors import SessionConflict
from caselog.domain.events import (
    SUMMARY_EVENT_BY_SECTION,
    ClientRegistered,
    DomainEvent,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkSource,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionEvent,
    SessionOpened,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.homework import OPEN, OpenItem, continued_item
from caselog.domain.transcript import (
    EndReason,
    Inference,
    LineSpan,
    ParsedSession,
    QualityFlag,
    QuotedSummary,
    Role,
    SectionKey,
    SourceRef,
    Utterance,
)


@dataclass(frozen=True)
class Target:
    """Where a parsed session goes: which client, under which name, as which session."""

    client_id: UUID
    client_name: str
    session: int
    inferred: tuple[Inference, ...] = ()
    """What was worked out about this session, once options and matching are applied."""


def now() -> dt.datetime:
    """The machine's clock (a module function: tests turn it back)."""
    return datetime_now_with_tzinfo()


def homework_id(session: int, index: int) -> str:
    return f"S{session}.H{index}"


class SessionSteps:
    """The recording decisions of one session, a step at a time: both whole-file ingest
    (``record_session``) and the live write API (``caselog.application.live``) take every
    step through here, so a session is recorded the same way however it arrives.

    It numbers what it decides — versions after ``client``'s, entries (``seq``), summary
    items per section, homework ids — and changes nothing else: the caller stores the
    events, and a caller that fails to store them (a version clash) rolls back with
    ``rewind`` and decides again.
    """

    def __init__(self, client: Client | None, client_id: UUID, session: int, actor: str) -> None:
        self._client = client
        self._unfolded: list[DomainEvent] = []
        self.client_id = client_id
        self.session = session
        self.actor = actor
        self.version = client.version if client else 0
        self.last: dt.datetime | None = client.modified_on if client else None
        """When the client's latest event was recorded: no event is dated before it."""
        self.seq = 0
        """The entries (utterances and stage directions) the session holds."""
        self.items: dict[SectionKey, int] = {}
        """The session's summary items so far, per section key."""
        # A quote may already have put homework under this session's number.
        self.homework = len(client.homework_for(session)) if client else 0
        self.keys: dict[str, int] = {}
        """Each idempotency key the session holds, with the version of its event."""
        held = client.session(session) if client else None
        self.opened, self.ended = held is not None, held is not None and held.ended

    @property
    def client(self) -> Client | None:
        """The client's state after every event followed so far."""
        if self._unfolded:
            # A run of text-bearing events folds in one step (``project_client``).
            self._client = project_client(self._client, self._unfolded)
            self._unfolded = []
        return self._client

    def follow(self, events: Sequence[DomainEvent]) -> None:
        """Move past ``events``, the client's next ones in the store (recorded here, or by
        another writer since): the live API keeps its state this way, never reloading it.

        Events that change only the version (a turn, a stage direction) are folded into
        the state when a decision next needs it, many at once."""
        if self._client is not None and all(isinstance(e, _VERSION_ONLY) for e in events):
            self._unfolded.extend(events)
            self.version = events[-1].originator_version if events else self.version
            self._seen(events)
            self._tally(events)
            return
        self.load(project_client(self.client, events), events)

    def load(self, client: Client | None, session_events: Sequence[DomainEvent]) -> None:
        """Start from ``client`` as stored, with the events of this session it holds."""
        self._client, self._unfolded = client, []
        if client is None:
            return
        self.version = client.version
        self.last = client.modified_on
        self._seen(session_events)
        self.homework = len(client.homework_for(self.session))
        held = client.session(self.session)
        self.opened, self.ended = held is not None, held is not None and held.ended
        self._tally(session_events)

    def _seen(self, events: Sequence[DomainEvent]) -> None:
        for e in events:
            if self.last is None or e.timestamp > self.last:
                self.last = e.timestamp

    def _stamp(self) -> dt.datetime:
        """Now, or the client's latest event's time if the clock has gone back since: a
        record read as it stood at a moment (``--recorded-before``) never has a hole."""
        moment = now()
        if self.last is not None and moment < self.last:
            moment = self.last
        self.last = moment
        return moment

    def _tally(self, events: Sequence[DomainEvent]) -> None:
        for e in events:
            if not isinstance(e, SessionEvent) or e.session != self.session:
                continue
            if isinstance(e, UtteranceRecorded | StageDirectionRecorded):
                self.seq = max(self.seq, e.seq)
            elif isinstance(e, SummaryItemNoted):
                self.items[e.section] = max(self.items.get(e.section, 0), e.item)
            if e.idempotency_key is not None:
                self.keys.setdefault(e.idempotency_key, e.originator_version)

    def mark(self) -> tuple[int, int, int, dict[SectionKey, int], dt.datetime | None]:
        return self.version, self.seq, self.homework, dict(self.items), self.last

    def rewind(self, mark: tuple[int, int, int, dict[SectionKey, int], dt.datetime | None]) -> None:
        self.version, self.seq, self.homework, self.items, self.last = mark

    def _next(self) -> int:
        self.version += 1
        return self.version

    def fields(self, key: str | None = None) -> dict[str, Any]:
        """The next event's client, version, actor and session (and idempotency key)."""
        fields: dict[str, Any] = {
            "originator_id": self.client_id,
            "originator_version": self._next(),
            "timestamp": self._stamp(),
            "actor": self.actor,
            "session": self.session,
        }
        if key is not None:
            fields["idempotency_key"] = key
        return fields

    def register(self, name: str, descriptor: str | None, title: str | None) -> ClientRegistered:
        return ClientRegistered(
            originator_id=self.client_id,
            originator_version=self._next(),
            timestamp=self._stamp(),
            actor=self.actor,
            name=name,
            descriptor=descriptor,
            title=title,
        )

    def open(self, source: SourceRef, *, key: str | None = None, **facts: Any) -> SessionOpened:
        """``facts``: the session's date, professional, header and what was inferred."""
        return SessionOpened(**self.fields(key), source=source, **facts)

    def utterance(
        self,
        role: Role,
        speaker: str,
        text: str,
        clock: str | None,
        lines: LineSpan,
        key: str | None = None,
    ) -> UtteranceRecorded:
        self.seq += 1
        return UtteranceRecorded(
            **self.fields(key),
            seq=self.seq,
            role=role,
            speaker=speaker,
            text=text,
            clock=clock,
            lines=lines,
        )

    def direction(
        self, text: str, clock: str | None, lines: LineSpan, key: str | None = None
    ) -> StageDirectionRecorded:
        self.seq += 1
        return StageDirectionRecorded(
            **self.fields(key), seq=self.seq, text=text, clock=clock, lines=lines
        )

    def flag(self, seq: int, kind: str, excerpt: str) -> QualityFlagRaised:
        return QualityFlagRaised(**self.fields(None), seq=seq, kind=kind, excerpt=excerpt)

    def homework_item(
        self, text: str, source: HomeworkSource, key: str | None = None, **where: Any
    ) -> HomeworkAssigned:
        """``where``: the utterance it was said in, or the summary heading and line."""
        self.homework += 1
        return HomeworkAssigned(
            **self.fields(key),
            homework_id=homework_id(self.session, self.homework),
            text=text,
            source=source,
            **where,
        )

    def summary_item(
        self, section: SectionKey, text: str, heading: str, line: int, key: str | None = None
    ) -> DomainEvent:
        """An item of the session's own summary; a homework item is homework."""
        if section == "homework":
            return self.homework_item(text, "summary", key, heading=heading, line=line)
        index = self.items[section] = self.items.get(section, 0) + 1
        return SUMMARY_EVENT_BY_SECTION[section](
            **self.fields(key), item=index, text=text, heading=heading, line=line
        )

    def carried_forward(self, batch: list[DomainEvent]) -> list[DomainEvent]:
        """Links from this session's homework in ``batch`` to the earlier open items
        it continues (see homework.py)."""
        if not any(isinstance(e, HomeworkAssigned) for e in batch):
            return []  # nothing to link (and no need to bring the state up to date)
        return list(_carried_forward(self.client, batch, self.session, self))

    def end(
        self, reason: EndReason, detail: str, clock: str | None, key: str | None = None
    ) -> SessionEnded:
        return SessionEnded(**self.fields(key), reason=reason, detail=detail, clock=clock)


def record_session(
    client: Client | None, parsed: ParsedSession, target: Target, actor: str
) -> list[DomainEvent]:
    """The events that record ``parsed`` as ``target.session``; [] if already recorded."""
    if client is not None:
        earlier = client.session(target.session)
        if earlier is not None:
            if earlier.source.sha256 == parsed.source.sha256:
                return []
            raise SessionConflict(
                f"{parsed.source.file}: session {target.session} of {client.name} is already "
                f"recorded from {earlier.source.file} (sha256 {earlier.source.sha256[:12]}…); "
                "a different file for the same session is refused"
            )
        elif any(
            r.number == target.session and r.source.sha256 == parsed.source.sha256
            for r in client.reassigned
        ):
            # Moved to another client (domain/reassignment.py): the file's content is in the
            # record there, so recording it here again would undo the move.
            return []
    steps = SessionSteps(client, target.client_id, target.session, actor)
    events: list[DomainEvent] = []
    if client is None:
        events.append(
            steps.register(target.client_name, parsed.client_descriptor, parsed.client_title)
        )
    events.append(
        steps.open(
            parsed.source,
            planned_total=parsed.planned_total,
            date=parsed.date,
            start_time=parsed.start_time,
            professional=parsed.professional_name,
            professional_title=parsed.professional_title,
            header=parsed.header,
            client_title=parsed.client_title,
            inferred=target.inferred,
        )
    )
    if parsed.quoted_summary is not None:
        events.extend(_quoted(client, parsed.quoted_summary, steps))
    flags: dict[int, list[QualityFlag]] = {}
    for flag in parsed.flags:
        flags.setdefault(flag.seq, []).append(flag)
    for entry in parsed.entries:
        if isinstance(entry, Utterance):
            events.append(
                steps.utterance(entry.role, entry.speaker, entry.text, entry.clock, entry.lines)
            )
        else:
            events.append(steps.direction(entry.text, entry.clock, entry.lines))
        for flag in flags.get(steps.seq, ()):
            events.append(steps.flag(steps.seq, flag.kind, flag.excerpt))
    if parsed.summary is not None:
        # Items are numbered per section key across the whole summary, so that two
        # homework sections ("Homework:", "Next steps:") give distinct ids and two
        # extra sections' items distinct ``other:N`` addresses.
        for section in parsed.summary.sections:
            for item in section.items:
                item_event = steps.summary_item(section.key, item.text, section.heading, item.line)
                events.append(item_event)
    else:
        for work in parsed.homework:
            events.append(steps.homework_item(work.text, work.source, utterance=work.utterance))
    events.extend(steps.carried_forward(events))
    events.append(steps.end(parsed.ending.reason, parsed.ending.detail, parsed.ending.clock))
    return events


def _carried_forward(
    client: Client | None, batch: list[DomainEvent], session: int, steps: SessionSteps
) -> Iterator[HomeworkCarriedForward]:
    pool = [
        OpenItem(h.homework_id, h.session, h.text)
        for h in (client.homework if client else ())
        if h.status in OPEN
    ]
    assigned = [e for e in batch if isinstance(e, HomeworkAssigned)]
    pool += [OpenItem(e.homework_id, e.session, e.text) for e in assigned if e.session < session]
    for new in (e for e in assigned if e.session == session):
        found = continued_item(new.text, session, pool)
        if found is None:
            continue
        pool = [item for item in pool if item.homework_id != found.earlier_id]
        yield HomeworkCarriedForward(
            **steps.fields(None),
            earlier_id=found.earlier_id,
            later_id=new.homework_id,
            overlap=found.overlap,
        )


def _quoted(
    client: Client | None, quoted: QuotedSummary, steps: SessionSteps
) -> Iterator[DomainEvent]:
    session = steps.session
    about = quoted.summary.about_session
    if about is None and quoted.in_utterance is None:
        # A continuation opens with the summary of the session it continues.
        about = session - 1
    yield PriorSummaryQuoted(
        **steps.fields(None),
        about_session=about,
        sections=quoted.summary.sections,
        in_utterance=quoted.in_utterance,
    )
    # Homework known only from a quote is still homework: record it for the quoted
    # session unless that session (or its homework) is already in the record.
    if about is None or about >= session:
        return
    if client is not None and (client.session(about) or client.homework_for(about)):
        return
    index = 0
    for section in quoted.summary.sections:
        if section.key != "homework":
            continue
        for item in section.items:
            index += 1
            yield HomeworkAssigned(
                **{**steps.fields(None), "session": about},
                homework_id=homework_id(about, index),
                text=item.text,
                source="quoted",
                heading=section.heading,
                line=item.line,
            )
