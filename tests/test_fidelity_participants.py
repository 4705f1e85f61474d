"""Who a format A or B header names, and labels as people really write them: empty and
placeholder names, titles that name someone else, family sessions, glued and full-width
colons, directions before the colon, labels in other scripts, ending words said under a
label."""

from __future__ import annotations

import pytest

from caselog.adapters.parsing import ImportOptions, parse_sessions, parse_transcript
from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import ParsedSession, StageDirection
from tests.conftest import event_count, seed


def parse(text: str) -> ParsedSession:
    return parse_transcript(text.encode(), "t.txt")


def refused(text: str) -> TranscriptError:
    with pytest.raises(TranscriptError) as caught:
        parse(text)
    return caught.value


def header(client: str, professional: str, *more: str) -> str:
    lines = ["Session 3/12", "Date: 2025-07-31", f"Client: {client}", *more]
    return "\n".join([*lines, f"Therapist: {professional}", "", ""])


def turns(s: ParsedSession) -> list[tuple[str, str]]:
    return [(u.role, u.text) for u in s.utterances]


# --- a header that names no client -----------------------------------------------------

NOBODY = ["", "   ", "Mrs.", "[Client Name]", "<client>", "N/A", "TBD", "XXXX", "(self-referred)"]


@pytest.mark.parametrize("value", NOBODY)
def test_a_client_line_naming_nobody_takes_the_clients_own_introduction_as_inferred(
    value: str,
) -> None:
    s = parse(
        header(value, "Dr. Dana Hale")
        + "[10:00] Dr. Hale: Welcome. Tell me a bit about yourself.\n\n"
        "[10:01] Client: Hi, my name is Ada Byrne. I work nights.\n"
    )
    assert s.client_name == "Ada Byrne"
    (client,) = [i for i in s.inferred if i.fact == "client"]
    assert (client.source, client.line) == ("self_introduction", 8)


@pytest.mark.parametrize("value", NOBODY)
def test_a_client_line_naming_nobody_without_an_introduction_is_refused_at_that_line(
    value: str, tmp_path, cli, db
) -> None:
    cli("ingest", str(seed("002")))
    path = tmp_path / "t.txt"
    path.write_text(
        header(value, "Dr. Dana Hale")
        + "[10:00] Dr. Hale: Hello again.\n\n[10:01] Client: Better, thanks.\n",
        encoding="utf-8",
    )
    before = event_count(db)
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    # Refused where the file is recorded, which names the file without its folder.
    assert result.stderr.strip().startswith(("error: t.txt:3:", f"error: {path}:3:"))
    assert "--client NAME" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert event_count(db) == before


def test_client_option_names_the_client_the_header_leaves_unnamed_and_labels_resolve() -> None:
    text = header("", "Dana Hale") + "[10:00] Dana: Hello.\n\n[10:01] Ada: Hi.\n"
    (s,) = parse_sessions(text.encode(), "t.txt", options=ImportOptions(client="Ada Byrne"))
    assert s.client_name == "Ada Byrne"
    assert turns(s) == [("professional", "Hello."), ("client", "Hi.")]
    assert not [i for i in s.inferred if i.fact == "client"]


def test_a_name_label_with_no_client_named_is_refused_pointing_at_the_empty_line() -> None:
    error = refused(header("", "Dana Hale") + "[10:00] Dana: Hello.\n\n[10:01] Ada: Hi.\n")
    assert error.line == 8
    assert "'Client:' (line 3) names nobody" in error.expected and "--client" in error.expected


def test_an_empty_professional_line_is_read_from_their_introduction_as_inferred() -> None:
    s = parse(
        header("Ada Byrne", "")
        + "[10:00] Therapist: Hello, my name is Dr. Lena Vogt.\n\n[10:01] Ada: Hi.\n"
    )
    assert s.professional_name == "Dr. Lena Vogt"
    (found,) = [i for i in s.inferred if i.fact == "professional"]
    assert found.source == "professional_introduction"


def test_an_empty_professional_line_nobody_names_leaves_the_professional_unknown() -> None:
    s = parse(header("Ada Byrne", "") + "[10:00] Therapist: Hello.\n\n[10:01] Ada: Hi.\n")
    assert s.professional_name is None
    (found,) = [i for i in s.inferred if i.fact == "professional"]
    assert found.value is None and found.line == 4


# --- one client per header -------------------------------------------------------------


@pytest.mark.parametrize(
    ("more", "line"),
    [
        ("Client: Tom Byrne", 4),
        ("Client 2: Tom Byrne", 4),
        ("Second client: Tom Byrne", 4),
        ("Clients: Ada and Tom Byrne", 4),
        ("Co-client: Tom Byrne", 4),
    ],
)
def test_a_header_naming_a_second_client_is_refused_at_its_line(more: str, line: int) -> None:
    error = refused(header("Ada Byrne", "Dana Hale", more) + "[10:00] Dana: Hello.\n")
    assert error.line == line and "one client" in error.expected


def test_the_same_client_line_twice_is_one_client() -> None:
    s = parse(header("Ada Byrne", "Dana Hale", "Client: Ada Byrne") + "[10:00] Ada: Hi.\n")
    assert s.client_name == "Ada Byrne"


# --- titles: a title that is not the person's names someone else ------------------------


@pytest.mark.parametrize(
    ("client", "professional", "labels", "bad"),
    [
        ("Ada Byrne", "Ms. Dana Hale", ["Dr. Hale", "Ada"], 0),
        ("Mrs. Ada Byrne", "Dana Hale", ["Dana", "Mrs. Byrne", "Mr. Byrne"], 2),
        ("Ada Byrne", "Dana Hale", ["Dana", "Mrs. Byrne", "Dana", "Mr. Byrne"], 3),
        ("Ada Byrne", "Dana Hale", ["Dana", "Mr. Byrne", "Ms. Byrne"], 2),
        ("Grace Okafor", "Dr. Ivan Petrov", ["Dr. Petrov", "Mrs. Okafor", "Miss Okafor"], 2),
        ("Tom Byrne", "Dr. Dana Hale", ["Prof. Hale", "Tom"], 0),
    ],
)
def test_a_label_whose_title_differs_from_its_persons_is_refused_never_merged(
    client: str, professional: str, labels: list[str], bad: int
) -> None:
    body = "".join(f"[10:{i:02d}] {label}: Words {i}.\n\n" for i, label in enumerate(labels))
    error = refused(header(client, professional) + body)
    assert error.line == 6 + 2 * bad
    assert "one title" in error.expected and f"'{labels[bad]}'" in error.expected


@pytest.mark.parametrize(
    "labels", [["Dr. Vogt", "Doctor Vogt", "Dr Vogt"], ["Mr Nowak", "Mr. Nowak", "MR. NOWAK"]]
)
def test_spellings_of_one_title_are_one_person(labels: list[str]) -> None:
    body = "".join(f"[10:{i:02d}] {label}: Words {i}.\n\n" for i, label in enumerate(labels))
    s = parse(header("Mr. Tomasz Nowak", "Dr. Lena Vogt") + body)
    assert len({u.role for u in s.utterances}) == 1 and len(s.utterances) == 3


# --- family sessions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "more",
    [
        "Also present: Tom Byrne (brother)",
        "Family member: Tom Byrne",
        "Attendees: Ada Byrne, Tom Byrne",
        "Partner: Tom Byrne",
    ],
)
def test_a_surname_label_shared_with_someone_else_the_header_names_is_refused(more: str) -> None:
    error = refused(
        header("Ada Byrne", "Dr. Ines Maalouf", more)
        + "[18:00] Dr. Maalouf: Welcome, both.\n\n[18:01] Ada: Thanks.\n\n"
        "[18:02] Byrne: It was my idea to come.\n"
    )
    assert error.line == 11 and "could be Ada Byrne or Tom Byrne" in error.expected


@pytest.mark.parametrize("label", ["Tom", "Tom Byrne", "Mr. Tom Byrne"])
def test_a_label_naming_the_other_family_member_is_refused_saying_who_they_are(
    label: str,
) -> None:
    error = refused(
        header("Ada Byrne", "Dr. Ines Maalouf", "Also present: Tom Byrne (brother)")
        + f"[18:00] Dr. Maalouf: Welcome.\n\n[18:01] {label}: Hi.\n"
    )
    assert error.line == 9 and "Tom Byrne, whom the header names" in error.expected


def test_a_title_the_header_gives_each_family_member_tells_them_apart() -> None:
    s = parse(
        header("Mrs. Ada Byrne", "Dr. Ines Maalouf", "Also present: Mr. Tom Byrne")
        + "[18:00] Dr. Maalouf: Welcome.\n\n[18:01] Mrs. Byrne: Thank you.\n\n"
        "[18:02] Ada: He's just listening today.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client", "client"]


def test_a_second_person_sharing_the_surname_under_a_full_name_label_is_refused() -> None:
    error = refused(
        header("Ada Byrne", "Dana Hale")
        + "[10:00] Dana: Hello.\n\n[10:01] Ada Byrne: Hi.\n\n[10:02] Tom Byrne: Hello.\n"
    )
    assert error.line == 10 and "'Tom Byrne'" in error.expected


# --- how labels are written --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "[10:01] Ada:I know.",
        "[10:01] Ada :I know.",
        "[10:01] **Ada:**I know.",
        "[10:01] Ada：I know.",
        "[10:01] Ada： I know.",
        "[10:01] ADA BYRNE: I know.",
        "[10:01] ada byrne: I know.",
        "Ada:I know.",
        "Ada：I know.",
    ],
)
def test_glued_full_width_and_all_caps_labels_start_the_clients_turn(line: str) -> None:
    s = parse(header("Ada Byrne", "Dana Hale") + f"[10:00] Dana: Hello.\n\n{line}\n")
    assert turns(s) == [("professional", "Hello."), ("client", "I know.")]


@pytest.mark.parametrize("line", ["Website:https://example.org", "Ada:10 minutes late"])
def test_a_colon_before_an_address_or_a_number_is_no_label(line: str) -> None:
    s = parse(header("Ada Byrne", "Dana Hale") + f"[10:00] Dana: Hello.\n{line}\n")
    assert turns(s) == [("professional", f"Hello.\n{line}")]


@pytest.mark.parametrize(
    ("label", "direction"),
    [
        ("Ada (crying)", "(crying)"),
        ("**Ada [laughs]**", "[laughs]"),
        ("Ada (quietly)", "(quietly)"),
    ],
)
def test_a_direction_before_the_colon_is_a_direction_of_the_speakers_turn(
    label: str, direction: str
) -> None:
    s = parse(header("Ada Byrne", "Dana Hale") + f"[10:00] Dana: Hello.\n\n[10:01] {label}: Hi.\n")
    assert turns(s) == [("professional", "Hello."), ("client", "Hi.")]
    assert [e.text for e in s.entries if isinstance(e, StageDirection)] == [direction]


@pytest.mark.parametrize("label", ["Ada (as Dad)", "Ada (Client)", "Mother (Jane)"])
def test_an_aside_that_is_no_direction_is_refused_not_glued(label: str) -> None:
    for body in (f"[10:01] {label}: Hi.\n", f"**[10:01]**\n{label}: Hi.\n"):
        error = refused(header("Ada Byrne", "Dana Hale") + "[10:00] Dana: Hello.\n\n" + body)
        assert error.line in (8, 9) and label in error.expected


@pytest.mark.parametrize(
    ("client", "professional", "client_label", "professional_label"),
    [
        ("प्रिया शर्मा", "अनिल मेहता", "प्रिया", "अनिल"),
        ("王小明", "李静", "王小明", "李静"),
        ("ジョン・スミス", "田中花子", "ジョン・スミス", "田中花子"),
        ("Ελένη Παππά", "Νίκος Γεωργίου", "Ελένη", "Νίκος"),
    ],
)
def test_labels_in_other_scripts_name_their_participant(
    client: str, professional: str, client_label: str, professional_label: str
) -> None:
    s = parse(
        header(client, professional)
        + f"[10:00] {professional_label}：Words.\n\n[10:01] {client_label}: Words.\n"
    )
    assert [u.role for u in s.utterances] == ["professional", "client"]


@pytest.mark.parametrize("label", ["सीता", "माँ", "母亲", "MOTHER", "Ελένη"])
def test_an_unknown_label_in_any_script_is_refused_not_glued(label: str) -> None:
    for body in (f"[10:02] {label}: Words.\n", f"{label}: Words.\n"):
        error = refused(header("प्रिया शर्मा", "अनिल मेहता") + "[10:00] अनिल: नमस्ते।\n\n" + body)
        assert error.line == 8 and label in error.expected


@pytest.mark.parametrize(
    "line", ["Patient:Hard.", "Patient：Hard.", "PATIENT: Hard.", "Patient (sighs): Hard."]
)
def test_format_c_reads_glued_full_width_caps_and_directed_role_labels(line: str) -> None:
    s = parse(f"Session Number: 2\n\nTherapist: How was it?\n\n{line}\n")
    assert turns(s) == [("professional", "How was it?"), ("client", "Hard.")]


# --- ending words said under a label -------------------------------------------------------


@pytest.mark.parametrize(
    "words", ["Session over.", "End of session.", "Session ended", "END OF SESSION"]
)
@pytest.mark.parametrize("fmt", ["A", "B", "C"])
def test_ending_words_after_a_label_are_an_utterance_not_the_end(words: str, fmt: str) -> None:
    if fmt == "A":
        text = header("Ada Byrne", "Dana Hale") + (
            f"[10:00] Dana: Last one.\n\n[10:01] Patient: {words}\n\n[10:02] Dana: Not yet.\n"
        )
    elif fmt == "B":
        text = header("Ada Byrne", "Dana Hale") + (
            f"**[10:00]**\nDana: Last one.\n\nPatient: {words}\n\nDana: Not yet.\n"
        )
    else:
        text = (
            f"Session Number: 4\n\nTherapist: Last one.\n\nPatient: {words}\n\n"
            "Therapist: Not yet.\n"
        )
    s = parse(text)
    assert turns(s) == [
        ("professional", "Last one."),
        ("client", words),
        ("professional", "Not yet."),
    ]
    assert s.ending.reason == "incomplete"


def test_an_end_line_of_its_own_still_ends_the_session_after_a_turn() -> None:
    s = parse("Session Number: 4\n\nTherapist: See you next week.\n\nEnd of session.\n")
    assert turns(s) == [("professional", "See you next week.")]
    assert s.ending.reason == "end_marker"
