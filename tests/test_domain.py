"""The domain decides without a store: recording, idempotency, conflicts, ids."""

from __future__ import annotations

import uuid

import pytest

from caselog.domain.client import Client, evolve, project_client
from caselog.domain.errors import SessionConflict
from caselog.domain.events import (
    ClientRegistered,
    DomainEvent,
    HomeworkAssigned,
    SessionEnded,
    SessionOpened,
    UtteranceRecorded,
)
from caselog.domain.identity import client_id, may_be_client, names_person, normalise_name
from caselog.domain.recording import Target, record_session
from caselog.domain.transcript import QuotedSummary
from tests.sessions import parsed, summary

NS = uuid.UUID("12345678-1234-5678-1234-567812345678")


def _target(session: int = 1) -> Target:
    return Target(client_id(NS, "Jo Example"), "Jo Example", session)


def _state(events: list[DomainEvent], client: Client | None = None) -> Client:
    result = project_client(client, events)
    assert result is not None
    return result


def test_client_ids_are_deterministic_per_normalised_name():
    assert client_id(NS, "  Marcus   THOMPSON ") == client_id(NS, "marcus thompson")
    assert client_id(NS, "Marcus Thompson") != client_id(NS, "Marcus Thomson")
    assert normalise_name("Alicia\tRodriguez ") == "alicia rodriguez"


def test_client_ids_differ_between_stores():
    assert client_id(NS, "Alex") != client_id(uuid.uuid4(), "Alex")


def test_a_new_client_is_registered_then_the_session_recorded_in_source_order():
    events = record_session(None, parsed(), _target(), "dr-who")
    assert isinstance(events[0], ClientRegistered)
    assert isinstance(events[1], SessionOpened)
    assert isinstance(events[-1], SessionEnded)
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
    assert {e.actor for e in events} == {"dr-who"}
    texts = [e.text for e in events if isinstance(e, UtteranceRecorded)]
    assert texts == ["Hello (first).", "Secret words first."]


def test_recording_the_same_source_again_decides_nothing():
    events = record_session(None, parsed(), _target(), "a")
    assert record_session(_state(events), parsed(), _target(), "a") == []


def test_a_different_source_for_a_recorded_session_is_refused_naming_the_earlier_file():
    client = _state(record_session(None, parsed(file="one.txt"), _target(), "a"))
    with pytest.raises(SessionConflict, match=r"already recorded from one\.txt"):
        record_session(client, parsed(file="two.txt", body="other"), _target(), "a")


def test_aggregate_state_holds_no_utterance_text():
    client = _state(record_session(None, parsed(body="zebra-words"), _target(), "a"))
    assert "zebra-words" not in client.model_dump_json()
    assert client.sessions[0].number == 1


def test_a_later_session_continues_versions_after_the_first():
    first = record_session(None, parsed(), _target(1), "a")
    client = _state(first)
    second = record_session(client, parsed(body="second", session=2), _target(2), "a")
    assert second[0].originator_version == client.version + 1
    assert not any(isinstance(e, ClientRegistered) for e in second)


def test_summary_homework_gets_session_scoped_ids():
    events = record_session(None, parsed(with_summary=True), _target(3), "a")
    homework = [e for e in events if isinstance(e, HomeworkAssigned)]
    assert [h.homework_id for h in homework] == ["S3.H1", "S3.H2"]
    assert {h.source for h in homework} == {"summary"}


def test_dialogue_homework_is_used_when_there_is_no_summary_block():
    events = record_session(None, parsed(homework=("walk daily",)), _target(2), "a")
    homework = [e for e in events if isinstance(e, HomeworkAssigned)]
    assert [(h.homework_id, h.text, h.source) for h in homework] == [
        ("S2.H1", "walk daily", "dialogue")
    ]


def test_homework_known_only_from_a_quote_is_assigned_to_the_quoted_session():
    quote = QuotedSummary(summary=summary("prior", about=7), in_utterance=3)
    events = record_session(None, parsed(session=8, quoted=quote), _target(8), "a")
    quoted = [e for e in events if isinstance(e, HomeworkAssigned)]
    assert [(h.session, h.homework_id, h.source) for h in quoted] == [
        (7, "S7.H1", "quoted"),
        (7, "S7.H2", "quoted"),
    ]


def test_a_quote_of_a_recorded_session_assigns_no_homework_twice():
    client = _state(record_session(None, parsed(with_summary=True, session=1), _target(1), "a"))
    quote = QuotedSummary(summary=summary("x"), in_utterance=None)
    events = record_session(client, parsed(session=2, body="b", quoted=quote), _target(2), "a")
    assert not [e for e in events if isinstance(e, HomeworkAssigned)]


def test_the_aggregate_refuses_an_event_it_does_not_know():
    class Strange(DomainEvent):
        pass

    with pytest.raises(TypeError, match="does not know the event Strange"):
        evolve(Strange(originator_id=uuid.uuid4(), originator_version=1, actor="a"), None)


def test_the_summary_event_types_are_every_concrete_summary_item_and_homework():
    from caselog.domain.events import HomeworkAssigned, SummaryItemNoted
    from caselog.domain.summaries import SUMMARY_EVENTS

    def family(cls: type) -> set[type]:
        return {cls}.union(*(family(sub) for sub in cls.__subclasses__()))

    # Continuation matching reads only these topics: a new section type must be here, and
    # so must a clinician's entries (HomeworkAdded, InsightAdded), which a recap shows.
    expected = family(SummaryItemNoted) - {SummaryItemNoted} | family(HomeworkAssigned)
    assert set(SUMMARY_EVENTS) == expected


@pytest.mark.parametrize(
    ("label", "name", "names"),
    [
        ("Rowan Vale", "Rowan Vale", True),
        ("rowan", "Rowan Vale", True),
        ("Vale", "Rowan Vale", True),
        ("R. Vale", "Rowan Vale", True),
        ("R.V.", "Rowan Vale", True),
        ("Dr. Ward", "Dr. Ines Ward", True),
        ("I. Ward", "Dr. Ines Ward", True),
        ("Inês", "Ines Ward", True),
        ("Sam", "Rowan Vale", False),
        ("S. Vale", "Rowan Vale", False),
        ("Vale R.", "Rowan Vale", False),
        ("RV", "Rowan Vale", False),
        ("Mary Vale", "Rowan Vale", False),
        ("Rowan Smith", "Rowan Vale", False),
        ("", "Rowan Vale", False),
    ],
)
def test_a_label_names_a_person_by_name_a_word_of_it_or_initials_in_order(label, name, names):
    assert names_person(label, name) is names


@pytest.mark.parametrize(
    ("label", "names"),
    [("Noor", True), ("Haddad", True), ("Ms. Haddad", True), ("Dr. Haddad", False)],
)
def test_a_label_with_a_clinical_title_is_never_the_client(label, names):
    assert may_be_client(label, "Noor Haddad") is names
