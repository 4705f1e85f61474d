"""What every command shares: where the store is, who is acting, how errors and JSON look."""

from __future__ import annotations

import functools
import inspect
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar
from uuid import UUID

import orjson
import typer
from eventsourcing.utils import TopicError
from pydantic import BaseModel

from caselog.adapters.database import driver_errors, with_schema
from caselog.adapters.store import DEFAULT_DB, Store, default_actor, open_store
from caselog.application.records import Records
from caselog.cli.terminal import printable
from caselog.domain.errors import CaselogError, ClientWasErased

if TYPE_CHECKING:
    # Imported where used: only the commands that print tables or touch the read models
    # pay for them (every process loads this module; see tests/test_startup_imports.py).
    from rich.console import Console
    from rich.table import Table

    from caselog.adapters.provisional import NewStore
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
SchemaOption = Annotated[
    str | None,
    typer.Option(
        "--schema",
        metavar="NAME",
        help="PostgreSQL schema holding the store, so several stores share one database "
        "(same as ?schema=NAME). Default: $CASELOG_SCHEMA, else public.",
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print only what was asked for: no confirmations of what a command did, "
        "no ingest table or progress. Errors and warnings are still printed.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        metavar="NAME",
        help="Who is reading or recording, for the record and the access log. "
        "Default: $CASELOG_ACTOR, else the OS user.",
        show_default=False,
    ),
]

# Options every command takes, before its name or after it: (parameter, type, default).
_COMMON: tuple[tuple[str, Any, Any], ...] = (
    ("db", DbOption, None),
    ("schema", SchemaOption, None),
    ("quiet", QuietOption, False),
    ("actor_name", ActorOption, None),
)


def bounded(low: int, high: int) -> Callable[[int | None], int | None]:
    """A check of a whole-number option, refused as a usage error outside [low, high]
    (typer's own min/max would print the range in the help, past any metavar)."""

    def check(value: int | None) -> int | None:
        if value is not None and not low <= value <= high:
            raise typer.BadParameter(f"expected a number from {low} to {high}, not {value}")
        return value

    return check


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
    """A table to print with ``console()``: its cells are text, never markup, and control
    characters in them are neutralised on a terminal (``cli.terminal``)."""
    from caselog.cli.terminal import safe_table

    return safe_table(title)


def add_columns(
    table: Table, columns: Iterable[str], *, keys: Iterable[str] = (), right: Iterable[str] = ()
) -> None:
    """Add the columns; ``keys`` (a client's name, a session, a status) are never wrapped,
    so on a narrow terminal or through a pipe (80 columns) the free text wraps instead."""
    keys, right = set(keys), set(right)
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in right else "left",
            no_wrap=column in keys,
            # Free text wraps; a long word (a time, an id) is folded, never cut with "…":
            # it is meant to be copied.
            overflow="ellipsis" if column in keys else "fold",
        )


def say(message: str) -> None:
    """Say what a command did; ``--quiet`` keeps it to itself (errors are always told)."""
    if not Settings.quiet:
        typer.echo(printable(message))


def warn(message: str) -> None:
    """A warning: on stderr, and told even under ``--quiet``."""
    typer.echo(f"warning: {message}", err=True)


def db_url(given: str | None) -> str:
    url = given or Settings.db or os.environ.get("CASELOG_DB") or DEFAULT_DB
    return with_schema(url, Settings.schema or os.environ.get("CASELOG_SCHEMA"))


def actor(given: str | None) -> str:
    return given or Settings.actor or default_actor()


class Invocation:
    """What one run of a command keeps: the store it opened, once, closed when the
    command ends, and what it made, taken back if the command fails."""

    def __init__(self) -> None:
        self.store: Store | None = None
        self.created: NewStore | None = None
        self.scratch: Path | None = None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def settle(self, succeeded: bool) -> None:
        """After the store is closed: a store this command created and left empty is
        removed when the command failed; a kept one's new key file is announced."""
        created, self.created = self.created, None
        if created is None:
            return
        if not succeeded and created.take_back():
            return
        if (key_file := created.made_key_file()) is not None:
            warn(
                f"{key_file} holds the master key of the new store: back it up now; "
                "without it the record cannot be read"
            )


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
    db: str | None,
    *,
    create: bool = False,
    plaintext: bool = False,
    unlock: bool = True,
    trust_unsealed: bool = False,
) -> Store:
    """The store this invocation works on, opened once and closed when the command ends.

    Every read and write of the command goes through it (see ``caselog.adapters.store``):
    clients read through ``store(db).records`` are access-logged under the command's actor.
    """
    invocation = this_invocation()
    if invocation.store is None:
        if create:
            from caselog.adapters.provisional import before_creating

            invocation.created = before_creating(db_url(db))
        invocation.store = open_store(
            db_url(db),
            actor=actor(Settings.actor),
            command=Settings.command or "caselog",
            create=create,
            plaintext=plaintext,
            unlock=unlock,
            trust_unsealed=trust_unsealed,
        )
        for note in invocation.store.settings.notes:
            typer.echo(f"note: {note}", err=True)
    return invocation.store


def dry_run_store(db: str | None) -> Store:
    """The store to try an ingest against: the one at ``--db``, or, where there is none
    yet, an empty scratch store that is removed afterwards (a dry run makes nothing)."""
    from caselog.adapters.database import database

    url = db_url(db)
    named = database(url)
    try:
        if named.exists():
            return store(db)
        named.check_can_create()
    finally:
        named.close()
    invocation = this_invocation()
    invocation.scratch = Path(tempfile.mkdtemp(prefix="caselog-dry-run-"))
    invocation.store = open_store(
        str(invocation.scratch / "dry-run.db"),
        actor=actor(Settings.actor),
        command=Settings.command or "caselog",
        create=True,
        plaintext=True,
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


def _take_common_options(kwargs: dict[str, Any], own: Iterable[str]) -> None:
    """Options given after the command's name win over the same ones given before it;
    those the command does not declare itself are taken out of its arguments."""
    taken = set(own)
    given = {n: kwargs[n] if n in taken else kwargs.pop(n, None) for n, _, _ in _COMMON}
    if isinstance(given["db"], str):
        Settings.db = given["db"]
    if isinstance(given["schema"], str):
        Settings.schema = given["schema"]
    if given["quiet"] is True:
        Settings.quiet = True
    if isinstance(given["actor_name"], str):
        Settings.actor = given["actor_name"]


def _with_common_options(run: Callable[..., Any], command: Callable[..., Any]) -> list[str]:
    """Give ``run`` the command's signature plus the common options it lacks (typer reads
    the signature); the names of the command's own parameters."""
    signature = inspect.signature(command, eval_str=True)
    own = list(signature.parameters)
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, kind, default in _COMMON
        if name not in signature.parameters
    ]
    parameters = [*signature.parameters.values(), *extra]
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return own


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn caselog's own errors into one line on stderr and exit status 1, and give the
    command the options every command takes (--db, --schema, -q, --actor)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        _take_common_options(kwargs, own)
        invocation = Invocation()
        token = _INVOCATION.set(invocation)
        succeeded = False
        try:
            result = command(*args, **kwargs)
            succeeded = True
            return result
        except ClientWasErased as e:
            succeeded = True
            typer.echo(printable(str(e)))
            raise typer.Exit(0) from None
        except CaselogError as e:
            typer.echo(printable(f"error: {e}", err=True), err=True)
            raise typer.Exit(1) from None
        except typer.Exit as e:
            succeeded = e.exit_code == 0
            raise
        except Exception as e:
            # The file system or the database refused (read-only, full, gone): what a
            # user can cause and fix, so one line, not a traceback.
            where = invocation.store.where if invocation.store is not None else "caselog"
            if isinstance(e, TopicError):
                # Only an edited row names a type caselog does not have.
                problem = (
                    f"a stored event names a type caselog does not know ({e}); run caselog verify"
                )
            elif isinstance(e, BrokenPipeError):
                raise  # the reader went away (`| head`): click ends quietly
            elif isinstance(e, (OSError, *driver_errors())):
                problem = _refusal(e)
            else:
                raise
            typer.echo(printable(f"error: {where}: {problem}", err=True), err=True)
            raise typer.Exit(1) from None
        finally:
            _INVOCATION.reset(token)
            invocation.close()
            invocation.settle(succeeded)

    own = _with_common_options(run, command)
    return run


def _refusal(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        named = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{named}"
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _dumped(value: BaseModel | Sequence[BaseModel]) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return [v.model_dump(mode="json") for v in value]


def print_json(value: BaseModel | Sequence[BaseModel]) -> None:
    """A view model (or a list of them) as indented JSON: the same models the text is
    printed from, so the two cannot drift apart."""
    sys.stdout.write(orjson.dumps(_dumped(value), option=orjson.OPT_INDENT_2).decode())
    sys.stdout.write("\n")


def print_json_lines(values: Iterable[BaseModel | dict[str, Any]]) -> None:
    """One JSON object a line. A dict is replay's line: a timeline entry's own flattened
    shape (``TimelineEntry.as_json_line``)."""
    for value in values:
        line = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        sys.stdout.write(orjson.dumps(line).decode())
        sys.stdout.write("\n")
