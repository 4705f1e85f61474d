"""What the record holds after ingesting each seed transcript (the issue's acceptance figures)."""

from __future__ import annotations

import pytest

from caselog.adapters.store import open_store
from caselog.application.records import Records
from caselog.domain.events import (
    HomeworkAssigned,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionOpened,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.summaries import summaries_by_session
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Records:
    from tests.conftest import Cli

    db = str(tmp_path_factory.mktemp("seeds") / "seeds.db")
    assert Cli(db)("ingest", str(FIXTURES)).exit_code == 0
    return Records(open_store(db).app)


def _session_events(store: Records, client: str, session: int):
    return [
        e
        for e in store.client(client).events()
        if getattr(e, "session", None) == session
        and not (isinstance(e, HomeworkAssigned) and e.source == "quoted")
    ]


def _of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def test_format_a_session_of_alex(store):
    events = _session_events(store, "Alex", 5)
    (opened,) = _of(events, SessionOpened)
    assert (opened.planned_total, opened.date.isoformat()) == (24, "2025-05-29")
    assert opened.professional == "Dr. Harper Torres"
    assert store.client("Alex").app.get_client(store.client("Alex").id).descriptor == (
        "Product Designer"
    )
    utterances = _of(events, UtteranceRecorded)
    assert len(utterances) == 32
    assert sum(u.role == "professional" for u in utterances) == 17
    assert sum(u.role == "client" for u in utterances) == 15
    assert len(_of(events, StageDirectionRecorded)) == 1
    (session,) = [s for s in store.client("Alex").sessions() if s.number == 5]
    assert (session.ended.reason, session.ended.clock) == ("end_marker", "11:35")
    homework = _of(events, HomeworkAssigned)
    assert len(homework) == 3 and {h.source for h in homework} == {"dialogue"}


def test_format_b_session_of_alex(store):
    events = _session_events(store, "Alex", 14)
    (opened,) = _of(events, SessionOpened)
    assert (opened.planned_total, opened.date.isoformat()) == (24, "2025-07-31")
    utterances = _of(events, UtteranceRecorded)
    assert len(utterances) == 33
    split = [u for u in utterances if u.clock == "10:10" and u.role == "professional"]
    assert len(split) == 2 and split[1].text.startswith("Now, identify three things")
    (session,) = [s for s in store.client("Alex").sessions() if s.number == 14]
    assert (session.ended.reason, session.ended.clock) == ("end_marker", "10:31")


def test_format_c_session_of_alicia(store):
    events = _session_events(store, "Alicia Rodriguez", 1)
    (opened,) = _of(events, SessionOpened)
    assert opened.professional == "Nova"
    assert len(_of(events, UtteranceRecorded)) == 12
    assert len(_of(events, StageDirectionRecorded)) == 1
    (session,) = [s for s in store.client("alicia").sessions() if s.number == 1]
    assert (session.ended.reason, session.ended.detail) == ("natural_end", r"\btake care\b")
    summary = summaries_by_session(store.client("alicia").events())[1]
    assert {k: len(v) for k, v in summary.items()} == {
        "topics": 5,
        "techniques": 4,
        "helpful": 4,
        "homework": 3,
        "insights": 4,
        "other": 0,
    }


def test_format_d_continuation_of_alicia(store):
    events = _session_events(store, "Alicia Rodriguez", 2)
    assert len(_of(events, UtteranceRecorded)) == 28
    flags = _of(events, QualityFlagRaised)
    assert sum(f.kind == "generator_refusal" for f in flags) == 6
    (session,) = [s for s in store.client("alicia").sessions() if s.number == 2]
    assert session.ended.reason == "incomplete"
    (quoted,) = _of(events, PriorSummaryQuoted)
    assert quoted.about_session == 1 and quoted.in_utterance is None
    session_one = summaries_by_session(store.client("alicia").events())[1]
    recorded = {key: items for key, items in session_one.items() if items}
    assert {s.key: [i.text for i in s.items] for s in quoted.sections} == recorded
    assert sum(len(s.items) for s in quoted.sections) == 20


def test_format_c_session_of_marcus_with_a_quoted_summary(store):
    events = _session_events(store, "Marcus Thompson", 8)
    (quoted,) = _of(events, PriorSummaryQuoted)
    assert quoted.about_session == 7
    assert [len(s.items) for s in quoted.sections] == [3, 3, 3, 3, 3]
    utterances = _of(events, UtteranceRecorded)
    assert len(utterances) == 14
    first_client = next(u for u in utterances if u.role == "client")
    assert quoted.in_utterance == first_client.seq
    (session,) = store.client("marcus").sessions()
    assert (session.ended.reason, session.ended.detail) == (
        "natural_end",
        r"\bdon't hesitate to reach out\b",
    )
    summary = summaries_by_session(store.client("marcus").events())[8]
    assert {k: len(v) for k, v in summary.items()} == {
        "topics": 4,
        "techniques": 4,
        "helpful": 4,
        "homework": 5,
        "insights": 4,
        "other": 0,
    }
    quoted_homework = [
        e
        for e in store.client("marcus").events()
        if isinstance(e, HomeworkAssigned) and e.source == "quoted"
    ]
    assert [(h.homework_id, h.session) for h in quoted_homework] == [
        ("S7.H1", 7),
        ("S7.H2", 7),
        ("S7.H3", 7),
    ]


def test_summary_items_keep_their_headings_as_written(store):
    helpful = [
        e.heading
        for e in store.client("marcus").events()
        if isinstance(e, SummaryItemNoted) and e.section == "helpful"
    ]
    assert set(helpful) == {"Helpful/Important Elements:"}
