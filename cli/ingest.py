"""``caselog ingest``: record transcript files and folders."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from caselog.adapters.ingest import IngestOptions, IngestResult, expand, ingest
from caselog.cli.context import ActorOption, DbOption, JsonOption, actor, friendly, print_json
from caselog.cli.context import service as open_service


@friendly
def ingest_command(
    paths: Annotated[list[str], typer.Argument(help="Transcript files or folders of them.")],
    client: Annotated[
        str | None,
        typer.Option(help="The client's name, when the file does not say it (or to override it)."),
    ] = None,
    session: Annotated[
        int | None,
        typer.Option(
            min=1, help="The session number, when the file does not say it (one file only)."
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help="Force a transcript format: A, B, C or D."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Parse and decide, but record nothing.")] = False,
    plaintext: Annotated[
        bool,
        typer.Option(
            help="Create the store unencrypted (also: CASELOG_ENCRYPTION=off). "
            "Only when the store is new; erasure then is not possible."
        ),
    ] = False,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record transcripts as events: each file whole or not at all.

    Re-ingesting a file already recorded records nothing and reports it
    'unchanged'. A different file for a recorded session is refused. A folder
    gives the same record whatever the order of its files. Exit status 1 if
    any file failed; the others are still recorded.

    Example:  caselog ingest samples/

    Example:  caselog ingest late.txt --client "Alicia Rodriguez" --session 3
    """
    files = expand(paths)
    if not files:
        raise typer.BadParameter("no files found in the paths given", param_hint="PATHS")
    if session is not None and len(files) > 1:
        raise typer.BadParameter("--session applies to a single file", param_hint="--session")
    if format is not None and format.upper() not in {"A", "B", "C", "D"}:
        raise typer.BadParameter("expected one of A, B, C, D", param_hint="--format")
    options = IngestOptions(
        actor=actor(actor_name), client=client, session=session, format=format, dry_run=dry_run
    )
    app = open_service(db, create=not dry_run, plaintext=plaintext)
    show_progress = len(files) > 1 and not as_json and sys.stderr.isatty()
    if show_progress:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("Recording", total=len(files))
            results = list(ingest(app, files, options, on_done=lambda _: progress.advance(task)))
    else:
        results = list(ingest(app, files, options))
    if as_json:
        print_json([r.__dict__ for r in results])
    else:
        _print(results, dry_run)
    if any(r.status == "error" for r in results):
        raise typer.Exit(1)


def _print(results: list[IngestResult], dry_run: bool) -> None:
    for r in results:
        if r.error:
            typer.echo(f"error: {r.error}", err=True)
    settled = [r for r in results if r.status != "error"]
    if not settled:
        return
    table = Table(title="Dry run: nothing recorded" if dry_run else None)
    for column in ("file", "status", "client", "session", "events"):
        table.add_column(column, justify="right" if column in ("session", "events") else "left")
    for r in settled:
        status = "would record" if dry_run and r.status == "recorded" else r.status
        table.add_row(r.file, status, r.client or "", str(r.session or ""), str(r.events))
    Console().print(table)
