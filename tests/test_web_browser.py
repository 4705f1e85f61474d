"""The web view in a real headless Chromium (the system's, driven by Playwright): open the
sample store, expand a session, move the as-of control and see a homework status change,
search, copy a recap, and work on a phone-sized screen by keyboard. Screenshots go to
test-artifacts/browser/ (or $CASELOG_TEST_ARTIFACTS)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import MISSING, chromium, launched, sample_store
from tests.web import serving

pytestmark = pytest.mark.browser

ARTIFACTS = (
    Path(os.environ.get("CASELOG_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))
    / "browser"
)


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The sample store served by a real ``caselog serve``, and a browser signed in to it."""
    executable = chromium()
    if executable is None:
        pytest.skip(MISSING)
    pytest.importorskip("playwright", reason="the dev extras hold playwright: make dev")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = tmp_path_factory.mktemp("browser")
    db = sample_store(folder)
    with serving(db) as (started, _), launched(executable) as browser:
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(str(started["url"]))
        yield {"page": page, "url": str(started["url"]), "errors": errors, "browser": browser}
        context.close()


def _shot(page: Any, name: str, full_page: bool = True) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 0
    return path


def _open_marcus(page: Any) -> str:
    page.goto(page.url.split("/clients")[0].split("/search")[0].split("?")[0])
    page.get_by_role("link", name="Marcus Thompson").click()
    page.wait_for_url("**/clients/*")
    return page.url.split("?")[0]


def test_the_token_url_signs_in_and_leaves_the_address_bar(view):
    page = view["page"]
    assert "token=" not in page.url
    assert page.get_by_role("heading", name="Clients").is_visible()
    assert page.get_by_role("link", name="Marcus Thompson").is_visible()
    _shot(page, "clients")


def test_expanding_a_session_shows_its_transcript(view):
    page = view["page"]
    _open_marcus(page)
    session = page.locator("#s-8")
    transcript = session.locator("ol.transcript")
    assert not transcript.is_visible()
    session.locator("summary").click()
    assert transcript.is_visible()
    assert transcript.locator("li.utt").count() > 5
    assert session.locator(".flag").first.is_visible()
    _shot(page, "timeline-session-8")


def test_moving_the_as_of_control_changes_a_homework_status(view):
    page = view["page"]
    base = _open_marcus(page)
    page.goto(f"{base}/homework")
    status = page.locator("#hw-S8\\.H2 td .status").first
    assert status.inner_text() == "completed"
    _shot(page, "homework-now")
    page.get_by_label("Session", exact=True).select_option("8")  # submits on change
    page.wait_for_url("**at_session=8**")
    status = page.locator("#hw-S8\\.H2 td .status").first
    assert status.inner_text() == "assigned"
    assert "once session 8 was recorded" in page.locator(".asof-now").inner_text()
    _shot(page, "homework-as-of-session-8")


def test_a_search_shows_ranked_snippets_with_the_matches_marked(view):
    page = view["page"]
    page.get_by_role("link", name="Search").first.click()
    page.get_by_label("Words to find").fill("kindness meditation")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=**")
    hits = page.locator("ol.hits > li")
    assert hits.count() >= 1
    assert hits.first.locator("mark").first.inner_text().lower() in ("kindness", "meditation")
    _shot(page, "search")


def test_the_copy_button_copies_the_recap(view):
    page = view["page"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    base = _open_marcus(page)
    page.goto(f"{base}/recap")
    page.get_by_role("button", name="Copy recap").click()
    page.wait_for_function("document.querySelector('.copied').textContent !== ''")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Last time we talked about:")
    assert copied == page.locator("#recap-text").inner_text()
    _shot(page, "recap")


def test_a_phone_sized_screen_needs_no_sideways_scrolling_and_works_by_keyboard(view):
    phone = view["browser"].new_context(viewport={"width": 375, "height": 740})
    page = phone.new_page()
    page.goto(view["url"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("link", name="Marcus Thompson").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/clients/*")
    page.locator("#s-8 > summary").focus()
    page.keyboard.press("Enter")  # a <details> opens from the keyboard
    assert page.locator("#s-8 ol.transcript").is_visible()
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0
    _shot(page, "phone-timeline", full_page=False)
    phone.close()


def test_no_page_broke_the_content_security_policy(view):
    # Runs last in this module: every page above was loaded in this browser.
    assert [e for e in view["errors"] if "Content Security Policy" in e] == []
