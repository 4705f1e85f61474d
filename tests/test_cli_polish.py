"""The command line as people meet it: colour only where wanted, --quiet, help for every command."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from caselog.cli.app import app
from tests.conftest import FIXTURES, Cli

CASELOG = str(Path(sys.executable).with_name("caselog"))
ESCAPE = re.compile(rb"\x1b\[[0-9;]*m")
GLOBAL_OPTIONS = re.compile(r"(?<=caselog)(?: --(?:db|schema) \S+| -q| --quiet)+")


@pytest.fixture
def loaded(sqlite_db) -> Cli:
    cli = Cli(sqlite_db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    return cli


def _in_a_terminal(args: list[str], **env: str) -> bytes:
    """Run caselog with a pseudo-terminal as its output, as a person at a shell would."""
    leader, follower = os.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    process = subprocess.Popen(
        [CASELOG, *args], stdout=follower, stderr=follower, env={**environ, **env}
    )
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        out += chunk
    process.wait()
    os.close(leader)
    return out


def test_tables_are_styled_in_a_terminal(loaded):
    out = _in_a_terminal(["--db", loaded.db, "clients"])
    assert b"Alicia Rodriguez" in out
    assert ESCAPE.search(out)


def test_no_color_turns_every_style_off_in_a_terminal(loaded):
    out = _in_a_terminal(["--db", loaded.db, "clients"], NO_COLOR="1")
    assert b"Alicia Rodriguez" in out
    assert not ESCAPE.search(out)


def test_output_that_is_not_a_terminal_has_no_escape_codes(loaded):
    done = subprocess.run(
        [CASELOG, "--db", loaded.db, "sessions", "alex"], capture_output=True, check=True
    )
    assert b"Alex" in done.stdout or b"14" in done.stdout
    assert not ESCAPE.search(done.stdout)


def test_quiet_keeps_confirmations_to_itself_but_still_prints_what_was_asked(loaded):
    told = loaded("homework-set", "alicia", "S1.H1", "in_progress")
    quiet = loaded("--quiet", "homework-set", "alicia", "S1.H2", "in_progress")
    assert told.exit_code == 0 and "S1.H1" in told.stdout
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stdout == ""
    listed = loaded("-q", "homework", "alicia", "--json")
    assert "in_progress" in listed.stdout


def test_quiet_still_reports_errors(loaded):
    result = loaded("--quiet", "sessions", "nobody-at-all")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")


def test_quiet_verify_prints_nothing_when_intact_and_the_breaks_when_not(loaded):
    assert loaded("--quiet", "verify").stdout == ""
    assert "intact" in loaded("verify").stdout


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):  # a group of commands
            found.extend(_commands(command, f"{prefix} {name}"))
        else:
            found.append((f"{prefix} {name}", command))
    return found


ALL_COMMANDS = _commands(get_command(app), "caselog")


def test_the_meta_test_sees_the_nested_commands():
    names = {name for name, _ in ALL_COMMANDS}
    assert {"caselog ingest", "caselog project follow", "caselog project rebuild"} <= names


@pytest.mark.parametrize("name", [name for name, _ in ALL_COMMANDS])
def test_every_command_and_subcommand_has_help_with_an_example_of_itself(name):
    result = CliRunner().invoke(app, [*name.split()[1:], "--help"])
    assert result.exit_code == 0
    help_text = result.stdout
    summary = help_text.split("Options:")[0]
    assert len(summary.split("\n\n")) >= 2, "a description under the usage line"
    # Options before the command (--db X, -q) may sit between "caselog" and its name.
    examples = [
        GLOBAL_OPTIONS.sub("", line) for line in help_text.splitlines() if "Example:" in line
    ]
    assert examples and any(name in line for line in examples), examples


def test_shell_completion_is_offered_and_documented():
    result = CliRunner().invoke(app, ["--help"])
    assert "--install-completion" in result.stdout
    tour = (Path(__file__).parent.parent / "docs" / "tour.md").read_text(encoding="utf-8")
    assert "--install-completion" in tour and "--show-completion" in tour


def test_quiet_ingest_prints_no_table_but_still_the_errors(tmp_path):
    cli = Cli(str(tmp_path / "store.db"))
    bad = tmp_path / "bad.txt"
    bad.write_text("nothing a transcript would say\n")
    result = cli("--quiet", "ingest", str(FIXTURES / "000_d83eaa6e163e350a.txt"), str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and "bad.txt" in result.stderr
    assert "Alex" in cli("clients").stdout
