"""``caselog summary`` and ``caselog recap``."""

from __future__ import annotations

from typing import Annotated

import typer

from caselog.cli.asof import AtDate, AtSession, AtVersion, RecordedBefore, as_of
from caselog.cli.context import DbOption, JsonOption, friendly, print_json
from caselog.cli.context import records as open_records
from caselog.cli.reading import ClientArg
from caselog.cli.terminal import printable
from caselog.projections.summary import summary_text


@friendly
def summary_command(
    client: ClientArg,
    session: Annotated[
        int, typer.Option("--session", metavar="N", help="The session to summarise.")
    ],
    at_session: AtSession = None,
    at_version: AtVersion = None,
    at_date: AtDate = None,
    recorded_before: RecordedBefore = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A session's summary in the canonical five-section "Session Summary:" form.

    A session known only from a summary quoted later (e.g. "Here's a concise
    summary of Session 7") gives that quoted summary.

    Example:  caselog summary alicia --session 1
    """
    at = as_of(at_session, at_version, at_date, recorded_before)
    view = open_records(db).client(client).summary(session, at=at)
    if as_json:
        print_json(view)
        return
    typer.echo(printable(summary_text(view)))


@friendly
def recap_command(
    client: ClientArg,
    for_session: Annotated[
        int | None,
        typer.Option(
            metavar="N", help="The session about to start. Default: the one after the latest."
        ),
    ] = None,
    at_session: AtSession = None,
    at_version: AtVersion = None,
    at_date: AtDate = None,
    recorded_before: RecordedBefore = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The "Last time we talked about:" recap that opens the next session.

    Prints exactly the text to paste into the client's first turn: the latest
    earlier session's summary, then the homework still open. While an earlier
    session is still in progress (`caselog record`), a note on standard error
    says so; with --json, "text" is the prompt and "note" the note.

    Example:  caselog recap marcus --for-session 9
    """
    at = as_of(at_session, at_version, at_date, recorded_before)
    view = open_records(db).client(client).recap(for_session=for_session, at=at)
    if as_json:
        print_json(view)
        return
    if view.note:
        # Standard error: standard output is exactly the text to paste.
        typer.echo(printable(f"note: {view.note}"), err=True)
    typer.echo(printable(view.text))
