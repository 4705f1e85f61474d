"""Names as real transcripts write them: introductions, titles, scripts, address, identity."""

from __future__ import annotations

import unicodedata
import uuid

import pytest

from caselog.adapters.parsing import parse_transcript
from caselog.adapters.parsing.speakers import person
from caselog.domain.identity import client_id, fold_name, near_names, normalise_name
from caselog.domain.transcript import ParsedSession


def c_session(*turns: str) -> ParsedSession:
    text = "Session Number: 2\n\n" + "\n\n".join(turns) + "\n"
    return parse_transcript(text.encode(), "c.txt")


def introduced(first_turn: str, reply: str = "Welcome. What brings you in?") -> ParsedSession:
    return c_session(f"Patient: {first_turn}", f"Therapist: {reply}", "Patient: Okay.")


@pytest.mark.parametrize(
    ("said", "name", "title"),
    [
        ("Hi, I'm Niamh O'Hara. It's my first time.", "Niamh O'Hara", None),
        ("Hi, I’m Siobhán D’Arcy, thanks for fitting me in.", "Siobhán D’Arcy", None),
        ("I'm Ruth K. Adler. My GP sent me.", "Ruth K. Adler", None),
        ("My name is Mr. Otis Grant and I have been struggling.", "Otis Grant", "Mr."),
        ("Good morning. My name's Dr Priya Raman.", "Priya Raman", "Dr"),
        ("I'm Anaïs Fabre. I'm Belgian, and I moved here in May.", "Anaïs Fabre", None),
        ("Hello. I am Ludwig van der Berg.", "Ludwig van der Berg", None),
        ("Hi, this is Omar al-Farsi.", "Omar al-Farsi", None),
        ("Everyone calls me Bea, but my name is Beatriz de la Cruz.", "Beatriz de la Cruz", None),
        ("Please call me Zoë Brontë-Hale.", "Zoë Brontë-Hale", None),
        ("Hi. I'm Łukasz Wójcik.", "Łukasz Wójcik", None),
        ("Hello, I'm Иван Петров.", "Иван Петров", None),
        ("Hi, I'm Nguyễn Thị Lan.", "Nguyễn Thị Lan", None),
        ("I go by Sean McAvoy.", "Sean McAvoy", None),
        ("Yes, hi, I am Aziz bin Salleh, from the referral.", "Aziz bin Salleh", None),
        ("Hi Nova, I'm Priya Raman. Thanks for seeing me.", "Priya Raman", None),
        ("Hello there. I am Jo Park, the new client.", "Jo Park", None),
    ],
)
def test_a_self_introduction_gives_the_whole_name_in_any_script(
    said: str, name: str, title: str | None
) -> None:
    s = introduced(said)
    assert (s.client_name, s.client_title) == (name, title)
    found = s.inferred_fact("client")
    assert found is not None and found.source == "self_introduction" and found.line == 3


def test_a_one_word_name_counts_when_the_professional_uses_it_too() -> None:
    assert introduced("Hi, I'm 王小明.", "Welcome, 王小明.").client_name == "王小明"
    assert introduced("Hi, I'm Tomasz.", "Tomasz, welcome.").client_name == "Tomasz"


@pytest.mark.parametrize(
    "said",
    [
        "Hi. I'm Belgian, and I've been exhausted since the move.",
        "I'm Catholic, so this is hard to talk about.",
        "Honestly I am Done with all of it.",
        "So my manager, Greg, said I should come.",
        "This is Hard for me. I don't usually talk about it.",
        "I'm sorry I'm late. Traffic was terrible.",
    ],
)
def test_a_sentence_that_is_not_an_introduction_gives_no_name(said: str) -> None:
    assert introduced(said, "Take your time. What's been happening?").client_name is None


def test_a_name_in_a_later_sentence_that_is_not_placed_as_an_introduction_is_not_taken() -> None:
    s = introduced("The thing is, I'm Marcus's sister, and he told me to come.")
    assert s.client_name is None


def test_the_professional_is_not_the_person_the_client_talks_about() -> None:
    s = c_session(
        "Patient: Hi, I'm Dana Webb.",
        "Therapist: Hello Dana. What would you like to focus on?",
        "Patient: Work. My manager, Greg. He keeps moving deadlines, and Greg never listens.",
        "Therapist: That sounds frustrating.",
        "Patient: I told my partner, Greg. Sorry, I mean Sam.",
    )
    assert s.professional_name is None
    unknown = s.inferred_fact("professional")
    assert unknown is not None and unknown.value is None and unknown.evidence


def test_the_professional_is_taken_from_clear_address_and_marked_inferred() -> None:
    s = c_session(
        "Patient: Hi Dr. Okafor, I'm Dana Webb.",
        "Therapist: Hello Dana.",
        "Patient: My manager, Greg, was awful again.",
        "Therapist: Tell me more.",
        "Patient: Thanks, Dr. Okafor. That helps.",
    )
    assert s.professional_name == "Dr. Okafor"
    found = s.inferred_fact("professional")
    assert found is not None and found.source == "direct_address" and found.line == 3


def test_no_name_is_taken_without_a_margin_over_another() -> None:
    s = c_session(
        "Patient: Hi Nova. I'm Dana Webb.",
        "Therapist: Hello Dana.",
        "Patient: Thanks, Sam.",
    )
    assert s.professional_name is None
    assert "Nova" in (s.inferred_fact("professional") or pytest.fail()).evidence


def test_the_professional_introducing_themselves_names_them() -> None:
    s = c_session(
        "Therapist: Welcome. My name is Dr. Helena Marsh, and I'll be working with you.",
        "Patient: Hi. I'm Dana Webb.",
    )
    assert s.professional_name == "Dr. Helena Marsh"
    assert (s.inferred_fact("professional") or pytest.fail()).source == (
        "professional_introduction"
    )


@pytest.mark.parametrize(
    ("value", "name", "title", "note"),
    [
        ("Mrs. Ada Byrne", "Ada Byrne", "Mrs.", None),
        ("Dana Hale, LCSW (Licensed Clinical Social Worker)", "Dana Hale", None, None),
        ("Dr. Harper Torres (Licensed Clinical Psychologist)", "Harper Torres", "Dr.", None),
        ("Sam Ortiz, PhD, LMFT", "Sam Ortiz", None, "PhD, LMFT"),
        ("Ingrid Sørensen, UKCP registered", "Ingrid Sørensen", None, "UKCP registered"),
        ("Alex (Product Designer)", "Alex", None, "Product Designer"),
    ],
)
def test_a_header_person_keeps_title_and_credentials_apart_from_the_name(
    value: str, name: str, title: str | None, note: str | None
) -> None:
    found = person(value)
    assert (found.name, found.title) == (name, title)
    if note is not None:
        assert found.note == note
    if "LCSW" in value:
        assert found.note == "LCSW; Licensed Clinical Social Worker"


def test_a_name_typed_two_ways_is_one_identity() -> None:
    ns = uuid.uuid4()
    precomposed = "Zoë Brontë"
    decomposed = unicodedata.normalize("NFD", precomposed)
    assert precomposed != decomposed
    assert client_id(ns, precomposed) == client_id(ns, decomposed)
    assert client_id(ns, "Mrs. Ada Byrne") == client_id(ns, "Ada  BYRNE")
    assert client_id(ns, "Inês Costa") != client_id(ns, "Ines Costa")


def test_a_lone_title_is_a_name_not_an_empty_identity() -> None:
    assert normalise_name("Miss") == "miss"


def test_lookups_fold_case_and_accents() -> None:
    assert fold_name("Inês Carvalho") == fold_name("ines CARVALHO")
    assert fold_name("Dr. Zoë Brontë") == "zoe bronte"


@pytest.mark.parametrize(
    ("new", "known", "why"),
    [
        ("Ines Costa", "Inês Costa", "accents"),
        ("Niamh", "Niamh O'Hara", "start"),
        ("Jon Smith", "John Smith", "one letter"),
        ("Maria Lopez", "Maria Santos", "first name"),
    ],
)
def test_a_near_name_is_found_with_why(new: str, known: str, why: str) -> None:
    ((name, reason),) = near_names(new, [known, "Somebody Else"])
    assert name == known and why in reason


def test_the_same_identity_and_unrelated_names_are_not_near() -> None:
    assert near_names("Mrs. Ada Byrne", ["Ada Byrne", "Tom Hughes", "Adam Burns"]) == []


def test_my_name_is_wins_over_an_earlier_im() -> None:
    s = introduced("I should say I'm Irish Catholic, so guilt runs deep. My name's Brendan Foley.")
    assert s.client_name == "Brendan Foley"


def test_a_portuguese_particle_stays_in_the_name() -> None:
    s = introduced("Boa tarde. My name is Ana Beatriz de Souza e Silva, for the record.")
    assert s.client_name == "Ana Beatriz de Souza e Silva"


def test_a_generic_vocative_is_not_the_professionals_name() -> None:
    s = c_session(
        "Patient: Hi Doc. I'm Dana Webb.",
        "Therapist: Hello Dana.",
        "Patient: Thanks, Doc. And thank you, Dr. Brooks, for the breathing thing.",
    )
    assert s.professional_name == "Dr. Brooks"


def test_thanks_in_another_language_is_address_too() -> None:
    s = c_session("Patient: Obrigada, Dr. Tavares. I'm Ana Souza.", "Therapist: De nada, Ana.")
    assert s.professional_name == "Dr. Tavares"


def test_a_military_title_is_a_title() -> None:
    s = introduced("Good morning. I'm Major Tom Briggs, retired.")
    assert (s.client_name, s.client_title) == ("Tom Briggs", "Major")


def test_my_name_is_actually_gives_the_full_name_over_a_nickname() -> None:
    s = c_session(
        "Patient: Hi! I'm Sunny.",
        "Therapist: Welcome, Sunny.",
        "Patient: Well, my name is actually Sunniva Berg-Hansen. Sunny is what everyone says.",
    )
    assert s.client_name == "Sunniva Berg-Hansen"
