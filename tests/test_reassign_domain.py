"""The reassignment decision without a store, and the service on both engines."""

from __future__ import annotations

from uuid import uuid4

import pytest

from caselog.application.records import Records
from caselog.domain.client import project_client
from caselog.domain.corrections import CorrectionRequest
from caselog.domain.errors import InvalidReassignment, SessionConflict, SessionNotFound
from caselog.domain.events import (
    ClientRegistered,
    HomeworkAssigned,
    SessionEvent,
    SessionReassigned,
    SessionReceived,
)
from caselog.domain.reassignment import ReassignRequest, decide_reassignment
from caselog.domain.recording import Target, record_session
from caselog.domain.withdrawal import withdrawn
from caselog.projections.asof import AsOf
from caselog.projections.entries import UtteranceEntry
from tests.sessions import parsed


def test_the_decision_is_pure_and_copies_the_session_under_the_receiving_client():
    source_id, target_id, rid = uuid4(), uuid4(), uuid4()
    events = record_session(
        None, parsed(homework=("Walk daily", "Sleep early")), Target(source_id, "Jo", 3), "intake"
    )
    source = project_client(None, events)
    assert source is not None
    request = ReassignRequest(3, "Bo Lane", "wrong client", to_session=7)
    decided = decide_reassignment(
        source, events, None, target_id, request, actor="dr-lee", reassignment=rid
    )
    (moved,) = decided.source_events
    assert isinstance(moved, SessionReassigned)
    assert (moved.originator_version, moved.session, moved.to_session) == (source.version + 1, 3, 7)
    assert moved.homework == (("S3.H1", "S7.H1"), ("S3.H2", "S7.H2"))
    registered, received, *copies = decided.target_events
    assert isinstance(registered, ClientRegistered) and registered.name == "Bo Lane"
    assert isinstance(received, SessionReceived) and received.reassignment == rid
    assert received.first_recorded_at == events[1].timestamp  # the SessionOpened
    assert decided.created and decided.to_session == 7
    assert [e.originator_version for e in decided.target_events] == list(
        range(1, len(decided.target_events) + 1)
    )
    assert all(e.originator_id == target_id for e in decided.target_events)
    own = [e for e in events if isinstance(e, SessionEvent)]
    assert [type(e) for e in copies] == [type(e) for e in own]
    assert all(isinstance(e, SessionEvent) and e.session == 7 for e in copies)
    assert all(c.actor == "intake" for c in copies)  # who recorded each fact
    assert [e.homework_id for e in copies if isinstance(e, HomeworkAssigned)] == ["S7.H1", "S7.H2"]
    assert [c.model_dump(exclude=_MOVED) for c in copies] == [
        e.model_dump(exclude=_MOVED) for e in own
    ]
    target = project_client(None, decided.target_events)
    assert target is not None and [s.number for s in target.sessions] == [7]
    after = project_client(source, decided.source_events)
    assert after is not None and after.sessions == () and after.homework == ()


_MOVED = {"originator_id", "originator_version", "timestamp", "session", "homework_id"}


def test_the_decision_refuses_what_it_cannot_record():
    source_id = uuid4()
    events = record_session(None, parsed(), Target(source_id, "Jo", 1), "t")
    source = project_client(None, events)
    other_events = record_session(None, parsed(body="b"), Target(uuid4(), "Bo", 1), "t")
    other = project_client(None, other_events)
    assert source is not None and other is not None

    def decide(target=None, target_id=None, **given):
        request = ReassignRequest(**{"session": 1, "to_name": "Bo", "reason": "r", **given})
        return decide_reassignment(
            source, events, target, target_id or uuid4(), request, actor="a", reassignment=uuid4()
        )

    with pytest.raises(InvalidReassignment, match="needs a reason"):
        decide(reason=" ")
    with pytest.raises(SessionNotFound, match="no session 2 recorded"):
        decide(session=2)
    with pytest.raises(InvalidReassignment, match="already filed under Jo"):
        decide(target=source, target_id=source_id)
    with pytest.raises(SessionConflict, match="--as-session 2"):
        decide(target=other, target_id=other.id)
    assert decide(target=other, target_id=other.id, to_session=2).to_session == 2


def test_moved_homework_continues_the_receiving_clients_open_item_as_ingest_would(app):
    app.record_session(parsed(homework=("Practice breathing exercises nightly",)), actor="t")
    continued = parsed(
        client="Bo Lane",
        session=2,
        body="bo",
        homework=("Continue practicing breathing exercises",),
    )
    app.record_session(continued, actor="t")
    bo = app.client_id_for("Bo Lane")
    app.reassign_session(bo, ReassignRequest(2, "Jo Example", "wrong client"), actor="dr-lee")
    views = {v.homework_id: v for v in Records(app).client("jo example").homework()}
    assert views["S1.H1"].status == "carried_forward" and views["S1.H1"].carried_to == "S2.H1"
    assert views["S2.H1"].carried_from == "S1.H1"
    assert views["S1.H1"].history[-1].actor == "dr-lee"


def test_a_number_freed_by_a_move_can_be_recorded_again_and_corrected_on_its_own(app):
    app.record_session(parsed(body="first", homework=("Walk daily",)), actor="t")
    jo = app.client_id_for("Jo Example")
    app.change_homework_status(jo, "S1.H1", "in_progress", actor="t")
    app.reassign_session(jo, ReassignRequest(1, "Bo Lane", "wrong"), actor="t")
    again = app.record_session(parsed(body="other", homework=("Read nightly",)), actor="t")
    assert again.status == "recorded"
    fix = CorrectionRequest("amend", session=1, seq=3, text="Amended words.", reason="typo")
    app.record_correction(jo, fix, actor="t")
    record = Records(app).client("jo example")
    texts = [e.text for e in record.history(session=1) if isinstance(e, UtteranceEntry)]
    assert texts == ["Hello (other).", "Amended words."]
    assert [(v.homework_id, v.text, v.status) for v in record.homework()] == [
        ("S1.H1", "Read nightly", "assigned")
    ]
    assert [s.source.file for s in record.sessions()] == ["jo.txt"]
    assert len(record.sessions(at=AsOf(session=1))) == 1
    # The moved one reads as it did, under the other client.
    bo = Records(app).client("bo lane")
    assert [v.status for v in bo.homework()] == ["in_progress"]
    (moved,) = bo.sessions()
    assert moved.reassigned_from is not None and moved.reassigned_from.client_id == str(jo)
    # Moving the new session 1 too moves only its own events.
    app.reassign_session(jo, ReassignRequest(1, "Bo Lane", "wrong", 2), actor="t")
    texts = [e.text for e in bo.history(session=2) if isinstance(e, UtteranceEntry)]
    assert texts == ["Hello (other).", "Amended words."]
    assert record.sessions() == [] and record.homework() == []
    assert isinstance(withdrawn(app.client_events(jo))[-1], SessionReassigned)  # kept
