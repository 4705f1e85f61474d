"""Speaker labels, role words, where turns start, stage directions, ends and empty turns."""

from __future__ import annotations

import unicodedata

import pytest

from caselog.adapters.parsing import ImportOptions, parse_sessions, parse_transcript
from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import ParsedSession, StageDirection, Utterance


def parse(text: str) -> ParsedSession:
    return parse_transcript(text.encode(), "t.txt")


def refused(text: str) -> TranscriptError:
    with pytest.raises(TranscriptError) as caught:
        parse(text)
    return caught.value


def header(client: str, professional: str, key: str = "Professional") -> str:
    return f"Session 3/12\nDate: 2025-07-31\nClient: {client}\n{key}: {professional}\n\n"


def turns(s: ParsedSession) -> list[tuple[str, str]]:
    return [(u.role, u.text) for u in s.utterances]


# --- formats A and B: labels resolved against the header -----------------------------


def test_multi_word_given_names_and_particles_resolve_in_format_a() -> None:
    s = parse(
        header("Anna Maria Rossi", "Dr. Pieter van Dijk")
        + "[10:00] Dr. van Dijk: Welcome back.\n\n[10:01] Anna Maria: Thank you.\n\n"
        "[10:02] van Dijk: How was the week?\n\n[10:03] Anna Maria Rossi: Long.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"] * 2


def test_a_professional_with_credentials_is_addressed_by_title_and_surname() -> None:
    s = parse(
        header("Mrs. Ada Byrne", "Dana Hale, LCSW (Licensed Clinical Social Worker)")
        + "**[14:00]**\n**Ms. Hale:** Hello Ada.\n\nAda: Hello.\n\n"
        "**Mrs. Byrne:** Sorry, me again.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client", "client"]
    assert s.professional_name == "Dana Hale"
    assert (s.client_name, s.client_title) == ("Ada Byrne", "Mrs.")


def test_bold_and_plain_labels_are_the_same_speaker_in_format_b() -> None:
    s = parse(
        header("Sam Park", "Dr. Min Lee")
        + "**[09:00]**\n**Dr. Lee:** Hi Sam.\n\nSam: Hi.\n\nDr. Lee: Shall we start?\n\n"
        "**Sam**: Yes.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"] * 2
    assert [u.speaker for u in s.utterances] == ["Dr. Lee", "Sam", "Dr. Lee", "Sam"]


def test_decomposed_and_precomposed_spellings_are_one_speaker() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë")
    s = parse(
        header("Zoë Brontë", "Dr. José Núñez")
        + f"[10:00] Dr. Nu\u0301n\u0303ez: Hello.\n\n[10:01] {decomposed}: Hi.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"]


def test_a_person_like_label_naming_nobody_is_refused_at_its_line_not_glued() -> None:
    error = refused(
        header("Ada Byrne", "Dana Hale")
        + "[10:00] Dana Hale: Hello.\n\n[10:01] Ada: Hi.\n\nMother: She never listens.\n"
    )
    assert error.line == 10 and "'Mother'" in error.expected and "--role" in error.expected


def test_an_unknown_speaker_after_a_clock_is_refused() -> None:
    error = refused(header("Ada Byrne", "Dana Hale") + "[10:00] Dr. Patel: Hello.\n")
    assert error.line == 6 and "Dr. Patel" in error.expected


def test_role_gives_an_unknown_label_its_role() -> None:
    text = header("Ada Byrne", "Dana Hale") + "[10:00] Dana: Hello.\n\n[10:01] Mum: Hi.\n"
    (s,) = parse_sessions(text.encode(), "t.txt", options=ImportOptions(roles=(("mum", "client"),)))
    assert [u.role for u in s.utterances] == ["professional", "client"]


def test_a_note_heading_inside_a_turn_stays_in_the_turn() -> None:
    s = parse(
        header("Ada Byrne", "Dana Hale")
        + "[10:00] Dana: Here is the plan.\n\nHomework: write three lines a day.\n\n"
        "Main Topics Discussed: sleep.\n\n[10:05] Ada: Okay.\n"
    )
    assert turns(s)[0] == (
        "professional",
        "Here is the plan.\n\nHomework: write three lines a day.\n\nMain Topics Discussed: sleep.",
    )


@pytest.mark.parametrize(
    "field", ["Automatic Thought", "Situation", "Evidence Against", "Step One", "Monday"]
)
def test_a_worksheet_field_read_out_inside_a_turn_stays_in_the_turn(field: str) -> None:
    s = parse(
        header("Ada Byrne", "Dana Hale")
        + f"[10:00] Dana: Read me your record.\n\n[10:01] Ada: Here it is.\n\n"
        f"{field}: nobody called me back.\n\n[10:02] Dana: Thank you.\n"
    )
    assert turns(s)[1] == ("client", f"Here it is.\n\n{field}: nobody called me back.")


@pytest.mark.parametrize(
    "key", ["Therapist", "Counselor", "Counsellor", "Clinician", "Psychologist", "Psychotherapist"]
)
def test_every_professional_header_key_names_the_professional(key: str) -> None:
    s = parse(header("Ada Byrne", "Dana Hale", key) + "[10:00] Dana: Hello.\n\n[10:01] Ada: Hi.\n")
    assert s.professional_name == "Dana Hale"


# --- format C: role labels --------------------------------------------------------------


def c_file(*lines: str) -> str:
    return "Session Number: 5\n\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("client", "professional"),
    [
        ("PATIENT", "THERAPIST"),
        ("Client", "Clinician"),
        ("patient", "Counselor"),
        ("Client", "Psychologist"),
        ("Patient", "Psychotherapist"),
        ("**Client**", "**Counsellor**"),
    ],
)
def test_role_words_and_synonyms_in_any_case_label_turns(client: str, professional: str) -> None:
    s = parse(
        c_file(
            f"{client}: Hi, I'm Ines Costa.",
            "",
            f"{professional}: Hello Ines.",
            "",
            f"{client}: It was a hard week.",
        )
    )
    assert turns(s) == [
        ("client", "Hi, I'm Ines Costa."),
        ("professional", "Hello Ines."),
        ("client", "It was a hard week."),
    ]


def test_a_role_from_a_synonym_is_noted_as_inferred_once() -> None:
    s = parse(c_file("Client: Hi, I'm Ines Costa.", "Clinician: Hello.", "Clinician: Well."))
    roles = [i for i in s.inferred if i.fact == "role"]
    assert [(i.subject, i.value, i.source) for i in roles] == [
        ("Clinician", "professional", "label_synonym")
    ]


def test_a_label_inside_a_paragraph_of_a_blank_separated_file_stays_in_the_turn() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa. My boss wrote in the review:",
            "Professional: needs to speak up more.",
            "That stung.",
            "",
            "Therapist: That sounds painful.",
            "",
            "Patient: It was.",
        )
    )
    assert turns(s)[0][1].endswith("Professional: needs to speak up more.\nThat stung.")
    assert len(s.utterances) == 3


def test_a_label_opening_a_line_starts_a_turn_in_a_one_turn_per_line_file() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa.",
            "Therapist: Hello Ines.",
            "Patient: I read it out: Client: that's not what we agreed.",
            "Therapist: And then?",
        )
    )
    assert [u.role for u in s.utterances] == ["client", "professional"] * 2
    assert "Client: that's not what we agreed." in s.utterances[2].text


def test_a_quoted_label_at_a_line_start_is_not_a_turn() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa.",
            "",
            "Therapist: What did she say?",
            "",
            "Patient: She wrote back:",
            '"Client: that\'s not what we agreed."',
        )
    )
    assert len(s.utterances) == 3 and s.utterances[2].text.endswith('agreed."')


def test_a_name_label_in_format_c_is_refused_unless_given_a_role() -> None:
    text = c_file("Patient: Hi, I'm Ines Costa.", "", "Nova: Hello Ines.")
    with pytest.raises(TranscriptError) as caught:
        parse(text)
    assert caught.value.line == 5 and "'Nova:'" in caught.value.expected
    (s,) = parse_sessions(
        text.encode(), "t.txt", options=ImportOptions(roles=(("Nova", "professional"),))
    )
    assert turns(s)[1] == ("professional", "Hello Ines.")


# --- turns, directions, ends --------------------------------------------------------------


@pytest.mark.parametrize("direction", ["(pauses)", "[long silence]", "*sighs*", "(Pauses.)"])
def test_directions_standing_alone_or_opening_or_closing_a_turn_are_their_own(
    direction: str,
) -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa.",
            "",
            direction,
            "",
            f"Therapist: {direction} Take your time.",
            "",
            f"Patient: I know. {direction}",
        )
    )
    kinds = [(e.kind, e.text) for e in s.entries]
    assert kinds == [
        ("utterance", "Hi, I'm Ines Costa."),
        ("stage_direction", direction),
        ("stage_direction", direction),
        ("utterance", "Take your time."),
        ("utterance", "I know."),
        ("stage_direction", direction),
    ]


def test_emphasis_and_clock_brackets_are_not_directions() -> None:
    s = parse(c_file("Patient: Hi, I'm Ines Costa. *I* did it [10:05]", "Therapist: *Really*?"))
    assert all(isinstance(e, Utterance) for e in s.entries)
    assert s.utterances[1].text == "*Really*?"


@pytest.mark.parametrize(
    "end",
    ["Session ended.", "[End of session]", "END OF SESSION", "(Session ends)", "(End of session)"],
)
def test_common_end_lines_end_the_session(end: str) -> None:
    s = parse(c_file("Patient: Hi, I'm Ines Costa.", "", "Therapist: See you next week.", "", end))
    assert s.ending.reason == "end_marker" and s.ending.line == 7
    assert s.utterances[-1].text == "See you next week."


def test_a_label_with_no_words_is_an_empty_utterance_flagged() -> None:
    s = parse(c_file("Patient: Hi, I'm Ines Costa.", "Therapist:", "Patient: Hello?"))
    assert turns(s)[1] == ("professional", "")
    (flag,) = [f for f in s.flags if f.kind == "empty_turn"]
    assert flag.seq == 2


def test_stage_direction_entries_keep_their_line() -> None:
    s = parse(c_file("Patient: Hi, I'm Ines Costa.", "", "[crying quietly]"))
    direction = s.entries[1]
    assert isinstance(direction, StageDirection) and direction.lines.first == 5


# --- dates, as inferred facts -------------------------------------------------------------


def test_a_date_read_from_a_weekday_line_is_noted_as_inferred_with_its_line() -> None:
    s = parse(
        "Session 3/12\nDate: Thursday, July 31, 2025\nClient: Ada Byrne\nProfessional: Dana Hale"
        "\n\n[10:00] Dana: Hello.\n"
    )
    date = s.inferred_fact("date")
    assert date is not None and (date.value, date.source, date.line) == (
        "2025-07-31",
        "weekday_line",
        2,
    )


def test_an_iso_date_is_stated_not_inferred() -> None:
    assert (
        parse(header("Ada Byrne", "Dana Hale") + "[10:00] Dana: Hi.\n").inferred_fact("date")
        is None
    )


def test_a_format_c_header_date_is_read_and_its_order_noted() -> None:
    s = parse("Session Number: 3\nDate: 31/07/2025\n\nPatient: Hi, I'm Ines Costa.\n")
    assert s.date is not None and s.date.isoformat() == "2025-07-31"
    assert (s.inferred_fact("date") or pytest.fail()).source == "day_first_unambiguous"


def test_a_turn_whose_blank_line_was_left_out_still_starts_a_turn() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa.",
            "",
            "Therapist: How was the week?",
            "Patient: Long. I barely slept.",
            "",
            "Therapist: Tell me about the nights.",
        )
    )
    assert [u.role for u in s.utterances] == ["client", "professional", "client", "professional"]


def test_a_label_after_a_label_with_no_words_starts_a_turn() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa.",
            "",
            "Therapist: Anything else?",
            "",
            "PATIENT:",
            "THERAPIST: Take your time.",
        )
    )
    assert turns(s)[-2:] == [("client", ""), ("professional", "Take your time.")]


def test_a_label_read_out_after_a_colon_or_in_lower_case_stays_in_the_turn() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa. The review said:",
            "Professional: Needs to speak up more.",
            "And then, on the next page,",
            "Therapist: not ready for promotion.",
            "",
            "Therapist: That sounds painful.",
            "",
            "Patient: It was.",
            "",
            "Therapist: What did you do next?",
            "",
            "Patient: Nothing.",
        )
    )
    assert len(s.utterances) == 5
    assert s.utterances[0].text.endswith("Therapist: not ready for promotion.")


# --- labels that could mislead: shared names, couples, numbered speakers --------------------


def test_a_label_that_could_name_either_participant_is_refused() -> None:
    error = refused(
        header("Sam Okonkwo", "Sam Reyes, LMFT") + "[09:00] Sam: Morning.\n\n[09:01] Sam: Hi.\n"
    )
    assert error.line == 6 and "could be Sam Okonkwo or Sam Reyes" in error.expected


def test_a_title_or_a_whole_name_settles_a_shared_name() -> None:
    s = parse(
        header("Lee Anderson", "Dr. Anderson Lee")
        + "[10:00] Dr. Lee: Hello.\n\n[10:01] Lee Anderson: Hi.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"]


def test_a_header_naming_two_people_is_refused_at_its_line() -> None:
    error = refused(header("Mr. and Mrs. Haddad", "Dana Hale") + "[10:00] Dana: Hello.\n")
    assert error.line == 3 and "one person" in error.expected


def test_a_quoted_nickname_in_the_header_labels_the_client() -> None:
    s = parse(
        header('Robert "Bob" Kowalczyk', "Dana Hale") + "[10:00] Dana: Hi.\n\n[10:01] Bob: Hey.\n"
    )
    assert s.client_name == "Robert Kowalczyk" and s.utterances[1].role == "client"


def test_a_title_may_precede_any_later_word_of_a_name() -> None:
    s = parse(
        header("Sra. Carmen Ruiz Delgado", "Lic. Andrés Paredes")
        + "[18:00] Lic. Paredes: Buenas tardes.\n\n[18:01] Sra. Ruiz: Hello.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"]
    assert s.client_title == "Sra."


@pytest.mark.parametrize("label", ["Patient 2", "Client B", "Speaker 1"])
def test_a_numbered_speaker_is_someone_else_and_refused(label: str) -> None:
    error = refused(
        c_file(
            "Patient: Hi, I'm Gareth Lewis.",
            "",
            "Therapist: Welcome, everyone.",
            "",
            f"{label}: Can I jump in? I'm Ewa.",
        )
    )
    assert error.line == 7 and label in error.expected


def test_a_person_label_inside_a_paragraph_is_refused_unless_read_out() -> None:
    text = header("Noah Fischer", "Dr. Amelia Grant") + (
        "[16:00] Dr. Grant: Hi Noah.\n\n[16:02] Noah: Nobody talks to me.\n"
        "Mum: He's not telling you everything.\n"
    )
    assert refused(text).line == 9


def test_two_people_introducing_themselves_under_the_client_label_are_refused() -> None:
    error = refused(
        c_file(
            "Client: Hi, I'm Ana Costa, and this is my husband.",
            "",
            "Therapist: Welcome, both of you. Ben, would you like to start?",
            "",
            "Client: I'm Ben. I think we just stopped talking.",
        )
    )
    assert error.line == 7 and "'Ana Costa'" in error.expected and "'Ben'" in error.expected


def test_a_second_name_the_client_asks_to_be_called_is_not_a_second_client() -> None:
    s = parse(
        c_file(
            "Client: Hi, I'm Siddharth Rao, but please call me Sid.",
            "",
            "Therapist: Nice to meet you, Sid.",
            "",
            "Client: Call me Sid, honestly, everyone does.",
        )
    )
    assert s.client_name == "Siddharth Rao"


@pytest.mark.parametrize("stamp", ["[17:09]", "[2:10 PM]", "[17:09:30]"])
def test_a_stamped_direction_is_its_own_entry_with_its_clock(stamp: str) -> None:
    s = parse(
        header("Ada Byrne", "Dana Hale")
        + f"[17:07] Ada: It was the right thing.\n\n{stamp} (Ada is crying)\n\n"
        "[17:10] Dana: Take your time.\n"
    )
    assert [(e.kind, e.text) for e in s.entries] == [
        ("utterance", "It was the right thing."),
        ("stage_direction", "(Ada is crying)"),
        ("utterance", "Take your time."),
    ]
    assert s.entries[1].clock == stamp.strip("[]")


def test_clock_stamps_with_seconds_start_turns() -> None:
    s = parse(header("Ada Byrne", "Dana Hale") + "[10:00:04] Dana: Hi.\n\n[10:00:09] Ada: Hi.\n")
    assert [u.clock for u in s.utterances] == ["10:00:04", "10:00:09"]


@pytest.mark.parametrize("heading", ["Q", "A"])
def test_a_question_and_answer_head_stays_in_the_turn(heading: str) -> None:
    s = parse(
        header("Ada Byrne", "Dana Hale")
        + f"[10:00] Dana: Try this worksheet.\n\n{heading}: What if I can't wait?\n\n"
        "[10:02] Ada: Okay.\n"
    )
    assert len(s.utterances) == 2


def test_a_markdown_termination_block_ends_the_session_naturally() -> None:
    s = parse(
        c_file("Patient: Hi, I'm Ada Eze.", "", "Therapist: Take care, Ada.", "")
        + "**Termination Details:**\n- **Reason:** Natural end\n"
        "- **Details:** Detected end phrase: 'Take care'\n"
    )
    assert s.ending.reason == "natural_end" and s.utterances[-1].text == "Take care, Ada."


# --- found by the second outside round ------------------------------------------------------


def test_a_title_only_the_other_participant_has_is_refused_not_guessed() -> None:
    error = refused(header("Leah Stone", "Dr. Miriam Ashby") + "[16:00] Dr. Stone: Hello Leah.\n")
    assert error.line == 6 and "could be" in error.expected


def test_a_title_settles_a_surname_shared_through_a_double_barrel() -> None:
    s = parse(
        header("Leah Stone", "Dr. Miriam Stone-Ashby")
        + "[16:00] Dr. Stone: Hello Leah.\n\n[16:01] Leah: Hi.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"]


def test_a_part_of_a_double_barrelled_surname_labels_its_owner() -> None:
    s = parse(
        header("Leah Marsh", "Dr. Miriam Stone-Ashby")
        + "[16:00] Dr. Ashby: Hello Leah.\n\n[16:01] Leah: Hi.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"]


def test_initials_label_their_owner() -> None:
    s = parse(
        header("José Martín", "Dr. Irene Alba") + "[10:00] I.A.: Hello.\n\n[10:01] J.M.: Hi.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"]


def test_a_name_written_surname_first_is_read_given_name_first_and_noted() -> None:
    s = parse(header("Ramírez, José", "Dana Hale") + "[10:00] Dana: Hi.\n\n[10:01] José: Hi.\n")
    assert s.client_name == "José Ramírez"
    assert (s.inferred_fact("client") or pytest.fail()).source == "surname_first"


def test_direction_marks_before_a_label_are_not_part_of_it() -> None:
    s = parse(
        c_file(
            "Patient: Hi. My name is ليلى حدّاد، and I prefer Arabic.",
            "",
            "\u200fTherapist: أهلاً يا ليلى.",
            "",
            "\u200fPatient: Thanks, Dr. Salma.",
        )
    )
    assert [u.role for u in s.utterances] == ["client", "professional", "client"]
    assert s.client_name == "ليلى حدّاد"


def test_two_sessions_in_one_file_are_refused() -> None:
    error = refused(
        c_file(
            "Patient: Hi, I'm Ines Costa.",
            "",
            "Therapist: Take care.",
            "",
            "Termination Details:",
            "Reason: Natural end",
            "",
            "Session Number: 6",
            "",
            "Patient: Hello again.",
        )
    )
    assert error.line == 7 and "one session per file" in error.expected


def test_a_role_label_holding_only_a_name_is_a_field_not_a_turn() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa. Last time we talked about: Session Summary:",
            "",
            "Clinician: Dr. Mara Levin",
            "",
            "Main topics discussed:",
            "- Sleep",
            "",
            "Therapist: Welcome back, Ines.",
        )
    )
    assert [u.role for u in s.utterances] == ["client", "professional"]
    assert "Clinician: Dr. Mara Levin" in s.utterances[0].text


def test_a_turn_thanking_its_own_speaker_by_name_shows_swapped_labels() -> None:
    error = refused(
        c_file(
            "Patient: Hi, I'm Dana Whitlock.",
            "",
            "Therapist: Welcome, Dana.",
            "",
            "Patient: Thanks, Nova. It has been hard.",
            "",
            "Therapist: The lamp, the clock. Thanks, Nova, that helps.",
        )
    )
    assert error.line == 9 and "swapped" in error.expected


def test_a_quoted_introduction_is_someone_elses() -> None:
    s = parse(
        c_file(
            'Patient: My daughter said, "Mum, my name is Chloe Baptiste now." That is why.',
            "",
            "Therapist: That sounds like a lot to take in.",
        )
    )
    assert s.client_name is None
    assert (s.inferred_fact("client") or pytest.fail()).line == 3


def test_a_second_sister_introducing_herself_is_refused() -> None:
    error = refused(
        c_file(
            "Client: Hi. I'm Faith.",
            "",
            "Therapist: Welcome, Faith. And welcome, Hope.",
            "",
            "Client: And I'm Hope, her sister.",
        )
    )
    assert error.line == 7 and "'Hope'" in error.expected


def test_a_generator_refusal_in_a_client_turn_is_flagged_but_not_a_clients_own_words() -> None:
    s = parse(
        c_file(
            "Patient: Hi, I'm Ines Costa. I can't continue like this, honestly.",
            "",
            "Therapist: Tell me more.",
            "",
            "Patient: I'm sorry, but I can't continue this conversation as written.",
        )
    )
    assert [(f.seq, f.kind) for f in s.flags if f.kind == "generator_refusal"] == [
        (3, "generator_refusal")
    ]


@pytest.mark.parametrize(
    ("line", "narration"),
    [
        ("*The therapist nods slowly.*", True),
        ("_Rowan looks down at her hands._", True),
        ("*Long pause.*", True),
        ("*What if I fail?*", False),
        ("*Why do you always say that?*", False),
    ],
)
def test_a_paragraph_in_italics_is_a_direction_unless_it_speaks_as_i_or_you(
    line: str, narration: bool
) -> None:
    s = parse(
        header("Rowan Vale", "Dr. Ines Ward")
        + f"Dr. Ward: How was the week?\nRowan: Long.\n\n{line}\n\nDr. Ward: Go on.\n"
    )
    directions = [e.text for e in s.entries if isinstance(e, StageDirection)]
    if narration:
        assert directions == [line]
        assert turns(s)[1] == ("client", "Long.")
    else:
        assert directions == []
        assert turns(s)[1] == ("client", f"Long.\n\n{line}")


def test_a_titled_name_opening_with_its_particle_starts_a_turn_never_joins_the_one_before() -> None:
    error = refused(
        header("Rowan Vale", "Dr. Ines Ward")
        + "Dr. Ward: How was the week?\nRowan: Long.\n"
        + "Dr. van der Berg: I'm covering the next session.\n"
    )
    assert error.line == 8
    assert "not 'Dr. van der Berg'" in str(error)


@pytest.mark.parametrize(
    "label", ["Ines Ward, PhD", "Dr. Ines Ward, Psy.D.", "Ines Ward, M.A., LMFT", "Ward, LCSW"]
)
def test_a_participants_name_with_credentials_after_it_starts_their_turn(label: str) -> None:
    s = parse(
        header("Rowan Vale", "Dr. Ines Ward")
        + f"Dr. Ward: How was the week?\nRowan: Long.\n{label}: What kept you up?\n"
    )
    assert [(u.role, u.text) for u in s.utterances] == [
        ("professional", "How was the week?"),
        ("client", "Long."),
        ("professional", "What kept you up?"),
    ]


@pytest.mark.parametrize(
    "line", ["Rowan, OK: here is the thing.", "Well, MA: not a credential here", "Also, Mom: hi"]
)
def test_a_comma_before_a_colon_is_words_unless_credentials_follow_a_participant(
    line: str,
) -> None:
    s = parse(header("Rowan Vale", "Dr. Ines Ward") + f"Dr. Ward: How was the week?\n{line}\n")
    assert turns(s) == [("professional", f"How was the week?\n{line}")]


@pytest.mark.parametrize(
    ("line", "lead", "label"),
    [
        ("— Dr. Ward: Go on.", "—", "Dr. Ward"),
        ("1. Rowan: I did.", "1.", "Rowan"),
        ("> Therapist: Go on.", ">", "Therapist"),
        ("(10:04) Rowan: Fine.", "(10:04)", "Rowan"),
    ],
)
def test_a_participants_label_behind_marks_is_refused_never_words_of_the_turn_before(
    line: str, lead: str, label: str
) -> None:
    error = refused(
        header("Rowan Vale", "Dr. Ines Ward")
        + f"Dr. Ward: How was the week?\nRowan: Long.\n{line}\n"
    )
    assert error.line == 8
    assert f"'{lead}' comes before '{label}'" in str(error)
