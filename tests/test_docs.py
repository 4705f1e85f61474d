"""Promises the docs make: every command explains itself, and the docs name real commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselog.cli.app import app
from tests.doc_examples import PAGES

README = Path(__file__).parent.parent / "README.md"
COMMANDS = sorted(c.name or "" for c in app.registered_commands)


def test_every_command_is_registered():
    assert {"ingest", "clients", "sessions", "replay", "log"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"caselog {command}" in result.stdout


def test_caselog_without_arguments_shows_the_command_overview_as_a_usage_error():
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "ingest" in result.stderr and "replay" in result.stderr


def test_the_readme_shows_the_two_setup_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text


def test_the_docs_name_only_real_commands():
    text = "".join(page.read_text(encoding="utf-8") for page in PAGES)
    used = set(
        re.findall(r"^\$ caselog (?:(?:--(?:db|schema) \S+|--quiet|-q) )*([a-z-]+)", text, re.M)
    )
    groups = {g.name for g in app.registered_groups}
    assert len(used) > 10 and used <= set(COMMANDS) | groups
