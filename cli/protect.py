"""``caselog erase`` and ``caselog rotate-key``: protecting a client's data."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated

import typer

from caselog.cli.completion import complete_client
from caselog.cli.context import (
    ActorOption,
    DbOption,
    JsonOption,
    friendly,
    print_json,
    say,
    store,
    warn,
)
from caselog.domain.errors import InvalidErasure, StoreError


def _wait_bound(seconds: float) -> float:
    if not 0 <= seconds <= 3600:
        raise typer.BadParameter(f"expected seconds from 0 to 3600, not {seconds:g}")
    return seconds


@friendly
def erase_command(
    client: Annotated[
        str | None,
        typer.Argument(
            metavar="CLIENT",
            autocompletion=complete_client,
            help="The client (full name or id prefix).",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            metavar="WHY",
            help="Why, for the audit trail (e.g. a request number); no personal data.",
            show_default=False,
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    finish: Annotated[
        bool,
        typer.Option(
            "--finish",
            help="Overwrite what earlier erasures could not (another process was reading "
            "the store): purge every erased client again and rewrite the storage.",
        ),
    ] = False,
    wait: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            callback=_wait_bound,
            help="How long to wait for other readers of the store before giving up.",
        ),
    ] = 30.0,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a client's record by destroying its data key (crypto-shredding).

    Appends a ClientErased event (no personal data), destroys the key, purges the
    client from every read model, index and snapshot, then rewrites the freed storage
    (SQLite: VACUUM and a checkpoint; PostgreSQL: VACUUM FULL and ANALYZE of the purged
    tables). The chain still verifies; other clients are untouched. Refused on a
    plaintext store. While another process reads the store, the old bytes cannot be
    overwritten: erase waits for it (--wait), and if it is still reading, exits 1;
    run `caselog erase --finish` when it is done.

    Example:  caselog erase "Marcus Thompson" --reason "erasure request 2026-114" --yes
    """
    from caselog.adapters.erasure import erase_client, finish_erasures

    if finish:
        if client is not None:
            raise typer.BadParameter("--finish takes no CLIENT", param_hint="CLIENT")
        opened = store(db)
        count = finish_erasures(opened.settings, wait=wait, on_wait=_waiting(opened.where))
        say(f"storage rewritten: none of the {count} erased clients' old bytes remain")
        return
    if client is None:
        raise typer.BadParameter("name the CLIENT to erase (or give --finish)", param_hint="CLIENT")
    if reason is None:
        raise typer.BadParameter("give the reason for the audit trail", param_hint="--reason")
    if not yes:
        raise InvalidErasure("erasure cannot be undone: add --yes to confirm")
    opened = store(db)
    record = opened.records.client(client)
    erased = erase_client(
        opened.app,
        opened.settings,
        record.id,
        actor=opened.actor,
        reason=reason,
        wait=wait,
        on_wait=_waiting(opened.where),
    )
    if as_json:
        from caselog.cli.receipts import ClientErasure

        print_json(ClientErasure.of(str(record.id), record.name, erased))
        return
    say(
        f"erased {record.name} ({record.id}): data key destroyed, derived copies purged; "
        f"recorded as version {erased.originator_version} by {erased.actor}"
    )


def _waiting(where: str) -> Callable[[float], None]:
    told: set[int] = set()

    def tell(waited: float) -> None:
        # Once a second at most: progress, not a flood.
        if int(waited) not in told:
            told.add(int(waited))
            typer.echo(
                f"waiting for another process reading {where} to finish ({int(waited)}s)…",
                err=True,
            )

    return tell


@friendly
def rotate_key_command(
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Wrap every client's data key under a new master key, without rewriting events.

    With a key file (<db>.key; for PostgreSQL under $XDG_CONFIG_HOME/caselog/), a new
    key replaces it. With $CASELOG_KEY, put the new key in $CASELOG_NEW_KEY (base64,
    32 bytes); afterwards set $CASELOG_KEY to it.

    Example:  caselog --db clinic.db rotate-key
    """
    from caselog.adapters.crypto import decode_key, new_master_key, rewrap

    settings = store(db).settings
    if settings.master_key is None:
        raise StoreError(f"{settings.where} is a plaintext store: there is no key to rotate")
    from_env = bool(os.environ.get("CASELOG_KEY"))
    if from_env:
        given = os.environ.get("CASELOG_NEW_KEY")
        if not given:
            raise StoreError("the key comes from $CASELOG_KEY: put the new one in $CASELOG_NEW_KEY")
        count = rewrap(
            settings.db,
            settings.master_key,
            decode_key(given, "$CASELOG_NEW_KEY"),
            settings.integrity_key,
        )
    else:
        from caselog.adapters.rotation import rotate_with_file

        count = rotate_with_file(
            settings.db,
            settings.key_file,
            settings.master_key,
            new_master_key(),
            settings.integrity_key,
        )
    if as_json:
        from caselog.cli.receipts import KeyRotated

        key_file = None if from_env else str(settings.key_file)
        print_json(KeyRotated(rewrapped=count, key_file=key_file))
    else:
        say(f"re-wrapped {count} data keys")
    if from_env:
        warn("now set CASELOG_KEY to the new key (the one in $CASELOG_NEW_KEY)")
    else:
        warn(f"{settings.key_file} holds the new master key: back it up now")
