"""``caselog access-log``: who read which client's record, and when."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from caselog.adapters.access_log import AccessLog
from caselog.adapters.store import StoreSettings, open_store, store_settings
from caselog.cli.context import (
    DbOption,
    JsonOption,
    console,
    db_url,
    friendly,
    log_access,
    new_table,
    print_json_lines,
)
from caselog.domain.errors import CaselogError, ClientWasErased
from caselog.domain.identity import client_id
from caselog.domain.service import CaselogApplication
from caselog.projections.records import Records


def _unlocked(url: str) -> CaselogApplication | None:
    """The store opened for reading names, or None without its key (ids are shown then)."""
    try:
        return open_store(url)
    except CaselogError:
        return None


def _client(query: str, settings: StoreSettings, app: CaselogApplication | None) -> uuid.UUID:
    """The client asked about, resolved without logging an access (nothing of it is read)."""
    try:
        return uuid.UUID(query)
    except ValueError:
        pass
    if app is not None:
        try:
            return Records(app).client(query).id
        except ClientWasErased:
            pass  # its accesses are still on record: named by its full name below
    return client_id(settings.namespace, query)


@friendly
def access_log_command(
    client: Annotated[
        str | None,
        typer.Option(
            "--client", metavar="CLIENT", help="Only reads of this client's record (name or id)."
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every read of a client's record: when, by whom, with which command, which client.

    The log is append-only and chained like the events (`caselog verify` checks it).
    It holds client ids, never names; names are shown when the store can be read.
    Reading the access log is itself logged, as a read of the whole store.

    Example:  caselog access-log --client marcus
    """
    url = db_url(db)
    settings = store_settings(url, unlock=False)
    log = AccessLog(settings.db, settings.integrity_key)
    app = _unlocked(url)
    wanted = _client(client, settings, app) if client else None
    names: dict[str, str] = {}
    if app is not None:
        try:
            names = {str(cid): name for cid, name in app.registered_clients()}
        except CaselogError:
            names = {}
    log_access(log, [None])
    rows = (
        {**e.model_dump(mode="json"), "client": names.get(e.client_id or "")}
        for e in log.entries(wanted)
    )
    if as_json:
        print_json_lines(rows)
        return
    table = new_table()
    for column in ("seq", "at", "actor", "command", "client", "id"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for r in rows:
        cid = r["client_id"]
        who = r["client"] or ("(store)" if cid is None else "")
        table.add_row(str(r["seq"]), r["at"][:19], r["actor"], r["command"], who, (cid or "")[:8])
    console().print(table)
