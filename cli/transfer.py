"""``caselog export`` and ``caselog import``: the record as JSON lines, and back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from caselog.adapters.access_log import AccessLog
from caselog.adapters.store import store_settings
from caselog.adapters.transfer import Exported, export_jsonl, import_jsonl
from caselog.cli.context import DbOption, JsonOption, db_url, friendly, log_access, print_json
from caselog.cli.context import records as open_records
from caselog.domain.errors import StoreError


@friendly
def export_command(
    client: Annotated[
        str | None,
        typer.Argument(
            metavar="CLIENT", help="Only this client (name, leading part or id prefix)."
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="The export format: jsonl (the only one so far).")
    ] = "jsonl",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (owner-only). Default: stdout."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Export the record exactly as stored, as JSON lines: a header, then one event a line.

    Events keep their stored bytes (ciphertext on an encrypted store) and chain links;
    `caselog import` restores them into a new store and checks every link. Snapshots
    and read models are rebuilt, not exported; nor is the access log. Each exported
    client is logged as an access.

    Example:  caselog export --output clinic.jsonl && caselog --db new.db import clinic.jsonl
    """
    if format != "jsonl":
        raise typer.BadParameter("the only format is jsonl", param_hint="--format")
    url = db_url(db)
    one = None
    if client is not None:
        one = open_records(db).client(client).id  # resolving it logs the access
    settings = store_settings(url, unlock=False)
    log = AccessLog(settings.db, settings.integrity_key)

    def logged(clients: list[UUID]) -> None:
        if one is None:  # all clients: each one exported is an access
            log_access(log, clients)

    if output is None:
        export_jsonl(settings, typer.get_binary_stream("stdout"), one, logged)
        return
    partial = output.with_name(output.name + ".partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as e:
        raise StoreError(f"{output}: cannot write ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            done = export_jsonl(settings, f, one, logged)
            f.flush()
            os.fsync(f.fileno())
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _report(done, output, as_json)


def _report(done: Exported, output: Path, as_json: bool) -> None:
    if as_json:
        print_json({"file": str(output), "clients": len(done.clients), "events": done.events})
        return
    typer.echo(f"exported {done.events} events of {len(done.clients)} clients to {output}")


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
    done = import_jsonl(file, db_url(db), key_file)
    if as_json:
        print_json(
            {
                "file": str(file),
                "db": done.where,
                "clients": done.clients,
                "events": done.events,
                "encrypted": done.encrypted,
                "key_file": str(done.key_file) if done.key_file else None,
            }
        )
        return
    typer.echo(f"imported {done.events} events of {done.clients} clients into {done.where}")
    if done.key_file is not None:
        typer.echo(f"{done.key_file} holds its key — back it up")
