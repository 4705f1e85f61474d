"""Transcript parsers: a file's bytes to ``ParsedSession`` values.

``parse_sessions`` reads any format (a CSV table may hold several sessions);
``parse_transcript`` reads the text formats A–D, one session each. Every
failure either reports is a ``TranscriptError`` naming the file, the line and
what was expected there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import Literal

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import TEXT_FORMATS, ParsedSession, TranscriptFormat

from .chat import parse_chat
from .clocked import parse_clocked
from .csvtable import parse_table
from .detect import detect_lines
from .labelled import parse_labelled
from .labels import label_key
from .otter import has_speaker_lines, parse_otter
from .session import assemble
from .sidecar import SIDECAR_SUFFIX, ChatOptions, ImportOptions, merge
from .text import decode, first_nonblank, split_lines
from .vtt import parse_captions

__all__ = [
    "FORMATS",
    "SIDECAR_SUFFIX",
    "TEXT_FORMATS",
    "ChatOptions",
    "ImportOptions",
    "detect_format",
    "parse_format",
    "parse_sessions",
    "parse_transcript",
]

FORMATS: tuple[TranscriptFormat, ...] = (*TEXT_FORMATS, "vtt", "srt", "otter", "csv", "chat")
_BY_NAME: dict[str, TranscriptFormat] = {f.casefold(): f for f in FORMATS}
_BY_EXTENSION: dict[str, TranscriptFormat] = {
    ".vtt": "vtt",
    ".srt": "srt",
    ".csv": "csv",
    ".json": "chat",
    ".jsonl": "chat",
}


def parse_format(format: str) -> TranscriptFormat | None:
    """The format ``--format`` names (A–D in any case, vtt, srt, otter, csv), or None."""
    return _BY_NAME.get(format.strip().casefold())


def detect_format(text: str, name: str) -> Literal["A", "B", "C", "D"]:
    """The format of ``text``; a TranscriptError when it is none of them."""
    return detect_lines(split_lines(text), name)


def parse_transcript(
    data: bytes,
    name: str,
    *,
    format: str | None = None,
    encoding: str | None = None,
    options: ImportOptions | None = None,
) -> ParsedSession:
    """Parse a transcript; ``format`` ("A".."D") skips detection and must then fit.

    ``encoding`` names the file's codec (default: UTF-8, or UTF-16/32 with a
    byte-order mark); ``options`` may give the date (``--date``, which wins over
    the header's) and how to read a numeric one (``date_order``).
    """
    if isinstance(data, str):
        # Callers holding text get the same checks as for a file's bytes.
        data = data.encode("utf-8", "surrogatepass")
    data = bytes(data)
    options = _with_encoding(options, encoding)
    lines = decode(data, name, options.encoding)
    fmt: TranscriptFormat
    if format is None:
        fmt = detect_lines(lines, name)
    else:
        forced = parse_format(format)
        if forced is None or forced not in TEXT_FORMATS:
            raise TranscriptError(name, 1, f"expected format A, B, C or D, not {format!r}")
        fmt = forced
    return _parse_text(lines, data, name, fmt, options)


def parse_sessions(
    data: bytes,
    name: str,
    *,
    format: str | None = None,
    options: ImportOptions | None = None,
    sidecar: bytes | None = None,
    encoding: str | None = None,
) -> list[ParsedSession]:
    """Parse a file of any format into its sessions.

    The format is ``format`` if given, else the extension's (``.vtt``, ``.srt``,
    ``.csv``, ``.json`` and ``.jsonl`` for chat), else detected: A–D by their first
    line, failing that WebVTT, SRT, Otter or chat messages by theirs. ``options``
    and ``sidecar`` (the bytes of ``<name>.meta.json``) supply what the formats
    without a header lack; of the options, the date (which wins over a header's),
    how to read a numeric header date and the encoding apply to every format.
    ``encoding``, if given, wins over ``options.encoding``.
    """
    data = bytes(data)
    options = _with_encoding(options, encoding)
    fmt = _BY_EXTENSION.get(PurePath(name).suffix.casefold())
    if format is not None:
        fmt = parse_format(format)
        if fmt is None:
            listed = ", ".join(FORMATS[:-1]) + " or " + FORMATS[-1]
            raise TranscriptError(name, 1, f"expected format {listed}, not {format!r}")
    if fmt is None or fmt in TEXT_FORMATS:
        lines = decode(data, name, options.encoding)
        fmt = fmt or _detect(lines, name)
        if fmt in TEXT_FORMATS:
            return [_parse_text(lines, data, name, fmt, options)]
    given = merge(name, options, sidecar)
    if fmt == "csv":
        return parse_table(data, name, given)
    if fmt == "otter":
        return [parse_otter(data, name, given)]
    if fmt == "chat":
        return [parse_chat(data, name, given, options.chat)]
    assert fmt in ("vtt", "srt")
    return [parse_captions(data, name, fmt, given)]


def _detect(lines: Sequence[str], name: str) -> TranscriptFormat:
    try:
        return detect_lines(lines, name)
    except TranscriptError:
        start = first_nonblank(lines) or 0
        if lines[start].startswith("WEBVTT"):
            return "vtt"
        if lines[start].strip().isdigit() and "-->" in "".join(lines[start + 1 : start + 2]):
            return "srt"
        if has_speaker_lines(lines):
            return "otter"
        if lines[start].lstrip()[:1] in ("[", "{"):
            return "chat"
        raise


def _with_encoding(options: ImportOptions | None, encoding: str | None) -> ImportOptions:
    options = options or ImportOptions()
    return options if encoding is None else replace(options, encoding=encoding)


def _parse_text(
    lines: list[str], data: bytes, name: str, fmt: TranscriptFormat, options: ImportOptions
) -> ParsedSession:
    # Labels given a role by --role, keyed as labels compare.
    roles = {label_key(label): role for label, role in options.roles}
    if fmt == "A" or fmt == "B":
        draft = parse_clocked(lines, name, fmt, roles, options.dates, options.client)
    elif fmt == "C" or fmt == "D":
        draft = parse_labelled(lines, name, fmt, roles, options.dates)
    else:
        raise TranscriptError(name, 1, f"expected format A, B, C or D, not {fmt!r}")
    if options.date is not None:  # --date wins over the header's (or gives the only one)
        draft.date, draft.date_source = options.date, "option"
    return assemble(draft, lines, data, name, fmt)
