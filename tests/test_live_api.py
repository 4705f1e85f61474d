"""The live write API (``store.client(...).session(...)``) on real SQLite and PostgreSQL:
each call committed before it returns, resume, idempotent retry, refusal after the end,
and two writers — real processes — on one session and on one client."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caselog.adapters.store import open_store
from caselog.domain.errors import AmbiguousClient, InvalidLiveInput, SessionClosed, StoreError
from caselog.domain.events import HomeworkAssigned, UtteranceRecorded
from caselog.domain.live import Opening, SessionSummary
from tests.conftest import event_count

ROWAN = "Rowan Vale"

# A writer in its own process: opens SESSION of CLIENT, says it is ready, waits for the
# start file (so that the writers' turns interleave), then says COUNT turns, each tagged.
_WRITER = """
import sys, time
from pathlib import Path
from caselog.adapters.store import open_store
db, client, session, count, tag, ready, start = sys.argv[1:8]
with open_store(db, actor=tag) as store:
    live = store.client(client).session(int(session), professional="Dr. Ines Ward")
    Path(ready).touch()
    while not Path(start).exists():
        time.sleep(0.001)
    for i in range(int(count)):
        live.say("client", f"{tag} turn {i}")
"""
TURNS = 60


@pytest.fixture
def store(db):
    with open_store(db, create=True, actor="Dr. Ines Ward") as opened:
        yield opened


def _texts(store, session: int) -> list[str]:
    record = store.records.client(ROWAN)
    return [e.text for e in record.history(session=session) if e.kind == "utterance"]


def test_each_call_is_committed_before_it_returns(store, db):
    live = store.client(ROWAN).session(3, date=dt.date(2026, 5, 4), professional="Dr. Ines Ward")
    said = live.say("client", "I kept waking at four.", clock="10:04")
    # Another store object — its own connection — reads it before the session ends.
    with open_store(db) as other:
        (session,) = other.records.client(ROWAN).sessions()
        turns = other.records.client(ROWAN).history(session=3)
    assert said.seq == 1
    assert session.status == "in_progress" and session.ended is None
    assert session.source.format == "live" and session.professional == "Dr. Ines Ward"
    assert [t.text for t in turns if t.kind == "utterance"] == ["I kept waking at four."]


def test_every_event_carries_the_actor(store):
    live = store.client(ROWAN).session(1)
    live.say("professional", "How was the week?")
    live.end()
    cid = store.client_id(ROWAN)
    assert {e.actor for e in store.app.client_events(cid)} == {"Dr. Ines Ward"}


def test_a_later_store_resumes_an_unended_session_where_it_stopped(store, db):
    first = store.client(ROWAN).session(2, professional="Dr. Ines Ward")
    first.say("client", "One.")
    first.direct("pauses")
    with open_store(db) as later:
        resumed = later.client("rowan vale").session(2)
        said = resumed.say("professional", "Two.")
    assert resumed.resumed and not first.resumed
    assert said.seq == 3
    assert said.events[0].speaker == "Dr. Ines Ward"  # the professional it was opened with
    assert _texts(store, 2) == ["One.", "Two."]


def test_a_retried_call_with_the_same_key_records_once(store, db):
    live = store.client(ROWAN).session(1)
    first = live.say("client", "Hello.", idempotency_key="turn-1")
    before = event_count(db)
    again = live.say("client", "Hello.", idempotency_key="turn-1")
    # A retry from another process, that never saw the first call's answer.
    with open_store(db) as other:
        retried = other.client(ROWAN).session(1).say("client", "Hello.", idempotency_key="turn-1")
    assert event_count(db) == before
    assert again.repeated and retried.repeated and not first.repeated
    assert again.seq == retried.seq == first.seq == 1
    assert _texts(store, 1) == ["Hello."]


def test_an_ended_session_refuses_every_append_and_records_nothing(store, db):
    live = store.client(ROWAN).session(1)
    live.say("client", "Bye.")
    live.end("natural_end")
    before = event_count(db)
    with pytest.raises(SessionClosed, match="session 1 of Rowan Vale has ended"):
        live.say("client", "One more thing.")
    with open_store(db) as other:
        reopened = other.client(ROWAN).session(1)
        assert reopened.ended
        with pytest.raises(SessionClosed):
            reopened.assign("Anything")
    assert event_count(db) == before
    (session,) = store.records.client(ROWAN).sessions()
    assert session.status == "ended" and session.ended is not None
    assert session.ended.reason == "natural_end"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda live: live.say("patient", "Hi."), "Say role"),
        (lambda live: live.say("client", "   "), "Say text"),
        (
            lambda live: live.say("client", "Hi.", clock="25:99"),
            "Say clock: expected a clock time such as 10:04",
        ),
        (lambda live: live.end("finished"), "End reason"),
        (lambda live: live.record(Opening()), "not a step"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_with_its_field_and_nothing_is_recorded(
    store, db, call, message
):
    live = store.client(ROWAN).session(1)
    before = event_count(db)
    with pytest.raises((InvalidLiveInput, TypeError), match=message):
        call(live)
    assert event_count(db) == before


def test_a_summary_with_no_items_is_refused(store):
    with pytest.raises(ValueError, match="at least one item"):
        SessionSummary()


def test_a_summary_is_recorded_in_its_sections_and_its_homework_is_homework(store):
    live = store.client(ROWAN).session(1)
    live.insight("Sleep worry peaks on Sunday nights")
    recorded = live.summarize(
        SessionSummary(
            topics=("Sleep",), homework=("Keep a sleep diary",), insights=("Naps make it worse",)
        )
    )
    summary = store.records.client(ROWAN).summary(1)
    assert recorded.homework_ids == ("S1.H1",)
    assert summary.topics == ["Sleep"]
    assert summary.insights == ["Sleep worry peaks on Sunday nights", "Naps make it worse"]
    assert summary.homework == ["Keep a sleep diary"]


def test_homework_carried_into_the_next_session_is_linked_as_in_ingest(store):
    first = store.client(ROWAN).session(1)
    first.assign("Keep a sleep diary")
    first.end()
    second = store.client(ROWAN).session(2)
    second.assign("Keep the sleep diary every night")
    (earlier, later) = store.records.client(ROWAN).homework()
    assert (earlier.status, earlier.carried_to) == ("carried_forward", "S2.H1")
    assert later.carried_from == "S1.H1" and later.session_in_progress


def test_homework_cues_in_a_professional_turn_are_homework_when_asked_for(store):
    live = store.client(ROWAN, detect_homework=True).session(1)
    said = live.say("professional", "For homework, I'd like you to keep a sleep diary.")
    client_said = live.say("client", "For homework, I'd like you to keep a sleep diary.")
    quiet = store.client(ROWAN).session(1).say("professional", "For homework, walk daily.")
    cid = store.client_id(ROWAN)
    homework = [e for e in store.app.client_events(cid) if isinstance(e, HomeworkAssigned)]
    assert said.homework_ids == ("S1.H1",) and homework[0].utterance == said.seq
    assert client_said.homework_ids == () and quiet.homework_ids == ()
    assert [h.source for h in homework] == ["dialogue"]


def test_recap_for_the_next_session_says_the_one_before_is_in_progress(store):
    first = store.client(ROWAN).session(1)
    first.summarize(SessionSummary(topics=("Sleep",), homework=("Keep a sleep diary",)))
    first.end()
    second = store.client(ROWAN).session(2)
    second.say("client", "Still going.")
    recap = store.records.client(ROWAN).recap(for_session=3)
    assert recap.in_progress == [2]
    assert recap.note is not None and "session 2 is still in progress" in recap.note
    assert recap.from_session == 1  # session 2 has no summary yet
    assert "Keep a sleep diary" in recap.text and "in progress" not in recap.text


def _writer(db: str, session: int, tag: str, go: Path) -> subprocess.Popen[str]:
    ready = go.with_name(f"ready-{tag}")
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, db, ROWAN, str(session), str(TURNS), tag, ready, go],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CASELOG_ACTOR": tag},
    )


@pytest.mark.parametrize("sessions", [(1, 1), (1, 2)], ids=["same-session", "same-client"])
def test_two_writer_processes_on_one_client_lose_nothing_and_number_each_entry_once(
    store, db, sessions, tmp_path
):
    store.client(ROWAN).session(sessions[0])  # the client exists; both processes race on
    go = tmp_path / "go"
    writers = [_writer(db, n, f"w{i}", go) for i, n in enumerate(sessions)]
    deadline = time.monotonic() + 60
    while not all(go.with_name(f"ready-w{i}").exists() for i in range(2)):
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers)
        time.sleep(0.01)
    go.touch()
    for w in writers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err
    cid = store.client_id(ROWAN)
    turns = [e for e in store.app.client_events(cid) if isinstance(e, UtteranceRecorded)]
    for n in set(sessions):
        seqs = [t.seq for t in turns if t.session == n]
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    for tag in ("w0", "w1"):
        mine = [t.text for t in turns if t.actor == tag]
        assert mine == [f"{tag} turn {i}" for i in range(TURNS)]


def test_an_erased_client_refuses_a_new_session(store, db):
    store.client(ROWAN).session(1).say("client", "Hello.")
    cid = store.client_id(ROWAN)
    store.app.erase_client(cid, actor="Dr. Ines Ward", reason="request")
    with pytest.raises(StoreError, match="nothing can be recorded for this client"):
        store.client(ROWAN).session(2)


def test_a_name_that_only_begins_a_clients_name_is_refused_and_records_nothing(store, db):
    store.client(ROWAN).session(1).say("client", "Hello.")
    before = event_count(db)
    with pytest.raises(AmbiguousClient, match="'Rowan' is not a recorded client's full name"):
        store.client("Rowan").session(1).say("client", "Someone else entirely.")
    assert event_count(db) == before
    assert _texts(store, 1) == ["Hello."]


def test_a_full_name_in_any_case_or_the_id_records_for_the_same_client(store, db):
    store.client(ROWAN).session(1).say("client", "Hello.")
    store.client("rowan VALE").session(1).say("client", "Again.")
    store.client(str(store.client_id(ROWAN))[:8]).session(1).say("client", "Third.")
    assert _texts(store, 1) == ["Hello.", "Again.", "Third."]
    assert [name for _, name in store.app.registered_clients()] == [ROWAN]


def test_new_client_begins_someone_new_whose_name_begins_another(store):
    store.client(ROWAN).session(1).say("client", "Hello.")
    store.client("Rowan", new_client=True).session(1).say("client", "I am not Rowan Vale.")
    assert sorted(name for _, name in store.app.registered_clients()) == ["Rowan", ROWAN]
    assert _texts(store, 1) == ["Hello."]
    # Named in full from then on, the new client is found without the flag.
    store.client("Rowan").session(1).say("client", "Still me.")
    history = store.records.client("Rowan").history(session=1)
    assert [e.text for e in history if e.kind == "utterance"] == [
        "I am not Rowan Vale.",
        "Still me.",
    ]


def test_new_client_is_refused_for_a_name_already_recorded(store):
    store.client(ROWAN).session(1).say("client", "Hello.")
    with pytest.raises(StoreError, match="Rowan Vale is already a client"):
        store.client("rowan vale", new_client=True)


@pytest.mark.parametrize(
    ("role", "speaker", "named"),
    [("client", "Ines", "professional, Dr. Ines Ward"), ("professional", "R. Vale", "client")],
)
def test_a_turn_whose_speaker_is_the_other_participant_is_refused(store, db, role, speaker, named):
    live = store.client(ROWAN).session(1, professional="Dr. Ines Ward")
    live.say("client", "Hello.")
    before = event_count(db)
    with pytest.raises(InvalidLiveInput, match=f"names the session's {named}"):
        live.say(role, "Swapped words.", speaker=speaker)
    assert event_count(db) == before
