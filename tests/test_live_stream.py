"""How ``caselog record`` reads a stream of lines into turns (``TurnReader``): each
line is a turn's start, more of its words, or a stage direction — and a line that may be
another speaker's turn is refused rather than glued into the turn before it."""

from __future__ import annotations

import pytest

from caselog.adapters.live_stream import TurnReader, roles
from caselog.domain.errors import InvalidLiveInput
from caselog.domain.live import Direction, Say

CLIENT, WARD = "Rowan Vale", "Dr. Ines Ward"


def read(text: str, *given: tuple[str, str]) -> list[tuple[str | None, str, str]]:
    """(speaker, role, text) of each step the lines give; a direction is (None, "", text)."""
    reader = TurnReader(roles(list(given), CLIENT, WARD), "run")  # type: ignore[arg-type]
    steps = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        steps.extend(reader.feed(number, line))
    steps.extend(reader.close())
    out: list[tuple[str | None, str, str]] = []
    for step in steps:
        if isinstance(step, Say):
            out.append((step.speaker, step.role, step.text))
        else:
            assert isinstance(step, Direction)
            out.append((None, "", step.text))
    return out


def refused(text: str, *given: tuple[str, str]) -> str:
    with pytest.raises(InvalidLiveInput) as caught:
        read(text, *given)
    return str(caught.value)


# --- turns --------------------------------------------------------------------------------

TURNS = [
    pytest.param(
        "Rowan: I kept waking at four.\n\nDr. Ward: What woke you?\n",
        [
            ("Rowan", "client", "I kept waking at four."),
            ("Dr. Ward", "professional", "What woke you?"),
        ],
        id="first-name-and-titled-surname",
    ),
    pytest.param(
        "ROWAN: Work, mostly.\nWARD: Mostly?\n",
        [("ROWAN", "client", "Work, mostly."), ("WARD", "professional", "Mostly?")],
        id="capitals-without-a-blank-line",
    ),
    pytest.param(
        "Therapist: How was the week?\n\nClient: Long.\n",
        [("Therapist", "professional", "How was the week?"), ("Client", "client", "Long.")],
        id="role-words",
    ),
    pytest.param(
        "**Ines:** Shall we start?\n\n**Rowan:** Yes.\n",
        [("Ines", "professional", "Shall we start?"), ("Rowan", "client", "Yes.")],
        id="markdown-bold-labels",
    ),
    pytest.param(
        "10:04 Rowan: I slept.\n[10:05] Dr. Ward: Good.\n",
        [("Rowan", "client", "I slept."), ("Dr. Ward", "professional", "Good.")],
        id="clocks-before-labels",
    ),
    pytest.param(
        "Rowan: I kept waking.\nThen I lay there.\n\nAnd on Sunday it was worse.\n",
        [
            ("Rowan", "client", "I kept waking.\nThen I lay there."),
            ("Rowan", "client", "And on Sunday it was worse."),
        ],
        id="lines-and-paragraphs-go-on",
    ),
    pytest.param(
        "Rowan: I said to him: stop it.\nHe said: no.\n",
        [("Rowan", "client", "I said to him: stop it.\nHe said: no.")],
        id="reported-speech-is-words",
    ),
    pytest.param(
        "Rowan: My sheet says\nSituation: the email from work\nAutomatic Thought: I failed\n"
        "Mood: anxious 80%\n",
        [
            (
                "Rowan",
                "client",
                "My sheet says\nSituation: the email from work\nAutomatic Thought: I failed\n"
                "Mood: anxious 80%",
            )
        ],
        id="worksheet-fields-are-words",
    ),
    pytest.param(
        "Dr. Ward: Two things.\nNote: keep it short.\nSee https://example.org/sleep: page 2\n",
        [
            (
                "Dr. Ward",
                "professional",
                "Two things.\nNote: keep it short.\nSee https://example.org/sleep: page 2",
            )
        ],
        id="notes-and-links-are-words",
    ),
    pytest.param(
        "Rowan: Fine.\n(long pause)\nDr. Ward: Go on.\n",
        [
            ("Rowan", "client", "Fine."),
            (None, "", "(long pause)"),
            ("Dr. Ward", "professional", "Go on."),
        ],
        id="a-direction-between-turns",
    ),
    pytest.param(
        "R.V.: Me again.\n\nI. Ward: And me.\n\nR. Vale: Still here.\n",
        [
            ("R.V.", "client", "Me again."),
            ("I. Ward", "professional", "And me."),
            ("R. Vale", "client", "Still here."),
        ],
        id="initials-of-the-participants",
    ),
    pytest.param(
        "Rowan: Two of them.\n2 of them: no, three.\n",
        [("Rowan", "client", "Two of them.\n2 of them: no, three.")],
        id="a-line-opening-with-a-number-is-words",
    ),
]


@pytest.mark.parametrize(("text", "expected"), TURNS)
def test_each_line_opens_a_turn_goes_on_with_one_or_is_a_direction(text, expected):
    assert read(text) == expected


# --- short labels ----------------------------------------------------------------------------

SHORT = [
    pytest.param("Rowan: I feel low.\n\nT: Since when?\n", "T", 3, id="T-after-a-blank-line"),
    pytest.param("Rowan: I feel low.\nC: Monday.\n", "C", 2, id="C-inside-a-turn"),
    pytest.param("Dr. Ward: Ready?\nQ: How are you?\nA: Better.\n", "Q", 2, id="Q-and-A"),
    pytest.param("Rowan: Hi.\n\nPt: I am the patient.\n", "Pt", 3, id="Pt"),
    pytest.param("T: How are you?\n", "T", 1, id="T-first"),
    pytest.param("Rowan: Hi.\n\nP1: Hello.\n", "P1", 3, id="numbered-letter"),
]


@pytest.mark.parametrize(("text", "label", "line"), SHORT)
def test_a_short_label_is_refused_until_given_a_role_never_glued_to_the_turn_before(
    text, label, line
):
    message = refused(text)
    assert message.startswith(f"stdin:{line}: who is {label!r}?")
    assert f"--role '{label}=professional'" in message


def test_short_labels_given_roles_are_turns_of_those_roles():
    text = "T: How are you?\n\nC: Low.\nT: Since when?\nC: Monday.\n"
    assert read(text, ("T", "professional"), ("C", "client")) == [
        ("T", "professional", "How are you?"),
        ("C", "client", "Low."),
        ("T", "professional", "Since when?"),
        ("C", "client", "Monday."),
    ]


# --- turns hidden behind something ----------------------------------------------------------

HIDDEN = [
    pytest.param("Rowan: Low.\n- Ines: Hm.\n", "-", "Ines", id="list-dash"),
    pytest.param("Rowan: Low.\n> Dr. Ward: Hm.\n", ">", "Dr. Ward", id="quoted"),
    pytest.param("Rowan: Low.\n12. Therapist: Hm.\n", "12.", "Therapist", id="numbered"),
    pytest.param("Rowan: Low.\n1) Therapist: Hm.\n", "1)", "Therapist", id="numbered-paren"),
    pytest.param("Rowan: Low.\n🧑‍⚕️ Therapist: Hm.\n", "🧑\u200d⚕️", "Therapist", id="emoji"),
    pytest.param("Dr. Ward: Hm.\n#7 Rowan: Low.\n", "#7", "Rowan", id="hash-number"),
]


@pytest.mark.parametrize(("text", "lead", "label"), HIDDEN)
def test_a_participants_label_behind_marks_or_an_unread_clock_is_refused(text, lead, label):
    message = refused(text)
    assert f"{lead!r} before {label!r}" in message
    assert "expected a turn as 'Label: words'" in message


# --- what generators and people emit ---------------------------------------------------------

CL, TH = "client", "professional"

SHAPES = [
    pytest.param(
        "__Client__: Tired.\n__Therapist__: Why?\n",
        [("Client", CL, "Tired."), ("Therapist", TH, "Why?")],
        id="md-underscores",
    ),
    pytest.param(
        "*Therapist*: Hi.\n***Client:*** Hello.\n",
        [("Therapist", TH, "Hi."), ("Client", CL, "Hello.")],
        id="md-italic-and-bold-italic",
    ),
    pytest.param(
        "[Therapist]: Hi.\n[Client]: Hello.\n",
        [("Therapist", TH, "Hi."), ("Client", CL, "Hello.")],
        id="bracketed-labels",
    ),
    pytest.param(
        "Therapist (warmly): Welcome.\nClient [sighs]: Hi.\n",
        [("Therapist", TH, "(warmly) Welcome."), ("Client", CL, "[sighs] Hi.")],
        id="stage-directions-in-labels",
    ),
    pytest.param(
        "THERAPIST: Hi.\nCOUNSELOR: Me too.\nPSYCHOLOGIST: And me.\n",
        [("THERAPIST", TH, "Hi."), ("COUNSELOR", TH, "Me too."), ("PSYCHOLOGIST", TH, "And me.")],
        id="all-caps-role-synonyms",
    ),
    pytest.param(
        "Therapist：你好。\nClient：Hi.\n",
        [("Therapist", TH, "你好。"), ("Client", CL, "Hi.")],
        id="full-width-colon",
    ),
    pytest.param(
        "10:04:33 Therapist: Hi.\n(10:05) Client: Hello.\n",
        [("Therapist", TH, "Hi."), ("Client", CL, "Hello.")],
        id="clock-with-seconds-and-in-parens",
    ),
    pytest.param(
        "[00:01:02.500] Therapist: Hi.\n10.04 Client: Hello.\n",
        [("Therapist", TH, "Hi."), ("Client", CL, "Hello.")],
        id="clock-with-milliseconds-and-dotted",
    ),
    pytest.param(
        "10:04 AM Therapist: Hi.\n10:05 - Client: Hello.\n",
        [("Therapist", TH, "Hi."), ("Client", CL, "Hello.")],
        id="clock-am-and-dash",
    ),
    pytest.param(
        "Therapist (10:04): Hi.\nClient [10:05]: Hello.\n",
        [("Therapist", TH, "Hi."), ("Client", CL, "Hello.")],
        id="clock-after-the-label",
    ),
    pytest.param(
        "  Therapist: Hi.\n\tClient: Hello.\n",
        [("Therapist", TH, "Hi."), ("Client", CL, "Hello.")],
        id="indented-labels",
    ),
    pytest.param(
        "Rowan: Hi.\r\nStill here.\r\n\r\nDr. Ward: Yes.\r\n",
        [("Rowan", CL, "Hi.\nStill here."), ("Dr. Ward", TH, "Yes.")],
        id="crlf",
    ),
    pytest.param(
        "Vale: Hi.\nWard: Hello.\nMr. Vale: Again.\n",
        [("Vale", CL, "Hi."), ("Ward", TH, "Hello."), ("Mr. Vale", CL, "Again.")],
        id="surnames",
    ),
    pytest.param(
        "Therapist:\nHow are you?\n\nClient:\nFine.\n",
        [("Therapist", TH, "How are you?"), ("Client", CL, "Fine.")],
        id="label-on-its-own-line",
    ),
    pytest.param(
        "Rowan: I called at 10:30: nobody answered.\nAt 10:04 pm: I slept.\n10:04 pm: woke.\n",
        [
            (
                "Rowan",
                CL,
                "I called at 10:30: nobody answered.\nAt 10:04 pm: I slept.\n10:04 pm: woke.",
            )
        ],
        id="times-inside-a-turn",
    ),
    pytest.param(
        "Rowan: I slept late.\n\n10:30 was when I called.\n",
        [("Rowan", CL, "I slept late."), ("Rowan", CL, "10:30 was when I called.")],
        id="a-paragraph-opening-with-a-time-keeps-it",
    ),
    pytest.param(
        "Dr. Ward: Try this:\n1) breathe\n2) count\n- relax\nSee https://x.org/a: b\n",
        [("Dr. Ward", TH, "Try this:\n1) breathe\n2) count\n- relax\nSee https://x.org/a: b")],
        id="lists-and-links-inside-a-turn",
    ),
    pytest.param(
        "Rowan: She said: stop.\nMy therapist said: rest.\n"
        "And Ines said: fine.\nI told Ward: no.\n",
        [
            (
                "Rowan",
                CL,
                "She said: stop.\nMy therapist said: rest.\nAnd Ines said: fine.\nI told Ward: no.",
            )
        ],
        id="quoting-someone-is-words",
    ),
    pytest.param(
        "Rowan: one\ntwo\nthree\n\nfour\n",
        [("Rowan", CL, "one\ntwo\nthree"), ("Rowan", CL, "four")],
        id="split-across-lines",
    ),
    pytest.param(
        "Rowan: " + "so tired " * 4000 + "\n",
        [("Rowan", CL, ("so tired " * 4000).strip())],
        id="a-very-long-turn",
    ),
    pytest.param(
        "Rowan: Hi.\n*sighs*\nDr. Ward: Go on.\n",
        [("Rowan", CL, "Hi."), (None, "", "*sighs*"), ("Dr. Ward", TH, "Go on.")],
        id="italic-direction",
    ),
    pytest.param(
        "Rowan: Will you help?\nWard said I was fine.\n",
        [("Rowan", CL, "Will you help?\nWard said I was fine.")],
        id="a-name-then-a-verb-not-of-narration",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SHAPES)
def test_shapes_generators_emit_are_read_whole_and_under_their_speaker(text, expected):
    assert read(text) == expected


def test_clocks_in_many_shapes_are_read_as_hh_mm():
    reader = TurnReader(roles([], CLIENT, WARD), "run")
    lines = [
        "[00:01:02.500] Rowan: a\n",
        "10:04 PM Rowan: b\n",
        "12:10 am Rowan: c\n",
        "(9.05) Rowan: d\n",
        "Rowan (10:04): e\n",
    ]
    steps = [s for n, line in enumerate(lines, 1) for s in reader.feed(n, line)]
    steps += reader.close()
    assert [s.clock for s in steps if isinstance(s, Say)] == [
        "00:01:02",
        "22:04",
        "00:10",
        "09:05",
        "10:04",
    ]


NEAR = [
    pytest.param("Rowan: Low.\nTherapist - Go on.\n", 2, "'Therapist -'", id="dash"),
    pytest.param("Rowan: Low.\nClient — More.\n", 2, "'Client —'", id="em-dash"),
    pytest.param("Dr. Ward: Hm.\n<Client> Low.\n", 2, "'<Client>'", id="angle-brackets"),
    pytest.param("Rowan: Low.\n### Therapist\nGo on.\n", 2, "'### Therapist'", id="md-heading"),
    pytest.param("Rowan: Low.\n**Therapist** Go on.\n", 2, "'**Therapist**'", id="bold-no-colon"),
    pytest.param("Rowan: Low.\nTherapist 🙂: Go on.\n", 2, "'Therapist 🙂'", id="emoji-after"),
    pytest.param("Rowan: Low.\nTherapist > Go on.\n", 2, "'Therapist >'", id="arrow"),
    pytest.param("Therapist - Hi.\n", 1, "'Therapist -'", id="first-line"),
]


@pytest.mark.parametrize(("text", "line", "shown"), NEAR)
def test_a_participants_label_in_a_shape_not_read_is_refused_never_glued(text, line, shown):
    message = refused(text)
    assert message.startswith(f"stdin:{line}: {shown} reads as a turn of ")
    assert message.endswith("expected 'Label: words', with a colon")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Rowan: Hi.\n\nThe client looks away.\n", 3),
        ("Rowan: Hi.\nDr. Ward smiles.\n", 2),
        ("Dr. Ward: Hi.\nRowan shifted in the chair.\n", 2),
    ],
    ids=["the-client", "titled-name", "name-past-tense"],
)
def test_narration_about_a_participant_is_refused_not_recorded_as_words(text, line):
    assert refused(text).startswith(f"stdin:{line}: ")
    assert "reads as narration, not words" in refused(text)


# --- people nobody named -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Rowan: She came in.\n\nMum: Where were you?\n",
        "Rowan: Hi.\nSam Okafor: Hello.\n",
        "Rowan: Hi.\n\nSpeaker 2: Hello.\n",
        "Rowan: Hi.\n\nClient (Rowan): Hello.\n",
        "Rowan: Hi.\nRowan's mother: He is fine.\n",
        "Rowan: Hi.\nMother of Rowan: He is fine.\n",
        "Rowan: Hi.\nClient's partner: Me too.\n",
        "Rowan: Hi.\nDr. van der Berg: Hello.\n",
        "Rowan: Hi.\nDr. Ward said: rest.\n",
        "Rowan: Hi.\nCoach: Hello.\n",
        "Rowan: Hi.\nAI Therapist: Hello.\n",
        "Rowan: Hi.\nAssistant: Hello.\n",
        "Rowan: Hi.\nRo: Hello.\n",
        "Rowan: Hi.\nΘεραπευτής: Γεια.\n",
    ],
    ids=[
        "mum",
        "a-third-person",
        "numbered-speaker",
        "aside-in-the-label",
        "possessive",
        "mother-of",
        "clients-partner",
        "titled-with-particles",
        "a-participant-said",
        "coach",
        "ai-therapist",
        "assistant",
        "nickname",
        "non-latin-role-word",
    ],
)
def test_a_label_that_names_nobody_known_is_refused(text):
    assert "who is" in refused(text)


# --- JSON lines -------------------------------------------------------------------------------


def read_json(text: str, *given: tuple[str, str]) -> list[tuple[str | None, str, str]]:
    reader = TurnReader(roles(list(given), CLIENT, WARD), "run")  # type: ignore[arg-type]
    steps = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        steps.extend(reader.json_line(number, line))
    return [(s.speaker, s.role, s.text) for s in steps if isinstance(s, Say)]


def test_json_lines_take_the_role_given_or_the_one_the_speaker_names():
    text = (
        '{"speaker": "Rowan", "text": "Hello."}\n'
        '{"speaker": "Dr. Lee", "role": "professional", "text": "I am covering today."}\n'
        '{"role": "client", "text": "Fine."}\n'
    )
    assert read_json(text) == [
        ("Rowan", "client", "Hello."),
        ("Dr. Lee", "professional", "I am covering today."),
        (None, "client", "Fine."),
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"speaker": "Sam", "role": "client", "text": "I am his brother."}',
            "stdin:1: 'Sam' is not the client, Rowan Vale; give --role 'Sam=client' if they are",
        ),
        (
            '{"speaker": "Ines", "role": "client", "text": "Swapped."}',
            "stdin:1: 'Ines' is not the client, Rowan Vale",
        ),
        (
            '{"speaker": "Rowan", "role": "professional", "text": "Swapped."}',
            "stdin:1: 'Rowan' names the session's client, Rowan Vale, but the turn's role is "
            "professional",
        ),
        ('{"speaker": "Sam", "text": "Who?"}', "stdin:1: who is 'Sam'? give its role"),
    ],
    ids=["someone-else-as-client", "professional-as-client", "client-as-professional", "no-role"],
)
def test_a_json_line_whose_speaker_is_not_its_roles_participant_is_refused(line, message):
    with pytest.raises(InvalidLiveInput) as caught:
        read_json(line + "\n")
    assert str(caught.value).startswith(message)


def test_a_json_line_of_someone_given_the_client_role_is_theirs():
    line = '{"speaker": "Sam", "role": "client", "text": "I am the client today."}\n'
    assert read_json(line, ("Sam", "client")) == [("Sam", "client", "I am the client today.")]


def test_a_titled_label_sharing_the_clients_surname_is_not_the_client():
    reader = TurnReader(roles([], "Noor Haddad", None), "run")
    reader.feed(1, "Noor: I nearly cancelled.\n")
    with pytest.raises(InvalidLiveInput, match=r"who is 'Dr\. Haddad'"):
        reader.feed(2, "Dr. Haddad: What made you want to?\n")


@pytest.mark.parametrize(
    ("line", "label"),
    [("Haddad: Hello.\n", "Haddad"), ("N.H.: Hello.\n", "N.H."), ("HADDAD: Hi.\n", "HADDAD")],
    ids=["shared-surname", "shared-initials", "shared-surname-in-capitals"],
)
def test_a_label_naming_both_participants_is_refused_until_given_a_role(line, label):
    reader = TurnReader(roles([], "Noor Haddad", "Dr. Nadia Haddad"), "run")
    with pytest.raises(InvalidLiveInput) as caught:
        reader.feed(1, line)
    assert str(caught.value).startswith(f"stdin:1: who is {label!r}?")
    given = TurnReader(roles([(label, "client")], "Noor Haddad", "Dr. Nadia Haddad"), "run")
    given.feed(1, line)
    assert [(s.speaker, s.role) for s in given.close() if isinstance(s, Say)] == [(label, "client")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"speaker": "Rowan", "role": "client"}', "stdin:1: Say text: Field required"),
        ('{"text": "hi"}', "stdin:1: Say role: Field required"),
        ('{"speaker": "Rowan", "text": ""}', "stdin:1: Say text: String should have at least"),
        ('{"speaker": "Rowan", "text": "hi", "clock": "10:04 AM"}', "stdin:1: Say clock:"),
        ('{"speaker": "Rowan", "text": "hi", "mood": "low"}', "stdin:1: Say mood: Extra inputs"),
        ('{"speaker": "Rowan", "role": "Client", "text": "hi"}', "stdin:1: Say role: Input should"),
        ('{"speaker": 5, "role": "client", "text": "hi"}', "stdin:1: Say speaker: Input should"),
        ('{"role": "client", "text": ["a", "b"]}', "stdin:1: Say text: Input should be a valid"),
        ('["Rowan", "hi"]', "stdin:1: expected a JSON object with role and text"),
        (
            '{"speaker": "Haddad", "role": "client", "text": "hi"}',
            "stdin:1: 'Haddad' is not clearly the client: it names both",
        ),
    ],
    ids=[
        "no-text",
        "no-role-or-speaker",
        "empty-text",
        "clock-with-am",
        "unknown-field",
        "capitalised-role",
        "number-as-speaker",
        "list-as-text",
        "array",
        "both-surname",
    ],
)
def test_a_json_line_with_a_missing_or_odd_field_is_refused_naming_the_field(line, message):
    people = ("Noor Haddad", "Dr. Nadia Haddad") if "Haddad" in line else (CLIENT, WARD)
    reader = TurnReader(roles([], *people), "run")
    with pytest.raises(InvalidLiveInput) as caught:
        reader.json_line(1, line + "\n")
    assert str(caught.value).startswith(message)


def test_a_json_line_by_role_word_or_with_speaker_null_takes_the_role():
    text = (
        '{"speaker": "Therapist", "text": "Hi."}\n'
        '{"speaker": null, "role": "client", "text": "Yo."}\n\n'
    )
    assert read_json(text) == [("Therapist", "professional", "Hi."), (None, "client", "Yo.")]


@pytest.mark.parametrize(
    ("line", "direction"),
    [
        ("*The therapist nods slowly.*", True),
        ("_Rowan looks down at her hands._", True),
        ("*Long silence*", True),
        ("*What if I fail?*", False),
        ("*You never listen.*", False),
    ],
)
def test_a_line_in_italics_is_narration_unless_it_speaks_as_i_or_you(line, direction):
    steps = read(f"Rowan: Hi.\n{line}\nDr. Ward: Go on.\n")
    if direction:
        assert steps == [
            ("Rowan", "client", "Hi."),
            (None, "", line),
            ("Dr. Ward", "professional", "Go on."),
        ]
    else:
        assert steps[0] == ("Rowan", "client", f"Hi.\n{line}")
