"""Transcript parsers: a file's bytes to a ``ParsedSession``.

``parse_transcript`` is the only entry point the rest of caselog needs; every
failure it reports is a ``TranscriptError`` naming the file, the line and
what was expected there.
"""

from __future__ import annotations

from typing import Literal

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import ParsedSession, TranscriptFormat

from .clocked import parse_clocked
from .detect import detect_lines
from .labelled import parse_labelled
from .session import assemble
from .text import decode, split_lines

__all__ = ["detect_format", "parse_transcript"]

_FORMATS: dict[str, TranscriptFormat] = {f: f for f in ("A", "B", "C", "D")}


def detect_format(text: str, name: str) -> Literal["A", "B", "C", "D"]:
    """The format of ``text``; a TranscriptError when it is none of them."""
    return detect_lines(split_lines(text), name)


def parse_transcript(data: bytes, name: str, *, format: str | None = None) -> ParsedSession:
    """Parse a transcript; ``format`` ("A".."D") skips detection and must then fit."""
    if isinstance(data, str):
        # Callers holding text get the same checks as for a file's bytes.
        data = data.encode("utf-8", "surrogatepass")
    data = bytes(data)
    lines = decode(data, name)
    if format is None:
        fmt = detect_lines(lines, name)
    else:
        forced = _FORMATS.get(format.strip().upper())
        if forced is None:
            raise TranscriptError(name, 1, f"expected format A, B, C or D, not {format!r}")
        fmt = forced
    if fmt == "A" or fmt == "B":
        draft = parse_clocked(lines, name, fmt)
    else:
        draft = parse_labelled(lines, name, fmt)
    return assemble(draft, lines, data, name, fmt)
