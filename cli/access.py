"""``caselog access-log``: who read which client's record, and when."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from caselog.adapters.store import Store
from caselog.application.records import Records
from caselog.application.service import CaselogApplication
from caselog.cli.completion import complete_client
from caselog.cli.context import (
    DbOption,
    JsonOption,
    add_columns,
    console,
    friendly,
    new_table,
    print_json_lines,
    store,
)
from caselog.domain.errors import CaselogError, ClientNotFound, ClientWasErased, StoreError
from caselog.domain.identity import client_id
from caselog.domain.instants import shown


def _opened(db: str | None) -> Store:
    """The store, unlocked if its key is at hand (names are shown), else locked (ids are)."""
    try:
        return store(db)
    except StoreError:
        return store(db, unlock=False)


def _client(query: str, opened: Store, app: CaselogApplication | None) -> uuid.UUID:
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
    if opened.settings.namespace is None:
        raise ClientNotFound(
            f"no client matches {query!r} (without the store's key, name a client by its id)"
        )
    return client_id(opened.settings.namespace, query)


@friendly
def access_log_command(
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            metavar="CLIENT",
            autocompletion=complete_client,
            help="Only reads of this client's record (name or id).",
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
    opened = _opened(db)
    app = opened.app if opened.unlocked else None
    wanted = _client(client, opened, app) if client else None
    names: dict[str, str] = {}
    if app is not None:
        try:
            names = {str(cid): name for cid, name in app.registered_clients()}
        except CaselogError:
            names = {}
    opened.log_access([None])
    log = opened.access_log
    from caselog.cli.receipts import AccessRow

    rows = (
        AccessRow(**e.model_dump(), client=names.get(e.client_id or ""))
        for e in log.entries(wanted)
    )
    if as_json:
        print_json_lines(rows)
        return
    table = new_table()
    columns = ("seq", "at", "actor", "command", "client", "id")
    add_columns(table, columns, keys=("seq", "at", "client", "id"), right=("seq",))
    for r in rows:
        cid = r.client_id
        who = r.client or ("(store)" if cid is None else "")
        table.add_row(str(r.seq), shown(r.at), r.actor, r.command, who, (cid or "")[:8])
    console().print(table)
