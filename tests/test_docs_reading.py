"""docs/reading-transcripts.md: its examples run as written, and print what it shows."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import FIXTURES
from tests.test_readme_examples import _shell

DOC = Path(__file__).parent.parent / "docs" / "reading-transcripts.md"


def _examples() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    in_block = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_block = not in_block
        elif in_block and line.startswith("$ "):
            found.append((line[2:], []))
        elif in_block and found:
            found[-1][1].append(line)
    return found


def test_the_reading_rules_examples_run_and_print_what_they_show(tmp_path: Path) -> None:
    for example in (FIXTURES / "reading").iterdir():
        shutil.copy(example, tmp_path)
    examples = _examples()
    assert len(examples) >= 4
    for command, shown in examples:
        done = _shell(command, tmp_path)
        refused = any(line.startswith("error:") for line in shown)
        assert done.returncode == (1 if refused else 0), f"{command}\n{done.stderr}"
        printed = (done.stdout + done.stderr).strip().splitlines()
        assert printed == shown, command
