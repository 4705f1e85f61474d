"""Clinician entries through the Python API (``Store.add_homework``, ``add_insight``,
``add_note``) on both engines: what they return, how they number, what they refuse,
and two processes adding notes at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from caselog.adapters.store import open_store
from caselog.adapters.transcript_files import IngestOptions
from caselog.domain.errors import ClientNotFound, InvalidEntry, SessionNotFound
from caselog.domain.events import HomeworkAdded, InsightAdded, NoteRecorded
from caselog.projections.entries import HomeworkAddedEntry, InsightAddedEntry, NoteEntry
from tests.conftest import event_count, seed


@pytest.fixture
def store_url(db: str) -> str:
    with open_store(db, actor="setup", create=True) as store:
        done = store.ingest([str(seed("004")), str(seed("002"))], IngestOptions(actor="setup"))
        assert all(r.status == "recorded" for r in done)
    return db


def test_each_add_returns_what_it_recorded_where_and_under_which_id(store_url):
    with open_store(store_url, actor="dr.ward") as store:
        homework = store.add_homework("marcus", "Keep a sleep diary", reason="by phone")
        insight = store.add_insight("marcus", "Sundays are hardest", session=8)
        note = store.add_note("Marcus Thompson", "Engaged", actor="dr.lee")
    assert isinstance(homework.event, HomeworkAdded) and homework.entry_id == "S8.H6"
    assert homework.latest and homework.session == 8 and homework.event.reason == "by phone"
    assert homework.event.actor == "dr.ward" and homework.event.source == "manual"
    assert isinstance(insight.event, InsightAdded) and insight.entry_id == "insights:5"
    assert not insight.latest and insight.event.reason == "entered by hand"
    assert isinstance(note.event, NoteRecorded) and note.entry_id == "S8.N1"
    assert note.event.actor == "dr.lee" and note.client_name == "Marcus Thompson"


def test_entries_number_on_from_the_session_s_own(store_url):
    with open_store(store_url, actor="dr.ward") as store:
        ids = [store.add_note("alicia", f"note {i}", session=1).entry_id for i in range(3)]
        ids += [store.add_insight("alicia", f"insight {i}", session=1).entry_id for i in range(2)]
        ids += [store.add_homework("alicia", f"task {i}", session=1).entry_id for i in range(2)]
        own = len([h for h in store.records.client("alicia").homework() if h.session == 1])
        recorded_insights = len(store.records.client("alicia").summary(1).insights) - 2
    assert ids[:3] == ["S1.N1", "S1.N2", "S1.N3"]
    assert ids[3:5] == [f"insights:{recorded_insights + 1}", f"insights:{recorded_insights + 2}"]
    assert ids[5:] == [f"S1.H{own - 1}", f"S1.H{own}"]


def test_the_views_carry_each_entry(store_url):
    with open_store(store_url, actor="dr.ward") as store:
        store.add_homework("marcus", "Keep a sleep diary")
        store.add_insight("marcus", "Sundays are hardest")
        store.add_note("marcus", "Engaged")
        marcus = store.records.client("marcus")
        history = marcus.history(session=8)
        summary = marcus.summary(8)
        recap = marcus.recap()
    kinds = [type(e) for e in history[-3:]]
    assert kinds == [HomeworkAddedEntry, InsightAddedEntry, NoteEntry]
    assert summary.notes == ["Engaged"] and summary.insights[-1] == "Sundays are hardest"
    assert "Keep a sleep diary" in [h.text for h in recap.open_homework]
    assert "Clinician notes:\n- Engaged" in recap.text


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda s: s.add_note("nobody here", "x"), ClientNotFound, "no client matches"),
        (lambda s: s.add_note("marcus", "x", session=2), SessionNotFound, "no session 2"),
        (lambda s: s.add_homework("marcus", " \n "), InvalidEntry, "homework text is empty"),
        (lambda s: s.add_insight("marcus", ""), InvalidEntry, "insight text is empty"),
    ],
)
def test_refused_entries_raise_a_caselog_error_and_store_nothing(store_url, call, error, words):
    before = event_count(store_url)
    with open_store(store_url, actor="dr.ward") as store, pytest.raises(error, match=words):
        call(store)
    assert event_count(store_url) == before


_WRITER = textwrap.dedent(
    """
    import sys
    from caselog.adapters.store import open_store

    url, who = sys.argv[1], sys.argv[2]
    with open_store(url, actor=who) as store:
        for i in range(8):
            store.add_note("marcus", f"{who} {i}")
    """
)


def test_two_processes_adding_notes_at_once_lose_none_and_share_no_id(store_url):
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, store_url, who], stderr=subprocess.PIPE)
        for who in ("one", "two")
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    with open_store(store_url, actor="check") as store:
        notes = [e for e in store.records.client("marcus").history() if isinstance(e, NoteEntry)]
    assert sorted(n.text for n in notes) == sorted(
        f"{w} {i}" for w in ("one", "two") for i in range(8)
    )
    assert sorted(n.note_id for n in notes) == sorted(f"S8.N{k}" for k in range(1, 17))
