"""Reading commands: ``clients``, ``sessions``, ``replay`` (``log`` is in ``cli/log.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from caselog.cli.asof import AtDate, AtSession, AtVersion, RecordedBefore, as_of
from caselog.cli.completion import complete_client
from caselog.cli.context import (
    DbOption,
    JsonOption,
    add_columns,
    console,
    friendly,
    new_table,
    print_json,
    print_json_lines,
)
from caselog.cli.context import records as open_records
from caselog.cli.render import replay_text
from caselog.cli.terminal import printable
from caselog.domain.errors import SessionNotFound

if TYPE_CHECKING:
    from caselog.application.records import Records

ClientArg = Annotated[
    str,
    typer.Argument(
        metavar="CLIENT",
        autocompletion=complete_client,
        help="The client: name as written (any case), a unique leading part, or an id prefix.",
    ),
]


@friendly
def clients_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List every client with their recorded sessions.

    Example:  caselog clients --json
    """
    store = open_records(db)
    views = store.clients()  # logged as a store-wide read
    if as_json:
        print_json(views)
        _report_unreadable(store)
        return
    table = new_table()
    columns = ("client", "id", "descriptor", "sessions", "events")
    add_columns(table, columns, keys=("client", "id", "events"), right=("events",))
    for v in views:
        sessions = ", ".join(map(str, v.sessions))
        table.add_row(v.name, v.client_id[:8], v.descriptor or "", sessions, str(v.events))
    console().print(table)
    _report_unreadable(store)


def _report_unreadable(store: Records) -> None:
    """One line per client left out of a listing (a damaged data key), then exit 1."""
    problems = store.unreadable()
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(1)


@friendly
def sessions_command(
    client: ClientArg,
    at_session: AtSession = None,
    at_version: AtVersion = None,
    at_date: AtDate = None,
    recorded_before: RecordedBefore = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a client's sessions in session order: date, professional, utterances, clinician
    entries, ending, source.

    Example:  caselog sessions alicia
    """
    at = as_of(at_session, at_version, at_date, recorded_before)
    views = open_records(db).client(client).sessions(at=at)
    if as_json:
        print_json(views)
        return
    table = new_table()
    # "turns" are the utterances; short headings leave the width to the free text.
    columns = ("#", "date", "professional", "turns", "entries", "flags", "ended", "source")
    add_columns(table, columns, keys=("#", "date"), right=("turns", "entries", "flags"))
    for s in views:
        of = f"/{s.planned_total}" if s.planned_total else ""
        ended = s.ended.reason.replace("_", " ") if s.ended else "in progress"
        if s.ended and s.ended.clock:
            ended += f" at {s.ended.clock}"
        table.add_row(
            f"{s.number}{of}",
            s.date or "",
            s.professional or "",
            str(s.utterances),
            str(s.entries),
            str(s.quality_flags),
            ended,
            f"{s.source.file} ({s.source.format})",
        )
    console().print(table)


@friendly
def replay_command(
    client: ClientArg,
    session: Annotated[
        int | None, typer.Option(metavar="N", help="Only this session.", show_default=False)
    ] = None,
    at_session: AtSession = None,
    at_version: AtVersion = None,
    at_date: AtDate = None,
    recorded_before: RecordedBefore = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Render a client's record back as a readable transcript, in session order.

    With --json, print one JSON object per event (JSON lines).

    Example:  caselog replay alex --session 5
    """
    at = as_of(at_session, at_version, at_date, recorded_before)
    record = open_records(db).client(client)
    sessions = record.sessions(at=at)
    if session is not None:
        sessions = [s for s in sessions if s.number == session]
        if not sessions:
            raise SessionNotFound(f"{record.name} has no session {session} recorded")
    entries = record.history(session=session, at=at)
    if as_json:
        print_json_lines(e.as_json_line() for e in entries)
        return
    typer.echo(printable(replay_text(record.name, sessions, entries)))
