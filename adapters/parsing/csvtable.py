"""CSV utterance tables: one row per utterance, any number of sessions per file.

The first row names the columns. The logical columns and the headers they are
found under by default (case-insensitive; ``--column LOGICAL=HEADER`` or the
sidecar's ``"columns"`` map them to others):

    speaker   speaker            required
    text      text               required; kept as written, line breaks included
    session   session            optional: without it the file is one session
    time      time, timestamp,   optional: elapsed time, kept as written if unreadable
              start time, start
    client    client             optional: else --client or the sidecar
    date      date               optional: YYYY-MM-DD, the same on all of a session's rows

Sessions: rows with the same client and session id are one session, in row
order. With ``--session N`` (or the sidecar's ``"session"``) a client's
sessions are numbered N, N+1, … in order of first appearance. Otherwise,
when every id is a whole number, the ids are the numbers; if not, a client's
sessions are numbered 1, 2, … in order of first appearance. The id as written
is kept as the ``Session id`` header field.

The delimiter is the header row's: a comma, or a semicolon or tab when the
header row holds one of those and no comma (spreadsheets in locales with a
decimal comma save ``;``-separated files, and some tools export TSV).

Every row is an utterance (rows are not merged). A time written as seconds
(``65``, ``65.2``) or ``[h:]mm:ss[.fff]`` becomes ``hh:mm:ss``; any other time
is kept as written and flagged ``malformed_timestamp``. Line numbers are the
file's, so a cell with line breaks inside quotes counts every line.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from caselog.domain.errors import TranscriptError
from caselog.domain.identity import normalise_name
from caselog.domain.transcript import ParsedSession, QualityFlag

from .header import end_of_recording
from .headerless import Headerless, Roles, Turn, clock, parsed_session, professional_of
from .sidecar import Given
from .text import decode

DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "speaker": ("speaker",),
    "text": ("text",),
    "session": ("session",),
    "time": ("time", "timestamp", "start time", "start"),
    "client": ("client",),
    "date": ("date",),
}
LOGICAL_COLUMNS = tuple(DEFAULT_HEADERS)
ALIASES = {"timestamp": "time"}
MALFORMED_TIMESTAMP = "malformed_timestamp"

_ELAPSED = re.compile(r"(?:([0-9]{1,3}):)?([0-9]{1,3}):([0-5][0-9])(?:[.,][0-9]+)?")
_SECONDS = re.compile(r"([0-9]{1,7})(?:\.[0-9]+)?")


def logical_column(name: str) -> str | None:
    """The logical column ``name`` means (``timestamp`` is ``time``), or None."""
    key = name.strip().casefold()
    key = ALIASES.get(key, key)
    return key if key in DEFAULT_HEADERS else None


@dataclass(frozen=True)
class _Row:
    first: int
    last: int
    cells: list[str]


@dataclass(frozen=True)
class _Table:
    headers: list[str]
    index: dict[str, int]
    """Logical column → its place in a row."""

    def __contains__(self, logical: str) -> bool:
        return logical in self.index

    def cell(self, row: _Row, logical: str, name: str) -> str:
        """The row's value in a logical column, stripped; "" for a column not there."""
        i = self.index.get(logical)
        if i is None:
            return ""
        if i >= len(row.cells):
            raise TranscriptError(
                name,
                row.first,
                f"expected a value in column '{self.headers[i]}' ({logical}), "
                f"but the row has only {len(row.cells)} of {len(self.headers)} cells",
            )
        return row.cells[i].strip()

    def require(self, row: _Row, logical: str, what: str, name: str) -> str:
        value = self.cell(row, logical, name)
        if not value:
            column = self.headers[self.index[logical]]
            raise TranscriptError(name, row.first, f"expected {what} in column '{column}'")
        return value


@dataclass
class _Session:
    client: str
    id: str
    rows: list[_Row] = field(default_factory=list)


def parse_table(data: bytes, name: str, given: Given) -> list[ParsedSession]:
    lines = decode(data, name, given.encoding)
    rows = _rows(lines, name)
    header = next(rows, None)
    if header is None:  # decode() refuses a blank file, so a header row is there
        raise TranscriptError(name, 1, "expected a header row naming the columns")
    table = _columns(header, name, given)
    sessions = _group(rows, table, name, given)
    if not sessions:
        raise TranscriptError(name, header.last, "expected at least one row after the header")
    numbers = _numbers(sessions, "session" in table, name, given)
    roles = Roles(given, name)
    parsed = [
        _parsed(s, n, table, roles, data, name, given)
        for s, n in zip(sessions, numbers, strict=True)
    ]
    roles.check()
    return parsed


def _rows(lines: Sequence[str], name: str) -> Iterator[_Row]:
    """Non-empty rows with the file lines they span (a quoted cell may span several)."""
    reader = csv.reader((line + "\n" for line in lines), delimiter=_delimiter(lines), strict=True)
    before = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            # Reported where the row starts: an unclosed quote is only found at the end.
            raise TranscriptError(
                name, before + 1, f"expected a well-formed CSV row ({e})"
            ) from None
        row = _Row(before + 1, reader.line_num, cells)
        before = reader.line_num
        if any(c.strip() for c in cells):
            yield row


def _delimiter(lines: Sequence[str]) -> str:
    """The header row's delimiter; read from it alone, as every other row must follow it."""
    header = next((line for line in lines if line.strip()), "")
    if "," in header:
        return ","
    return max((";", "\t"), key=header.count) if (";" in header or "\t" in header) else ","


def _columns(header: _Row, name: str, given: Given) -> _Table:
    """Where each logical column is, by the mapping given or the default headers."""
    headers = [c.strip() for c in header.cells]
    found = {h.casefold(): i for i, h in reversed(list(enumerate(headers)))}
    listed = ", ".join(headers)
    columns: dict[str, int] = {}
    for logical, wanted in _mapping(given, name).items():
        if wanted.strip().casefold() not in found:
            raise TranscriptError(
                name,
                header.first,
                f"expected a column '{wanted}' (for {logical}, as --column or "
                f"{given.sidecar} maps it) in the header row; found: {listed}",
            )
        columns[logical] = found[wanted.strip().casefold()]
    for logical, defaults in DEFAULT_HEADERS.items():
        index = next((found[d] for d in defaults if d in found), None)
        if logical not in columns and index is not None:
            columns[logical] = index
    for logical in ("speaker", "text"):
        if logical not in columns:
            raise TranscriptError(
                name,
                header.first,
                f"expected a '{logical}' column in the header row (found: {listed}); "
                f"map one with --column {logical}=HEADER",
            )
    if "client" not in columns and given.client is None:
        raise TranscriptError(
            name,
            1,
            "expected the client's name: give --client NAME, a client column "
            f'(--column client=HEADER) or "client" in {given.sidecar}',
        )
    return _Table(headers, columns)


def _mapping(given: Given, name: str) -> dict[str, str]:
    """Logical column → header, as ``--column`` and the sidecar map them."""
    mapped: dict[str, str] = {}
    for key, wanted in given.columns.items():
        logical = logical_column(key)
        if logical is None:
            raise TranscriptError(
                name,
                1,
                f"expected one of {', '.join(LOGICAL_COLUMNS)} as a column to map, not {key!r} "
                f'(in "columns" of {given.sidecar})',
            )
        mapped[logical] = wanted
    return mapped


def _group(rows: Iterator[_Row], table: _Table, name: str, given: Given) -> list[_Session]:
    width = len(table.headers)
    sessions: dict[tuple[str, str], _Session] = {}
    for row in rows:
        if any(c.strip() for c in row.cells[width:]):
            raise TranscriptError(
                name,
                row.first,
                f"expected {width} cells as in the header row, found {len(row.cells)} "
                "(quote a cell that holds a comma)",
            )
        table.require(row, "speaker", "the speaker", name)
        table.require(row, "text", "the utterance's text", name)
        client = given.client or table.require(row, "client", "the client's name", name)
        session_id = (
            table.require(row, "session", "a session id", name) if "session" in table else ""
        )
        # "01" and "1" are one session: whole-number ids are numbers.
        key = (
            normalise_name(client),
            str(int(session_id)) if session_id.isdecimal() else session_id,
        )
        sessions.setdefault(key, _Session(client, session_id)).rows.append(row)
    return list(sessions.values())


def _numbers(sessions: Sequence[_Session], has_ids: bool, name: str, given: Given) -> list[int]:
    if not has_ids and given.session is None:
        raise TranscriptError(
            name,
            1,
            "expected the session number: give --session N, a session column "
            f'(--column session=HEADER) or "session" in {given.sidecar}',
        )
    whole = all(s.id.isdecimal() and int(s.id) > 0 for s in sessions)
    seen: dict[str, int] = {}
    numbers: list[int] = []
    for s in sessions:
        nth = seen[normalise_name(s.client)] = seen.get(normalise_name(s.client), -1) + 1
        if given.session is not None:
            numbers.append(given.session + nth)
        else:
            numbers.append(int(s.id) if whole else nth + 1)
    return numbers


def _parsed(
    session: _Session,
    number: int,
    table: _Table,
    roles: Roles,
    data: bytes,
    name: str,
    given: Given,
) -> ParsedSession:
    turns: list[Turn] = []
    flags: list[QualityFlag] = []
    for seq, row in enumerate(session.rows, start=1):
        speaker = table.cell(row, "speaker", name)
        written = table.cell(row, "time", name)
        at = _elapsed(written)
        if written and at is None:
            flags.append(QualityFlag(seq=seq, kind=MALFORMED_TIMESTAMP, excerpt=written))
        turn = Turn(roles(speaker, row.first), speaker, at or written or None, row.first, row.last)
        turn.parts.append(table.cell(row, "text", name))
        turns.append(turn)
    entries = [t.utterance("") for t in turns]
    header = (("Session id", session.id),) if "session" in table else ()
    facts = Headerless(
        "csv",
        session.client,
        number,
        given.date or _date(session, table, name),
        professional_of(given, entries),
        header,
        given.date_source or "csv_column",
    )
    ending = end_of_recording("a table", session.rows[-1].last)
    return parsed_session(facts, entries, ending, data, name, flags)


def _elapsed(written: str) -> str | None:
    """``hh:mm:ss`` for a time written as seconds or ``[h:]mm:ss[.fff]``; else None."""
    m = _ELAPSED.fullmatch(written)
    if m is not None and (m.group(1) is None or int(m.group(2)) < 60):
        return clock((int(m.group(1) or 0) * 60 + int(m.group(2))) * 60 + int(m.group(3)))
    m = _SECONDS.fullmatch(written)
    return clock(int(m.group(1))) if m is not None else None


def _date(session: _Session, table: _Table, name: str) -> dt.date | None:
    found: dt.date | None = None
    for row in session.rows:
        written = table.cell(row, "date", name)
        if not written:
            continue
        try:
            day = dt.date.fromisoformat(written)
        except ValueError:
            raise TranscriptError(
                name,
                row.first,
                f"expected a date as YYYY-MM-DD in the date column, not {written!r}",
            ) from None
        if found is not None and day != found:
            raise TranscriptError(
                name,
                row.first,
                f"expected the same date on every row of session {session.id!r} "
                f"({found.isoformat()} above, {day.isoformat()} here)",
            )
        found = day
    return found
