"""A real headless Chromium, from the system's packages, driven by Playwright; and the
screenshots of docs/web.md, taken the same way:

    .venv/bin/python -m tests.browser docs/img
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tests.conftest import Cli
from tests.web import serving, with_samples

if TYPE_CHECKING:
    from playwright.sync_api import Browser

MISSING = (
    "no Chromium installed: the browser tests need the system's (apt-get install chromium, "
    "or set CASELOG_CHROMIUM to its path); .ci/run installs it"
)


def chromium() -> str | None:
    """The system Chromium's executable, or None."""
    for candidate in (
        os.environ.get("CASELOG_CHROMIUM"),
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@contextmanager
def launched(executable: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    # Chromium's sandbox refuses to run as root (CI containers); the page is our own.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            yield browser
        finally:
            browser.close()


def sample_store(folder: Path) -> str:
    """The samples in an encrypted store that keeps read models (for search), with one
    homework item completed after its session: the as-of control shows it change."""
    db = str(folder / "clinic.db")
    cli = with_samples(db)
    for args in (("project", "enable"), ("homework-set", "marcus", "S8.H2", "completed")):
        done = cli(*args)
        assert done.exit_code == 0, done.output
    return db


def docs_screenshots(target: Path) -> list[Path]:
    """docs/web.md's screenshots: the pages of the sample store, at a desktop's width."""
    executable = chromium()
    if executable is None:
        raise SystemExit(MISSING)
    target.mkdir(parents=True, exist_ok=True)
    taken = []
    with tempfile.TemporaryDirectory() as scratch:
        db = sample_store(Path(scratch))
        marcus = Cli(db)("clients", "--json").output
        with serving(db) as (started, _), launched(executable) as browser:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.goto(str(started["url"]))
            shots = {"clients": "/"}
            page.click("text=Marcus Thompson")
            base = page.url
            shots |= {
                "timeline": base,
                "homework": f"{base}/homework?at_session=8",
                "recap": f"{base}/recap",
                "search": "/search?q=kindness+meditation",
                "integrity": f"{base}/integrity",
            }
            root = str(started["url"]).split("/?")[0]
            for name, where in shots.items():
                page.goto(where if where.startswith("http") else root + where)
                if name == "timeline":
                    page.click("#s-8 > summary")
                path = target / f"web-{name}.png"
                page.screenshot(path=str(path))
                taken.append(path)
        assert "Marcus" in marcus
    return taken


if __name__ == "__main__":
    for shot in docs_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img")):
        print(shot)
