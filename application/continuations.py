"""Where a parsed session goes, and matching a continuation to the session whose summary
it opens with.

A continuation (format D) names neither client nor session: it is matched by
comparing its opening summary with each recorded session's own summary
(``Likeness`` in ``summaries.py``). A session reassigned to another client is
matched where it is now, never where it was filed first. A client found this
way is recorded as inferred (``summary_match``).

Reading every recorded summary for each continuation is slow on a large store, so
the application may be given a ``SummaryCandidates`` port: an index that names a
superset of the sessions that could match (``caselog.adapters.summary_index``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol, cast
from uuid import UUID

from caselog.domain.errors import ContinuationUnmatched, TranscriptError
from caselog.domain.events import DomainEvent, SessionEvent, SessionReassigned
from caselog.domain.identity import split_title
from caselog.domain.recording import Target
from caselog.domain.summaries import (
    MATCHED_EVENTS,
    Likeness,
    SessionSummaries,
    note_summary_item,
    summaries_by_session,
    summary_likeness,
)
from caselog.domain.transcript import Inference, ParsedSession, Summary
from caselog.domain.withdrawal import withdrawn_spans, withdraws

if TYPE_CHECKING:
    from caselog.application.service import CaselogApplication

Scored = tuple[Likeness, UUID, str, int]


class SummaryCandidates(Protocol):
    """The port to a summary index: the recorded (client, session) pairs that share
    enough items with a quoted summary to match it — a superset of the matches."""

    def __call__(self, quoted: Summary) -> Iterable[tuple[UUID, int]]: ...


def target_for(
    app: CaselogApplication, parsed: ParsedSession, client_name: str | None, session: int | None
) -> Target:
    """Where a parsed session goes: the names given, else its header's, else the client
    and session its opening summary continues."""
    name = client_name or parsed.client_name
    number = session or parsed.session_number
    # A name given by the caller is stated, not inferred, whatever the parser guessed.
    inferred = tuple(i for i in parsed.inferred if not (client_name and i.fact == "client"))
    if parsed.is_continuation and (name is None or number is None):
        # Given the client, only its own sessions are candidates.
        within = app.client_id_for(name) if name is not None else None
        matched = find_continued_session(app, parsed, client=within)
        if matched is None:
            raise ContinuationUnmatched(
                f"{parsed.source.file}: its opening summary matches no recorded session; "
                "ingest the earlier session first, or give --client NAME and --session N"
            )
        cid, found_name, previous = matched
        if name is None or app.client_id_for(name) == cid:
            name = found_name
            inferred += (
                Inference(
                    fact="client",
                    value=found_name,
                    source="summary_match",
                    evidence=f"its opening summary is session {previous}'s",
                ),
            )
        number = number or previous + 1
    if name is None:
        # Where the parser looked for the name, if it did: the client's first turn.
        looked = parsed.inferred_fact("client")
        raise TranscriptError(
            parsed.source.file,
            looked.line if looked and looked.line else 1,
            "expected the client's name in the header ('Client: Name') or in their own "
            "words ('My name is …', 'Hi, I'm …'); give --client NAME",
        )
    if number is None:
        raise TranscriptError(
            parsed.source.file,
            1,
            "expected a session number ('Session 5/24' or 'Session Number: 5'); give --session N",
        )
    if number < 1:
        raise TranscriptError(
            parsed.source.file, 1, f"expected a session number of 1 or more, not {number}"
        )
    if parsed.session_number is not None and session and session != parsed.session_number:
        raise TranscriptError(
            parsed.source.file,
            1,
            f"the header says session {parsed.session_number} but --session says {session}",
        )
    name = split_title(name)[1]  # NFC and without a title, as the identity is
    return Target(app.client_id_for(name), name, number, inferred)


def find_continued_session(
    app: CaselogApplication, parsed: ParsedSession, *, client: UUID | None = None
) -> tuple[UUID, str, int] | None:
    """The (client, name, session) whose own summary the continuation opens with.

    Of the recorded summaries that match the quoted one (``Likeness.matches``) —
    only ``client``'s, when given — the one with the highest Jaccard score; two or
    more sharing that score are refused.
    """
    quoted = parsed.quoted_summary
    if quoted is None:
        return None
    if app.summary_candidates is None:
        scored = _score_every_summary(app, quoted.summary)
    else:
        candidates = app.summary_candidates(quoted.summary)
        if client is not None:
            candidates = [c for c in candidates if c[0] == client]
        scored = _score_sessions(app, quoted.summary, candidates)
    if client is not None:
        scored = (m for m in scored if m[1] == client)
    best = sorted((m for m in scored if m[0].matches), key=lambda m: (-m[0].score, m[2], m[3]))
    if not best:
        return None
    if len(best) > 1 and best[1][0].score == best[0][0].score:
        tied = ", ".join(f"{m[2]} session {m[3]}" for m in best[:5])
        raise ContinuationUnmatched(
            f"{parsed.source.file}: its opening summary matches more than one session "
            f"({tied}); give --client NAME and --session N"
        )
    _, cid, name, number = best[0]
    return cid, name, number


def _score_every_summary(app: CaselogApplication, quoted: Summary) -> Iterator[Scored]:
    """Every recorded session's own summary, compared: reads all of them."""
    names = dict(app.registered_clients())  # erased clients' text is unreadable
    items: list[tuple[UUID, SessionEvent]] = []
    moves: dict[UUID, list[SessionReassigned]] = {}
    for notification in app.notifications(SessionReassigned, *MATCHED_EVENTS):
        cid = UUID(str(notification.originator_id))
        if cid not in names:
            continue
        event = app.mapper.to_domain_event(notification)
        if isinstance(event, SessionReassigned):
            moves.setdefault(cid, []).append(event)
        else:
            items.append((cid, cast(SessionEvent, event)))
    found: dict[UUID, SessionSummaries] = {}
    for cid, item in items:
        if not any(withdraws(move, item) for move in moves.get(cid, ())):
            note_summary_item(found.setdefault(cid, {}), item)
    for cid, summaries in found.items():
        for number, sections in summaries.items():
            yield summary_likeness(quoted, sections), cid, names[cid], number


def _score_sessions(
    app: CaselogApplication, quoted: Summary, candidates: Iterable[tuple[UUID, int]]
) -> Iterator[Scored]:
    """The candidate sessions' own summaries, compared: reads only those sessions."""
    for cid, number in candidates:
        client = app.get_client(cid) if app.erasure(cid) is None else None
        if client is None or client.session(number) is None:
            continue  # erased, or the session was moved to another client
        events: list[DomainEvent] = [
            e
            for span in withdrawn_spans(client.spans)
            if span.kind == "session" and span.session == number
            for e in app.client_events(cid, after=span.first - 1, upto=span.last)
        ]
        sections = summaries_by_session(events).get(number)
        if sections is not None:
            yield summary_likeness(quoted, sections), cid, client.name, number
