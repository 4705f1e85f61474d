"""Header dates and times: ``Date: July 31st, 2025`` and ``Time: 2:30 PM``.

A small explicit parser, not python-dateutil. dateutil is the field's standard
parser, but it reads ``03/04/2025`` as 4 March or 3 April depending on a flag,
silently, and fills in whatever a value leaves out (``July 2025`` becomes a day
of today's choosing); guarding it against both would take as much code as
reading the handful of forms transcripts use, and a stray word would still be
skipped with ``fuzzy`` or fail without saying where. So a value is read here in
one of these forms, in any case, or refused at its line:

====================================  =================================
written                               ``source``
====================================  =================================
``2025-07-31`` (also ``/``, ``.``)    ``header_iso``
``July 31st, 2025``, ``Jul 31, 2025``, ``header_month_name``
``Sept. 3, 2025``, ``31 July 2025``,
``31st of July 2025``, ``31-Jul-2025``
either with a weekday that agrees:    ``header_weekday_line``
``Thursday, July 31, 2025``,
``Thu 31 Jul 2025``
``31/07/2025`` (also ``-``, ``.``)    ``header_day_first_unambiguous``
``07/31/2025``                        ``header_month_first_unambiguous``
``05/05/2025``                        ``header_same_day_and_month``
``03/04/2025`` with ``--day-first``   ``header_day_first_option``
``03/04/2025`` with ``--month-first`` ``header_month_first_option``
anything, with ``--date``             ``option``
====================================  =================================

An all-numeric date whose parts could both be the month is refused, naming both
readings and the options that settle it: the order is never guessed. A weekday
is checked against the date (``Friday, July 31, 2025`` is refused: that day is
a Thursday); a numeric date keeps its order-based source, because how its order
was decided is what a reader needs to judge it. Files without a header take
their date from ``--date`` (``option``), a sidecar (``sidecar``) or a CSV date
column (``csv_column``).

Times (``10:00 AM``, ``10:00am``, ``10 a.m.``, ``14:30``, ``2:30 PM``,
``9.15``, a range ``10:00 - 10:50``) are stored as 24-hour ``HH:MM``, the
start of a range; the header keeps the value as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import Inference

from .draft import Draft
from .header import Field

DateOrder = Literal["day_first", "month_first"]
"""How to read an all-numeric date whose parts could both be the month."""


@dataclass(frozen=True)
class DateReading:
    """What the command line says about dates: the order, or the date itself."""

    order: DateOrder | None = None
    given: dt.date | None = None
    """``--date``: the session's date, whatever a header says."""


@dataclass(frozen=True)
class ParsedDate:
    date: dt.date
    source: str
    """How the date was obtained; see the module docstring."""

    @property
    def worked_out(self) -> bool:
        """True when reading the date took more than its words: a weekday line, or an
        order decided by which part can be a month. Such a date is recorded as inferred."""
        return self.source in _WORKED_OUT


_WORKED_OUT = frozenset(
    (
        "header_weekday_line",
        "header_day_first_unambiguous",
        "header_month_first_unambiguous",
        "header_same_day_and_month",
    )
)


_MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
)
_MONTHS = {n: i for i, n in enumerate(_MONTH_NAMES, 1)} | {
    n[:3]: i for i, n in enumerate(_MONTH_NAMES, 1)
}
_MONTHS["sept"] = 9
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAYS = {n.casefold(): i for i, n in enumerate(_DAY_NAMES)} | {
    n[:3].casefold(): i for i, n in enumerate(_DAY_NAMES)
}
_WEEKDAYS |= {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}

_WEEKDAY = re.compile(r"(?P<weekday>[a-z]+)\.?,?\s+(?P<rest>.+)")
# An ISO date may carry its time, as software writes it: "2025-03-14T10:00", "…10:00:00Z".
_YEAR_FIRST = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
    r"(?:[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
)
_NUMERIC = re.compile(r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{2,4})")
_ORDINAL = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_MONTH_FIRST = re.compile(rf"(?P<month>[a-z]+)(?:\.\s*|\s+){_ORDINAL},?\s+(?P<year>\d{{2,4}})")
_DAY_FIRST = re.compile(
    rf"{_ORDINAL}(?:\s+of\s+|\s+|-)(?P<month>[a-z]+)\.?(?:,?\s+|-)(?P<year>\d{{2,4}})"
)
_EXAMPLES = "'July 31, 2025', '31 July 2025' or '2025-07-31'"


def parse_date(value: str, name: str, line: int, reading: DateReading | None = None) -> ParsedDate:
    """The date a header line gives, or a TranscriptError at ``line`` saying why not.

    ``reading.given`` (``--date``) wins without the value being read, so that a
    header date caselog cannot read can be overridden.
    """
    reading = reading or DateReading()
    if reading.given is not None:
        return ParsedDate(reading.given, "option")
    at = _At(value.strip(), name, line)
    text = " ".join(value.split()).casefold().rstrip(".")
    weekday: int | None = None
    m = _WEEKDAY.fullmatch(text)
    if m is not None and m["weekday"] in _WEEKDAYS:
        weekday, text = _WEEKDAYS[m["weekday"]], m["rest"]
    found = _read(text, at, reading.order)
    if weekday is not None:
        actual = found.date.weekday()
        if actual != weekday:
            raise at.error(
                f"expected the weekday to agree with the date: {at.value!r} says "
                f"{_DAY_NAMES[weekday]}, but {found.date.isoformat()} is a {_DAY_NAMES[actual]}"
            )
        if found.source in ("header_iso", "header_month_name"):
            found = ParsedDate(found.date, "header_weekday_line")
    return found


@dataclass(frozen=True)
class _At:
    """The value being read and where, for errors."""

    value: str
    name: str
    line: int

    def error(self, expected: str) -> TranscriptError:
        return TranscriptError(self.name, self.line, expected)

    def day(self, year: str, month: int, day: str) -> dt.date:
        if len(year) != 4:
            raise self.error(f"expected a four-digit year, as in {_EXAMPLES}, not {self.value!r}")
        try:
            return dt.date(int(year), month, int(day))
        except ValueError:
            raise self.error(f"expected a date that exists, not {self.value!r}") from None


def _read(text: str, at: _At, order: DateOrder | None) -> ParsedDate:
    if m := _YEAR_FIRST.fullmatch(text):
        return ParsedDate(at.day(m["year"], int(m["month"]), m["day"]), "header_iso")
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        m = pattern.fullmatch(text)
        if m is not None and m["month"] in _MONTHS:
            return ParsedDate(at.day(m["year"], _MONTHS[m["month"]], m["day"]), "header_month_name")
    if m := _NUMERIC.fullmatch(text):
        return _numeric(m["a"], m["b"], m["year"], at, order)
    raise at.error(f"expected a date such as {_EXAMPLES}, not {at.value!r}")


def _numeric(a: str, b: str, year: str, at: _At, order: DateOrder | None) -> ParsedDate:
    """``a/b/year``: day first, month first, or refused when either could be the month."""
    if int(a) == int(b):
        return ParsedDate(at.day(year, int(b), a), "header_same_day_and_month")
    if int(a) > 12:
        return ParsedDate(at.day(year, int(b), a), "header_day_first_unambiguous")
    if int(b) > 12:
        return ParsedDate(at.day(year, int(a), b), "header_month_first_unambiguous")
    if order == "day_first":
        return ParsedDate(at.day(year, int(b), a), "header_day_first_option")
    if order == "month_first":
        return ParsedDate(at.day(year, int(a), b), "header_month_first_option")
    day_first, month_first = at.day(year, int(b), a), at.day(year, int(a), b)
    raise at.error(
        f"expected a date whose order is clear: {at.value!r} could be "
        f"{day_first.isoformat()} (day first) or {month_first.isoformat()} (month first); "
        "give --day-first or --month-first, or the date as --date YYYY-MM-DD"
    )


_CLOCK = r"(?P<h{n}>\d{{1,2}})(?:[:.](?P<m{n}>\d{{2}})(?::(?P<s{n}>\d{{2}}))?)?" + (
    r"(?:\s*(?P<ap{n}>[ap])\.?\s*m\.?)?"
)
_TIME = re.compile(_CLOCK.format(n=1) + r"(?:\s*(?:-|–|—|to)\s*" + _CLOCK.format(n=2) + ")?")


_ZONE = re.compile(r"\s*\(?\b(?:[A-Z]{1,4}T|UTC|Z)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?\)?\s*$")
"""A time zone after the time ("10:00 AM EST", "14:00 (CET)", "09:00 UTC+1"): kept as
written in the header, not part of the start time."""


def parse_time(value: str, name: str, line: int) -> str:
    """A header time as 24-hour ``HH:MM`` (a range's start), or a TranscriptError."""
    m = _TIME.fullmatch(" ".join(_ZONE.sub("", value).split()).casefold())
    start = _clock(m, 1) if m else None
    if m is not None and start is not None and m["ap1"] is None and m["ap2"] is not None:
        # "3:00 - 3:50 PM": the half of the day written once is the range's; the start
        # takes it unless that puts it after the end ("11:30 - 12:20 PM" starts 11:30).
        end, afternoon = _clock(m, 2), _half(m, "p")
        if afternoon is not None and end is not None and afternoon <= end:
            start = afternoon
        elif end is not None and (morning := _half(m, "a")) is not None and morning <= end:
            start = morning
    if m is None or start is None or (m["h2"] is not None and _clock(m, 2) is None):
        raise TranscriptError(
            name,
            line,
            f"expected a time such as '10:00 AM', '2:30 PM' or '14:30', not {value.strip()!r}",
        )
    return start


def _half(m: re.Match[str], half: str) -> str | None:
    """The range's start read in the given half of the day, if it is a 12-hour clock."""
    hour, minute = int(m["h1"]), int(m["m1"] or 0)
    if not 1 <= hour <= 12 or minute > 59 or m["m1"] is None:
        return None
    return f"{hour % 12 + (12 if half == 'p' else 0):02d}:{minute:02d}"


def _clock(m: re.Match[str], n: int) -> str | None:
    hour, minute, second, half = m[f"h{n}"], m[f"m{n}"], m[f"s{n}"], m[f"ap{n}"]
    if minute is None and half is None:
        return None  # a bare number is not clearly a time of day
    h, mins = int(hour), int(minute or 0)
    if half is not None:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half == "p" else 0)
    if h > 23 or mins > 59 or int(second or 0) > 59:
        return None
    return f"{h:02d}:{mins:02d}"


def read_date_and_time(
    fields: Sequence[Field], name: str, draft: Draft, reading: DateReading | None
) -> None:
    """Set ``draft``'s date and start time from a header's ``Date:`` and ``Time:`` lines.

    A date whose reading took more than its words (``ParsedDate.worked_out``) is
    noted as inferred, with its line.
    """
    for f in fields:
        key = f.key.casefold()
        if key == "date":
            day = parse_date(f.value, name, f.line, reading)
            draft.date, draft.date_source = day.date, day.source
            if day.worked_out:
                draft.inferred.append(
                    Inference(
                        fact="date",
                        value=day.date.isoformat(),
                        source=day.source.removeprefix("header_"),
                        line=f.line,
                        evidence=f"{f.key}: {f.value.strip()}",
                    )
                )
        elif key == "time":
            draft.start_time = parse_time(f.value, name, f.line)
