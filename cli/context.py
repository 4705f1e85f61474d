"""What every command shares: where the store is, who is acting, how errors and JSON look."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar
from uuid import UUID

import orjson
import typer
from pydantic import BaseModel

from caselog.adapters.database import with_schema
from caselog.adapters.store import DEFAULT_DB, Store, default_actor, open_store
from caselog.application.records import Records
from caselog.domain.errors import CaselogError, ClientWasErased

if TYPE_CHECKING:
    # Imported where used: only the commands that print tables or touch the read models
    # pay for them (every process loads this module; see tests/test_startup_imports.py).
    from rich.console import Console
    from rich.table import Table

    from caselog.adapters.readmodels import ReadModels

P = ParamSpec("P")
R = TypeVar("R")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Store: a SQLite path, sqlite:///path or postgresql://user@host:port/db"
        "[?schema=name]. Default: $CASELOG_DB, else ./caselog.db.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        metavar="NAME",
        help="Who is recording. Default: $CASELOG_ACTOR, else the OS user.",
        show_default=False,
    ),
]


class Settings:
    """Options given before the command (``caselog --db X ingest …``)."""

    db: str | None = None
    schema: str | None = None
    # Set for each run, for the access log: the command invoked and its --actor, if any.
    command: str | None = None
    actor: str | None = None
    quiet: bool = False


def console(*, stderr: bool = False) -> Console:
    """Where tables and progress go. Styled only on a terminal (rich's own check), and
    not at all under ``NO_COLOR`` (no-color.org): no colour, no bold, no escapes."""
    from rich.console import Console

    plain = os.environ.get("NO_COLOR", "") != ""
    return Console(stderr=stderr, highlight=False, color_system=None if plain else "auto")


def new_table(title: str | None = None) -> Table:
    """A table to print with ``console()``."""
    from rich.table import Table

    return Table(title=title)


def say(message: str) -> None:
    """Say what a command did; ``--quiet`` keeps it to itself (errors are always told)."""
    if not Settings.quiet:
        typer.echo(message)


def db_url(given: str | None) -> str:
    url = given or Settings.db or os.environ.get("CASELOG_DB") or DEFAULT_DB
    return with_schema(url, Settings.schema or os.environ.get("CASELOG_SCHEMA"))


def actor(given: str | None) -> str:
    return given or default_actor()


class Invocation:
    """What one run of a command keeps: the store it opened, once, closed when the
    command ends."""

    def __init__(self) -> None:
        self.store: Store | None = None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


_INVOCATION: ContextVar[Invocation | None] = ContextVar("caselog_invocation", default=None)


def this_invocation() -> Invocation:
    """The state of the command being run. ``friendly`` scopes it to one command and
    closes it when the command ends, so nothing outlives a run, even when the CLI is
    invoked in-process, by tests or by programs that embed it."""
    invocation = _INVOCATION.get()
    if invocation is None:
        raise RuntimeError("a caselog command runs inside @friendly")
    return invocation


def store(
    db: str | None, *, create: bool = False, plaintext: bool = False, unlock: bool = True
) -> Store:
    """The store this invocation works on, opened once and closed when the command ends.

    Every read and write of the command goes through it (see ``caselog.adapters.store``):
    clients read through ``store(db).records`` are access-logged under the command's actor.
    """
    invocation = this_invocation()
    if invocation.store is None:
        invocation.store = open_store(
            db_url(db),
            actor=actor(Settings.actor),
            command=Settings.command or "caselog",
            create=create,
            plaintext=plaintext,
            unlock=unlock,
        )
    return invocation.store


def records(db: str | None) -> Records:
    """The query facade. Each client it resolves is read, so it is logged as an access."""
    return store(db).records


def log_access(client_ids: Iterable[UUID | None]) -> None:
    """Log reads of these clients (None: a listing of the whole store) by this command."""
    store(None).log_access(client_ids)


def read_models(db: str | None, purpose: str) -> ReadModels:
    """The read models, if this store keeps them (an encrypted one only when asked to)."""
    return store(db).read_models(purpose)


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn caselog's own errors into one line on stderr and exit status 1."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        given = kwargs.get("actor_name")
        Settings.actor = given if isinstance(given, str) else None
        invocation = Invocation()
        token = _INVOCATION.set(invocation)
        try:
            return command(*args, **kwargs)
        except ClientWasErased as e:
            typer.echo(str(e))
            raise typer.Exit(0) from None
        except CaselogError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from None
        finally:
            _INVOCATION.reset(token)
            invocation.close()

    return run


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, default=_plain, option=orjson.OPT_INDENT_2).decode())
    sys.stdout.write("\n")


def print_json_lines(values: Iterable[Any]) -> None:
    for value in values:
        sys.stdout.write(orjson.dumps(value, default=_plain).decode())
        sys.stdout.write("\n")
