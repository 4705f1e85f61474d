"""Random client histories for property tests: sessions in any order, status changes,
amendments and retractions, sessions reassigned from one client to the other."""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from dataclasses import replace

from hypothesis import strategies as st

from caselog.application.service import CaselogApplication
from caselog.domain.corrections import CorrectionRequest
from caselog.domain.errors import CaselogError
from caselog.domain.events import (
    HomeworkAssigned,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.homework import TRANSITIONS
from caselog.domain.reassignment import ReassignRequest
from caselog.domain.transcript import QuotedSummary
from caselog.domain.withdrawal import withdrawn
from caselog.projections.homework import fold_homework
from caselog.projections.sessions import fold_sessions
from tests.sessions import parsed, summary

CLIENTS = ("Ann Lee", "Bo Chan")
# "Continue …"/"Keep …" items share content words with earlier ones, so they carry them forward.
HOMEWORK = (
    "Practice breathing exercises nightly",
    "Continue practicing breathing exercises",
    "Write gratitude journal entries",
    "Keep writing gratitude journal entries",
    "Walk outside after lunch",
)
DATES = (dt.date(2024, 1, 1), dt.date(2025, 12, 31))

record = st.tuples(
    st.just("record"),
    st.sampled_from(CLIENTS),
    st.integers(1, 4),
    st.lists(st.sampled_from(HOMEWORK), min_size=1, max_size=3, unique=True),
    st.one_of(st.none(), st.dates(*DATES)),
    st.sampled_from(("dialogue", "summary", "quotes previous")),
)
change = st.tuples(
    st.just("status"), st.sampled_from(CLIENTS), st.integers(0, 20), st.integers(0, 9)
)
correct = st.tuples(
    st.just("correct"),
    st.sampled_from(CLIENTS),
    st.integers(0, 40),
    st.sampled_from(("amend", "retract")),
)
reassign = st.tuples(
    st.just("reassign"), st.sampled_from(CLIENTS), st.integers(0, 9), st.integers(0, 5)
)
catch_up = st.tuples(st.just("catch_up"))
histories = st.lists(
    st.one_of(record, record, change, change, correct, reassign, catch_up),
    min_size=4,
    max_size=16,
)


def record_step(
    app: CaselogApplication,
    name: str,
    session: int,
    homework: list[str],
    date: dt.date | None,
    shape: str,
) -> None:
    events = withdrawn(app.client_events(app.client_id_for(name)))
    if any(v.number == session for v in fold_sessions(events)):
        return  # one source per session; a different one would be a conflict
    body = f"{name} {session}"
    # A quote of the session before puts that session's homework on record if it is not yet.
    quoted = QuotedSummary(summary=summary(f"{name} {session - 1}"), in_utterance=None)
    session_parsed = parsed(
        client=name,
        session=session,
        file=f"{body}.txt",
        body=body,
        homework=tuple(homework),
        with_summary=shape == "summary",
        quoted=quoted if shape == "quotes previous" and session > 1 else None,
    ).model_copy(update={"date": date})
    app.record_session(session_parsed, actor="prop")


def status_step(app: CaselogApplication, name: str, pick: int, to: int) -> None:
    """A random status change the lifecycle allows, if the client has any open item."""
    cid = app.client_id_for(name)
    movable = [v for v in fold_homework(app.client_events(cid)) if TRANSITIONS[v.status]]
    if not movable:
        return
    item = movable[pick % len(movable)]
    allowed = sorted(TRANSITIONS[item.status])
    app.change_homework_status(cid, item.homework_id, allowed[to % len(allowed)], actor="prop")


def correct_step(app: CaselogApplication, name: str, pick: int, action: str) -> None:
    """Amend or retract one entry, summary item or homework item, if the client has any."""
    cid = app.client_id_for(name)
    targets: list[CorrectionRequest] = []
    for e in withdrawn(app.client_events(cid)):
        if isinstance(e, UtteranceRecorded | StageDirectionRecorded):
            targets.append(CorrectionRequest("amend", session=e.session, seq=e.seq))
        elif isinstance(e, SummaryItemNoted):
            targets.append(CorrectionRequest("amend", e.session, summary=f"{e.section}:{e.item}"))
        elif isinstance(e, HomeworkAssigned):
            targets.append(CorrectionRequest("amend", homework_id=e.homework_id))
    if not targets:
        return
    request = replace(
        targets[pick % len(targets)],
        action="amend" if action == "amend" else "retract",
        text=f"Keep writing amended words {pick}" if action == "amend" else None,
        reason="prop",
    )
    with suppress(CaselogError):  # already retracted, or already reads that text
        app.record_correction(cid, request, actor="prop")


def reassign_step(app: CaselogApplication, name: str, pick: int, as_session: int) -> None:
    """Move one of the client's sessions to the other client (0: under the same number)."""
    cid = app.client_id_for(name)
    client = app.get_client(cid)
    if client is None or not client.sessions:
        return
    number = client.sessions[pick % len(client.sessions)].number
    other = next(c for c in CLIENTS if c != name)
    request = ReassignRequest(number, other, "prop", as_session or None)
    with suppress(CaselogError):  # the other client already has that number
        app.reassign_session(cid, request, actor="prop")


def run_step(app: CaselogApplication, step: tuple[object, ...]) -> bool:
    """Apply one step of a history that changes the record; False for any other step."""
    kind, args = step[0], step[1:]
    steps = {
        "record": record_step,
        "status": status_step,
        "correct": correct_step,
        "reassign": reassign_step,
    }
    if kind not in steps:
        return False
    steps[str(kind)](app, *args)  # type: ignore[operator]
    return True
