"""One walk over a session's entries, two markups: replay's plain text and Markdown say
the same thing, and differ only in how it is marked up."""

from __future__ import annotations

import re

import pytest

from caselog.adapters.rendering.markup import MARKDOWN, TEXT, Markup
from caselog.adapters.rendering.transcript import recorded_summary, session_body, transcript
from caselog.projections.entries import (
    HomeworkEntry,
    QuotedSummaryEntry,
    SummaryItemEntry,
    TimelineEntry,
)
from caselog.projections.timeline import replayed_with
from tests.conftest import Cli
from tests.timelines import corrected_clinic, histories

MARKUPS = {"text": TEXT, "markdown": MARKDOWN}
# What each kind the transcript shows looks like in each markup.
SHOWN = {
    "utterance": (r"^(\[.*\] )?[^*>].*: ", r"^\*\*(\[.*\] )?.*:\*\* "),
    "stage_direction": (r"^(\[.*\] )?[^*]", r"^(\[.*\] )?\*.*\*$"),
    "session_ended": (r"— session ended \(", r"\*— session ended \(.*\)\*$"),
    "quality_flag": (r"^  ⚑ flagged ", r"^> ⚑ flagged "),
    "homework_assigned": (r"^  ✎ homework ", r"^> ✎ homework "),
}
ELSEWHERE = {
    "registration",
    "session_started",
    "session_received",
    "homework_status",
    "homework_carried_forward",
    "amendment",
    "retraction",
}


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, dict[str, list[TimelineEntry]]]:
    db = str(tmp_path_factory.mktemp("render") / "clinic.db")
    return corrected_clinic(db), histories(db)


def _sessions(found: dict[str, list[TimelineEntry]]) -> dict[tuple[str, int], list[TimelineEntry]]:
    return {
        (name, number): entries
        for name, history in found.items()
        for number, entries in replayed_with(history).items()
    }


def _content(lines: list[str]) -> list[str]:
    """What is said, markup aside: no blank lines, indents, quote marks, bold or italics."""
    said = []
    for line in lines:
        line = re.sub(r"^\s*(>\s?)?\s*", "", line)
        line = re.sub(r"^\*\*(.*?)\*\*", r"\1", line)  # a speaker's label, a block's title
        line = re.sub(r"^(\[[^\]]*\] )?\*(.*)\*$", r"\1\2", line)  # a stage direction, an ending
        if line:
            said.append(line)
    return said


def _render(entries: list[TimelineEntry], markup: Markup) -> list[str]:
    return "\n".join(session_body(entries, markup)).split("\n")


def test_both_markups_say_the_same_for_every_seed_session(clinic):
    _, found = clinic
    sessions = _sessions(found)
    assert len(sessions) == 5
    for entries in sessions.values():
        text, markdown = _render(entries, TEXT), _render(entries, MARKDOWN)
        assert text != markdown  # marked up differently ...
        assert _content(text) == _content(markdown)  # ... saying the same, in the same order
        said = [e.text.split("\n")[0] for e in entries if e.kind == "utterance"]
        assert said and all(any(x.endswith(t) for x in _content(text)) for t in said)


@pytest.mark.parametrize("markup", MARKUPS)
def test_each_kind_the_transcript_shows_renders_in_its_markups_form(clinic, markup):
    _, found = clinic
    entries = [e for history in found.values() for e in history]
    for kind, forms in SHOWN.items():
        some = [e for e in entries if e.kind == kind and not _in_summary(e)]
        assert some, kind
        for entry in some:
            lines = list(transcript([entry], MARKUPS[markup]))
            assert lines[0] == "" and re.search(forms[markup == "markdown"], lines[1]), (
                kind,
                lines,
            )


@pytest.mark.parametrize("markup", MARKUPS)
def test_a_quoted_summary_renders_as_a_note_or_as_its_own_block(clinic, markup):
    _, found = clinic
    quotes = [e for h in found.values() for e in h if isinstance(e, QuotedSummaryEntry)]
    within = [e for e in quotes if e.in_utterance]
    alone = [e for e in quotes if not e.in_utterance]
    assert within and alone
    note = list(transcript(within[:1], MARKUPS[markup]))[1]
    assert re.search(r"^(  |> )↳ entry \d+ quotes the summary", note)
    block = list(transcript(alone[:1], MARKUPS[markup]))
    assert "as quoted by this transcript:" in block[1]
    first = alone[0].sections[0]
    assert first.heading in block and f"- {first.items[0].text}" in block


@pytest.mark.parametrize("markup", MARKUPS)
def test_summary_items_render_in_the_summary_block_with_their_corrections(clinic, markup):
    _, found = clinic
    (own,) = [e for (n, s), e in _sessions(found).items() if (n, s) == ("Alicia Rodriguez", 1)]
    assert not any(_in_summary(e) for e in own if list(transcript([e], MARKUPS[markup])))
    block = list(recorded_summary(own, MARKUPS[markup]))
    items = [e for e in own if _in_summary(e)]
    assert len([x for x in block if x.startswith("- ")]) == len(items)
    retracted = next(e for e in items if isinstance(e, SummaryItemEntry) and e.retracted)
    at = block.index(f"- [retracted] {retracted.text}")
    assert "✐ retracted" in block[at + 1] and "not said" in block[at + 1]


@pytest.mark.parametrize("markup", MARKUPS)
def test_kinds_shown_elsewhere_render_nothing_in_the_transcript(clinic, markup):
    _, found = clinic
    entries = [e for h in found.values() for e in h if e.kind in ELSEWHERE]
    assert {e.kind for e in entries} == ELSEWHERE
    assert list(transcript(entries, MARKUPS[markup])) == []


def test_markdown_keeps_a_correction_note_inside_the_list_item_it_is_about(clinic):
    _, found = clinic
    block = list(recorded_summary(found["Alicia Rodriguez"], MARKDOWN))
    notes = [x for x in block if "✐" in x]
    assert notes and all(x.startswith("  > ✐ ") for x in notes)
    (topic,) = [e for e in found["Alicia Rodriguez"] if e.kind == "summary_item" and e.amended]
    at = block.index("- Grief")
    assert block[at + 1].startswith("  > ✐ amended ")
    assert block[at + 2 : at + 4] == ["  >", f"  > originally: {topic.original_text}"]


def test_replay_shows_homework_known_only_from_a_quote_with_the_session_that_quoted_it(clinic):
    cli, _ = clinic
    text = cli("replay", "marcus", "--session", "8").stdout
    markdown = cli("export", "marcus", "--session", "8", "--format", "markdown").stdout
    for homework in ("S7.H1", "S7.H2", "S7.H3"):
        assert f"  ✎ homework {homework} (quoted): " in text
        assert f"> ✎ homework {homework} (quoted): " in markdown


def _in_summary(entry: TimelineEntry) -> bool:
    return isinstance(entry, SummaryItemEntry) or (
        isinstance(entry, HomeworkEntry) and entry.source == "summary"
    )
