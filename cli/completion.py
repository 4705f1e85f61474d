"""Shell completion of values: client names, homework statuses, transcript formats.

Completion runs on every Tab, so it must be quick and must never change anything: it
reads only the clients' registrations (no record, so no access is logged), never
creates a store, and offers nothing rather than fail. Imports wait for the Tab.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import typer

from caselog.domain.errors import CaselogError


def _given(ctx: typer.Context, name: str) -> str | None:
    """An option's value as typed so far, after the command or before it."""
    context: Any = ctx
    while context is not None:
        value = context.params.get(name)
        if isinstance(value, str) and value:
            return value
        context = context.parent
    return None


def _matching(values: Iterable[str], incomplete: str) -> list[str]:
    """Values that start with what is typed, in any case, completed from it as typed
    (the shell keeps only what starts with the typed text; values are read in any case)."""
    typed = incomplete.casefold()
    return [incomplete + v[len(incomplete) :] for v in values if v.casefold().startswith(typed)]


def client_names(url: str) -> list[str]:
    """The names of the store's clients, or none if there is no store to read there."""
    from caselog.adapters.database import database
    from caselog.adapters.store import open_store

    named = database(url)
    try:
        if not named.exists():
            return []
    finally:
        named.close()
    with open_store(url, command="completion") as opened:
        if not opened.unlocked:
            return []
        return sorted((name for _, name in opened.app.registered_clients()), key=str.casefold)


def complete_client(ctx: typer.Context, incomplete: str) -> list[str]:
    """Clients whose name starts with what is typed (any case)."""
    from caselog.adapters.database import with_schema
    from caselog.adapters.store import DEFAULT_DB

    url = _given(ctx, "db") or os.environ.get("CASELOG_DB") or DEFAULT_DB
    try:
        url = with_schema(url, _given(ctx, "schema") or os.environ.get("CASELOG_SCHEMA"))
        return _matching(client_names(url), incomplete)
    except (CaselogError, OSError):
        return []


def complete_homework_status(incomplete: str) -> list[str]:
    """The statuses a homework item can be set to."""
    from caselog.domain.homework import STATUSES

    return _matching(STATUSES[1:], incomplete)


def complete_homework_filter(incomplete: str) -> list[str]:
    """The statuses homework can be listed by."""
    from caselog.domain.client import RETRACTED
    from caselog.domain.homework import STATUSES

    return _matching((*STATUSES, RETRACTED), incomplete)


def complete_ingest_format(incomplete: str) -> list[str]:
    """The transcript formats ``ingest --format`` takes."""
    from caselog.adapters.parsing import FORMATS

    return _matching(FORMATS, incomplete)


def complete_export_format(incomplete: str) -> list[str]:
    """The formats ``export --format`` writes."""
    from caselog.cli.transfer import FORMATS

    return _matching(FORMATS, incomplete)
