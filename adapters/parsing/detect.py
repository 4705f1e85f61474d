"""Which of the four transcript formats a text is in.

The first non-blank line decides the family: ``Session 5/24`` (A or B),
``Session Number: 8`` (C) or ``Session Summary:`` (D). A and B share their
header, so the turns decide between them: ``[10:03] Name:`` stamps make A,
``**[10:10]**`` clock lines make B; whichever comes first wins when a file
has both, and a header with neither is read as A so that the parser can
report the missing turns at the right line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from caselog.domain.errors import TranscriptError

from .text import first_nonblank

Format = Literal["A", "B", "C", "D"]

CLOCK = r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s?[AaPp]\.?[Mm]\.?)?"
SESSION_OF = re.compile(
    r"Session\s+(?:#\s*|No\.?\s*)?([0-9]{1,6})\s*(?:/|of)\s*([0-9]{1,6})\s*", re.IGNORECASE
)
SESSION_NUMBER = re.compile(r"Session Number:\s*([0-9]{1,6})\s*", re.IGNORECASE)
SUMMARY_HEADING = re.compile(
    r"(?:\*\*|__|#{1,6}\s*)?Session Summary\s*:?\s*(?:\*\*|__)?\s*:?\s*", re.IGNORECASE
)
# A turn's stamp may be bold, as Markdown writers set it: "**[14:00]** **Dr. Lee:** …".
STAMP = re.compile(rf"(?:\*\*)?\[({CLOCK})\](?:\*\*)?\s*")
BLOCK_CLOCK = re.compile(rf"\*\*\[({CLOCK})\]\*\*\s*")


def detect_lines(lines: Sequence[str], name: str) -> Format:
    start = first_nonblank(lines)
    if start is None:
        raise TranscriptError(name, 1, "expected a transcript, but the file is empty")
    first = lines[start].strip()
    if SESSION_OF.fullmatch(first):
        return _clocked_kind(lines[start + 1 :])
    if SESSION_NUMBER.fullmatch(first):
        return "C"
    if SUMMARY_HEADING.fullmatch(first):
        return "D"
    raise TranscriptError(
        name,
        start + 1,
        "expected a transcript header such as 'Session 5/24' or 'Session Number: 8', "
        "or a continuation opening with 'Session Summary:'",
    )


def _clocked_kind(lines: Sequence[str]) -> Format:
    for line in lines:
        if BLOCK_CLOCK.fullmatch(line):
            return "B"
        if STAMP.match(line):
            return "A"
    return "A"
