"""The parsing rules, one small transcript at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from caselog.adapters.parsing import detect_format, parse_transcript
from caselog.adapters.parsing.homework import dialogue_homework
from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import ParsedSession, StageDirection, Utterance

HEADER = (
    "Session 2/10\nDate: June 3, 2025\nTime: 9:00 AM\nClient: Sam Lee (Teacher)\n"
    "Professional: Dr. Ana Ruiz (Counselling Psychologist)\n\n"
)


def parse(text: str, fmt: str | None = None) -> ParsedSession:
    return parse_transcript(text.encode("utf-8"), "t.txt", format=fmt)


def c_file(*turns: str, tail: str = "") -> str:
    return "Session Number: 4\n\n" + "\n\n".join(turns) + "\n" + tail


def texts(session: ParsedSession) -> list[str]:
    return [e.text for e in session.entries]


# Format A


def test_format_a_resolves_title_and_surname_full_name_and_first_name():
    s = parse(
        HEADER + "[9:00] Dr. Ruiz: Hello.\n[9:01] Sam: Hi.\n[9:02] Ruiz: So.\n"
        "[9:03] Ana Ruiz: Well.\n[9:04] Sam Lee: Yes.\n"
    )
    assert [u.role for u in s.utterances] == [
        "professional",
        "client",
        "professional",
        "professional",
        "client",
    ]
    assert [u.speaker for u in s.utterances][:2] == ["Dr. Ruiz", "Sam"]
    assert s.client_name == "Sam Lee" and s.professional_title == "Counselling Psychologist"


def test_format_a_stamped_line_with_an_unknown_name_is_text_of_the_current_turn():
    s = parse(HEADER + "[9:00] Sam: I wrote it down.\n[9:01] Note: keep going.\n")
    assert len(s.utterances) == 1
    assert s.utterances[0].text == "I wrote it down.\n[9:01] Note: keep going."


def test_format_a_without_an_end_stamp_is_incomplete():
    s = parse(HEADER + "[9:00] Sam: Hi.\n\n[9:01] Dr. Ruiz: Hello.\n")
    assert s.ending.reason == "incomplete" and s.ending.line == 9


def test_format_a_keeps_paragraphs_and_numbered_lists_of_a_turn():
    s = parse(HEADER + "[9:00] Dr. Ruiz: Two things:\n\n1. Sleep.  \n2. Walk.\n\n\nOkay?\n")
    assert s.utterances[0].text == "Two things:\n\n1. Sleep.\n2. Walk.\n\n\nOkay?"
    assert (s.utterances[0].lines.first, s.utterances[0].lines.last) == (7, 13)


def test_a_stage_direction_before_the_first_turn_is_allowed():
    s = parse(HEADER + "( both sit down )\n\n[9:00] Sam: Hi.\n")
    assert isinstance(s.entries[0], StageDirection)


# Format B


def test_format_b_label_looking_text_of_no_participant_continues_the_turn():
    s = parse(HEADER + "**[9:00]**\nSam: My list.\n\nReminder: breathe.\n\nDr. Ruiz: Good.\n")
    assert texts(s) == ["My list.\n\nReminder: breathe.", "Good."]


def test_format_b_clock_line_inside_a_turn_starts_a_new_utterance_by_the_same_speaker():
    s = parse(HEADER + "**[9:00]**\nSam: Before.\n\n**[9:05]**\nAfter.\n")
    assert [(u.speaker, u.clock, u.text) for u in s.utterances] == [
        ("Sam", "9:00", "Before."),
        ("Sam", "9:05", "After."),
    ]


def test_format_b_end_marker_is_an_ending_not_a_stage_direction():
    s = parse(HEADER + "**[9:00]**\nSam: Bye.\n\n**[9:30]**\n(End of session)\n")
    assert len(s.entries) == 1
    assert (s.ending.reason, s.ending.clock, s.ending.detail) == (
        "end_marker",
        "9:30",
        "(End of session)",
    )


def test_format_b_text_after_the_end_marker_needs_a_speaker():
    with pytest.raises(TranscriptError) as info:
        parse(HEADER + "**[9:00]**\nSam: Bye.\n\n(End of session)\n\nP.S. more\n")
    assert info.value.line == 12


# Stage directions


def test_a_stage_direction_with_a_trailing_full_stop_splits_the_turn():
    s = parse(c_file("Therapist: Breathe in.\n\n( a long pause ).\n\nAnd out."))
    assert texts(s) == ["Breathe in.", "( a long pause ).", "And out."]
    assert s.utterances[1].role == "professional"


def test_an_inline_pause_stays_inside_the_sentence():
    s = parse(c_file("Therapist: Breathe in (pause) and out."))
    assert texts(s) == ["Breathe in (pause) and out."]


def test_a_direction_opening_a_turn_is_its_own_entry_before_the_words():
    s = parse(c_file("Patient: (laughs) That is true."))
    assert texts(s) == ["(laughs)", "That is true."]
    assert [e.kind for e in s.entries][-2:] == ["stage_direction", "utterance"]


def test_a_direction_inside_a_turn_stays_in_its_words():
    s = parse(c_file("Patient: That is (laughs) true, I think."))
    assert texts(s)[-1] == "That is (laughs) true, I think."


# Format C and D


def test_format_c_names_the_professional_by_the_most_frequent_address():
    s = parse(
        c_file(
            "Patient: Hi, I'm Jo Park. My friend, Mark, came too.",
            "Therapist: Welcome, Jo.",
            "Patient: Thanks, Nova. I told Mark, though.",
            "Therapist: Go on.",
            "Patient: You're right, Nova.",
        )
    )
    assert (s.client_name, s.professional_name) == ("Jo Park", "Nova")


def test_format_c_without_an_introduction_has_no_client_name():
    s = parse(c_file("Patient: I'm not sure where to start.", "Therapist: Anywhere."))
    assert s.client_name is None and s.professional_name is None


def test_format_c_accepts_client_and_counselor_labels():
    s = parse(c_file("Client: Hi.", "Counselor: Hello.", "Counsellor: Again."))
    assert [u.role for u in s.utterances] == ["client", "professional", "professional"]


def test_format_c_without_termination_details_is_incomplete_at_its_last_line():
    s = parse(c_file("Patient: Hi.", "Therapist: Hello."))
    assert s.ending.reason == "incomplete"
    assert s.ending.detail == "no termination details; the transcript stops at line 5"


def test_format_c_other_termination_reasons_are_incomplete_with_the_reason():
    tail = "\nTermination Details:\nReason: Max Turns Reached\nDetails: 40 turns\n"
    s = parse(c_file("Patient: Hi.", "Therapist: Hello.", tail=tail))
    assert s.ending.reason == "incomplete" and "Max Turns Reached" in s.ending.detail
    assert s.utterances[-1].text == "Hello."


SUMMARY = """
Session Summary:

Session Summary:

Main topics discussed:
- Sleep
- Work

Techniques/Exercises Introduced:
1. Breathing
2) Journaling

Helpful/Important Elements:
* Humour

Homework Assigned:
1. Walk daily
   after dinner
2. Read

Insights/realizations:
- Rest matters

Goals for next time:
- Revisit the sleep diary

The session went well.
"""


def test_a_summary_after_the_turns_is_the_session_summary_with_notes_kept():
    s = parse(c_file("Patient: Hi.", "Therapist: Hello.", tail=SUMMARY))
    assert s.summary is not None
    assert [(x.key, len(x.items)) for x in s.summary.sections] == [
        ("topics", 2),
        ("techniques", 2),
        ("helpful", 1),
        ("homework", 2),
        ("insights", 1),
        ("other", 1),
    ]
    assert s.summary.sections[-1].heading == "Goals for next time:"
    assert s.summary.items("other") == ("Revisit the sleep diary",)
    assert s.summary.items("homework") == ("Walk daily\nafter dinner", "Read")
    assert s.summary.sections[1].items[1].line == 17
    notes = [v for k, v in s.header if k == "Session summary note"]
    assert notes == ["The session went well."]
    assert [h.text for h in s.homework] == ["Walk daily\nafter dinner", "Read"]
    assert s.utterances[-1].text == "Hello."


def test_a_summary_quoted_mid_turn_does_not_end_the_dialogue():
    quoted = "Patient: Last time we talked about:\n" + SUMMARY.replace("Session 1", "x")
    s = parse(c_file(quoted.strip(), "Therapist: Thank you."))
    assert len(s.utterances) == 2 and s.summary is None
    assert s.quoted_summary is not None and s.quoted_summary.in_utterance == 1
    assert s.quoted_summary.summary.items("topics") == ("Sleep", "Work")


def test_format_d_needs_summary_sections_in_its_opening_block():
    with pytest.raises(TranscriptError) as info:
        parse("Session Summary:\n\nWe talked.\n\nPatient: Hi.\n")
    assert info.value.line == 1


def test_a_continuation_is_detected_by_its_opening_summary():
    assert detect_format("\n\nSession Summary:\n- x\nPatient: hi\n", "x") == "D"
    assert detect_format("Session 3/8\n\n**[9:00]**\n", "x") == "B"
    assert detect_format("Session 3/8\n\n[9:00] Sam: hi\n", "x") == "A"
    assert detect_format("Session Number: 3\n", "x") == "C"


# Homework cues


def test_homework_numbered_after_for_homework_cue_gives_one_item_each():
    s = parse(
        c_file(
            "Therapist: For homework, I'd like you to:\n\n1. Walk daily.\n2. Call a friend.\n\n"
            "See you soon."
        )
    )
    assert [(h.text, h.utterance) for h in s.homework] == [
        ("Walk daily.", 1),
        ("Call a friend.", 1),
    ]


def test_homework_cues_in_client_turns_and_possible_responses_are_ignored():
    s = parse(
        c_file(
            "Patient: Before our next session, I'd like you to rest.",
            "Therapist: Here's a possible response from Nova:\n\n"
            '"Before our next session, I’d like you to journal."',
        )
    )
    assert s.homework == ()


def test_action_items_without_commas_split_at_and():
    s = parse(c_file("Therapist: Your action items: walk daily and sleep early. Good?"))
    assert [h.text for h in s.homework] == ["walk daily", "sleep early"]


def test_homework_with_curly_apostrophes_is_found():
    s = parse(c_file("Therapist: Before our next session, I’d like you to list three wins."))
    assert [h.text for h in s.homework] == ["list three wins"]


# Quality flags


def test_refusal_variants_are_flagged_in_professional_turns_only():
    s = parse(
        c_file(
            "Therapist: I can't continue this conversation.",
            "Patient: I cannot provide a complete answer yet.",
            "Therapist: I'm unable to generate more.",
        )
    )
    assert [(f.seq, f.kind) for f in s.flags] == [
        (1, "generator_refusal"),
        (3, "generator_refusal"),
    ]
    assert s.flags[0].excerpt == "I can't continue this conversation"


def test_a_cut_turn_is_flagged_only_when_another_turn_follows():
    s = parse(
        c_file('Patient: I said "no."', "Patient: And then I", "Therapist: Go on", "Patient: I")
    )
    assert [(f.seq, f.kind) for f in s.flags] == [(2, "cut_mid_sentence")]
    assert s.flags[0].excerpt == "And then I"


def test_meta_commentary_is_flagged_once_per_turn():
    s = parse(
        c_file(
            "Therapist: Fine.\n\nThis response aims to help Jo:\n\n* rest\n\n"
            "This response aims to help more."
        )
    )
    assert [(f.kind, f.excerpt) for f in s.flags] == [
        ("meta_commentary", "This response aims to help Jo:")
    ]


def test_entries_are_values_with_sequence_positions():
    s = parse(c_file("Patient: Hi.", "Therapist: Hello.\n\n( nods )\n\nGo on."))
    assert [type(e).__name__ for e in s.entries] == [
        "Utterance",
        "Utterance",
        "StageDirection",
        "Utterance",
    ]
    assert isinstance(s.entries[3], Utterance) and s.entries[3].lines.first == 9


def test_format_b_accepts_role_words_as_labels():
    s = parse(HEADER + "**[9:00]**\nTherapist: Hello.\n\nPatient: Hi.\n")
    assert [u.role for u in s.utterances] == ["professional", "client"]


def test_homework_cue_without_a_list_gives_the_rest_of_the_sentence():
    s = parse(c_file("Therapist: For homework, I'd like you to write one letter. Okay?"))
    assert [h.text for h in s.homework] == ["write one letter"]


def test_dialogue_homework_of_session_8_lists_each_numbered_item():
    path = next((Path(__file__).parent / "fixtures").glob("004_*.txt"))
    session = parse_transcript(path.read_bytes(), str(path))
    found = dialogue_homework(session.entries)
    # Four numbered items, and the exercise "to try before our next session" after them.
    assert len(found) == 5
    assert found[-1].text.startswith("carry a small note or card with you")
    assert found[1].text == (
        "Write a self-compassion letter to yourself, acknowledging your struggles "
        "and offering kindness and understanding."
    )
    assert {h.utterance for h in found} == {12}


def test_text_given_as_str_is_parsed_like_its_utf8_bytes():
    text = c_file("Patient: Hi.", "Therapist: Hello.")
    assert parse_transcript(text, "t.txt") == parse(text)  # type: ignore[arg-type]
    with pytest.raises(TranscriptError):
        parse_transcript("\ud800 Patient: x", "t.txt")  # type: ignore[arg-type]


def test_a_turn_opening_with_a_stage_direction_keeps_spans_apart():
    s = parse(c_file("Therapist: ( smiles )\n\nWelcome back."))
    assert texts(s) == ["( smiles )", "Welcome back."]
    assert [(e.lines.first, e.lines.last) for e in s.entries] == [(3, 3), (5, 5)]
