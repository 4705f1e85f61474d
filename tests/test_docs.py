"""Promises the docs make: every command explains itself, and the README's code runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caselog.cli.app import app
from tests.conftest import FIXTURES, Cli

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


def test_caselog_without_arguments_shows_the_command_overview():
    result = CliRunner().invoke(app, [])
    assert "ingest" in result.stdout and "replay" in result.stdout


def test_the_readme_shows_the_two_setup_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text


def test_the_readmes_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks, "the README should show the Python entry point"
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES, tmp_path / "samples")
    assert Cli(str(tmp_path / "caselog.db"))("ingest", "samples").exit_code == 0
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})


def test_the_readmes_cli_tour_commands_are_real_commands():
    text = README.read_text()
    used = set(re.findall(r"^\$ caselog (?:--(?:db|schema) \S+ )*([a-z-]+)", text, re.M))
    groups = {g.name for g in app.registered_groups}
    assert used and used <= set(COMMANDS) | groups
