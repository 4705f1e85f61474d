"""``caselog export`` and ``caselog import``: the record as JSON lines and back, or exported
as Markdown or FHIR."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import typer

from caselog.cli.completion import complete_client, complete_export_format
from caselog.cli.context import (
    DbOption,
    JsonOption,
    db_url,
    friendly,
    print_json,
    say,
    store,
    warn,
)
from caselog.cli.context import records as open_records
from caselog.domain.errors import StoreError

if TYPE_CHECKING:
    from caselog.adapters.backup.dump import Exported
    from caselog.adapters.store import Store

T = TypeVar("T")


FORMATS = ("jsonl", "markdown", "fhir")


@friendly
def export_command(
    client: Annotated[
        str | None,
        typer.Argument(
            metavar="CLIENT",
            autocompletion=complete_client,
            help="Only this client (name, leading part or id prefix). Required for "
            "markdown and fhir.",
        ),
    ] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            autocompletion=complete_export_format,
            help="jsonl: the record exactly as stored, for `caselog import`. markdown: a "
            "readable document of a client's sessions. fhir: a FHIR R4 Bundle (JSON) of "
            "a client's sessions and homework.",
        ),
    ] = "jsonl",
    session: Annotated[
        int | None,
        typer.Option(
            "--session", metavar="N", help="markdown, fhir: only this session.", show_default=False
        ),
    ] = None,
    include_name: Annotated[
        bool,
        typer.Option(
            "--include-name",
            help="fhir: put the client's name in the Patient (otherwise only its id is there).",
        ),
    ] = False,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            metavar="ZONE",
            help="fhir: the zone the sessions' clock times were in (Europe/Berlin, UTC, "
            "+02:00). Without it an Encounter's period gives only the date.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (owner-only). Default: stdout."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the record: as stored (jsonl), as a readable document (markdown), or as FHIR.

    jsonl keeps each event's stored bytes (ciphertext on an encrypted store) and chain
    link; `caselog import` restores them into a new store and checks every link.
    Snapshots, read models and the access log are not exported.

    markdown and fhir show one client's record as `replay`, `summary` and `homework`
    do, corrections included: every session in order, or one with --session. The
    FHIR Bundle names the client only with --include-name.

    Each exported client is logged as an access.

    Example:  caselog export --output clinic.jsonl && caselog --db new.db import clinic.jsonl

    Example:  caselog export alicia --format markdown --session 1 -o alicia-1.md

    Example:  caselog export marcus --format fhir --timezone UTC > marcus.json
    """
    if format not in FORMATS:
        raise typer.BadParameter(
            f"unknown format {format!r}; expected one of: {', '.join(FORMATS)}",
            param_hint="--format",
        )
    _refuse_misplaced(format, session, include_name, timezone)
    if format == "jsonl":
        _export_jsonl(client, output, db, as_json)
        return
    if client is None:
        raise typer.BadParameter(
            f"a {format} export is of one client: name the CLIENT", param_hint="CLIENT"
        )
    from caselog.adapters.export import gather

    zone = _zone(timezone) if timezone is not None else None
    # Resolving the client through the query facade logs the access.
    export = gather(open_records(db).client(client), session)
    if format == "markdown":
        from caselog.adapters.export.markdown import markdown

        data = markdown(export).encode()
    else:
        from caselog.adapters.export.fhir import bundle

        fhir = bundle(export, include_name=include_name, zone=zone)
        data = orjson.dumps(fhir, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    if output is None:
        typer.get_binary_stream("stdout").write(data)
        return
    _written(output, lambda f: f.write(data))
    sessions = len(export.sessions)
    if as_json:
        from caselog.cli.receipts import DocumentWritten

        print_json(
            DocumentWritten(
                file=str(output),
                format=format,
                clients=1,
                sessions=sessions,
                events=len(export.history),
            )
        )
        return
    plural = "" if sessions == 1 else "s"
    what = f"session {session}" if session is not None else f"{sessions} session{plural}"
    say(f"exported {what} of {export.name} as {format} to {output}")


def _refuse_misplaced(
    format: str, session: int | None, include_name: bool, timezone: str | None
) -> None:
    """Options that would be silently ignored by this format are refused instead."""
    given = {
        "--session": session is not None,
        "--include-name": include_name,
        "--timezone": timezone is not None,
    }
    takes = {"jsonl": set(), "markdown": {"--session"}, "fhir": set(given)}[format]
    for option, used in given.items():
        if used and option not in takes:
            raise typer.BadParameter(f"does not apply to --format {format}", param_hint=option)


def _zone(name: str) -> dt.tzinfo:
    offset = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name)
    if offset:
        sign = -1 if offset[1] == "-" else 1
        hours, minutes = int(offset[2]), int(offset[3])
        if hours > 23 or minutes > 59:
            raise typer.BadParameter(
                f"offset {name!r} is out of range: hours go up to 23, minutes up to 59",
                param_hint="--timezone",
            )
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(
            f"unknown time zone {name!r}; give an IANA name (Europe/Berlin) or an offset (+02:00)",
            param_hint="--timezone",
        ) from None


def _export_jsonl(client: str | None, output: Path | None, db: str | None, as_json: bool) -> None:
    from caselog.adapters.backup.dump import export_jsonl

    one = None
    if client is not None:
        one = open_records(db).client(client).id  # resolving it logs the access
    opened = _opened(db, client is not None)
    settings = opened.settings

    def logged(clients: list[UUID]) -> None:
        if one is None:  # all clients: each one exported is an access
            opened.log_access(clients)

    if output is None:
        export_jsonl(settings, typer.get_binary_stream("stdout"), one, logged)
        return
    done = _written(output, lambda f: export_jsonl(settings, f, one, logged))
    _report(done, output, as_json)


def _opened(db: str | None, unlock: bool) -> Store:
    """With the master key when it is at hand (it seals the exported data keys), else
    without it, unless a client must be read."""
    from caselog.adapters.settings_seal import SettingsTampered

    try:
        return store(db)
    except SettingsTampered:
        raise
    except StoreError:
        if unlock:
            raise
        return store(db, unlock=False)


def _written(output: Path, write: Callable[[BinaryIO], T]) -> T:
    """Write ``output`` owner-only, through a fresh partial file renamed into place when whole."""
    from caselog.adapters.private_files import write_private

    return write_private(output, write)


def _report(done: Exported, output: Path, as_json: bool) -> None:
    if as_json:
        from caselog.cli.receipts import ExportWritten

        print_json(ExportWritten(file=str(output), clients=len(done.clients), events=done.events))
        return
    say(f"exported {done.events} events of {len(done.clients)} clients to {output}")


@friendly
def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by caselog export.")],
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            metavar="PATH",
            help="The exported store's key file (<db>.key); copied to where the new store "
            "keeps its key (next to a SQLite file; $XDG_CONFIG_HOME/caselog/ for PostgreSQL). "
            "Or set $CASELOG_KEY.",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Restore an export into a new (or empty) store; every chain link is checked.

    The new store keeps the exported one's settings, so it needs the same keys: the
    master key (--key-file, or $CASELOG_KEY) and, for a keyed chain,
    $CASELOG_INTEGRITY_KEY. The first bad line stops the import; nothing is stored.

    Example:  caselog import clinic.jsonl --key-file clinic.db.key --db restored.db
    """
    from caselog.adapters.backup.restore import import_jsonl

    done = import_jsonl(file, db_url(db), key_file)
    if as_json:
        from caselog.cli.receipts import Imported

        print_json(
            Imported(
                file=str(file),
                db=done.where,
                clients=done.clients,
                events=done.events,
                encrypted=done.encrypted,
                key_file=str(done.key_file) if done.key_file else None,
            )
        )
    else:
        say(f"imported {done.events} events of {done.clients} clients into {done.where}")
    if done.key_file is not None:
        warn(f"{done.key_file} holds the master key of the new store: back it up now")
