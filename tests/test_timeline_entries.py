"""Timeline entries are typed: one model per kind of event, told apart by ``kind``,
and what ``replay --json`` prints validates back to the same entry."""

from __future__ import annotations

import json
import typing
import uuid

import pytest

from caselog.domain import events
from caselog.domain.events import DomainEvent, SessionReassigned, UtteranceRecorded
from caselog.domain.transcript import LineSpan
from caselog.projections.entries import (
    ErasureEntry,
    QualityFlagEntry,
    TimelineEntry,
    UtteranceEntry,
    parse_entry,
)
from caselog.projections.timeline import timeline
from tests.conftest import Cli
from tests.timelines import corrected_clinic, histories

MODELS: tuple[type, ...] = typing.get_args(typing.get_args(TimelineEntry)[0])
KINDS = {m.model_fields["kind"].default for m in MODELS}


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, list[TimelineEntry]]]:
    db = str(tmp_path_factory.mktemp("timeline") / "clinic.db")
    return corrected_clinic(db), histories(db)


def _erasure() -> ErasureEntry:
    # An erased record cannot be read, so no store gives one: it is made here.
    return ErasureEntry(version=9, session=None, recorded_at="2026-01-01", actor="a", reason="r")


def test_the_corrected_clinic_holds_every_kind_but_erasure(clinic):
    _, found = clinic
    seen = {e.kind for history in found.values() for e in history}
    assert seen == KINDS - {"erasure"}


def test_every_entry_round_trips_through_json(clinic):
    _, found = clinic
    entries = [e for history in found.values() for e in history] + [_erasure()]
    for entry in entries:
        assert parse_entry(entry.model_dump(mode="json")) == entry
        assert parse_entry(entry.model_dump_json()) == entry
        assert type(entry).model_validate(entry.model_dump()) == entry


def test_each_replay_json_line_validates_to_the_entry_of_its_kind(clinic):
    cli, found = clinic
    lines = cli("replay", "alicia", "--json").stdout.splitlines()
    parsed = [parse_entry(line) for line in lines]
    assert parsed == found["Alicia Rodriguez"]
    assert {e.kind: type(e).__name__ for e in parsed}["utterance"] == "UtteranceEntry"


def test_a_corrected_utterance_carries_what_it_reads_now_and_what_it_first_read(clinic):
    _, found = clinic
    first = [
        e for e in found["Alicia Rodriguez"] if isinstance(e, UtteranceEntry) and e.session == 1
    ]
    by_seq = {e.seq: e for e in first}
    assert (by_seq[3].text, by_seq[3].amended, by_seq[3].retracted) == (
        "Amended words.",
        True,
        False,
    )
    assert by_seq[3].original_text is not None and by_seq[3].original_text != by_seq[3].text
    assert (by_seq[5].speaker, by_seq[5].original_speaker) == ("Dr. Lee", "Patient")
    assert by_seq[4].retracted and [c.type for c in by_seq[4].corrections] == ["EntryRetracted"]
    untouched = by_seq[1]
    assert (untouched.amended, untouched.original_text, untouched.corrections) == (False, None, ())


def test_a_quality_flags_own_kind_is_its_flag_so_kind_can_name_the_model(clinic):
    cli, _ = clinic
    lines = [json.loads(x) for x in cli("replay", "marcus", "--json").stdout.splitlines()]
    flags = [x for x in lines if x["type"] == "QualityFlagRaised"]
    assert flags and all(x["kind"] == "quality_flag" for x in flags)
    assert {x["flag"] for x in flags} >= {"meta_commentary"}
    assert isinstance(parse_entry(flags[0]), QualityFlagEntry)


def test_every_event_a_reader_can_see_has_an_entry_model():
    concrete = {
        cls.__name__
        for cls in vars(events).values()
        if isinstance(cls, type) and issubclass(cls, DomainEvent)
    } - {"DomainEvent", "SessionEvent", "Correction", "SummaryItemNoted"}
    named = {t for m in MODELS for t in typing.get_args(m.model_fields["type"].annotation)}
    # A reassignment takes its session out of this client's record: it is no entry of it.
    assert concrete - named == {SessionReassigned.__name__}
    assert named <= concrete


def test_an_event_with_no_entry_model_stops_the_replay_instead_of_vanishing():
    class SomethingNoted(DomainEvent):
        pass

    utterance = UtteranceRecorded(
        originator_id=uuid.uuid4(), originator_version=1, actor="a", session=1,
        seq=1, role="client", speaker="A", text="Hi.", lines=LineSpan(first=1, last=1),
    )  # fmt: skip
    unknown = SomethingNoted(originator_id=utterance.originator_id, originator_version=2, actor="a")
    assert [e.kind for e in timeline([utterance])] == ["utterance"]
    with pytest.raises(TypeError, match="no entry for SomethingNoted"):
        timeline([utterance, unknown])


def test_an_entry_refuses_a_field_its_kind_does_not_have():
    data = _erasure().model_dump() | {"text": "surplus"}
    with pytest.raises(ValueError, match="text"):
        parse_entry(data)
    with pytest.raises(ValueError, match="kind"):
        parse_entry(_erasure().model_dump() | {"kind": "memo"})
