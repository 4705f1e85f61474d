"""Read-model commands: ``project status``, ``project rebuild`` and ``search``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from caselog.adapters.readmodels import ProjectionStatus, ReadModels
from caselog.cli.context import DbOption, JsonOption, friendly, print_json, records, service

project_app = typer.Typer(
    help="The materialised read models: how far behind they are, and rebuilding them.",
    no_args_is_help=True,
)


def _print_status(status: ProjectionStatus, applied: int | None = None) -> None:
    table = Table()
    for column in ("read model", "position", "head", "lag"):
        table.add_column(column, justify="left" if column == "read model" else "right")
    table.add_row(status.name, str(status.position), str(status.head), str(status.lag))
    Console().print(table)
    if applied is not None:
        typer.echo(f"applied {applied} events")


@project_app.command("status")
@friendly
def status_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show the read models' position in the event log, the log's head and the lag.

    Example:  caselog project status
    """
    status = ReadModels(service(db)).status()
    if as_json:
        print_json(status)
        return
    _print_status(status)


@project_app.command("rebuild")
@friendly
def rebuild_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Drop the read models and apply the whole event log to them again.

    Example:  caselog project rebuild
    """
    models = ReadModels(service(db))
    applied = models.rebuild()
    status = models.status()
    if as_json:
        print_json({"applied": applied, **status.model_dump(mode="json")})
        return
    _print_status(status, applied)


@friendly
def search_command(
    text: Annotated[str, typer.Argument(help='Words to find; "quote" a phrase.')],
    client: Annotated[
        str | None, typer.Option("--client", help="Only this client's utterances.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many hits.")] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find utterances across every client's sessions, best match first.

    Example:  caselog search "kindness meditation" --client marcus
    """
    store = records(db)
    client_id = store.client(client).id if client else None
    hits = ReadModels(store.app).search(text, client_id=client_id, limit=limit)
    if as_json:
        print_json(hits)
        return
    if not hits:
        typer.echo(f"no utterance matches {text!r}")
        return
    table = Table()
    for column in ("client", "session", "#", "speaker", "snippet"):
        table.add_column(column, justify="right" if column in ("session", "#") else "left")
    for h in hits:
        # Text, not a markup string: the [match] marks must print as written; one line per hit.
        snippet = Text(" ".join(h.snippet.split()))
        table.add_row(h.client, str(h.session), str(h.seq), h.speaker, snippet)
    Console().print(table)
