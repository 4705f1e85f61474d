"""The generated pages, docs/cli.md and docs/json-schema.md, say what the code says today."""

from __future__ import annotations

import difflib
from pathlib import Path

from caselog.cli import api_reference, json_reference, reference
from caselog.cli.app import app

DOCS = Path(__file__).parent.parent / "docs"


def _drift(page: Path, generated: str) -> str:
    """An empty string when the page is as generated, else a short diff ending in what to do."""
    written = page.read_text(encoding="utf-8") if page.exists() else ""
    if written == generated:
        return ""
    diff = difflib.unified_diff(
        written.splitlines(), generated.splitlines(), "written", "generated", lineterm="", n=1
    )
    return "\n".join([*list(diff)[:40], f"{page.name} is out of date: run make docs"])


def test_the_cli_reference_is_the_commands_help_as_it_is_now():
    drift = _drift(DOCS / "cli.md", reference.reference())
    assert not drift, drift


def test_the_json_schema_page_is_the_view_models_as_they_are_now():
    drift = _drift(DOCS / "json-schema.md", json_reference.reference())
    assert not drift, drift


def test_the_cli_reference_has_every_command_and_subcommand():
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    names = [c.name for c in app.registered_commands]
    subcommands = [
        f"{group.name} {c.name}"
        for group in app.registered_groups
        if group.typer_instance is not None
        for c in group.typer_instance.registered_commands
    ]
    assert names and subcommands
    for name in [*names, *subcommands]:
        assert f"\n## caselog {name}\n" in page, name


def test_the_cli_reference_does_not_depend_on_the_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    narrow = reference.reference()
    monkeypatch.setenv("COLUMNS", "250")
    assert reference.reference() == narrow
    assert max(len(line) for line in narrow.splitlines()) <= reference.WIDTH


def test_the_python_api_reference_is_the_code_as_it_is_now():
    drift = _drift(DOCS / "python-api-reference.md", api_reference.reference())
    assert not drift, drift
