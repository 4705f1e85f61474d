"""The as-of options every reading command takes (DESIGN.md §5)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from caselog.cli.context import bounded
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
    typer.Option("--at-date", metavar="YYYY-MM-DD", help="Sessions held on or before that day."),
]
RecordedBefore = Annotated[
    str | None,
    typer.Option(
        "--recorded-before",
        metavar="TIMESTAMP",
        help="Only what had been recorded before that moment (ISO 8601; local time if no zone).",
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
    try:
        moment = dt.datetime.fromisoformat(recorded_before) if recorded_before else None
    except ValueError:
        raise typer.BadParameter(
            "expected an ISO timestamp like 2026-11-22T10:15:00", param_hint="--recorded-before"
        ) from None
    return AsOf(session=session, version=version, date=day, recorded_before=moment)
