"""Header blocks: ``Key: value`` lines up to the first blank line."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import Ending

from .text import first_nonblank, is_blank

KEY_VALUE = re.compile(r"([^\W\d_][\w .'’/-]{0,40}?)\s*[:：]\s*(.*)")


@dataclass(frozen=True)
class Field:
    key: str
    value: str
    line: int


def read_fields(
    lines: Sequence[str], start: int, name: str, stop: Callable[[str], bool], expected: str
) -> tuple[list[Field], int]:
    """The ``Key: value`` lines from ``start`` to a blank line or a ``stop`` line.

    Returns the fields and the index of the first line after them.
    """
    fields: list[Field] = []
    i = start
    while i < len(lines) and not is_blank(lines[i]) and not stop(lines[i]):
        m = KEY_VALUE.fullmatch(lines[i].strip())
        if m is None:
            raise TranscriptError(name, i + 1, expected)
        fields.append(Field(m.group(1), m.group(2), i + 1))
        i += 1
    return fields, i


def require_turns(lines: Sequence[str], start: int, name: str, after: str) -> None:
    """Fail when nothing but blank lines follows ``start`` (a header with no turns)."""
    if first_nonblank(lines, start) is None:
        line = min(start + 1, len(lines))
        raise TranscriptError(name, line, f"expected at least one turn after {after}")


def stops_at(lines: Sequence[str], start: int, stop: int) -> int:
    """1-based number of the last non-blank line in ``lines[start:stop]``."""
    for i in range(stop - 1, start - 1, -1):
        if not is_blank(lines[i]):
            return i + 1
    return start + 1


def incomplete(why: str, last_line: int) -> Ending:
    return Ending(
        reason="incomplete",
        detail=f"{why}; the transcript stops at line {last_line}",
        line=last_line,
    )


def end_of_recording(source: str, last_line: int) -> Ending:
    """The end of a source that marks no end of session (captions, Otter, tables)."""
    return Ending(
        reason="end_of_recording",
        detail=f"{source} marks no end of session; the recording ends at line {last_line}",
        line=last_line,
    )
