"""Helpers for the reassignment tests: the CLI's JSON answers, and a move."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Cli

WHY = "filed under the wrong client"


def json_of(cli: Cli, *args: str) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def lines_of(cli: Cli, *args: str) -> list[dict[str, Any]]:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line]


def move(cli: Cli, client: str, session: int, to: str, *args: str) -> dict[str, Any]:
    given = ("--session", str(session), "--to", to, "--reason", WHY, *args)
    moved = json_of(cli, "reassign", client, *given)
    assert isinstance(moved, dict)
    return moved


def numbers(cli: Cli, client: str, *args: str) -> list[int]:
    return [s["number"] for s in json_of(cli, "sessions", client, *args)]


def homework_of(cli: Cli, client: str, *args: str) -> dict[str, dict[str, Any]]:
    return {h["homework_id"]: h for h in json_of(cli, "homework", client, *args)}
