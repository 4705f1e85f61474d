"""The ``caselog`` command: a thin typer app over the service and the query facade."""

from __future__ import annotations

from typing import Annotated

import typer

from caselog.cli.access import access_log_command
from caselog.cli.context import Settings
from caselog.cli.corrections import amend_command, retract_command
from caselog.cli.homework import homework_command, homework_set_command
from caselog.cli.ingest import ingest_command
from caselog.cli.log import log_command
from caselog.cli.project import project_app, search_command
from caselog.cli.protect import erase_command, rotate_key_command
from caselog.cli.reading import clients_command, replay_command, sessions_command
from caselog.cli.reassign import reassign_command
from caselog.cli.summaries import recap_command, summary_command
from caselog.cli.transfer import export_command, import_command
from caselog.cli.verify import verify_command

app = typer.Typer(
    name="caselog",
    help="An event-sourced, auditable record store for psychotherapy sessions.\n\n"
    "Times are printed in UTC with their offset (2026-03-02T14:05:09+00:00); a time "
    "given without an offset is read as UTC.",
    invoke_without_command=True,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Store: a SQLite path, sqlite:///path or postgresql://user@host:port/db"
            "[?schema=name]. Default: $CASELOG_DB, else ./caselog.db.",
            show_default=False,
        ),
    ] = None,
    schema: Annotated[
        str | None,
        typer.Option(
            "--schema",
            metavar="NAME",
            help="PostgreSQL schema holding the store, so several stores share one database "
            "(same as ?schema=NAME). Default: $CASELOG_SCHEMA, else public.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print only what was asked for: no confirmations of what a command did, "
            "no ingest table or progress. Errors and warnings are still printed.",
        ),
    ] = False,
) -> None:
    """An event-sourced, auditable record store for psychotherapy sessions.

    Example:  caselog --db clinic.db ingest transcripts/ && caselog recap alicia

    PostgreSQL:  caselog --db postgresql://me@db.example:5432/records --schema clinic_a clients
    """
    Settings.db = db
    Settings.schema = schema
    Settings.quiet = quiet
    Settings.command = ctx.invoked_subcommand  # for the access log
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


app.command("ingest")(ingest_command)
app.command("clients")(clients_command)
app.command("sessions")(sessions_command)
app.command("replay")(replay_command)
app.command("log")(log_command)
app.command("summary")(summary_command)
app.command("recap")(recap_command)
app.command("homework")(homework_command)
app.command("homework-set")(homework_set_command)
app.command("amend")(amend_command)
app.command("retract")(retract_command)
app.command("reassign")(reassign_command)
app.command("search")(search_command)
app.command("verify")(verify_command)
app.command("access-log")(access_log_command)
app.command("export")(export_command)
app.command("import")(import_command)
app.command("erase")(erase_command)
app.command("rotate-key")(rotate_key_command)
app.add_typer(
    project_app,
    name="project",
    help="The materialised read models: status, rebuild, follow, enable, disable.",
)


def main() -> None:
    app()
