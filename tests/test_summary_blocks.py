"""Summary blocks however they are dressed: heading variants and synonyms, bullet styles,
missing sections, and extra sections kept as ``other`` — parsed, recorded and shown."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import uuid4

import pytest

from caselog.adapters.parsing import parse_transcript
from caselog.adapters.parsing.summary import parse_summary, section_key
from caselog.adapters.parsing.text import numbered, split_lines
from caselog.domain.errors import TranscriptError
from caselog.domain.events import HomeworkAssigned, OtherItemNoted
from caselog.domain.recording import Target, record_session
from caselog.domain.transcript import NAMED_SECTIONS, ParsedSession
from tests.conftest import FIXTURES, Cli

SUMMARIES = FIXTURES / "summaries"
DANA = SUMMARIES / "dana-4-headings.txt"


def _parse(path: Path) -> ParsedSession:
    return parse_transcript(path.read_bytes(), path.name)


def _block(text: str):
    return parse_summary(numbered(split_lines(text)))


def _c_file(summary: str) -> bytes:
    return (
        "Session Number: 2\n\nPatient: Hi, I'm Kim Lowe.\n\nTherapist: Hello, Kim.\n\n"
        f"Session Summary:\n\n{summary}"
    ).encode()


# --- which section a heading names -------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        ("Homework assigned", "homework"),
        ("Next steps", "homework"),
        ("Action items", "homework"),
        ("Assignments", "homework"),
        ("Between-session tasks", "homework"),
        ("Practice", "homework"),
        ("Practice for this week", "homework"),
        ("Home practice", "homework"),
        ("Homework/exercises", "homework"),
        ("Key takeaways", "insights"),
        ("Realizations", "insights"),
        ("Insights/realizations", "insights"),
        ("Skills practiced", "techniques"),
        ("Interventions", "techniques"),
        ("Techniques used", "techniques"),
        ("Techniques/exercises introduced", "techniques"),
        ("In-session practice", "techniques"),
        ("What helped", "helpful"),
        ("Strengths noted", "helpful"),
        ("Things that appeared helpful/important", "helpful"),
        ("Helpful/Important Elements", "helpful"),
        ("Themes", "topics"),
        ("Topics covered", "topics"),
        ("Main topics", "topics"),
        ("MAIN TOPICS DISCUSSED", "topics"),
        ("Important topics", "topics"),
        ("Risk assessment", None),
        ("Plan for next session", None),
        ("Medication notes", None),
    ],
)
def test_a_heading_names_its_section_by_keyword_or_synonym(heading, key):
    assert section_key(heading) == key


@pytest.mark.parametrize(
    "heading",
    [
        "Main topics (including last week's homework review)",
        "Topics: reviewing homework from last week",
        "Homework review",
        "Review of last week's homework",
        "Mindfulness practice review",
    ],
)
def test_a_heading_that_only_mentions_homework_is_topics(heading):
    assert section_key(heading) == "topics"


def test_skills_practiced_is_techniques_and_practice_alone_is_homework():
    block = _block(
        "Skills practiced:\n- Paced breathing\n\nPractice:\n- Breathe for five minutes daily\n"
    )
    assert block.summary is not None
    assert [(s.key, s.heading) for s in block.summary.sections] == [
        ("techniques", "Skills practiced:"),
        ("homework", "Practice:"),
    ]


# --- the forms of a heading, and of an item ----------------------------------------------


@pytest.mark.parametrize(
    "heading",
    [
        "homework assigned:",
        "HOMEWORK ASSIGNED:",
        "# Homework assigned",
        "## Homework assigned:",
        "**Homework assigned**",
        "**Homework assigned:**",
        "**Homework assigned**:",
        "__Homework assigned__",
        "Homework assigned",
    ],
)
def test_any_case_markdown_and_a_missing_colon_are_the_same_heading(heading):
    block = _block(f"Main topics:\n- Sleep\n\n{heading}\n1. Keep a sleep diary\n")
    assert block.summary is not None
    assert block.summary.items("homework") == ("Keep a sleep diary",)
    assert block.summary.sections[1].heading == heading
    assert block.notes == []


def test_a_heading_without_a_colon_needs_items_under_it():
    block = _block("Main topics:\n- Sleep\n\nHomework assigned\nNone this week.\n")
    assert block.summary is not None
    assert block.summary.items("homework") == ()
    assert block.notes == ["Homework assigned\nNone this week."]


def test_a_topics_heading_with_words_after_its_colon_heads_the_items_below_it():
    block = _block(
        "Topics: reviewing homework from last week\n"
        "- Thought records completed on four days\n- Avoided the gym twice\n"
    )
    assert block.summary is not None
    assert [(s.key, len(s.items)) for s in block.summary.sections] == [("topics", 2)]
    assert block.summary.items("homework") == ()


@pytest.mark.parametrize(
    "bullet", ["-", "*", "+", "•", "–", "—", "1.", "1)", "(1)", "a)", "(a)", "A)"]
)
def test_every_bullet_and_numbering_style_is_an_item(bullet):
    block = _block(f"Main topics discussed:\n{bullet} Grief after the move\n")
    assert block.summary is not None
    assert block.summary.items("topics") == ("Grief after the move",)


def test_a_bold_item_of_a_known_section_over_nested_items_is_a_heading():
    block = _block(
        "- **Main topics:**\n  - Sleep\n  - Work\n- **Homework:**\n  1. Keep a sleep diary\n"
    )
    assert block.summary is not None
    assert [(s.key, len(s.items)) for s in block.summary.sections] == [
        ("topics", 2),
        ("homework", 1),
    ]


def test_missing_sections_are_fine():
    block = _block("Key takeaways\n- Rest is not laziness\n")
    assert block.summary is not None
    assert [s.key for s in block.summary.sections] == ["insights"]


# --- extra sections ----------------------------------------------------------------------


def test_an_extra_section_is_kept_as_other_with_its_heading_and_items():
    block = _block(
        "Homework assigned:\n1. Walk daily\n\nMedication notes:\n- Sertraline 50 mg unchanged\n"
        "- GP review in March\n\nThe client was engaged throughout.\n"
    )
    assert block.summary is not None
    assert [(s.key, s.heading) for s in block.summary.sections] == [
        ("homework", "Homework assigned:"),
        ("other", "Medication notes:"),
    ]
    # Not folded into the homework above it.
    assert block.summary.items("homework") == ("Walk daily",)
    assert block.summary.items("other") == ("Sertraline 50 mg unchanged", "GP review in March")
    assert block.notes == ["The client was engaged throughout."]


def test_an_extra_heading_with_no_items_stays_a_note_with_what_follows():
    block = _block("Main topics:\n- Sleep\n\nGoals for next time:\nTo be agreed.\n- Later\n")
    assert block.summary is not None
    assert [s.key for s in block.summary.sections] == ["topics"]
    assert block.notes == ["Goals for next time:\nTo be agreed.\n- Later"]


def test_a_block_with_only_extra_sections_is_no_summary_and_keeps_them_as_notes():
    block = _block("Risk assessment:\n- No current risk\n\nSeen with her sister.\n")
    assert block.summary is None
    assert block.notes == ["Risk assessment:\n- No current risk", "Seen with her sister."]
    with pytest.raises(TranscriptError):
        parse_transcript(
            b"Session Summary:\n\nRisk assessment:\n- No current risk\n\nPatient: Hi.\n", "d.txt"
        )


def test_a_realistic_summary_in_every_style_parses_section_by_section():
    s = _parse(DANA)
    assert s.summary is not None
    assert [(x.key, x.heading, len(x.items)) for x in s.summary.sections] == [
        ("topics", "**Main topics (including last week's homework review):**", 3),
        ("techniques", "Skills practiced", 2),
        ("insights", "### Key takeaways", 2),
        ("helpful", "**What helped:**", 2),
        ("homework", "Next steps", 3),
        ("other", "Risk assessment:", 2),
        ("other", "Plan for next session:", 2),
    ]
    assert s.summary.items("techniques")[1] == "Paced breathing (4-2-6) in session"
    assert [h.text for h in s.homework] == [
        "Keep the worry log daily",
        "Add one line of evidence against each worry",
        "Practise paced breathing once a day, including calm days",
    ]
    assert s.summary.items("other")[1] == "Protective factors: supportive sister, stable job"
    assert [v for k, v in s.header if k == "Session summary note"] == [
        "Dana engaged well and was able to generate balanced evidence with little prompting."
    ]


# --- recording and reading --------------------------------------------------------------


def test_extra_items_are_recorded_as_other_items_numbered_across_their_sections():
    s = _parse(DANA)
    events = record_session(None, s, Target(uuid4(), "Dana", 4), "t")
    other = [e for e in events if isinstance(e, OtherItemNoted)]
    assert [(e.item, e.heading, e.text) for e in other] == [
        (1, "Risk assessment:", "No thoughts of self-harm reported"),
        (2, "Risk assessment:", "Protective factors: supportive sister, stable job"),
        (3, "Plan for next session:", "Review the evidence column of the worry log"),
        (4, "Plan for next session:", "Begin graded exposure planning for the bus journey"),
    ]


def test_two_homework_sections_give_distinct_homework_ids():
    data = _c_file(
        "Homework assigned:\n1. Keep the sleep diary\n\nAction items:\n1. Book the GP appointment\n"
    )
    s = parse_transcript(data, "kim.txt")
    events = record_session(None, s, Target(uuid4(), "Kim", 2), "t")
    homework = [e for e in events if isinstance(e, HomeworkAssigned)]
    assert [(h.homework_id, h.text) for h in homework] == [
        ("S2.H1", "Keep the sleep diary"),
        ("S2.H2", "Book the GP appointment"),
    ]


@pytest.fixture
def dana(sqlite_db: str) -> Cli:
    cli = Cli(sqlite_db)
    result = cli("ingest", str(DANA))
    assert result.exit_code == 0, result.output
    return cli


def test_summary_shows_extra_sections_after_the_five_and_reparses_to_the_same_items(dana):
    text = dana("summary", "dana", "--session", "4").stdout
    assert text.rstrip().endswith(
        "Risk assessment:\n- No thoughts of self-harm reported\n"
        "- Protective factors: supportive sister, stable job\n\n"
        "Plan for next session:\n- Review the evidence column of the worry log\n"
        "- Begin graded exposure planning for the bus journey"
    )
    document = f"{text}\nTherapist: Hello.\n\nPatient: Hi.\n".encode()
    reparsed = parse_transcript(document, "summary.txt", format="D").quoted_summary
    source = _parse(DANA).summary
    assert reparsed is not None and source is not None
    for key in (*NAMED_SECTIONS, "other"):
        assert reparsed.summary.items(key) == source.items(key)  # type: ignore[arg-type]


def test_summary_json_lists_extra_sections_with_their_headings(dana):
    view = json.loads(dana("summary", "dana", "--session", "4", "--json").stdout)
    assert view["other"] == [
        {
            "heading": "Risk assessment:",
            "items": [
                "No thoughts of self-harm reported",
                "Protective factors: supportive sister, stable job",
            ],
        },
        {
            "heading": "Plan for next session:",
            "items": [
                "Review the evidence column of the worry log",
                "Begin graded exposure planning for the bus journey",
            ],
        },
    ]
    recap = json.loads(dana("recap", "dana", "--json").stdout)
    assert recap["summary"]["other"] == view["other"]
    assert "Plan for next session:" in recap["text"]


def test_an_extra_item_is_amended_and_retracted_as_other_n(dana):
    amended = dana(
        "amend", "dana", "--session", "4", "--summary", "other:3",
        "--text", "Review the worry log's evidence column", "--reason", "agreed wording",
    )  # fmt: skip
    assert amended.exit_code == 0, amended.output
    retracted = dana(
        "retract", "dana", "--session", "4", "--summary", "other:1", "--reason", "wrong client"
    )
    assert retracted.exit_code == 0, retracted.output
    view = json.loads(dana("summary", "dana", "--session", "4", "--json").stdout)
    assert [s["items"] for s in view["other"]] == [
        ["Protective factors: supportive sister, stable job"],
        [
            "Review the worry log's evidence column",
            "Begin graded exposure planning for the bus journey",
        ],
    ]
    assert {(c["section"], c["item"]) for c in view["corrections"]} == {("other", 1), ("other", 3)}
    missing = dana("retract", "dana", "--session", "4", "--summary", "other:5", "--reason", "x")
    assert missing.exit_code == 1
    assert "no other item 5" in missing.stderr


def test_replay_and_markdown_show_extra_sections_under_their_headings(dana):
    replay = dana("replay", "dana", "--session", "4").stdout
    assert "Risk assessment:\n- No thoughts of self-harm reported" in replay
    document = dana("export", "dana", "--format", "markdown").stdout
    assert "### Risk assessment\n\n- No thoughts of self-harm reported" in document
    assert "### Plan for next session\n\n- Review the evidence column" in document
