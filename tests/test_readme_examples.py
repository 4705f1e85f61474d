"""The README's import and export examples, run as written in a shell, output checked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

README = Path(__file__).parent.parent / "README.md"
BIN = Path(sys.executable).parent
IMPORT_FILES = FIXTURES / "import"
# Sections whose examples are complete: every command runs, and every output line is shown.
RUNNABLE = (
    "#### Reassigning a mis-filed session",
    "### Markdown and FHIR",
    "### Other transcript sources",
)


def _section(heading: str) -> str:
    text = README.read_text()
    start = text.index(heading + "\n")
    end = text.find("\n#", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def _examples(heading: str) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` of the section's code blocks, with the output lines shown after it."""
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```\n(.*?)```", _section(heading), re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif found:
                found[-1][1].append(line)
    return found


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """A folder as the README's reader has it: clinic.db holding the samples, and the files."""
    for sample in sorted(FIXTURES.glob("00*.txt")):
        shutil.copy(sample, tmp_path)
    if IMPORT_FILES.is_dir():
        for example in IMPORT_FILES.iterdir():
            shutil.copy(example, tmp_path)
    done = _shell("caselog --db clinic.db ingest 00*.txt", tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    env.pop("CASELOG_DB", None)
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("heading", RUNNABLE)
def test_the_readmes_examples_run_and_print_what_it_shows(heading, clinic):
    examples = _examples(heading)
    assert examples, f"{heading} shows no $ caselog examples"
    for command, shown in examples:
        done = _shell(command, clinic)
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        printed = (done.stdout + done.stderr).strip().splitlines()
        if shown:
            assert printed == shown, command
