"""Read-model commands: ``project status``, ``rebuild``, ``follow``, ``enable``, ``disable``
and ``search``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from caselog.cli.completion import complete_client
from caselog.cli.context import (
    DbOption,
    JsonOption,
    add_columns,
    bounded,
    console,
    friendly,
    new_table,
    print_json,
    print_json_lines,
    say,
    store,
)
from caselog.cli.terminal import printable
from caselog.domain.errors import StoreError

if TYPE_CHECKING:
    from caselog.adapters.follow import Progress
    from caselog.adapters.readmodels import ProjectionStatus

project_app = typer.Typer(
    help="The materialised read models: how far behind they are, rebuilding and following.",
    no_args_is_help=True,
)


def _print_status(status: ProjectionStatus, applied: int | None = None) -> None:
    table = new_table()
    columns = ("read model", "position", "head", "lag")
    add_columns(table, columns, keys=columns, right=columns[1:])
    table.add_row(status.name, str(status.position), str(status.head), str(status.lag))
    console().print(table)
    if applied is not None:
        say(f"applied {applied} events")


@project_app.command("status")
@friendly
def status_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show the read models' position in the event log, the log's head and the lag, and
    check every row against its digest: exit status 1 if one was changed behind caselog.

    Example:  caselog project status
    """
    status = store(db).read_models_status()
    if as_json:
        print_json(status)
    else:
        _print_status(status)
    if status.altered is not None:
        raise StoreError(status.altered)


@project_app.command("rebuild")
@friendly
def rebuild_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Drop the read models and apply the whole event log to them again.

    Example:  caselog project rebuild
    """
    models = store(db).read_models("project rebuild")
    applied = models.rebuild()
    status = models.status()
    if as_json:
        from caselog.cli.receipts import Rebuilt

        print_json(Rebuilt(applied=applied, **status.model_dump()))
        return
    _print_status(status, applied)


def _interval(seconds: float) -> float:
    if not 0.01 <= seconds <= 3600:
        raise typer.BadParameter(f"expected seconds from 0.01 to 3600, not {seconds:g}")
    return seconds


@project_app.command("follow")
@friendly
def follow_command(
    interval: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            callback=_interval,
            help="SQLite: seconds between polls while idle. (PostgreSQL is woken by "
            "LISTEN/NOTIFY instead.)",
        ),
    ] = 0.5,
    until_idle: Annotated[
        bool,
        typer.Option(
            "--until-idle",
            "--once",
            help="Apply what is recorded now, then exit (for scripts and cron).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Keep the read models current as events are recorded: a long-lived worker.

    On PostgreSQL it is woken by LISTEN/NOTIFY as soon as events are committed; on
    SQLite it polls every --interval seconds. Each batch is committed with the new
    position, so it can be killed at any time: a restart resumes where it stopped
    and applies every event exactly once, even beside other runners. SIGTERM or
    Ctrl-C stops it after the batch in hand (a second one abandons that batch),
    printing "stopped at position N". With --json it prints one JSON object per
    line: start, each batch applied, stop.

    Example:  caselog project follow --json

    Example:  caselog --db postgresql://me@db.example/records project follow

    Example:  caselog project follow --until-idle
    """
    from caselog.adapters.follow import Aborted, Follower, stop_on_signals
    from caselog.cli.receipts import FollowApplied, FollowStarted

    models = store(db).read_models("project follow")
    models.only_if_kept = True  # stop, rather than bring back what `project disable` dropped
    follower = Follower(models, interval=interval, on_batch=lambda p: _progress(p, as_json))
    start = models.position()
    mode = "until idle" if until_idle else follower.mode
    if as_json:
        print_json_lines([FollowStarted(position=start, mode=mode)])
    else:
        say(f"following {models.db.where} from position {start} ({mode})")
    sys.stdout.flush()
    try:
        with stop_on_signals(follower):
            follower.run(until_idle=until_idle)
    except Aborted:
        pass  # the batch in hand was rolled back; the position says where we are
    position = models.position()
    if as_json:
        print_json_lines([FollowApplied(event="stop", applied=follower.applied, position=position)])
    else:
        say(f"stopped at position {position}")


def _progress(progress: Progress, as_json: bool) -> None:
    if as_json:
        from caselog.cli.receipts import FollowApplied

        print_json_lines(
            [FollowApplied(event="batch", applied=progress.applied, position=progress.position)]
        )
    else:
        say(f"applied {progress.applied} events: position {progress.position}")
    sys.stdout.flush()


@project_app.command("enable")
@friendly
def enable_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Keep the read models (search index, homework and sessions across clients).

    On an encrypted store they hold plaintext — utterances, names, homework — so
    they are off until enabled. Erasing a client still purges them.

    On a new path it creates the store, so they can be on before the first ingest.

    Example:  caselog project enable && caselog search "kindness meditation"
    """
    applied = store(db, create=True).enable_read_models()
    if as_json:
        from caselog.cli.receipts import ReadModelsSwitched

        print_json(ReadModelsSwitched(kept=True, applied=applied))
        return
    say(f"read models on: applied {applied} events")


@project_app.command("disable")
@friendly
def disable_command(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Drop the read models and stop keeping them; their pages are wiped and reclaimed.

    Example:  caselog project disable
    """
    store(db).disable_read_models()
    if as_json:
        from caselog.cli.receipts import ReadModelsSwitched

        print_json(ReadModelsSwitched(kept=False, applied=0))
        return
    say("read models off: dropped, file vacuumed")


@friendly
def search_command(
    text: Annotated[str, typer.Argument(metavar="TEXT", help='Words to find; "quote" a phrase.')],
    client: Annotated[
        str | None,
        typer.Option(
            "--client",
            metavar="CLIENT",
            autocompletion=complete_client,
            help="Only this client's utterances.",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(metavar="N", callback=bounded(1, 10_000), help="At most this many hits.")
    ] = 20,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find utterances across every client's sessions, best match first.

    Example:  caselog search "kindness meditation" --client marcus
    """
    opened = store(db)
    client_id = opened.records.client(client).id if client else None
    hits = opened.read_models("search").search(text, client_id=client_id, limit=limit)
    if client_id is None:  # with --client, resolving it logged the access
        opened.log_access(sorted({h.client_id for h in hits}))
    if as_json:
        print_json(hits)
        return
    if not hits:
        typer.echo(printable(f"no utterance matches {text!r}"))
        return
    from rich.text import Text

    table = new_table()
    columns = ("client", "session", "#", "speaker", "snippet")
    add_columns(table, columns, keys=columns[:4], right=("session", "#"))
    for h in hits:
        # Text, not a markup string: the [match] marks must print as written; one line per hit.
        snippet = Text(" ".join(h.snippet.split()))
        speaker = h.speaker + (f" ({h.role})" if h.seq < 0 else "")  # a clinician's entry
        speaker += " (amended)" if h.amended else ""
        table.add_row(h.client, str(h.session), h.entry, speaker, snippet)
    console().print(table)
