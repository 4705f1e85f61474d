"""The examples of README.md and docs/*.md: found in their fenced blocks, run as a reader would.

A ```console or ```sh block holds ``$ command`` lines, each followed by the output the page
shows: nothing shown means the command prints nothing, and ``…`` stands for what is left out.
A ```python block is a program. A block right after
``<!-- not run: reason -->`` is counted but not run. A page that starts from an empty folder says
so with ``<!-- examples: empty store -->``; every other page's examples run in a folder holding
``samples/``, ``examples/`` and ``clinic.db``, the seed transcripts ingested.

Run as ``python -m tests.doc_examples PAGE`` to print what each command of PAGE prints now, or
``python -m tests.doc_examples --update PAGE`` to write what they print into the page where it
no longer matches (then check the diff, and shorten long output again with ``…``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "samples"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent
NOT_RUN = re.compile(r"<!--\s*not run:\s*(.+?)\s*-->")
EMPTY_STORE = "<!-- examples: empty store -->"
SHELL_FENCES = ("console", "sh")


@dataclass
class Command:
    line: int
    command: str
    shown: list[str] = field(default_factory=list)


@dataclass
class Block:
    page: str
    line: int
    kind: str  # "shell" or "python"
    text: str
    not_run: str | None
    commands: list[Command] = field(default_factory=list)


def blocks(page: Path) -> list[Block]:
    """The page's console, sh and python blocks, in order, each with its not-run reason if any."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        lang = fence.group(1)
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        body = lines[i + 1 : end]
        if lang in (*SHELL_FENCES, "python"):
            before = next((x for x in reversed(lines[:i]) if x.strip()), "")
            reason = NOT_RUN.search(before)
            block = Block(
                page.name,
                i + 1,
                "python" if lang == "python" else "shell",
                "\n".join(body) + "\n",
                reason.group(1) if reason else None,
            )
            if block.kind == "shell":
                block.commands = _commands(body, i + 2)
            found.append(block)
        i = end + 1
    return found


def _commands(body: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    for n, line in enumerate(body, first_line):
        if line.startswith("$ "):
            commands.append(Command(n, line[2:]))
        elif commands:
            commands[-1].shown.append(line)
    return commands


def starts_empty(page: Path) -> bool:
    return EMPTY_STORE in page.read_text(encoding="utf-8")


def environment() -> dict[str, str]:
    """The reader's shell: caselog on the PATH, plain output at a fixed width, no store settings."""
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
        "COLUMNS": "100",
        "TERM": "dumb",
        "CASELOG_ACTOR": "root",
    }
    for name in ("CASELOG_DB", "CASELOG_SCHEMA", "CASELOG_KEY", "CASELOG_INTEGRITY_KEY"):
        env.pop(name, None)
    return env


def prepare(folder: Path, with_store: bool) -> None:
    """``folder`` as the pages' reader has it: samples/, and clinic.db holding the seeds."""
    shutil.copytree(SAMPLES, folder / "samples")
    shutil.copytree(ROOT / "examples", folder / "examples")  # docs/live.md runs simulate.py
    if with_store:
        done = shell("caselog --quiet --db clinic.db ingest samples/", folder)
        if done.returncode != 0:
            raise RuntimeError(done.stderr)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=180,
    )


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=180,
    )


_HEX = re.compile(r"\b[0-9a-f]{32,}\b")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_SHORT_ID = re.compile(r"\b[0-9a-f]{8}\b")
_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z| UTC)?")


def normalise(line: str) -> str:
    """A line with what differs from run to run (ids, digests, times of recording) made equal."""
    line = _HEX.sub("<hex>", line.rstrip())
    line = _UUID.sub("<uuid>", line)
    line = _SHORT_ID.sub("<id>", line)
    return _TIME.sub("<time>", line)


def matches(shown: list[str], printed: list[str]) -> bool:
    """Whether the printed lines are the shown ones, where ``…`` stands for anything.

    A shown line that is only ``…`` stands for any number of lines; inside a line it stands for
    any run of characters (the real output may hold an ``…`` of its own there: it matches too).
    """
    pattern = []
    for line in shown:
        text = normalise(line)
        if text.strip() == "…":
            pattern.append(r"(?:[^\n]*\n)*?")
        else:
            pattern.append(".*?".join(re.escape(part) for part in text.split("…")) + r"\n")
    joined = "".join(normalise(line) + "\n" for line in printed)
    return re.fullmatch("".join(pattern), joined, re.S) is not None


def expected_status(shown: list[str]) -> int:
    """A shown refusal (``error: …``, ``BROKEN …``) exits 1; anything else 0."""
    refused = any(line.startswith(("error:", "BROKEN")) for line in shown)
    return 1 if refused else 0


def printed_lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.rstrip() for line in (done.stdout + done.stderr).strip("\n").splitlines()]


def update(page: Path) -> list[str]:
    """Rewrite the page's shown output where it no longer matches: the whole output replaces it
    (shorten it again by hand with ``…``). Returns what was changed, and the wrong exits."""
    import tempfile

    lines = page.read_text(encoding="utf-8").split("\n")
    replace: dict[int, tuple[int, list[str]]] = {}  # a command's line: (lines shown, new lines)
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        prepare(folder, with_store=not starts_empty(page))
        for block in blocks(page):
            if block.not_run:
                continue
            if block.kind == "python":
                done = run_python(block.text, folder)
                if done.returncode != 0:
                    notes.append(f"{page.name}:{block.line}: Python exited {done.returncode}")
                continue
            for command in block.commands:
                done = shell(command.command, folder)
                printed = printed_lines(done)
                if done.returncode != expected_status(command.shown):
                    notes.append(f"{page.name}:{command.line}: exit {done.returncode}")
                if not matches(command.shown, printed):
                    notes.append(f"{page.name}:{command.line}: output updated")
                    replace[command.line] = (len(command.shown), printed)
    for line in sorted(replace, reverse=True):
        count, new = replace[line]
        lines[line : line + count] = new
    page.write_text("\n".join(lines), encoding="utf-8")
    return notes


def main(argv: list[str]) -> None:
    """``PAGE...``: print what each example prints now; ``--update PAGE...``: rewrite the pages."""
    if argv[:1] == ["--update"]:
        for name in argv[1:]:
            print("\n".join(update(Path(name).resolve())))
        return
    import tempfile

    for name in argv:
        page = Path(name).resolve()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            prepare(folder, with_store=not starts_empty(page))
            for block in blocks(page):
                if block.not_run:
                    continue
                if block.kind == "python":
                    done = run_python(block.text, folder)
                    print(f"--- python block at line {block.line}: exit {done.returncode}")
                    print(done.stdout + done.stderr)
                    continue
                for command in block.commands:
                    done = shell(command.command, folder)
                    print(f"--- line {command.line}: exit {done.returncode}")
                    print("$ " + command.command)
                    print("\n".join(printed_lines(done)))


if __name__ == "__main__":
    main(sys.argv[1:])
