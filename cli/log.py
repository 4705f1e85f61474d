"""``caselog log``: the raw event log, printed as it is read.

Rows go out one line at a time in fixed-width columns, never gathered into a table
first: the first rows of a log of any size appear at once, in constant memory.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Annotated

import typer

from caselog.application.eventlog import ERASED, EVENT_TYPES, topics_of
from caselog.cli.asof import instant
from caselog.cli.context import DbOption, JsonOption, friendly, print_json_lines
from caselog.cli.context import records as open_records
from caselog.domain.instants import EXAMPLE, shown
from caselog.projections.views import LogEntry

# (heading, width, right-aligned). A client's name longer than its column is cut
# (the whole name is in --json); the last columns, actor and reason, are never cut.
_COLUMNS = (
    ("position", 8, True),
    ("client", 20, False),
    ("version", 7, True),
    ("type", max(map(len, EVENT_TYPES)), False),
    ("recorded at", len(EXAMPLE), False),
)
_ACTOR = 12


@friendly
def log_command(
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            metavar="NAME",
            help="Only this client's events (name as written, a unique leading part, or an "
            "id prefix).",
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            metavar="EVENT",
            help="Only events of this type, as printed (e.g. SessionOpened); repeat for more.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="TIMESTAMP",
            help=f"Only events recorded at or after that moment: ISO 8601 like {EXAMPLE}, "
            "read as UTC if it has no offset. Events of an erased client, whose time went "
            "with its key, are left out.",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", metavar="N", min=0, help="At most N events (after the filters)."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The raw event log in recording order: position, client, version, type, time, actor,
    and the reason of a correction or reassignment. Printed as it is read, so
    `caselog log | head` answers at once whatever the store's size.

    Times are UTC with their offset (2026-03-02T14:05:09+00:00), as in every command.

    With --json, one JSON object per line (JSON lines), also streamed:

    \b
      {"position": 36586, "client_id": "bf5480cb-c3ab-533a-b93c-93d2b29fa684",
       "client": "Felix Rodriguez", "version": 2, "type": "SessionOpened",
       "recorded_at": "2026-03-02T14:05:09.236580+00:00", "actor": "dr-lee",
       "reason": null}

    recorded_at has the microseconds; for an event of an erased client, it and
    actor are "(erased)", and so is client. reason is set for corrections and
    reassignments, else null.

    Example:  caselog log --client marcus --type HomeworkStatusChanged --since 2026-03-01
    """
    topics_of(types or ())  # an unknown type is refused before anything is read or logged
    moment = instant(since, "--since") if since is not None else None
    store = open_records(db)
    record = store.client(client) if client else None
    # Logged as a read: of the client resolved, or (every client's events) of the store.
    entries = store.log(record, types=types or (), since=moment, limit=limit)
    with _until_stdout_closes():
        if as_json:
            print_json_lines(entries)
        else:
            _print_rows(entries)


def _print_rows(entries: Iterable[LogEntry]) -> None:
    write = sys.stdout.write
    write(_line([heading for heading, _, _ in _COLUMNS], "actor", "reason"))
    for e in entries:
        cells = [str(e.position), e.client, str(e.version), e.type, _when(e.recorded_at)]
        write(_line(cells, e.actor, e.reason))


def _when(recorded_at: str) -> str:
    return recorded_at if recorded_at == ERASED else shown(recorded_at)


def _line(cells: list[str], actor: str, reason: str | None) -> str:
    out = []
    for cell, (_, width, right) in zip(cells, _COLUMNS, strict=True):
        if len(cell) > width and not right:
            cell = cell[: width - 1] + "…"
        out.append(cell.rjust(width) if right else cell.ljust(width))
    out.append(actor.ljust(_ACTOR) + "  " + reason if reason else actor)
    return "  ".join(out) + "\n"


@contextlib.contextmanager
def _until_stdout_closes() -> Iterator[None]:
    """Stop quietly, with status 0, when the reader closes the pipe (``log | head -5``):
    it has all it wanted."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # What is still buffered would fail again when Python flushes at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
