"""What every command shares: where the store is, who is acting, how errors and JSON look."""

from __future__ import annotations

import functools
import getpass
import os
import sys
from collections.abc import Callable, Iterable
from typing import Annotated, Any, ParamSpec, TypeVar

import orjson
import typer
from pydantic import BaseModel

from caselog.adapters.store import DEFAULT_DB, open_store
from caselog.domain.errors import CaselogError
from caselog.domain.service import CaselogApplication
from caselog.projections.records import Records

P = ParamSpec("P")
R = TypeVar("R")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help="Store: a SQLite path or sqlite:///path. Default: $CASELOG_DB, else ./caselog.db.",
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


def db_url(given: str | None) -> str:
    return given or Settings.db or os.environ.get("CASELOG_DB") or DEFAULT_DB


def actor(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("CASELOG_ACTOR"):
        return os.environ["CASELOG_ACTOR"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def service(db: str | None, *, create: bool = False) -> CaselogApplication:
    return open_store(db_url(db), create=create)


def records(db: str | None) -> Records:
    return Records(service(db))


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn caselog's own errors into one line on stderr and exit status 1."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CaselogError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from None

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
