"""Deciding what a parsed session adds to a client's record: a pure function.

``record_session`` turns one ``ParsedSession`` into the events that record it,
or into nothing when the same source is already recorded. It needs no store,
so it is tested directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from caselog.domain.client import Client
from caselog.domain.errors import SessionConflict
from caselog.domain.events import (
    SUMMARY_EVENT_BY_SECTION,
    ClientRegistered,
    DomainEvent,
    HomeworkAssigned,
    HomeworkCarriedForward,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionOpened,
    StageDirectionRecorded,
    UtteranceRecorded,
)
from caselog.domain.homework import OPEN, OpenItem, continued_item
from caselog.domain.transcript import (
    Inference,
    ParsedSession,
    QualityFlag,
    QuotedSummary,
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


def homework_id(session: int, index: int) -> str:
    return f"S{session}.H{index}"


class _Versions:
    def __init__(self, after: int) -> None:
        self.last = after

    def __next__(self) -> int:
        self.last += 1
        return self.last


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
    versions = _Versions(client.version if client else 0)
    common = {"originator_id": target.client_id, "actor": actor}
    events: list[DomainEvent] = []
    if client is None:
        events.append(
            ClientRegistered(
                **common,
                originator_version=next(versions),
                name=target.client_name,
                descriptor=parsed.client_descriptor,
                title=parsed.client_title,
            )
        )
    n = target.session
    session = {**common, "session": n}
    # A quote may already have put homework under this session's number.
    already = len(client.homework_for(n)) if client else 0
    events.append(
        SessionOpened(
            **session,
            originator_version=next(versions),
            planned_total=parsed.planned_total,
            date=parsed.date,
            start_time=parsed.start_time,
            professional=parsed.professional_name,
            professional_title=parsed.professional_title,
            source=parsed.source,
            header=parsed.header,
            client_title=parsed.client_title,
            inferred=target.inferred,
        )
    )
    if parsed.quoted_summary is not None:
        events.extend(_quoted(client, parsed.quoted_summary, n, common, versions))
    flags: dict[int, list[QualityFlag]] = {}
    for flag in parsed.flags:
        flags.setdefault(flag.seq, []).append(flag)
    for seq, entry in enumerate(parsed.entries, start=1):
        if isinstance(entry, Utterance):
            events.append(
                UtteranceRecorded(
                    **session,
                    originator_version=next(versions),
                    seq=seq,
                    role=entry.role,
                    speaker=entry.speaker,
                    text=entry.text,
                    clock=entry.clock,
                    lines=entry.lines,
                )
            )
        else:
            events.append(
                StageDirectionRecorded(
                    **session,
                    originator_version=next(versions),
                    seq=seq,
                    text=entry.text,
                    clock=entry.clock,
                    lines=entry.lines,
                )
            )
        for flag in flags.get(seq, ()):
            events.append(
                QualityFlagRaised(
                    **session,
                    originator_version=next(versions),
                    seq=seq,
                    kind=flag.kind,
                    excerpt=flag.excerpt,
                )
            )
    if parsed.summary is not None:
        # Items are numbered per section key across the whole summary, so that two
        # homework sections ("Homework:", "Next steps:") give distinct ids and two
        # extra sections' items distinct ``other:N`` addresses.
        numbered: dict[str, int] = {}
        for section in parsed.summary.sections:
            for item in section.items:
                index = numbered[section.key] = numbered.get(section.key, 0) + 1
                if section.key == "homework":
                    events.append(
                        HomeworkAssigned(
                            **session,
                            originator_version=next(versions),
                            homework_id=homework_id(n, already + index),
                            text=item.text,
                            source="summary",
                            heading=section.heading,
                            line=item.line,
                        )
                    )
                else:
                    events.append(
                        SUMMARY_EVENT_BY_SECTION[section.key](
                            **session,
                            originator_version=next(versions),
                            item=index,
                            text=item.text,
                            heading=section.heading,
                            line=item.line,
                        )
                    )
    else:
        for index, work in enumerate(parsed.homework, start=1):
            events.append(
                HomeworkAssigned(
                    **session,
                    originator_version=next(versions),
                    homework_id=homework_id(n, already + index),
                    text=work.text,
                    source=work.source,
                    utterance=work.utterance,
                )
            )
    events.extend(_carried_forward(client, events, n, session, versions))
    events.append(
        SessionEnded(
            **session,
            originator_version=next(versions),
            reason=parsed.ending.reason,
            detail=parsed.ending.detail,
            clock=parsed.ending.clock,
        )
    )
    return events


def _carried_forward(
    client: Client | None,
    batch: list[DomainEvent],
    session: int,
    common: dict[str, Any],
    versions: _Versions,
) -> Iterator[HomeworkCarriedForward]:
    """Link this session's homework to the earlier open items it continues (see homework.py)."""
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
            **common,
            originator_version=next(versions),
            earlier_id=found.earlier_id,
            later_id=new.homework_id,
            overlap=found.overlap,
        )


def _quoted(
    client: Client | None,
    quoted: QuotedSummary,
    session: int,
    common: dict[str, object],
    versions: _Versions,
) -> Iterator[DomainEvent]:
    about = quoted.summary.about_session
    if about is None and quoted.in_utterance is None:
        # A continuation opens with the summary of the session it continues.
        about = session - 1
    yield PriorSummaryQuoted(
        **common,
        session=session,
        originator_version=next(versions),
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
                **common,
                session=about,
                originator_version=next(versions),
                homework_id=homework_id(about, index),
                text=item.text,
                source="quoted",
                heading=section.heading,
                line=item.line,
            )
