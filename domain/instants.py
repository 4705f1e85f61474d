"""Timestamps as caselog prints and reads them: ISO 8601, in UTC, the offset written out.

One rule for every command, text and ``--json`` alike, so that a value copied out of
any output means the same instant whatever the reader's ``TZ``:

- printed: UTC with its offset, ``2026-03-02T14:05:09+00:00``. Text shows whole
  seconds (``shown``); ``--json`` keeps the microseconds (``stamp``).
- read (``parse_instant``): a value with an offset is that instant; a value without one
  is read as UTC, the zone caselog prints in, never the machine's local zone. A date
  alone is midnight UTC of that day.
"""

from __future__ import annotations

import datetime as dt

EXAMPLE = "2026-03-02T14:05:09+00:00"
"""The shape to show a user who gave something else."""


def utc(moment: dt.datetime) -> dt.datetime:
    """The same instant in UTC; a naive value is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def stamp(moment: dt.datetime) -> str:
    """The instant as ``--json`` and the view models carry it: UTC, microseconds, offset."""
    return utc(moment).isoformat(timespec="microseconds")


def shown(moment: dt.datetime | str) -> str:
    """The instant as text output shows it: UTC to the second, with the offset.

    Takes a datetime or a stamp (as view models hold them)."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return utc(moment).isoformat(timespec="seconds")


def parse_instant(text: str) -> dt.datetime:
    """The instant a user wrote: ISO 8601, UTC unless it carries an offset.

    Raises ValueError, naming the shape expected, for anything else."""
    try:
        return utc(dt.datetime.fromisoformat(text.strip()))
    except OverflowError:
        raise ValueError(f"{text!r} is outside the range of dates caselog can place") from None
    except ValueError:
        raise ValueError(
            f"expected an ISO 8601 timestamp like {EXAMPLE} (UTC if no offset), not {text!r}"
        ) from None
