"""``caselog reassign``: move a session filed under the wrong client, as events on both."""

from __future__ import annotations

from typing import Annotated

import typer

from caselog.application.records import Records
from caselog.cli.completion import complete_client
from caselog.cli.context import (
    ActorOption,
    DbOption,
    JsonOption,
    actor,
    bounded,
    friendly,
    print_json,
    say,
)
from caselog.cli.context import records as open_records
from caselog.cli.reading import ClientArg
from caselog.domain.errors import ClientNotFound, ClientWasErased, InvalidReassignment
from caselog.domain.reassignment import ReassignRequest

# Beyond what SQLite's integers hold, a session number means nothing: a usage error.
_MAX = 2**62


@friendly
def reassign_command(
    client: ClientArg,
    session: Annotated[
        int,
        typer.Option(
            "--session", metavar="N", callback=bounded(1, _MAX), help="The session to move."
        ),
    ],
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="OTHER",
            autocompletion=complete_client,
            help="The client it belongs to: a recorded client (name, leading part or id "
            "prefix), or the full name of one not recorded yet, who is then registered.",
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(
            "--reason", metavar="WHY", help="Why it is moved (kept with the move on both clients)."
        ),
    ] = "",
    as_session: Annotated[
        int | None,
        typer.Option(
            "--as-session",
            metavar="M",
            callback=bounded(1, _MAX),
            help="The number it takes under OTHER. Default: the same number.",
            show_default=False,
        ),
    ] = None,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Move session N of CLIENT to client OTHER: a mis-filed session, fixed without erasing.

    Recorded as linked events on both clients in one transaction: CLIENT's views leave
    the session out from now on (its events stay in its log), and OTHER gets a copy of
    it under its own key — corrections, homework and its status history included
    (homework ids become S<M>.H<n>). --recorded-before a moment before the move shows
    the record as it was.

    Example:  caselog reassign alex --session 14 --to "Jordan Lee" --reason "wrong client"
    """
    store = open_records(db)
    try:
        source = store.client(client)
    except ClientWasErased as e:
        raise InvalidReassignment(f"{e}; its sessions cannot be moved") from None
    request = ReassignRequest(session, _target_name(store, to), reason, as_session)
    done = store.app.reassign_session(source.id, request, actor=actor(actor_name))
    if as_json:
        from caselog.cli.receipts import SessionMoved

        print_json(SessionMoved.of(done))
        return
    moved, received = done.source, done.received
    # The reassignment id is in --json, `log` and `sessions OTHER --json`.
    say(
        f"{done.source_name}: session {moved.session} reassigned to {done.target_name} as "
        f"session {received.session} (recorded by {moved.actor})"
    )
    if done.created:
        say(f"{done.target_name} was not recorded yet: registered as a new client")


def _target_name(store: Records, to: str) -> str:
    """The receiving client's name: a recorded client's, or the one given for a new client."""
    if not to.strip():
        raise InvalidReassignment("name the client to move the session to: --to OTHER")
    try:
        return store.client(to).name
    except ClientNotFound:
        return " ".join(to.split())
    except ClientWasErased as e:
        raise InvalidReassignment(f"{e}; no session can be moved there") from None
