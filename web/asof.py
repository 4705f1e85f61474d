"""The as-of point a page is shown at, carried in its URL so that it can be shared."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

from caselog.domain.errors import CaselogError
from caselog.domain.instants import parse_instant
from caselog.projections.asof import AsOf

FIELDS = ("at_session", "at_date", "recorded_before")
"""The query parameters, named as the command line's options are."""

# Beyond what SQLite's integers hold, a session number means nothing.
_MAX = 2**62


class BadParameter(CaselogError):
    """A query parameter that is not what the page expects."""


def as_of(params: Mapping[str, str]) -> AsOf:
    """The point the query parameters name; an empty parameter is no choice."""
    day = params.get("at_date") or None
    moment = params.get("recorded_before") or None
    try:
        date = dt.date.fromisoformat(day) if day is not None else None
    except ValueError:
        shown = (day or "")[:40]
        raise BadParameter(f"at_date: expected a date like 2025-05-29, not {shown!r}") from None
    try:
        before = parse_instant(moment) if moment is not None else None
    except ValueError as e:
        raise BadParameter(f"recorded_before: {e}") from None
    return AsOf(session=number(params, "at_session"), date=date, recorded_before=before)


def number(params: Mapping[str, str], name: str) -> int | None:
    """The session number parameter ``name`` holds (None if empty): ASCII digits only,
    so that "²", "٣" or ten thousand digits are a 400 naming it, never a 500."""
    given = params.get(name) or None
    if given is None:
        return None
    if not (given.isascii() and given.isdigit() and len(given) <= 19 and int(given) <= _MAX):
        raise BadParameter(f"{name}: expected a session number, not {given[:40]!r}")
    return int(given)


def query(at: AsOf, **more: str | int | None) -> str:
    """The query string that shows a page as of ``at`` (empty for now), with ``more``."""
    pairs: dict[str, str | int | None] = {
        "at_session": at.session,
        "at_date": at.date.isoformat() if at.date else None,
        "recorded_before": at.recorded_before.isoformat() if at.recorded_before else None,
        **more,
    }
    kept = {k: v for k, v in pairs.items() if v is not None and v != ""}
    return "?" + urlencode(kept) if kept else ""


def described(at: AsOf) -> str:
    """The point in words, for the page's heading."""
    parts = []
    if at.session is not None:
        parts.append(f"once session {at.session} was recorded")
    if at.date is not None:
        parts.append(f"on {at.date.isoformat()}")
    if at.recorded_before is not None:
        parts.append(f"as recorded before {at.recorded_before.isoformat()}")
    return "as of " + ", ".join(parts) if parts else "now"
