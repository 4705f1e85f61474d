"""The store on real SQLite and PostgreSQL: mapping, upcasting, atomic saves, the id namespace."""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.utils import get_topic

from caselog.adapters.mapper import allow_event_class
from caselog.adapters.store import open_store
from caselog.domain.client import project_client
from caselog.domain.errors import ConcurrentChange, SessionConflict, StoreError
from caselog.domain.events import DomainEvent, UtteranceRecorded
from tests.conftest import raw, sibling
from tests.sessions import parsed


class RenamedField(DomainEvent):
    """Version 2 renamed ``words`` to ``text``."""

    class_version: ClassVar[int] = 2
    text: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["text"] = state.pop("words")


allow_event_class(RenamedField)


def test_events_round_trip_through_the_mapper_unchanged(app):
    outcome = app.record_session(parsed(), actor="tester")
    stored = app.client_events(outcome.client_id)
    assert len(stored) == outcome.events
    utterances = [e for e in stored if isinstance(e, UtteranceRecorded)]
    assert utterances[1].text == "Secret words first."
    assert utterances[0].clock == "10:00"
    assert stored[0].actor == "tester"


@pytest.fixture
def plain(db):
    return open_store(db, create=True, plaintext=True).app


def test_stored_state_is_orjson_without_ids(plain):
    app = plain
    outcome = app.record_session(parsed(), actor="tester")
    (first,) = app.recorder.select_events(outcome.client_id, lte=1)
    state = orjson.loads(first.state)
    assert state["name"] == "Jo Example"
    assert "originator_id" not in state and "class_version" not in state


def test_an_old_stored_state_is_upcast_when_read(plain):
    app = plain
    old = StoredEvent(
        originator_id=app.client_id_for("someone"),
        originator_version=1,
        topic=get_topic(RenamedField),
        state=orjson.dumps({"timestamp": "2025-01-01T00:00:00+00:00", "actor": "a", "words": "hi"}),
    )
    app.recorder.insert_events([old])
    (event,) = app.client_events(old.originator_id)
    assert isinstance(event, RenamedField) and event.text == "hi"
    restored = app.mapper.to_stored_event(event)
    assert orjson.loads(restored.state)["class_version"] == 2


def test_the_unvalidated_stored_state_is_the_events_json_form(app):
    outcome = app.record_session(parsed(), actor="tester")
    stored = app.recorder.select_events(outcome.client_id)
    events = app.client_events(outcome.client_id)
    for row, event in zip(stored, events, strict=True):
        cls, state = app.mapper.to_state(row)
        assert cls is type(event)
        assert state == {
            **event.model_dump(mode="json"),
            "originator_id": event.originator_id,
            "originator_version": event.originator_version,
        }


def test_the_unvalidated_stored_state_is_upcast_too(plain):
    old = StoredEvent(
        originator_id=plain.client_id_for("someone"),
        originator_version=1,
        topic=get_topic(RenamedField),
        state=orjson.dumps({"timestamp": "2025-01-01T00:00:00+00:00", "actor": "a", "words": "hi"}),
    )
    cls, state = plain.mapper.to_state(old)
    assert cls is RenamedField
    assert state["text"] == "hi" and "words" not in state and "class_version" not in state


def test_a_save_that_fails_part_way_stores_none_of_its_events(app):
    outcome = app.record_session(parsed(), actor="a")
    before = app.recorder.max_notification_id()
    client = app.get_client(outcome.client_id)
    fresh = parsed(session=2, body="second")
    from caselog.domain.recording import Target, record_session

    events = record_session(client, fresh, Target(outcome.client_id, "Jo Example", 2), "a")
    clash = events[-1].model_copy(update={"originator_version": 1})  # version 1 exists already
    with pytest.raises(IntegrityError):
        app.save(*events[:-1], clash)
    assert app.recorder.max_notification_id() == before


def test_the_id_namespace_is_kept_by_the_store(db):
    first = open_store(db, create=True).app.client_id_for("Alex")
    assert open_store(db).app.client_id_for("Alex") == first
    assert open_store(sibling(db, "other"), create=True).app.client_id_for("Alex") != first


def test_reading_a_missing_store_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="no caselog store at"):
        open_store(str(tmp_path / "absent.db"))


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="is not a caselog store"):
        open_store(str(junk))


def _snapshot_rows(db: str) -> list[tuple[int, bytes]]:
    with raw(db).transaction() as conn:
        rows = conn.execute(
            "SELECT originator_version, state FROM stored_snapshots ORDER BY originator_version"
        ).fetchall()
    return [(version, bytes(state)) for version, state in rows]


def test_each_recorded_session_leaves_a_snapshot_without_utterance_or_summary_text(app, db):
    first = app.record_session(parsed(body="zebra-one", with_summary=True), actor="t")
    second = app.record_session(parsed(body="zebra-two", session=2, file="2.txt"), actor="t")
    rows = _snapshot_rows(db)
    assert [version for version, _ in rows] == [first.events, first.events + second.events]
    for _, state in rows:
        # Only homework text, which carry-forward decisions need, is in the state.
        assert b"Secret words" not in state and b"Hello (" not in state
        assert b"summary topics" not in state and b"summary insights" not in state


def test_a_client_loaded_from_its_snapshot_equals_one_replayed_from_every_event(app):
    outcome = app.record_session(parsed(homework=("Walk daily",)), actor="t")
    app.record_session(parsed(body="b", session=2, file="2.txt", with_summary=True), actor="t")
    app.change_homework_status(outcome.client_id, "S1.H1", "in_progress", actor="t")
    replayed = project_client(None, app.client_events(outcome.client_id))
    assert app.get_client(outcome.client_id) == replayed
    assert replayed is not None and replayed.homework_item("S1.H1").status == "in_progress"


def test_a_lost_snapshot_costs_only_time(app, db):
    outcome = app.record_session(parsed(homework=("Walk daily",)), actor="t")
    with_snapshot = app.get_client(outcome.client_id)
    with raw(db).transaction() as conn:
        conn.execute("DELETE FROM stored_snapshots")
    assert app.get_client(outcome.client_id) == with_snapshot


def test_a_sessions_snapshot_is_written_in_its_events_transaction(app, db):
    first = app.record_session(parsed(), actor="tester")
    assert app.snapshots is not None
    (snapshot,) = app.snapshots.recorder.select_events(first.client_id, desc=True, limit=1)
    assert snapshot.originator_version == first.events
    # Block the snapshot the next session would write: its events must not be stored either.
    planned = app.record_session(
        parsed(session=2, file="b.txt", body="second"), actor="tester", dry_run=True
    )
    blocker = StoredEvent(
        originator_id=snapshot.originator_id,
        originator_version=first.events + planned.events,
        topic=snapshot.topic,
        state=snapshot.state,
    )
    app.snapshots.recorder.insert_events([blocker])
    with pytest.raises(ConcurrentChange):
        app.record_session(parsed(session=2, file="b.txt", body="second"), actor="tester")
    assert len(app.client_events(first.client_id)) == first.events


def test_one_files_sessions_are_recorded_all_together_or_not_at_all(app):
    app.record_session(parsed(session=2, file="b.txt", body="second"), actor="tester")
    both = [parsed(session=1), parsed(session=2, file="other.txt", body="different")]
    with pytest.raises(SessionConflict):
        app.record_sessions(both, actor="tester")
    cid = app.client_id_for("Jo Example")
    client = app.get_client(cid)
    assert client is not None and [s.number for s in client.sessions] == [2]
    outcomes = app.record_sessions(
        [parsed(session=1), parsed(session=3, file="c.txt", body="3")], actor="tester"
    )
    assert [o.status for o in outcomes] == ["recorded", "recorded"]
    client = app.get_client(cid)
    assert client is not None and sorted(s.number for s in client.sessions) == [1, 2, 3]
