"""Lines written to make a reader backtrack or rescan are read in time proportional to
their length.

No timing is asserted: each adversarial file is parsed in a child process with a
timeout generous enough for a slow, shared machine (the linear readers take well
under a second), while the readers they replace take hours on the greeting line
and many minutes on the long turns. How the time grows is measured in bench/.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselog.adapters.parsing import parse_transcript
from caselog.adapters.parsing.names import _GREETINGS, _lead_in

GENEROUS = 240  # seconds

# The pattern ``_lead_in`` replaces, kept as its specification on short sentences: it
# backtracks exponentially on a long run of greetings and words.
_SPECIFICATION = re.compile(
    rf"(?:(?:(?:{_GREETINGS})\b(?:\s+[^\s,.!?]+){{0,3}}?"
    r"|(?:yes|yeah|okay|ok|so|um+|uh+|oh|well|right|sure|and|but)\b)[\s,.!—–-]*)*",
    re.I,
)
_PIECES = (
    *("hi", "Hello", "there", "Nova", "good morning", "thanks", "so", "um", "ummm", "ok"),
    *("okay", "yes", "x", "Zoë-Hale", ",", ".", "!", "—", "-", " ", "  ", "?", "hiya"),
    *("see you", "thank you", "well", "and", "Dr", "hey"),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(("", " ", ", "))), max_size=8))
def test_the_lead_in_reader_accepts_what_its_specification_pattern_accepts(
    pieces: list[tuple[str, str]],
) -> None:
    sentence = "".join(word + gap for word, gap in pieces)
    assert _lead_in(sentence) == (_SPECIFICATION.fullmatch(sentence) is not None)


def _c_file(client_turn: str) -> str:
    return (
        "Session Number: 1\n\nTherapist: Hi, I'm Dr. Nova Reyes.\n\n"
        f"Patient: {client_turn}\n\nTherapist: Welcome, Dee.\n"
    )


def _a_file(professional_turn: str) -> str:
    return (
        "Session 1/4\nDate: 2025-01-06\nClient: Ada Byrne\nProfessional: Dana Hale\n\n"
        f"[10:00] Dana: {professional_turn}\n\n[10:01] Ada: Okay.\n\n[10:02] Dana: Good.\n\n"
        "[10:03] End of session\n"
    )


ADVERSARIAL = {
    "greetings before I'm": _c_file("hello there " * 200 + "I'm Dee."),
    "interjections before I'm": _c_file("so, um, well, hi you, " * 400 + "I'm Dee."),
    "homework names without is-to": _a_file("your homework and the assignment " * 20000),
    "reported requests": _a_file("as I said please rest and " * 20000 + "this week."),
    "requests that are no task": _a_file("please rest, " * 40000 + "this week."),
    "unframed requests": _a_file("please call her, " * 30000 + "ok."),
    "quotations that never close": _a_file("'a " * 40000 + "this week please call"),
    "announcements of a task": _a_file("please an experiment this week " * 20000 + "."),
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_an_adversarial_line_is_parsed_well_within_a_generous_timeout(
    name: str, tmp_path: Path
) -> None:
    path = tmp_path / "adversarial.txt"
    path.write_text(ADVERSARIAL[name], encoding="utf-8")
    code = (
        "import sys\n"
        "from caselog.adapters.parsing import parse_transcript\n"
        "s = parse_transcript(open(sys.argv[1], 'rb').read(), 'adversarial.txt')\n"
        "print(len(s.utterances))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=GENEROUS,
        check=True,
    )
    assert done.stdout.strip() == "3"


def test_the_client_after_a_long_run_of_greetings_is_still_found() -> None:
    s = parse_transcript(ADVERSARIAL["greetings before I'm"].encode(), "t.txt")
    assert s.client_name == "Dee"
