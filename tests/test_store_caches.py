"""What a process remembers between writes — the client states it recorded, the chain
links it wrote — never stands in for what the store says now."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from caselog.adapters import recorder as chained
from caselog.adapters.erasure import erase_client
from caselog.adapters.store import open_store, store_settings
from caselog.adapters.verify import verify_events
from caselog.domain.errors import RecordErased
from tests.conftest import postgres_store, raw
from tests.sessions import parsed


@pytest.fixture
def pg() -> Iterator[str]:
    yield from postgres_store("caches")


def _event(client: uuid.UUID, version: int, state: bytes = b"s") -> StoredEvent:
    return StoredEvent(
        originator_id=client, originator_version=version, topic="t:T", state=state + b"%d" % version
    )


def test_a_client_erased_by_another_process_is_refused_not_reported_unchanged(db):
    recording = open_store(db, create=True).app
    session = parsed(client="Ana Pereira", session=1, body="one")
    outcome = recording.record_session(session, actor="t")
    other = open_store(db).app
    erase_client(other, store_settings(db), outcome.client_id, actor="t", reason="request 9")
    with pytest.raises(RecordErased):
        recording.record_session(session, actor="t")


def test_a_state_recorded_here_is_used_again_only_while_it_is_the_latest(db):
    here, elsewhere = open_store(db, create=True).app, open_store(db).app
    here.record_session(parsed(client="Ana Pereira", session=1, body="one"), actor="t")
    elsewhere.record_session(parsed(client="Ana Pereira", session=2, body="two"), actor="t")
    third = here.record_session(parsed(client="Ana Pereira", session=3, body="three"), actor="t")
    assert third.status == "recorded"
    events = here.client_events(third.client_id)
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert verify_events(raw(db), None).breaks == []


@pytest.mark.postgres
def test_a_thread_whose_write_failed_leaves_no_link_for_another_threads_next_write(pg):
    """T1 commits while T2, on the same recorder, chains a write that then clashes."""
    app, other = open_store(pg, create=True).app, open_store(pg).app
    x, y = uuid.uuid4(), uuid.uuid4()
    app.recorder.insert_events([_event(x, 1)])
    other.recorder.insert_events([_event(x, 2)])  # another process takes version 2

    library = type(app.recorder).__mro__[type(app.recorder).__mro__.index(chained.Chained) + 1]
    real_insert, real_chain = library.insert_events, chained.Chained.chain
    t1_committed, t2_chained = threading.Event(), threading.Event()

    def insert_then_wait(self, events, **kwargs):
        ids = real_insert(self, events, **kwargs)
        if threading.current_thread().name == "T1":
            t1_committed.set()
            t2_chained.wait(10)  # committed; T2 chains before T1 takes its links
        return ids

    def chain_then_signal(self, events, read_link):
        rows = real_chain(self, events, read_link)
        if threading.current_thread().name == "T2":
            t2_chained.set()
        return rows

    clashed: list[BaseException] = []

    def stale_write() -> None:
        try:
            app.recorder.insert_events([_event(x, 2, b"other")])
        except IntegrityError as e:
            clashed.append(e)

    library.insert_events, chained.Chained.chain = insert_then_wait, chain_then_signal
    try:
        first = threading.Thread(
            target=lambda: app.recorder.insert_events([_event(y, 1)]), name="T1"
        )
        second = threading.Thread(target=stale_write, name="T2")
        first.start()
        assert t1_committed.wait(10)
        second.start()
        first.join()
        second.join()
    finally:
        library.insert_events, chained.Chained.chain = real_insert, real_chain
    assert len(clashed) == 1
    app.recorder.insert_events([_event(x, 3)])
    assert verify_events(raw(pg), None).breaks == []


@pytest.mark.postgres
def test_the_librarys_database_function_insert_is_never_taken(pg, monkeypatch):
    """It would skip the chained recorder's insert and store events without links."""
    monkeypatch.setenv("POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    app = open_store(pg, create=True, plaintext=True).app
    app.recorder.insert_events([_event(uuid.uuid4(), 1)])
    assert verify_events(raw(pg), None).breaks == []


def test_a_dry_run_decides_on_what_the_store_says_now(db):
    here, elsewhere = open_store(db, create=True).app, open_store(db).app
    here.record_session(parsed(client="Ana Pereira", session=1, body="one"), actor="t")
    second = parsed(client="Ana Pereira", session=2, body="two")
    elsewhere.record_session(second, actor="t")
    (outcome,) = here.record_sessions([second], actor="t", dry_run=True)
    assert outcome.status == "unchanged"
