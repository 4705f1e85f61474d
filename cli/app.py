"""The ``caselog`` command: a thin typer app over the service and the query facade."""

from __future__ import annotations

from typing import Annotated

import typer

from caselog.cli.access import access_log_command
from caselog.cli.context import ActorOption, DbOption, QuietOption, SchemaOption, Settings
from caselog.cli.corrections import amend_command, retract_command
from caselog.cli.entries import homework_add_command, insight_add_command, note_command
from caselog.cli.homework import homework_command, homework_set_command
from caselog.cli.ingest import ingest_command
from caselog.cli.live import end_command, record_command
from caselog.cli.log import log_command
from caselog.cli.project import project_app, search_command
from caselog.cli.protect import erase_command, rotate_key_command
from caselog.cli.reading import clients_command, replay_command, sessions_command
from caselog.cli.reassign import reassign_command
from caselog.cli.serve import serve_command
from caselog.cli.summaries import recap_command, summary_command
from caselog.cli.transfer import export_command, import_command
from caselog.cli.verify import verify_command

EXIT_CODES = """Exit status: 0 done; 1 an error (a bad file, a refused change, a
broken chain: one line on stderr says what); 2 a usage error (an unknown command or
option, a bad value, or no command at all: the help is printed on stderr)."""

app = typer.Typer(
    name="caselog",
    help="An event-sourced, auditable record store for psychotherapy sessions.\n\n"
    "Times are printed in UTC with their offset (2026-03-02T14:05:09+00:00); a time "
    "given without an offset is read as UTC.",
    epilog=EXIT_CODES,
    invoke_without_command=True,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(shown: bool) -> None:
    if shown:
        from importlib import metadata

        typer.echo(f"caselog {metadata.version('caselog')}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: DbOption = None,
    schema: SchemaOption = None,
    quiet: QuietOption = False,
    actor_name: ActorOption = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """An event-sourced, auditable record store for psychotherapy sessions.

    Example:  caselog --db clinic.db ingest transcripts/ && caselog recap alicia

    PostgreSQL:  caselog --db postgresql://me@db.example:5432/records --schema clinic_a clients

    --db, --schema, -q and --actor may also follow the command's name.
    """
    Settings.db = db
    Settings.schema = schema
    Settings.quiet = quiet
    Settings.actor = actor_name
    Settings.command = ctx.invoked_subcommand  # for the access log
    if ctx.invoked_subcommand is None:
        # Options but no command: the same usage error as no arguments at all.
        typer.echo(ctx.get_help(), err=True)
        raise typer.Exit(2)


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
app.command("record")(record_command)
app.command("end")(end_command)
app.command("homework-add")(homework_add_command)
app.command("insight-add")(insight_add_command)
app.command("note")(note_command)
app.command("serve")(serve_command)
app.add_typer(
    project_app,
    name="project",
    help="The materialised read models: status, rebuild, follow, enable, disable.",
)


def main() -> None:
    app()
