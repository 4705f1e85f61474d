"""The five real transcripts parse to what a reader of them would record."""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path

import pytest

from caselog.adapters.parsing import detect_format, parse_transcript
from caselog.domain.transcript import SECTION_KEYS, ParsedSession, StageDirection, Utterance

FIXTURES = Path(__file__).parent / "fixtures"
ALL = sorted(p.name for p in FIXTURES.glob("00*.txt"))


def fixture_path(prefix: str) -> Path:
    return next(p for p in FIXTURES.glob(f"{prefix}_*.txt"))


@cache
def parsed(prefix: str) -> ParsedSession:
    path = fixture_path(prefix)
    return parse_transcript(path.read_bytes(), str(path))


def roles(session: ParsedSession) -> tuple[int, int]:
    u = session.utterances
    return sum(x.role == "client" for x in u), sum(x.role == "professional" for x in u)


def flags(session: ParsedSession, kind: str) -> list[int]:
    return [f.seq for f in session.flags if f.kind == kind]


def seq_of(session: ParsedSession, entry: Utterance) -> int:
    return session.entries.index(entry) + 1


@pytest.mark.parametrize(
    ("prefix", "fmt"), [("000", "A"), ("001", "B"), ("002", "C"), ("003", "D"), ("004", "C")]
)
def test_each_fixture_is_detected_as_its_format(prefix, fmt):
    path = fixture_path(prefix)
    assert detect_format(path.read_text(encoding="utf-8"), str(path)) == fmt
    assert parsed(prefix).source.format == fmt


@pytest.mark.parametrize("name", ALL)
def test_source_names_the_file_and_its_digest(name):
    path = FIXTURES / name
    session = parsed(name[:3])
    assert session.source.file == name
    assert session.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ALL)
def test_every_utterance_text_occurs_verbatim_in_the_source(name):
    source = "\n".join(line.rstrip() for line in (FIXTURES / name).read_text("utf-8").split("\n"))
    for entry in parsed(name[:3]).entries:
        assert entry.text
        assert entry.text in source, entry


@pytest.mark.parametrize("name", ALL)
def test_entry_line_spans_are_ordered_and_cover_their_text(name):
    lines = (FIXTURES / name).read_text("utf-8").split("\n")
    previous = 0
    for entry in parsed(name[:3]).entries:
        assert previous < entry.lines.first <= entry.lines.last
        span = "\n".join(line.rstrip() for line in lines[entry.lines.first - 1 : entry.lines.last])
        assert entry.text in span
        previous = entry.lines.last


def test_format_a_reads_header_participants_and_clock_stamps():
    s = parsed("000")
    assert (s.client_name, s.client_descriptor) == ("Alex", "Product Designer")
    assert (s.professional_name, s.professional_title) == (
        "Dr. Harper Torres",
        "Licensed Clinical Psychologist",
    )
    assert (s.session_number, s.planned_total) == (5, 24)
    assert s.date == dt.date(2025, 5, 29)
    assert s.start_time == "10:00"  # normalised; the header keeps "10:00 AM"
    assert ("Time", "10:00 AM") in s.header
    assert s.date_source == "header_month_name"
    assert s.header[0] == ("Session", "5/24")
    assert ("Client", "Alex (Product Designer)") in s.header
    assert len(s.utterances) == 32
    assert roles(s) == (15, 17)
    first = s.utterances[0]
    assert (first.speaker, first.role, first.clock) == ("Dr. Torres", "professional", "10:00")
    assert first.lines.first == first.lines.last == 7
    assert s.utterances[1].speaker == "Alex" and s.utterances[1].clock == "10:03"


def test_format_a_keeps_the_stage_direction_as_its_own_entry():
    s = parsed("000")
    directions = [e for e in s.entries if isinstance(e, StageDirection)]
    assert [d.text for d in directions] == ["( pauses briefly for the exercise )"]
    assert directions[0].lines.first == 53


def test_format_a_ends_at_the_end_of_session_stamp():
    ending = parsed("000").ending
    assert (ending.reason, ending.clock, ending.detail, ending.line) == (
        "end_marker",
        "11:35",
        "End of session",
        73,
    )


def test_format_a_takes_homework_from_the_action_items_turn():
    s = parsed("000")
    assert [h.text for h in s.homework] == [
        "continue practicing mindfulness daily",
        "collect evidence about your perfectionism triggers",
        "share at least one idea in your next meeting",
    ]
    seq = s.homework[0].utterance
    assert seq is not None
    turn = s.entries[seq - 1]
    assert isinstance(turn, Utterance) and "action items" in turn.text
    assert {h.source for h in s.homework} == {"dialogue"}
    assert s.summary is None and s.quoted_summary is None


def test_format_b_reads_the_same_header():
    s = parsed("001")
    assert s.client_name == "Alex"
    assert (s.session_number, s.planned_total) == (14, 24)
    assert s.date == dt.date(2025, 7, 31)
    assert s.professional_name == "Dr. Harper Torres"
    assert len(s.utterances) == 33


def test_format_b_splits_a_turn_at_a_stage_direction():
    s = parsed("001")
    i = next(i for i, e in enumerate(s.entries) if isinstance(e, StageDirection))
    before, direction, after = s.entries[i - 1], s.entries[i], s.entries[i + 1]
    assert direction.text == "( pause for a couple of breaths )"
    assert isinstance(before, Utterance) and isinstance(after, Utterance)
    assert before.speaker == after.speaker == "Dr. Torres"
    assert before.clock == after.clock == direction.clock == "10:10"
    assert "(pause)" in before.text  # inline pauses stay in the words
    assert after.text.startswith("Now, identify three things")


def test_format_b_turns_carry_the_clock_of_the_block_above():
    s = parsed("001")
    clocks = [u.clock for u in s.utterances]
    assert clocks[:18] == ["10:00"] * 18
    assert clocks[-2:] == ["10:30", "10:30"]
    assert s.utterances[21].clock == "10:20"
    assert not any(line.endswith(" ") for u in s.utterances for line in u.text.split("\n"))


def test_format_b_ends_at_the_end_of_session_marker():
    ending = parsed("001").ending
    assert (ending.reason, ending.clock, ending.detail) == (
        "end_marker",
        "10:31",
        "(End of session)",
    )


def test_format_b_takes_the_before_our_next_session_homework():
    hw = parsed("001").homework
    assert [h.text for h in hw] == [
        "reflect on any thoughts or feelings that come up when you try to lead or speak up"
    ]


def test_format_c_finds_names_in_the_dialogue():
    s = parsed("002")
    assert s.client_name == "Alicia Rodriguez"
    assert s.professional_name == "Nova"
    assert s.session_number == 1
    assert s.header[0] == ("Session Number", "1")


def test_format_c_keeps_multi_paragraph_turns_whole():
    s = parsed("002")
    assert len(s.utterances) == 12
    assert sum(isinstance(e, StageDirection) for e in s.entries) == 1
    fourth = s.utterances[3]
    assert (fourth.lines.first, fourth.lines.last) == (9, 19)
    assert fourth.text.count("\n\n") == 5


def test_format_c_reads_termination_details_as_a_natural_end():
    ending = parsed("002").ending
    assert (ending.reason, ending.detail) == ("natural_end", r"\btake care\b")
    assert ("Reason", "Natural Session End") in parsed("002").header


def test_format_c_reads_the_session_summary_sections():
    summary = parsed("002").summary
    assert summary is not None
    assert [len(summary.items(k)) for k in SECTION_KEYS] == [5, 4, 4, 3, 4, 0]
    assert summary.sections[2].heading == "Things that appeared helpful/important:"
    assert summary.items("homework")[0] == "Write down three things to learn from each mistake made"


def test_format_c_homework_comes_from_the_summary():
    s = parsed("002")
    assert s.summary is not None
    assert tuple(h.text for h in s.homework) == s.summary.items("homework")
    assert all(h.source == "summary" and h.utterance is None for h in s.homework)


def test_a_client_turn_cut_off_mid_sentence_is_flagged_and_kept():
    s = parsed("002")
    [seq] = flags(s, "cut_mid_sentence")
    turn = s.entries[seq - 1]
    assert isinstance(turn, Utterance) and turn.role == "client"
    assert turn.text.endswith("It's just hard to break")


def test_format_d_records_the_opening_summary_as_quoted():
    s = parsed("003")
    assert s.is_continuation
    assert s.session_number is None and s.client_name is None
    assert s.professional_name == "Nova"
    assert s.quoted_summary is not None and s.quoted_summary.in_utterance is None
    mine, previous = s.quoted_summary.summary, parsed("002").summary
    assert previous is not None
    assert mine.item_count() == 20
    assert [(x.key, x.heading) for x in mine.sections] == [
        (x.key, x.heading) for x in previous.sections
    ]
    for key in SECTION_KEYS:
        assert mine.items(key) == previous.items(key)


def test_format_d_counts_turns_and_flags_every_refusal():
    s = parsed("003")
    assert len(s.utterances) == 28
    refusals = flags(s, "generator_refusal")
    assert len(refusals) == 6
    for seq in refusals:
        turn = s.entries[seq - 1]
        assert isinstance(turn, Utterance) and turn.role == "professional"
        assert turn.text.startswith("I cannot provide a complete conversation")
    assert flags(s, "meta_commentary")
    assert all(len(f.excerpt) <= 120 for f in s.flags)


def test_format_d_without_termination_details_is_incomplete():
    ending = parsed("003").ending
    assert ending.reason == "incomplete"
    assert "252" in ending.detail and ending.line == 252


def test_format_d_ignores_homework_inside_a_possible_response():
    assert parsed("003").homework == ()


def test_format_c_reads_a_summary_quoted_in_the_first_client_turn():
    s = parsed("004")
    assert s.client_name == "Marcus Thompson"
    assert s.session_number == 8
    assert len(s.utterances) == 14
    quoted = s.quoted_summary
    assert quoted is not None
    first_client = next(u for u in s.utterances if u.role == "client")
    assert quoted.in_utterance == seq_of(s, first_client)
    assert quoted.summary.about_session == 7
    assert [len(quoted.summary.items(k)) for k in SECTION_KEYS] == [3, 3, 3, 3, 3, 0]
    # The quoted block stays in the utterance word for word.
    assert "Here's a concise summary of Session 7:" in first_client.text
    assert first_client.text.endswith("challenge his perfectionist tendencies.")


def test_format_c_session_8_summary_ending_and_homework():
    s = parsed("004")
    assert (s.ending.reason, s.ending.detail) == ("natural_end", r"\bdon't hesitate to reach out\b")
    assert s.summary is not None
    assert [len(s.summary.items(k)) for k in SECTION_KEYS] == [4, 4, 4, 5, 4, 0]
    assert s.summary.sections[0].heading == "Main Topics Discussed:"
    assert len(s.homework) == 5 and s.homework[-1].text == "Carry and use the reminder note"


def test_format_c_flags_narration_and_the_cut_client_turn():
    s = parsed("004")
    [meta] = [f for f in s.flags if f.kind == "meta_commentary"]
    assert meta.excerpt.startswith("This conversation has been a CBT session between")
    [cut] = flags(s, "cut_mid_sentence")
    turn = s.entries[cut - 1]
    assert isinstance(turn, Utterance) and turn.text.endswith("even when I'm not meeting my")


def test_sessions_without_generator_artefacts_get_no_flags():
    assert parsed("000").flags == ()
    assert parsed("001").flags == ()
