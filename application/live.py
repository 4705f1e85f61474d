"""Recording a session as it happens: the live write API.

    live = store.client("Rowan Vale").session(3, date=dt.date(2026, 5, 4),
                                              professional="Dr. Ines Ward")
    live.say("client", "I kept waking at four.", clock="10:04")
    live.direct("pauses")
    live.assign("Keep a sleep diary")
    live.end("natural_end")

Each call decides its events through the same ``SessionSteps`` as whole-file ingest,
appends them in one transaction, and returns once they are committed. The session's
state is kept in memory between calls, so a call costs one write and no read. Another
writer (a second process on this session, an ingest or a homework change on this
client) makes the write clash on its version: the events it recorded are then read —
only those — and the call is decided again on them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from caselog.application.service import CaselogApplication
from caselog.domain.client import Client, project_client
from caselog.domain.errors import (
    ConcurrentChange,
    InvalidLiveInput,
    SessionClosed,
    SessionConflict,
    SessionNotFound,
)
from caselog.domain.events import (
    DomainEvent,
    HomeworkAssigned,
    SessionOpened,
    StageDirectionRecorded,
    UtteranceRecorded,
)
from caselog.domain.identity import normalise_name
from caselog.domain.live import (
    Assignment,
    Direction,
    End,
    Insight,
    LiveInput,
    Opening,
    Say,
    SessionSummary,
    checked,
    describe_call,
    same_call,
)
from caselog.domain.recording import SessionSteps
from caselog.domain.spans import version_runs
from caselog.domain.speakers import Speakers
from caselog.domain.transcript import NAMED_SECTIONS, LineSpan, Role, SourceRef
from caselog.projections.summary import CANONICAL_HEADINGS

ATTEMPTS = 50
"""Clashes one call outlasts: each costs a read of only the events that caused it."""

Cues = Callable[[str], list[str]]
"""The homework items a professional's turn assigns (the parsers' detection)."""

_NO_LINES = LineSpan(first=0, last=0)


@dataclass(frozen=True)
class Appended:
    """What one call recorded: its events, or (``repeated``) none, its key being held."""

    events: tuple[DomainEvent, ...]
    repeated: bool = False

    @property
    def seq(self) -> int | None:
        """The entry's place in the session, for a turn or a stage direction."""
        entries = (UtteranceRecorded, StageDirectionRecorded)
        return next((e.seq for e in self.events if isinstance(e, entries)), None)

    @property
    def homework_ids(self) -> tuple[str, ...]:
        """The homework the call assigned (a professional's turn may assign some)."""
        return tuple(e.homework_id for e in self.events if isinstance(e, HomeworkAssigned))


def live_source(cid: UUID, session: int) -> SourceRef:
    """A live session's source: no file, one reference per client and session, so two
    processes opening the same new session decide the same ``SessionOpened``."""
    digest = hashlib.sha256(f"live:{cid}:{session}".encode()).hexdigest()
    return SourceRef(file="live", sha256=digest, format="live")


class LiveSession:
    """One session of one client, recorded a call at a time (see the module's doc)."""

    def __init__(
        self,
        app: CaselogApplication,
        cid: UUID,
        name: str,
        number: int,
        opening: Opening,
        *,
        actor: str,
        cues: Cues | None = None,
        begin: bool = True,
        roles: Mapping[str, Role] | None = None,
    ) -> None:
        self.app = app
        self.client_id = cid
        self.client_name = name
        self.number = number
        self.actor = actor
        self._cues = cues
        self._steps = SessionSteps(None, cid, number, actor)
        self._roles = dict(roles or {})
        self._opening = opening
        self._opened: SessionOpened | None = None
        self._speakers: Speakers | None = None
        """The session's ``SessionOpened`` as stored, once this writer has seen it."""
        self._catch_up()
        self.resumed = self._steps.opened
        """The session was begun before (by this or another process): it goes on."""
        if not self.resumed and not begin:
            raise SessionNotFound(f"{name} has no session {number} begun: nothing to go on with")
        # A new session begins with its first step, in that step's transaction: a session
        # opened and given nothing (a stream refused at its first line) leaves no trace.
        self._check_opening()

    @property
    def professional(self) -> str | None:
        """The session's professional: as it was opened, once it is; else as given."""
        if self._opened is not None:
            return self._opened.professional
        return self._opening.professional

    @property
    def speakers(self) -> Speakers:
        """Who a turn's speaker may be (``domain/speakers.py``): the rule every live turn
        is checked by, ``caselog record``'s labels included."""
        professional = self.professional
        if self._speakers is None or self._speakers.professional != professional:
            self._speakers = Speakers.of_session(self.client_name, professional, self._roles)
        return self._speakers

    # --- the calls ----------------------------------------------------------------------

    def say(
        self,
        role: str,
        text: str,
        *,
        speaker: str | None = None,
        clock: str | None = None,
        idempotency_key: str | None = None,
    ) -> Appended:
        """A turn of ``role`` (``client`` or ``professional``). ``speaker`` must be who the
        role is (``speakers``): the client, by a name of theirs, for a client's turn; anyone
        but the client for a professional's. Else ``InvalidLiveInput``, nothing recorded."""
        values = {"role": role, "text": text, "speaker": speaker, "clock": clock}
        return self.record(checked(Say, {**values, "idempotency_key": idempotency_key}))

    def direct(
        self, text: str, *, clock: str | None = None, idempotency_key: str | None = None
    ) -> Appended:
        """A stage direction: "pauses" is recorded as "(pauses)"."""
        values = {"text": text, "clock": clock, "idempotency_key": idempotency_key}
        return self.record(checked(Direction, values))

    def assign(self, text: str, *, idempotency_key: str | None = None) -> Appended:
        return self.record(checked(Assignment, {"text": text, "idempotency_key": idempotency_key}))

    def insight(self, text: str, *, idempotency_key: str | None = None) -> Appended:
        return self.record(checked(Insight, {"text": text, "idempotency_key": idempotency_key}))

    def summarize(self, summary: SessionSummary) -> Appended:
        return self.record(summary)

    def end(
        self,
        reason: str = "natural_end",
        *,
        detail: str = "",
        clock: str | None = None,
        idempotency_key: str | None = None,
    ) -> Appended:
        values = {"reason": reason, "detail": detail, "clock": clock}
        return self.record(checked(End, {**values, "idempotency_key": idempotency_key}))

    def record(self, step: LiveInput) -> Appended:
        """Record one checked value (``Say``, ``Direction``, ``Assignment``, ``Insight``,
        ``SessionSummary`` or ``End``)."""
        decide = self._decision(step)
        return self._write(step.idempotency_key, decide, closes=isinstance(step, End))

    @property
    def ended(self) -> bool:
        return self._steps.ended

    @property
    def entries(self) -> int:
        """Turns and stage directions recorded so far."""
        return self._steps.seq

    # --- deciding -----------------------------------------------------------------------

    def _decision(self, step: LiveInput) -> Callable[[SessionSteps], list[DomainEvent]]:
        key = step.idempotency_key
        if isinstance(step, Say):
            speakers = self.speakers
            speakers.check(step.role, step.speaker)
            speakers.check_words(step.text)
            return lambda steps: self._turn(steps, step)
        if isinstance(step, Direction):
            self.speakers.check_words(step.text)
            # As transcripts write it: "(pauses)", "[laughs]", "*sighs*" are kept as given.
            text = step.text if step.text.startswith(("(", "[", "*")) else f"({step.text})"
            lines = _lines(step.lines)
            return lambda steps: [steps.direction(text, step.clock, lines, key)]
        if isinstance(step, Assignment):
            return lambda steps: self._with_links(
                steps, [steps.homework_item(step.text, "manual", key)]
            )
        if isinstance(step, Insight):
            heading = CANONICAL_HEADINGS["insights"]
            return lambda steps: [steps.summary_item("insights", step.text, heading, 0, key)]
        if isinstance(step, SessionSummary):
            return lambda steps: self._summary(steps, step)
        if isinstance(step, End):
            return lambda steps: [steps.end(step.reason, step.detail, step.clock, key)]
        raise TypeError(f"not a step of a live session: {type(step).__name__}")

    def _open(self, steps: SessionSteps, opening: Opening) -> list[DomainEvent]:
        if steps.opened:
            # Begun: by this writer, or by another one first — then with what this one
            # was given, or this one is refused.
            self._check_opening()
            return []
        events: list[DomainEvent] = []
        if steps.client is None:
            events.append(steps.register(self.client_name, None, None))
        events.append(
            steps.open(
                live_source(self.client_id, self.number),
                key=opening.idempotency_key,
                date=opening.date,
                start_time=opening.start_time,
                planned_total=opening.planned_total,
                professional=opening.professional,
                professional_title=opening.professional_title,
            )
        )
        return events

    def _check_opening(self) -> None:
        """A session begun before keeps what it was opened with: an opening that says
        otherwise (another professional, date, start, title or total) is refused rather
        than silently dropped, whoever opened it first."""
        opened, given = self._opened, self._opening
        if opened is None:
            return
        differ = [
            f"{name} {_shown(mine)} (it was opened with {_shown(theirs)})"
            for name, mine, theirs, same in (
                ("professional", given.professional, opened.professional, _same_name),
                ("date", given.date, opened.date, _equal),
                (
                    "professional title",
                    given.professional_title,
                    opened.professional_title,
                    _same_title,
                ),
                ("start time", given.start_time, opened.start_time, _equal),
                ("planned total", given.planned_total, opened.planned_total, _equal),
            )
            if mine is not None and not same(mine, theirs)
        ]
        if differ:
            raise SessionConflict(
                f"session {self.number} of {self.client_name} is already begun; this "
                f"opening gives {'; '.join(differ)}: leave it out to go on with the session"
            )

    def _turn(self, steps: SessionSteps, say: Say) -> list[DomainEvent]:
        speaker = say.speaker or (
            self.client_name if say.role == "client" else self.professional or "Professional"
        )
        said = steps.utterance(
            say.role, speaker, say.text, say.clock, _lines(say.lines), say.idempotency_key
        )
        events: list[DomainEvent] = [said]
        if self._cues is not None and say.role == "professional":
            # As ingest does: an item said twice in one session is one item.
            earlier = steps.client.homework_for(self.number) if steps.client else ()
            known = {h.text.casefold() for h in earlier}
            for text in self._cues(say.text):
                if text.casefold() not in known:
                    known.add(text.casefold())
                    events.append(steps.homework_item(text, "dialogue", utterance=said.seq))
        return self._with_links(steps, events)

    def _summary(self, steps: SessionSteps, summary: SessionSummary) -> list[DomainEvent]:
        key = summary.idempotency_key
        events = [
            steps.summary_item(section, text, CANONICAL_HEADINGS[section], 0, key)
            for section in NAMED_SECTIONS
            for text in getattr(summary, section)
        ]
        return self._with_links(steps, events)

    def _with_links(self, steps: SessionSteps, events: list[DomainEvent]) -> list[DomainEvent]:
        return [*events, *steps.carried_forward(events)]

    # --- writing ------------------------------------------------------------------------

    def _write(
        self,
        key: str | None,
        decide: Callable[[SessionSteps], list[DomainEvent]],
        *,
        closes: bool = False,
    ) -> Appended:
        steps = self._steps
        for _attempt in range(ATTEMPTS):
            if key is not None and key in steps.keys:
                return self._repeated(key, steps.keys[key], decide)
            if steps.ended:
                raise SessionClosed(
                    f"session {self.number} of {self.client_name} has ended: "
                    "nothing more can be recorded in it"
                )
            mark = steps.mark()
            events = [*self._open(steps, self._opening), *decide(steps)]
            if not events:
                return Appended(())
            try:
                # A snapshot when the session ends: later reads start from there.
                then = [] if not closes else [self._after(events)]
                self.app.append(events, then=then)
            except IntegrityError:
                steps.rewind(mark)
                self._catch_up()
                continue
            steps.follow(events)
            self._see_opening(events)
            return Appended(tuple(events))
        raise ConcurrentChange(
            f"session {self.number} of {self.client_name}: other writers kept changing "
            "this client's record; try again"
        )

    def _after(self, events: Sequence[DomainEvent]) -> Client:
        after = project_client(self._steps.client, events)
        assert after is not None
        return after

    def _catch_up(self) -> None:
        """Read what the store holds past the state kept here, and move past it."""
        steps = self._steps
        if steps.version:  # loaded: only what came since is read
            since = self.app.client_events(self.client_id, after=steps.version)
            steps.follow(since)
            self._see_opening(since)
            return
        loaded = self.app.get_client(self.client_id)
        if loaded is None:
            return
        # The first read: of the session's own events only, for its numbering and keys.
        wanted = [s for s in loaded.spans if s.kind == "session" and s.session == self.number]
        own = [
            e
            for first, last in version_runs(wanted)
            for e in self.app.client_events(self.client_id, after=first - 1, upto=last)
        ]
        steps.load(loaded, own)
        self._see_opening(own)

    def _see_opening(self, events: Sequence[DomainEvent]) -> None:
        for e in events:
            if isinstance(e, SessionOpened) and e.session == self.number:
                self._opened = e

    def _repeated(
        self, key: str, version: int, decide: Callable[[SessionSteps], list[DomainEvent]]
    ) -> Appended:
        """What the call that first held ``key`` recorded — if this call is the same one.
        A key names one call: the same key with other content is refused, never taken for
        a retry and dropped."""
        steps = self._steps
        mark = steps.mark()
        try:
            again = [e for e in decide(steps) if e.idempotency_key == key]
        finally:
            steps.rewind(mark)
        # A call's events are written together, its keyed ones first (after the opening,
        # which may carry the opening's key); one more is read to see that the first call
        # had no more of them than this one.
        upto = version + len(again) + 1
        stored = self.app.client_events(self.client_id, after=version - 1, upto=upto)
        held = [e for e in stored if e.idempotency_key == key and not isinstance(e, SessionOpened)]
        if not same_call(held, again):
            raise InvalidLiveInput(
                f"idempotency key {key!r} was given to another call in session "
                f"{self.number} of {self.client_name} ({describe_call(held)}); this call is "
                f"{describe_call(again)}: give each call its own key"
            )
        return Appended(tuple(held), repeated=True)


def _shown(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "none" if value is None else repr(value)


def _equal(given: object, recorded: object) -> bool:
    return given == recorded


def _same_name(given: object, recorded: object) -> bool:
    """The same person: "Ines Ward" is "Dr. Ines Ward" (case, spaces, title aside)."""
    if not isinstance(given, str) or not isinstance(recorded, str):
        return given == recorded
    return normalise_name(given) == normalise_name(recorded)


def _same_title(given: object, recorded: object) -> bool:
    if not isinstance(given, str) or not isinstance(recorded, str):
        return given == recorded
    return given.rstrip(".").casefold() == recorded.rstrip(".").casefold()


def _lines(lines: tuple[int, int] | None) -> LineSpan:
    return LineSpan(first=lines[0], last=lines[1]) if lines else _NO_LINES


class LiveClient:
    """A client to record sessions of (``Store.client``); registered by its first session."""

    def __init__(
        self, app: CaselogApplication, cid: UUID, name: str, *, actor: str, cues: Cues | None
    ) -> None:
        self.app = app
        self.id = cid
        self.name = name
        self.actor = actor
        self._cues = cues

    def session(
        self,
        number: int,
        *,
        date: dt.date | str | None = None,
        professional: str | None = None,
        professional_title: str | None = None,
        start_time: str | None = None,
        planned_total: int | None = None,
        idempotency_key: str | None = None,
        begin: bool = True,
        roles: Mapping[str, Role] | None = None,
    ) -> LiveSession:
        """Session ``number``: begun with its first step (recorded in that step's
        transaction, then in progress until it ends), or resumed if it was begun before;
        a resumed session keeps what it was opened with.
        An ended one can be opened, but refuses every append (``SessionClosed``).
        ``begin=False``: only a session begun before (``SessionNotFound`` if none).
        A resumed session refuses an opening that differs from its own (``SessionConflict``).
        ``roles``: speaker labels and the role each is (as ``record --role``): a turn's
        ``speaker`` must name the client for a client's turn — their name, a word of it,
        initials in order — or be given the client's role here; it must not name the
        client for a professional's turn (``domain/speakers.py``)."""
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise InvalidLiveInput(f"session number: expected a whole number from 1: {number!r}")
        values = {
            "date": date,
            "professional": professional,
            "professional_title": professional_title,
            "start_time": start_time,
            "planned_total": planned_total,
            "idempotency_key": idempotency_key,
        }
        opening = checked(Opening, values)
        return LiveSession(
            self.app,
            self.id,
            self.name,
            number,
            opening,
            actor=self.actor,
            cues=self._cues,
            begin=begin,
            roles=roles,
        )
