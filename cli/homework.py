"""``caselog homework`` and ``caselog homework-set``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from caselog.application.records import ClientRecord
from caselog.cli.asof import AtDate, AtSession, AtVersion, RecordedBefore, as_of
from caselog.cli.completion import (
    complete_client,
    complete_homework_filter,
    complete_homework_status,
)
from caselog.cli.context import (
    ActorOption,
    DbOption,
    JsonOption,
    actor,
    add_columns,
    console,
    friendly,
    new_table,
    print_json,
    say,
    store,
)
from caselog.cli.context import records as open_records
from caselog.cli.reading import ClientArg
from caselog.cli.terminal import printable
from caselog.domain.client import RETRACTED
from caselog.domain.homework import STATUSES
from caselog.domain.instants import shown
from caselog.projections.homework import open_homework

if TYPE_CHECKING:
    from caselog.adapters.readmodels import OpenHomeworkRow

_FILTERS = (*STATUSES, RETRACTED)


@friendly
def homework_command(
    client: Annotated[
        str | None,
        typer.Argument(
            metavar="CLIENT",
            autocompletion=complete_client,
            help="The client (name, leading part or id prefix).",
        ),
    ] = None,
    all_clients: Annotated[
        bool, typer.Option("--all-clients", help="Open homework of every client (read model).")
    ] = False,
    status: Annotated[
        str | None,
        typer.Option(
            metavar="STATUS",
            autocompletion=complete_homework_filter,
            help=f"Only this status: {', '.join(_FILTERS)}.",
        ),
    ] = None,
    at_session: AtSession = None,
    at_version: AtVersion = None,
    at_date: AtDate = None,
    recorded_before: RecordedBefore = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A client's homework with its status and full history.

    With --all-clients, the open homework of every client, from the read model.

    Example:  caselog homework marcus --at-session 8

    Example:  caselog homework --all-clients
    """
    if status is not None and status not in _FILTERS:
        raise typer.BadParameter(f"expected one of {', '.join(_FILTERS)}", param_hint="--status")
    at = as_of(at_session, at_version, at_date, recorded_before)
    if all_clients:
        if client is not None or not at.is_now or status is not None:
            raise typer.BadParameter(
                "--all-clients takes no CLIENT, --status or as-of flags", param_hint="--all-clients"
            )
        _print_open_everywhere(db, as_json)
        return
    if client is None:
        raise typer.BadParameter("give a CLIENT, or --all-clients", param_hint="CLIENT")
    record = open_records(db).client(client)
    views = record.homework(at=at, status=status)
    if as_json:
        print_json(views)
        return
    if not views:
        which = f"{status} homework" if status else "homework"
        typer.echo(
            printable(f"{record.name}: no {which} recorded" + ("" if at.is_now else " as of then"))
        )
        return
    table = new_table()
    columns = ("id", "session", "status", "homework", "history")
    add_columns(table, columns, keys=("id", "session", "status"))
    for v in views:
        link = f" → {v.carried_to}" if v.carried_to else ""
        link += f" (continues {v.carried_from})" if v.carried_from else ""
        history = "\n".join(
            f"{h.status} {shown(h.at)} by {h.actor}" + (f": {h.note}" if h.note else "")
            for h in v.history
        )
        text = v.text + (f"\n(amended; originally: {v.original_text})" if v.amended else "")
        session = f"{v.session} (in progress)" if v.session_in_progress else str(v.session)
        table.add_row(v.homework_id, session, v.status + link, text, history)
    console().print(table)


@friendly
def homework_set_command(
    client: ClientArg,
    homework_id: Annotated[str, typer.Argument(metavar="ID", help="The homework id, e.g. S8.H3.")],
    status: Annotated[
        str,
        typer.Argument(
            metavar="STATUS",
            autocompletion=complete_homework_status,
            help=f"The new status: {', '.join(STATUSES[1:])}.",
        ),
    ],
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="Why, or what the client reported.")
    ] = None,
    session: Annotated[
        int | None,
        typer.Option(metavar="N", help="The session in which the homework was reviewed."),
    ] = None,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a homework status change (an event; nothing is overwritten).

    Invalid transitions, unknown ids and unknown statuses are refused.

    Example:  caselog homework-set alicia S1.H1 completed --note "did it daily"
    """
    record = open_records(db).client(client)
    event = record.app.change_homework_status(
        record.id, homework_id, status, actor=actor(actor_name), note=note, reviewed_in=session
    )
    if as_json:
        from caselog.cli.receipts import HomeworkStatusSet

        print_json(HomeworkStatusSet.of(record.name, event))
        return
    say(f"{record.name} {homework_id}: {status} (recorded by {event.actor})")


def _open_everywhere(db: str | None) -> list[OpenHomeworkRow]:
    """From the read model when the store keeps one, else from each client's state."""
    from caselog.adapters.readmodels import OpenHomeworkRow

    opened = store(db)
    if opened.keeps_read_models:
        return opened.read_models("homework --all-clients").open_homework()
    app = opened.app
    return [
        OpenHomeworkRow(
            client_id=cid,
            client=name,
            homework_id=h.homework_id,
            session=h.session,
            text=h.text,
            status=h.status,
        )
        for cid, name in sorted(app.registered_clients(), key=lambda c: c[1].casefold())
        for h in open_homework(ClientRecord(app, cid, name).homework())
    ]


def _print_open_everywhere(db: str | None, as_json: bool) -> None:
    rows = _open_everywhere(db)
    store(db).log_access(sorted({r.client_id for r in rows}))  # each client shown
    if as_json:
        print_json(rows)
        return
    table = new_table()
    columns = ("client", "id", "session", "status", "homework")
    add_columns(table, columns, keys=("client", "id", "session", "status"))
    for r in rows:
        table.add_row(r.client, r.homework_id, str(r.session), r.status, r.text)
    console().print(table)
