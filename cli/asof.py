"""The as-of options every reading command takes (DESIGN.md §5)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from caselog.cli.context import bounded
from caselog.domain.instants import EXAMPLE, parse_instant
from caselog.projections.asof import AsOf

# Beyond what SQLite's integers hold, a bound means nothing; refuse it as a usage error.
_MAX = 2**62

AtSession = Annotated[
    int | None,
    typer.Option(
        "--at-session",
        metavar="N",
        callback=bounded(0, _MAX),
        help="As the record stood once session N was recorded.",
    ),
]
AtVersion = Annotated[
    int | None,
    typer.Option(
        "--at-version",
        metavar="V",
        callback=bounded(0, _MAX),
        help="As the client's record stood after event V.",
    ),
]
AtDate = Annotated[
    str | None,
    typer.Option(
        "--at-date",
        metavar="YYYY-MM-DD",
        help="Sessions held on or before that day; an undated session, and a status change, "
        "by the UTC day it was recorded.",
    ),
]
RecordedBefore = Annotated[
    str | None,
    typer.Option(
        "--recorded-before",
        metavar="TIMESTAMP",
        help=f"Only what had been recorded before that moment: ISO 8601 like {EXAMPLE}, "
        "read as UTC if it has no offset (as every time caselog prints is).",
    ),
]


def as_of(
    session: int | None, version: int | None, date: str | None, recorded_before: str | None
) -> AsOf:
    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise typer.BadParameter(
            "expected a date like 2025-05-29", param_hint="--at-date"
        ) from None
    moment = instant(recorded_before, "--recorded-before") if recorded_before else None
    return AsOf(session=session, version=version, date=day, recorded_before=moment)


def instant(value: str, option: str) -> dt.datetime:
    """A timestamp option's value, read by caselog's one rule (``caselog.domain.instants``)."""
    try:
        return parse_instant(value)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint=option) from None
