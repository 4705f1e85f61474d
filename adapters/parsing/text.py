"""Raw bytes to numbered lines, and numbered lines to paragraphs.

Every parser works on the same numbering, so that an error or a ``LineSpan``
means the same line an editor shows: lines are split on ``\\n``, ``\\r\\n`` and
a lone ``\\r``, and nothing else (``str.splitlines`` would also split on form
feeds and Unicode separators, which editors do not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from caselog.domain.errors import TranscriptError

Line = tuple[int, str]
"""A 1-based line number and the line's text, line end removed."""

_BOM = "\ufeff"


def decode(data: bytes, name: str) -> list[str]:
    """The file's lines (index 0 is line 1), or a TranscriptError saying why not."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TranscriptError(name, _line_of(data, nul), "expected text, found binary data (NUL)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TranscriptError(name, _line_of(data, exc.start), "expected UTF-8 text") from None
    lines = split_lines(text)
    if not any(line.strip() for line in lines):
        raise TranscriptError(name, 1, "expected a transcript, but the file is empty")
    return lines


def split_lines(text: str) -> list[str]:
    if text.startswith(_BOM):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # A final line end does not start another (empty) line.
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def _line_of(data: bytes, offset: int) -> int:
    # Counted like split_lines counts: \r\n is one line end, a lone \r is one too.
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def numbered(lines: Sequence[str], start: int = 0, stop: int | None = None) -> list[Line]:
    """``lines[start:stop]`` paired with their 1-based line numbers."""
    end = len(lines) if stop is None else stop
    return [(i + 1, lines[i]) for i in range(start, end)]


def is_blank(text: str) -> bool:
    return not text.strip()


@dataclass(frozen=True)
class Paragraph:
    lines: tuple[Line, ...]
    """Non-blank lines only at both ends; blank lines inside are kept."""

    @property
    def first(self) -> int:
        return self.lines[0][0]

    @property
    def last(self) -> int:
        return self.lines[-1][0]

    @property
    def text(self) -> str:
        return verbatim(self.lines)


def paragraphs(lines: Sequence[Line]) -> list[Paragraph]:
    """Runs of non-blank lines, split at blank lines."""
    out: list[Paragraph] = []
    run: list[Line] = []
    for line in lines:
        if is_blank(line[1]):
            if run:
                out.append(Paragraph(tuple(run)))
                run = []
        else:
            run.append(line)
    if run:
        out.append(Paragraph(tuple(run)))
    return out


def verbatim(lines: Sequence[Line]) -> str:
    """Lines joined as written, minus trailing whitespace and blank lines at either end."""
    texts = [text.rstrip() for _, text in lines]
    while texts and not texts[0]:
        texts.pop(0)
    while texts and not texts[-1]:
        texts.pop()
    return "\n".join(texts)


def first_nonblank(lines: Sequence[str], start: int = 0) -> int | None:
    """Index of the first non-blank line at or after ``start``."""
    for i in range(start, len(lines)):
        if not is_blank(lines[i]):
            return i
    return None


def plain(text: str) -> str:
    """Typographic quotes made straight, so that cue patterns need one spelling.

    One character for one, so offsets hold in the original. (Four ``replace``
    calls run in C; ``str.translate`` with a table is several times slower.)
    """
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


_SPACES = re.compile(r"\s+")


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
