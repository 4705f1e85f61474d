"""Every example of README.md and docs/*.md runs as written and prints what the page shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import doc_examples
from tests.doc_examples import PAGES, blocks

# Read by the terminal summary in conftest.py, so the examples left out are seen on every run.
NOT_RUN: dict[str, list[str]] = {
    page.name: [f"line {b.line}: {b.not_run}" for b in blocks(page) if b.not_run]
    for page in PAGES
    if any(b.not_run for b in blocks(page))
}
RUN: dict[str, int] = {}


def _runnable_pages() -> list[Path]:
    return [page for page in PAGES if any(b.not_run is None for b in blocks(page))]


@pytest.mark.parametrize("page", _runnable_pages(), ids=lambda p: p.name)
def test_every_example_on_the_page_runs_and_prints_what_it_shows(page: Path, tmp_path: Path):
    doc_examples.prepare(tmp_path, with_store=not doc_examples.starts_empty(page))
    failures: list[str] = []
    ran = 0
    for block in blocks(page):
        where = f"{page.name}:{block.line}"
        if block.not_run:
            continue
        if block.kind == "python":
            done = doc_examples.run_python(block.text, tmp_path)
            ran += 1
            if done.returncode != 0:
                failures.append(f"{where}: Python exited {done.returncode}\n{done.stderr}")
            continue
        for command in block.commands:
            done = doc_examples.shell(command.command, tmp_path)
            ran += 1
            here = f"{page.name}:{command.line}: $ {command.command}"
            printed = doc_examples.printed_lines(done)
            status = doc_examples.expected_status(command.shown)
            if done.returncode != status:
                failures.append(f"{here}\nexit {done.returncode}, expected {status}\n{done.stderr}")
            elif not doc_examples.matches(command.shown, printed):
                shown = "\n".join(command.shown)
                failures.append(f"{here}\nshown:\n{shown}\nprinted:\n" + "\n".join(printed))
    RUN[page.name] = ran
    assert ran > 0, f"{page.name} has examples, but none of them ran"
    assert not failures, "\n\n".join(failures)


def test_every_example_left_out_says_why():
    for page in PAGES:
        for block in blocks(page):
            if block.not_run is not None:
                assert len(block.not_run) > 5, f"{page.name}:{block.line}: give a reason"


def test_the_readme_and_the_tour_have_examples_that_run():
    for name in ("README.md", "tour.md"):
        page = next(p for p in PAGES if p.name == name)
        assert any(b.not_run is None and (b.commands or b.kind == "python") for b in blocks(page))


def test_an_ellipsis_in_shown_output_stands_for_lines_or_characters():
    printed = ["a table", "row 1", "row 2", "Alex — session 5 · 2025-05-29 10:00", "end"]
    assert doc_examples.matches(["a table", "…", "Alex — session 5 …", "end"], printed)
    assert not doc_examples.matches(["a table", "row 2", "…"], printed)


def test_ids_and_times_of_recording_do_not_count_in_a_comparison():
    shown = ["│ Alex │ cb2ea476 │ recorded 2026-11-22 04:15:58 by root"]
    assert doc_examples.matches(shown, ["│ Alex │ 0f9e3c21 │ recorded 2027-01-03 11:02:09 by root"])
    assert not doc_examples.matches(shown, ["│ Alexa │ 0f9e3c21 │ recorded 2027-01-03 by root"])
