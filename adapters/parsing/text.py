"""Raw bytes to numbered lines, and numbered lines to paragraphs.

Every parser works on the same numbering, so that an error or a ``LineSpan``
means the same line an editor shows: lines are split on ``\\n``, ``\\r\\n`` and
a lone ``\\r``, and nothing else (``str.splitlines`` would also split on form
feeds and Unicode separators, which editors do not).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass

from caselog.domain.errors import TranscriptError

Line = tuple[int, str]
"""A 1-based line number and the line's text, line end removed."""

_BOM = "\ufeff"
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, name: str, encoding: str | None = None) -> list[str]:
    """The file's lines (index 0 is line 1), or a TranscriptError saying why not.

    Without ``encoding``, a file is UTF-8 (with or without a byte-order mark) or
    UTF-16/32 with one; anything else is refused, naming the encoding it looks
    like so that it can be given — a file is never decoded by a guess.
    """
    codec = encoding or next((c for bom, c in _WIDE_BOMS if data.startswith(bom)), None)
    if codec is None:
        nul = data.find(b"\x00")
        if nul >= 0:
            raise TranscriptError(
                name, _line_of(data, nul), "expected text, found binary data (NUL)"
            )
        codec = "utf-8"
    try:
        text = data.decode(codec)
    except LookupError:
        raise TranscriptError(
            name, 1, f"expected the name of a text encoding, such as cp1252, not {codec!r}"
        ) from None
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start, codec)
        raise TranscriptError(name, line, _undecodable(data, codec, encoding)) from None
    except UnicodeError:  # a codec that fails without saying where (idna, undefined)
        raise TranscriptError(name, 1, _undecodable(data, codec, encoding)) from None
    nul = text.find("\x00")  # in text read as UTF-16, or in a codec given
    if nul >= 0:
        line = _text_line_of(text[:nul])
        raise TranscriptError(name, line, "expected text, found binary data (NUL)")
    lines = split_lines(text)
    if not any(line.strip() for line in lines):
        raise TranscriptError(name, 1, "expected a transcript, but the file is empty")
    return lines


def known_encoding(encoding: str) -> str | None:
    """The codec's own name (``cp1252`` for ``windows-1252``), or None if not a text codec."""
    try:
        # Not b"": that decodes without looking the codec up. This refuses the
        # bytes-to-bytes codecs (base64, hex, zlib) and the one that always fails.
        b"a".decode(encoding)
        return codecs.lookup(encoding).name
    except (LookupError, UnicodeError):
        return None


# The 8-bit encodings people meet, most common first, with the name they know them by.
# A guess that decodes a file to the same text as one of these is named as that one.
_FAMILIAR = (
    ("cp1252", "windows-1252"),
    ("latin-1", "ISO-8859-1"),
    ("iso8859-15", "Latin-9"),
    ("mac-roman", "Mac OS Roman"),
    ("cp1251", "windows-1251"),
    ("cp1250", "windows-1250"),
    ("koi8-r", "KOI8-R"),
    ("cp437", "DOS"),
)


def _undecodable(data: bytes, codec: str, given: str | None) -> str:
    """What was expected where ``data`` stops decoding, and the encoding it looks like."""
    if given is not None:
        expected = f"expected {given} text, as --encoding says, but this line does not decode in it"
    elif codec == "utf-8":
        expected = "expected UTF-8 text"
    else:
        return f"expected {codec.upper()} text, as the file's byte-order mark says"
    guess = _guess(data)
    if guess is None or (given is not None and known_encoding(given) == known_encoding(guess[0])):
        return expected + "; give --encoding NAME (such as cp1252) to read it in another encoding"
    codec_name, known_as = guess
    looks = f"{codec_name} ({known_as})" if known_as else codec_name
    return f"{expected}; this looks like {looks}: give --encoding {codec_name} to read it"


def _guess(data: bytes) -> tuple[str, str | None] | None:
    """The likeliest encoding of ``data`` by charset-normalizer, in a name people know.

    Its free choice among near-equals is often an unfamiliar one (cp1250 for a
    cp1252 file, cp850 for a Mac Roman one), so the familiar encodings are
    measured too, and the least garbled reading is named by the commonest
    encoding that gives it.
    """
    # Only a file that is refused pays for the import.
    from charset_normalizer import from_bytes

    familiar = [codec.replace("-", "_") for codec, _ in _FAMILIAR]
    matches = [*from_bytes(data, cp_isolation=familiar), *from_bytes(data)]
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    readings = {str(m) for m in matches if m.chaos <= least}
    for codec_name, known_as in _FAMILIAR:
        try:
            if data.decode(codec_name) in readings:
                return codec_name, known_as
        except UnicodeDecodeError:
            continue
    best = min(matches, key=lambda m: m.chaos).encoding
    return (known_encoding(best) or best), None


def split_lines(text: str) -> list[str]:
    if text.startswith(_BOM):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # A final line end does not start another (empty) line.
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def _line_of(data: bytes, offset: int, codec: str = "utf-8") -> int:
    """The line byte ``offset`` is on, its bytes before it read in ``codec``."""
    try:
        head = data[:offset].decode(codec, "replace")
    except UnicodeError:  # a codec without "replace": line ends are ASCII in the rest
        head = data[:offset].decode("latin-1")
    return _text_line_of(head)


def _text_line_of(head: str) -> int:
    # Counted like split_lines counts: \r\n is one line end, a lone \r is one too.
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


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
