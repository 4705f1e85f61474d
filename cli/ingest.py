"""``caselog ingest``: record transcript files and folders."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from caselog.cli.completion import complete_ingest_format
from caselog.cli.context import (
    ActorOption,
    DbOption,
    JsonOption,
    Settings,
    actor,
    add_columns,
    bounded,
    console,
    dry_run_store,
    friendly,
    new_table,
    print_json,
    store,
    warn,
)
from caselog.cli.terminal import printable

if TYPE_CHECKING:
    # The parsers and the progress bar are imported by the command itself, so that
    # every other command starts without them.
    from rich.table import Table

    from caselog.application.ingest import IngestResult
    from caselog.domain.transcript import Role


def _at_least_one(megabytes: int) -> int:
    if megabytes < 1:
        raise typer.BadParameter(f"expected a whole number of megabytes from 1, not {megabytes}")
    return megabytes


@friendly
def ingest_command(
    paths: Annotated[
        list[str],
        typer.Argument(metavar="PATH", help="Transcript files or folders of them."),
    ],
    client: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The client's name, when the file does not say it (or to override it).",
        ),
    ] = None,
    session: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            callback=bounded(1, 2**62),
            help="The session number, when the file does not say it (one file only; "
            "for a CSV table, its first session's).",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            autocompletion=complete_ingest_format,
            help="Force a format: A, B, C, D, vtt, srt, otter, csv or chat "
            "(default: by extension, else detected).",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM-DD",
            help="The session's date (one file only): for a file without a header, "
            "or instead of its header's Date: line.",
        ),
    ] = None,
    day_first: Annotated[
        bool,
        typer.Option(
            "--day-first", help="Read a numeric header date such as 03/04/2025 as day/month."
        ),
    ] = False,
    month_first: Annotated[
        bool,
        typer.Option(
            "--month-first", help="Read a numeric header date such as 03/04/2025 as month/day."
        ),
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The files' text encoding, such as cp1252, latin-1 or mac-roman "
            "(default: UTF-8, or UTF-16 with a byte-order mark).",
        ),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LABEL=client|professional",
            help="A speaker's role, for files without a header (repeatable; "
            "the label in any case); for a chat, a message role or name.",
        ),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LOGICAL=HEADER",
            help="Which CSV column holds speaker, text, session, time, client or date "
            "(repeatable).",
        ),
    ] = None,
    professional: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The professional's name, when the file does not state it (or to override "
            "what was inferred from the dialogue).",
        ),
    ] = None,
    skip_system: Annotated[
        bool,
        typer.Option(
            "--skip-system",
            help="Leave a chat's system messages out (default: kept as stage directions).",
        ),
    ] = False,
    skip_tools: Annotated[
        bool,
        typer.Option(
            "--skip-tools",
            help="Leave a chat's tool messages and tool calls out (default: refused).",
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            help="Refuse a file whose client or professional would have to be inferred "
            "from the dialogue or a summary match; give --client/--professional instead."
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Parse and decide, but record nothing.")] = False,
    plaintext: Annotated[
        bool,
        typer.Option(
            help="Create the store unencrypted (also: CASELOG_ENCRYPTION=off). "
            "Only when the store is new; erasure then is not possible."
        ),
    ] = False,
    max_file_size: Annotated[
        int,
        typer.Option(
            "--max-file-size",
            metavar="MB",
            callback=_at_least_one,
            help="Refuse a file larger than this many megabytes (MiB).",
        ),
    ] = 64,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record transcripts as events: each file whole or not at all.

    Re-ingesting a file already recorded records nothing and reports it
    'unchanged'. A different file for a recorded session is refused. A folder
    gives the same record whatever the order of its files. Exit status 1 if
    any file failed; the others are still recorded.

    A fact worked out rather than stated (a client's name from "My name is …",
    the professional from how the client addresses them, a role from a label
    synonym) is recorded as inferred and listed after the table; --strict
    refuses such files instead. A new client whose name is close to a recorded
    one ("Inês Costa" and "Ines Costa") is warned about on stderr.

    Example:  caselog ingest samples/

    Example:  caselog ingest late.txt --client "Alicia Rodriguez" --session 3

    Example:  caselog ingest zoom.vtt --client Sam --session 3
    --role "Dr. Lee=professional" --role Sam=client

    WebVTT, SRT, Otter, CSV and chat files have no header: give the client,
    session, date and roles by option or in a <file>.meta.json beside the file.

    Chat messages (.json, .jsonl) map assistant to the professional and user to
    the client, unless --role says otherwise (--role ROLE=... or NAME=...).

    Files are read as UTF-8, or UTF-16 with a byte-order mark; a file in another
    encoding is refused, naming the one it looks like: give it with --encoding.
    A numeric header date that could be either way round (03/04/2025) is
    refused: give --day-first or --month-first, or --date.
    """
    from caselog.adapters.parsing import FORMATS, parse_format
    from caselog.adapters.parsing.sidecar import ChatOptions
    from caselog.adapters.parsing.text import known_encoding
    from caselog.adapters.transcript_files import IngestOptions, expand

    files = expand(paths)
    if not files:
        raise typer.BadParameter("no files found in the paths given", param_hint="PATHS")
    if session is not None and len(files) > 1:
        raise typer.BadParameter("--session applies to a single file", param_hint="--session")
    if format is not None and parse_format(format) is None:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
    if date is not None and len(files) > 1:
        raise typer.BadParameter("--date applies to a single file", param_hint="--date")
    if day_first and month_first:
        raise typer.BadParameter(
            "give --day-first or --month-first, not both", param_hint="--day-first"
        )
    if encoding is not None and known_encoding(encoding) is None:
        raise typer.BadParameter(
            f"expected a text encoding such as cp1252, latin-1 or utf-16, not {encoding!r}",
            param_hint="--encoding",
        )
    options = IngestOptions(
        actor=actor(actor_name),
        client=client,
        session=session,
        professional=professional,
        strict=strict,
        format=format,
        dry_run=dry_run,
        date=_date(date),
        roles=tuple(_role(r) for r in role or ()),
        columns=tuple(_column(c) for c in column or ()),
        encoding=encoding,
        date_order="day_first" if day_first else "month_first" if month_first else None,
        max_bytes=max_file_size * 1024 * 1024,
        chat=ChatOptions(skip_system=skip_system, skip_tools=skip_tools),
    )
    opened = dry_run_store(db) if dry_run else store(db, create=True, plaintext=plaintext)
    show_progress = len(files) > 1 and not (as_json or Settings.quiet) and sys.stderr.isatty()
    if show_progress:
        from rich.progress import Progress

        with Progress(console=console(stderr=True), transient=True) as progress:
            task = progress.add_task("Recording", total=len(files))
            results = list(opened.ingest(files, options, on_done=lambda _: progress.advance(task)))
    else:
        results = list(opened.ingest(files, options))
    if as_json:
        from caselog.cli.receipts import IngestedFile

        print_json([IngestedFile.of(r) for r in results])
    else:
        _print(results, dry_run)
    if any(r.status == "error" for r in results):
        raise typer.Exit(1)


def _pair(value: str, option: str, shape: str) -> tuple[str, str]:
    left, sep, right = value.partition("=")
    if not sep or not left.strip() or not right.strip():
        raise typer.BadParameter(f"expected {shape}, not {value!r}", param_hint=option)
    return left.strip(), right.strip()


def _role(value: str) -> tuple[str, Role]:
    label, role = _pair(value, "--role", "LABEL=client or LABEL=professional")
    if role.casefold() == "client":
        return label, "client"
    if role.casefold() == "professional":
        return label, "professional"
    raise typer.BadParameter(
        f"expected the role client or professional, not {role!r}", param_hint="--role"
    )


def _column(value: str) -> tuple[str, str]:
    from caselog.adapters.parsing.csvtable import LOGICAL_COLUMNS, logical_column

    logical, header = _pair(value, "--column", "LOGICAL=HEADER, e.g. text=utterance_text")
    known = logical_column(logical)
    if known is None:
        raise typer.BadParameter(
            f"expected one of {', '.join(LOGICAL_COLUMNS)} before '=', not {logical!r}",
            param_hint="--column",
        )
    return known, header


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise typer.BadParameter(
            f"expected YYYY-MM-DD, not {value!r}", param_hint="--date"
        ) from None


FILE_ROWS = 50
"""Above this many files, the table sums them up by status instead of listing each."""


def _print(results: list[IngestResult], dry_run: bool) -> None:
    for r in results:
        if r.error:
            typer.echo(printable(f"error: {r.error}", err=True), err=True)
        for other, why in r.near:
            warn(
                f"{r.file}: new client '{r.client}' is close to recorded client "
                f"'{other}' ({why}); if they are one person, see caselog reassign"
            )
    settled = [r for r in results if r.status != "error"]
    if not settled or Settings.quiet:
        return
    table = new_table(title="Dry run: nothing recorded" if dry_run else None)
    if len(settled) > FILE_ROWS:
        _sum_up(table, results, dry_run)
    else:
        columns = ("file", "status", "client", "session", "events")
        keys = ("status", "client", "session", "events")
        add_columns(table, columns, keys=keys, right=("session", "events"))
        for r in settled:
            table.add_row(
                r.file, _status(r, dry_run), _client(r), str(r.session or ""), str(r.events)
            )
    console().print(table)
    _print_inferred(settled)


INFERRED_ROWS = 50
"""Above this many files with inferred facts, they are counted, not listed (--json lists them)."""


def _client(result: IngestResult) -> str:
    guessed = any(i.fact == "client" and i.value for i in result.inferred)
    return f"{result.client} (inferred)" if result.client and guessed else result.client or ""


def _print_inferred(results: list[IngestResult]) -> None:
    guessed = [r for r in results if r.inferred and r.status == "recorded"]
    if not guessed:
        return
    if len(guessed) > INFERRED_ROWS:
        typer.echo(f"inferred, not stated: facts in {len(guessed):,} files (--json lists them)")
        return
    typer.echo("inferred, not stated:")
    for r in guessed:
        for inference in r.inferred:
            typer.echo(printable(f"  {r.file} session {r.session}: {inference.describe()}"))


def _sum_up(table: Table, results: list[IngestResult], dry_run: bool) -> None:
    """One row per status: a person reads that; --json lists every file."""
    columns = ("status", "files", "clients", "sessions", "events")
    add_columns(table, columns, keys=columns, right=columns[1:])
    table.caption = "caselog ingest --json lists every file"
    for status in ("recorded", "unchanged", "error"):
        rows = [r for r in results if r.status == status]
        if rows:
            table.add_row(
                _status(rows[0], dry_run),
                f"{len({r.file for r in rows}):,}",
                f"{len({r.client for r in rows if r.client}):,}",
                f"{sum(1 for r in rows if r.session):,}",
                f"{sum(r.events for r in rows):,}",
            )


def _status(result: IngestResult, dry_run: bool) -> str:
    return "would record" if dry_run and result.status == "recorded" else result.status
