"""``caselog verify``: prove that nobody altered the record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from caselog.cli.completion import complete_client
from caselog.cli.context import DbOption, JsonOption, friendly, print_json, say, store
from caselog.domain.errors import StoreError

if TYPE_CHECKING:
    from caselog.adapters.store import Store
    from caselog.adapters.verify import Break


def _opened(db: str | None, trust_unsealed: bool) -> Store:
    """Unlocked when the key is at hand (clients can then be named by part of their name);
    never opened past settings that fail their seal."""
    from caselog.adapters.settings_seal import SettingsTampered

    try:
        return store(db, trust_unsealed=trust_unsealed)
    except SettingsTampered:
        raise
    except StoreError:
        return store(db, unlock=False, trust_unsealed=trust_unsealed)


@friendly
def verify_command(
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            metavar="CLIENT",
            autocompletion=complete_client,
            help="Verify one client (name or id).",
        ),
    ] = None,
    digest: Annotated[
        bool, typer.Option("--digest", help="Print the store-wide head digest, to anchor.")
    ] = False,
    expect_digest: Annotated[
        str | None,
        typer.Option(
            "--expect-digest",
            metavar="DIGEST",
            help="Compare with a digest taken earlier; catches a removed tail.",
        ),
    ] = None,
    seal_settings: Annotated[
        bool,
        typer.Option(
            "--seal-settings",
            help="For a store made before sealed settings: if it verifies intact, seal its "
            "settings under the keys at hand.",
        ),
    ] = False,
    json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Recompute every hash chain; report each broken link. Exit 1 if anything is wrong.

    Needs no decryption key (the chains cover the stored ciphertext), only
    $CASELOG_INTEGRITY_KEY when the store's chain is keyed. The access log's
    chain is verified too; it is not part of the digest (every read changes it).

    Example:  caselog verify --digest > anchor; caselog verify --expect-digest "$(cat anchor)"
    """
    from caselog.adapters.verify import Break, verify_access_log, verify_events

    opened = _opened(db, seal_settings)
    settings = opened.settings
    one = opened.client_id(client) if client else None
    report = verify_events(settings.db, settings.integrity_key, one)
    access = verify_access_log(settings.db, settings.integrity_key)
    breaks = [*report.breaks, *access.breaks]
    if expect_digest is not None and expect_digest.strip() != report.digest:
        breaks.append(
            Break(
                log="events",
                client_id=None,
                version=None,
                problem="the head digest differs from the expected one: "
                "the record was changed or its tail removed since that digest was taken",
            )
        )
    if json:
        from caselog.cli.receipts import VerifyReport

        print_json(
            VerifyReport(
                clients=report.clients,
                events=report.events,
                digest=report.digest,
                access_log_entries=access.entries,
                access_log_head=access.head,
                breaks=breaks,
                ok=not breaks,
            )
        )
    elif digest:
        typer.echo(report.digest)
    else:
        _print(report.clients, report.events, access.entries, breaks)
    if seal_settings and not breaks:
        _seal(opened)
    if breaks:
        if digest and not json:
            _print(report.clients, report.events, access.entries, breaks, err=True)
        raise typer.Exit(1)


def _print(
    clients: int, events: int, accesses: int, breaks: list[Break], err: bool = False
) -> None:
    for b in breaks:
        if b.log == "access_log":
            where = "entry" if b.version is not None else "access log"
            at = f" seq {b.version}" if b.version is not None else ""
        else:
            where = f"client {b.client_id}" if b.client_id else "store"
            at = f" version {b.version}" if b.version is not None else ""
        typer.echo(f"BROKEN {b.log}: {where}{at}: {b.problem}", err=err)
    if not breaks:
        say(f"intact: {events} events of {clients} clients, every chain link verified")
        say(f"access log intact: {accesses} entries, every chain link verified")


def _seal(opened: Store) -> None:
    from caselog.adapters.store import reseal

    settings = opened.settings
    if settings.encrypted and settings.master_key is None:
        raise StoreError(
            f"{settings.where} is encrypted: sealing its settings needs its master key "
            "($CASELOG_KEY or its key file)"
        )
    reseal(settings)
    say("settings sealed under the store's keys")
