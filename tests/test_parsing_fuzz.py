"""Whatever the input, the parser either succeeds or raises TranscriptError."""

from __future__ import annotations

import contextlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caselog.adapters.parsing import detect_format, parse_transcript
from caselog.domain.errors import TranscriptError

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = [p.read_bytes() for p in sorted(FIXTURES.glob("00*.txt"))]
FORMATS = st.sampled_from([None, "A", "B", "C", "D", "x"])
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that mean something to one of the formats, so random text reaches the
# parsers' inner rules rather than stopping at format detection.
SIGNIFICANT = [
    "Session 5/24",
    "Session Number: 8",
    "Session Summary:",
    "Date: May 29, 2025",
    "Client: Alex (Product Designer)",
    "Professional: Dr. Harper Torres (Licensed Clinical Psychologist)",
    "[10:00] Dr. Torres: Hi.",
    "[10:01] Alex: Hello",
    "[11:35] End of session",
    "**[10:10]**",
    "Alex: Hi",
    "Dr. Torres: Hi",
    "Patient: Hi, I'm Jo Park.",
    "Therapist: Thanks, Nova.",
    "( pause )",
    "(End of session)",
    "Termination Details:",
    "Reason: Natural Session End",
    "Details: Detected end phrase: '\\btake care\\b'",
    "Main topics discussed:",
    "Homework assigned:",
    "- item",
    "1. item",
    "action items: a, b and c.",
    "For homework, I'd like you to:",
    "I cannot provide a complete conversation.",
    "",
]


def check(data: bytes, fmt: str | None) -> None:
    try:
        session = parse_transcript(data, "fuzz.txt", format=fmt)
    except TranscriptError as error:
        assert error.file == "fuzz.txt"
        assert error.line >= 1
        assert error.expected
        return
    assert len(session.utterances) >= 1
    # A turn left empty is kept, and flagged as such; no other utterance is empty.
    empty = {
        seq for seq, e in enumerate(session.entries, 1) if e.kind == "utterance" and not e.text
    }
    flagged = {f.seq for f in session.flags if f.kind == "empty_turn"}
    assert empty == flagged


@FUZZ
@given(st.binary(max_size=2000), FORMATS)
def test_arbitrary_bytes_raise_only_transcript_errors(data, fmt):
    check(data, fmt)


@FUZZ
@given(st.text(max_size=2000), FORMATS)
def test_arbitrary_text_raises_only_transcript_errors(text, fmt):
    check(text.encode("utf-8", "surrogatepass"), fmt)
    with contextlib.suppress(TranscriptError):
        detect_format(text, "fuzz.txt")


@FUZZ
@given(
    st.lists(
        st.one_of(st.sampled_from(SIGNIFICANT), st.text(max_size=40)),
        max_size=40,
    ),
    st.sampled_from(["\n", "\r\n", "\r"]),
    FORMATS,
)
def test_lines_from_every_format_mixed_raise_only_transcript_errors(lines, end, fmt):
    check(end.join(lines).encode("utf-8", "surrogatepass"), fmt)


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    lines = draw(st.sampled_from(SOURCES)).split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "cut", "blank"]))
        if action == "drop":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "cut":
            line = lines[i]
            lines[i] = line[: draw(st.integers(0, len(line)))]
        else:
            lines.insert(i, b"")
    if draw(st.booleans()):
        lines = draw(st.permutations(lines))
    return b"\n".join(lines)


@FUZZ
@given(mutated_fixture(), FORMATS)
def test_mutated_fixtures_raise_only_transcript_errors(data, fmt):
    check(data, fmt)


@FUZZ
@given(mutated_fixture())
def test_mutated_fixtures_keep_every_utterance_verbatim(data):
    try:
        session = parse_transcript(data, "fuzz.txt")
    except TranscriptError:
        return
    text = data.decode("utf-8").removeprefix("\ufeff")
    source = "\n".join(line.rstrip() for line in text.split("\n"))
    for entry in session.entries:
        assert entry.text in source
