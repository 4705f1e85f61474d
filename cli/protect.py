"""``caselog erase`` and ``caselog rotate-key``: protecting a client's data."""

from __future__ import annotations

import os
from pathlib import Path
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


@friendly
def erase_command(
    client: Annotated[
        str,
        typer.Argument(
            metavar="CLIENT",
            autocompletion=complete_client,
            help="The client (full name or id prefix).",
        ),
    ],
    reason: Annotated[
        str,
        typer.Option(
            metavar="WHY",
            help="Why, for the audit trail (e.g. a request number); no personal data.",
        ),
    ],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase a client's record by destroying its data key (crypto-shredding).

    Appends a ClientErased event (no personal data), destroys the key, purges the
    client from every read model, index and snapshot, then rewrites the freed storage
    (SQLite: VACUUM; PostgreSQL: VACUUM FULL of the purged tables). The chain still
    verifies; other clients are untouched. Refused on a plaintext store.

    Example:  caselog erase "Marcus Thompson" --reason "erasure request 2026-114" --yes
    """
    from caselog.adapters.erasure import erase_client

    if not yes:
        raise InvalidErasure("erasure cannot be undone: add --yes to confirm")
    opened = store(db)
    record = opened.records.client(client)
    erased = erase_client(opened.app, opened.settings, record.id, actor=opened.actor, reason=reason)
    if as_json:
        from caselog.cli.receipts import ClientErasure

        print_json(ClientErasure.of(str(record.id), record.name, erased))
        return
    say(
        f"erased {record.name} ({record.id}): data key destroyed, derived copies purged; "
        f"recorded as version {erased.originator_version} by {erased.actor}"
    )


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
    from caselog.adapters.crypto import decode_key, new_master_key, rewrap, write_key_file

    settings = store(db).settings
    if settings.master_key is None:
        raise StoreError(f"{settings.where} is a plaintext store: there is no key to rotate")
    from_env = bool(os.environ.get("CASELOG_KEY"))
    if from_env:
        given = os.environ.get("CASELOG_NEW_KEY")
        if not given:
            raise StoreError("the key comes from $CASELOG_KEY: put the new one in $CASELOG_NEW_KEY")
        new = decode_key(given, "$CASELOG_NEW_KEY")
    else:
        new = new_master_key()
        # The new key is safe on disk before any data key is wrapped with it.
        write_key_file(_pending(settings.key_file), new)
    count = rewrap(settings.db, settings.master_key, new, settings.integrity_key)
    if not from_env:
        _pending(settings.key_file).replace(settings.key_file)
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


def _pending(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")
