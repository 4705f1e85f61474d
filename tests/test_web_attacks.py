"""The web view attacked as an outsider would: the token, the headers, methods, paths,
parameters and markup an attacker controls, and a store altered under a running view.
Each test performs the attack, through Starlette's test client or against a real
``caselog serve``, on real SQLite stores."""

from __future__ import annotations

import re
import shutil
import signal
import socket
from html.parser import HTMLParser
from pathlib import Path
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from caselog.adapters.store import open_store
from caselog.web import guard
from caselog.web.app import LOOPBACK_NAMES, create_app
from caselog.web.guard import HEADERS
from tests.conftest import Cli, raw
from tests.web import ACTOR, TOKEN, serving, viewing, with_samples

MARCUS = "Marcus Thompson"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The samples, recorded once for the module; each test that alters it takes a copy."""
    db = str(tmp_path_factory.mktemp("attacks") / "samples.db")
    with_samples(db)
    return db


@pytest.fixture
def samples(sample_db: str, tmp_path: Path) -> str:
    db = str(tmp_path / "copy.db")
    for suffix in ("", ".key"):
        shutil.copy(sample_db + suffix, db + suffix)
    return db


def _ids(db: str) -> dict[str, str]:
    with open_store(db) as store:
        return {c.name: c.client_id for c in store.records.clients()}


def _log(db: str) -> list[tuple[str, str, str | None]]:
    with open_store(db) as store:
        return [(e.actor, e.command, e.client_id) for e in store.access_log.entries()]


def _pages(cid: str) -> list[str]:
    base = f"/clients/{cid}"
    return [base, f"{base}/homework", f"{base}/recap", f"{base}/integrity"]


def _main(page: str) -> str:
    return page.split('<main id="main">')[-1]


# --- the token ------------------------------------------------------------------------


def test_the_token_redirect_never_leads_to_another_site(samples):
    """A path of several slashes (sent as such, or as %2F) would make the redirect that
    strips the token a Location of another host: //evil.example is evil.example."""
    with open_store(samples, actor=ACTOR) as store:
        client = TestClient(create_app(store, TOKEN))
        for path in ("/%2F%2Fevil.example/", "/%2F/evil.example", "/%5C%5Cevil.example"):
            got = client.get(f"{path}?token={TOKEN}", follow_redirects=False)
            assert got.status_code == 303
            location = got.headers["location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_a_wrong_token_of_any_shape_is_a_401_with_no_cookie(samples):
    with open_store(samples, actor=ACTOR) as store:
        client = TestClient(create_app(store, TOKEN))
        for given in ("", "x", TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "é" * 43, "a" * 5000):
            got = client.get("/", params={"token": given}, follow_redirects=False)
            assert got.status_code == 401, given
            assert "set-cookie" not in got.headers and "Marcus" not in got.text
        # The last of two tokens is the one compared; a right one first does not let in.
        got = client.get(f"/?token={TOKEN}&token=wrong", follow_redirects=False)
        assert got.status_code == 401 and "set-cookie" not in got.headers


def test_the_token_and_the_cookie_are_compared_in_constant_time(samples, monkeypatch):
    compared: list[tuple[bytes, bytes]] = []
    real = guard.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(guard.hmac, "compare_digest", spy)
    with open_store(samples, actor=ACTOR) as store:
        client = TestClient(create_app(store, TOKEN))
        client.get("/?token=guess", follow_redirects=False)
        assert compared[-1] == (b"guess", TOKEN.encode())
        client.cookies.set(guard.COOKIE, "forged")
        client.get("/", follow_redirects=False)
        assert compared[-1][0] == b"forged"


def test_the_token_is_good_for_the_run_and_the_cookie_is_another_secret(samples):
    """The design: the token serves the whole run (another browser, a browser restarted),
    not one use; it is swapped at once for a cookie that is not the token, and leaves
    the address bar. Stopping the server retires both."""
    with open_store(samples, actor=ACTOR) as store:
        app = create_app(store, TOKEN)
        first, second = TestClient(app), TestClient(app)
        a = first.get(f"/?token={TOKEN}", follow_redirects=False)
        b = second.get(f"/?token={TOKEN}", follow_redirects=False)
        assert a.status_code == b.status_code == 303
        assert a.headers["location"] == "/" and "token" not in a.headers["location"]
        cookie = a.cookies[guard.COOKIE]
        assert cookie and cookie != TOKEN and TOKEN not in a.headers["set-cookie"]
        # A server started again makes a new cookie: the old one no longer opens anything.
        again = TestClient(create_app(store, guard.new_token()))
        again.cookies.set(guard.COOKIE, cookie)
        assert again.get("/", follow_redirects=False).status_code == 401


# --- headers on every response ----------------------------------------------------------


def test_every_response_carries_the_security_headers_refusals_and_errors_included(samples):
    marcus = _ids(samples)[MARCUS]
    with open_store(samples, actor=ACTOR) as store:
        app = create_app(store, TOKEN, [*LOOPBACK_NAMES])
        client = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)
        answers = {
            "no token": client.get("/", follow_redirects=False),
            "redirect": client.get(f"/?token={TOKEN}", follow_redirects=False),
            "page": client.get(f"/clients/{marcus}"),
            "static": client.get("/static/style.css"),
            "no static": client.get("/static/nothing.css"),
            "bad param": client.get(f"/clients/{marcus}/recap", params={"session": "²"}),
            "post": client.post("/"),
            "other host": client.get("/", headers={"host": "attacker.example"}),
        }
        for name, got in answers.items():
            for header, value in HEADERS.items():
                assert got.headers.get(header) == value, (name, header, got.status_code)
        assert answers["other host"].status_code == 400
        assert answers["bad param"].status_code == 400


def test_an_unexpected_error_is_a_bare_500_with_the_headers_and_no_traceback(samples, monkeypatch):
    marcus = _ids(samples)[MARCUS]

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr("caselog.projections.timeline.timeline", boom)
    monkeypatch.setattr("caselog.web.pages.timeline", boom)
    with viewing(samples) as (client, _):
        client = TestClient(client.app, raise_server_exceptions=False, cookies=client.cookies)
        got = client.get(f"/clients/{marcus}")
    assert got.status_code == 500
    assert "secret detail" not in got.text and "Traceback" not in got.text
    assert got.headers["content-security-policy"] == HEADERS["Content-Security-Policy"]
    assert got.headers["cache-control"] == "no-store"


# --- methods, paths, parameters -------------------------------------------------------


def test_no_route_takes_a_write_with_or_without_the_cookie(samples):
    marcus = _ids(samples)[MARCUS]
    with raw(samples).transaction() as conn:
        (events,) = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    with viewing(samples) as (client, _):
        before = _log(samples)
        stranger = TestClient(client.app)
        for path in ["/", "/search", *_pages(marcus), "/static/view.js"]:
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                assert client.request(method, path).status_code == 405, (method, path)
                assert stranger.request(method, path).status_code == 401, (method, path)
                forged = client.request(method, f"{path}?token={TOKEN}", follow_redirects=False)
                assert forged.status_code == 303  # a redirect to GET, never the write
        assert _log(samples) == before
    with raw(samples).transaction() as conn:
        assert conn.execute("SELECT COUNT(*) FROM stored_events").fetchone() == (events,)


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/..%5capp.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
    ],
)
def test_static_files_do_not_reach_outside_their_folder(samples, path):
    with viewing(samples) as (client, _):
        got = client.get(path)
    assert got.status_code == 404
    assert "import" not in got.text and "root:" not in got.text


@pytest.mark.parametrize(
    ("page", "params", "named"),
    [
        ("/recap", {"session": "²"}, "session"),  # str.isdigit() says yes; int() says no
        ("/recap", {"session": "9" * 5000}, "session"),  # beyond int()'s digit limit
        ("/recap", {"session": "-1"}, "session"),
        ("/recap", {"session": "1e3"}, "session"),
        ("", {"at_session": "٣"}, "at_session"),
        ("", {"at_session": "9" * 5000}, "at_session"),
        ("/homework", {"at_date": "2025-02-30"}, "at_date"),
        ("/homework", {"at_date": "x" * 5000}, "at_date"),
        ("", {"recorded_before": "9999-12-31T23:59:59-23:59"}, "recorded_before"),
        ("/recap", {"recorded_before": "0001-01-01T00:00:00+23:59"}, "recorded_before"),
    ],
)
def test_a_malformed_parameter_is_a_400_naming_it_and_reads_nothing(samples, page, params, named):
    marcus = _ids(samples)[MARCUS]
    with viewing(samples) as (client, _):
        before = _log(samples)
        got = client.get(f"/clients/{marcus}{page}", params=params)
        assert got.status_code == 400, got.text[-400:]
        assert f"{named}: " in got.text
        assert MARCUS not in got.text and "Traceback" not in got.text
        assert len(got.text) < 20_000  # the value is not echoed whole
        assert _log(samples) == before


@pytest.mark.parametrize("given", ["a", "m", "marcus", "Marcus Thompson", "id prefix", "alex"])
def test_a_client_is_named_by_its_id_only_so_no_guess_reads_the_store(samples, given):
    """A name or a leading part of one was matched against every client's name: a read of
    the whole store, unlogged, a 500 listing the names an ambiguous part matched, or a
    "did you mean" naming another client."""
    if given == "id prefix":
        given = _ids(samples)[MARCUS][:6]
    with viewing(samples) as (client, _):
        before = _log(samples)
        got = client.get(f"/clients/{given}")
        assert got.status_code == 404
        main = _main(got.text)
        assert "Marcus" not in main.replace(given, "") and "Alicia" not in main
        assert "Alex" not in main.replace(given, "")
        assert _log(samples) == before


def test_a_huge_query_string_or_path_is_refused_plainly(samples):
    with viewing(samples) as (client, _):
        for path in (
            "/search?q=" + "kindness " * 3000,
            "/?q=" + "x" * 30000,
            "/clients/" + "a" * 30000,
        ):
            got = client.get(path)
            assert got.status_code in (200, 404), path[:40]
            assert "Traceback" not in got.text


def test_an_erased_client_shows_nothing_on_any_page(samples):
    alex = _ids(samples)["Alex"]
    erased = Cli(samples)("erase", "Alex", "--reason", "asked", "--yes")
    assert erased.exit_code == 0, erased.output
    with viewing(samples) as (client, _):
        for path in _pages(alex):
            got = client.get(path)
            assert got.status_code == 410, path
            assert "Product Designer" not in got.text and "Torres" not in got.text


# --- markup from the record ---------------------------------------------------------------

HOSTILE = """Session 1/3
Date: May 29, 2025
Time: 10:00 AM
Client: Robin
Professional: Dr. <svg onload=alert('pro')> Ward

[10:00] Dr. Ward: Hi Robin, <script>alert('utt')</script> <a href="javascript:alert('a')">x</a>

[10:02] Robin: I tried the <iframe src=javascript:alert('frame')> thing.

( <img src=x onerror=alert('stage')> pauses )

[10:05] Dr. Ward: For homework, please write <img src=x onerror=alert('hwtalk')> down daily.

[10:07] Robin: OK. Take care.

[10:10] End of session
"""


class _Live(HTMLParser):
    """What of a page a browser would run: a tag from the record, an event-handler
    attribute, or a javascript: URL (the view's own script tag aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("img", "svg", "iframe", "object", "embed") or (
            tag == "script" and values.get("src") != "/static/view.js"
        ):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


def _live(page: str) -> list[str]:
    parser = _Live()
    parser.feed(page)
    return parser.found


def test_markup_in_every_field_of_the_record_is_text_on_every_page(db, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE)
    cli = Cli(db)
    name = "Robin <img src=x onerror=alert('name')> Vale"
    done = cli(
        "--quiet", "ingest", str(hostile), "--client", name, "--role", "Dr. Ward=professional"
    )
    assert done.exit_code == 0, done.output
    assert cli("project", "enable").exit_code == 0
    evil = "<script>alert('{}')</script>"
    for args in (
        ("note", name, evil.format("note"), "--session", "1", "--reason", evil.format("why")),
        ("homework-add", name, evil.format("hw"), "--session", "1", "--reason", "r"),
        ("homework-set", name, "S1.H1", "completed", "--note", evil.format("said")),
        ("amend", name, "--session", "1", "--seq", "2", "--text", evil.format("amended"),
         "--reason", evil.format("reason"), "--actor", "<b>dr</b>"),
    ):  # fmt: skip
        done = cli(*args)
        assert done.exit_code == 0, (args, done.output)
    (robin,) = _ids(db).values()
    with viewing(db) as (client, _):
        pages = {
            path: client.get(path).text
            for path in [
                "/",
                f"/?q={evil.format('filter')}",
                f"/search?q={evil.format('search')}",
                "/search?q=homework",
                *_pages(robin),
                f"/clients/{robin}/recap?session=1",
                f"/clients/{robin}/recap?session=1&at_session=1&at_date=2025-05-29",
                f"/clients/{robin}?recorded_before={evil.format('asof')}",
                f"/clients/{robin}/recap?session={evil.format('session')}",
                f"/clients/{evil.format('id')}",
            ]
        }
    for path, page in pages.items():
        assert _live(page) == [], path
        assert "<b>dr</b>" not in page, path
    shown = " ".join(pages.values())
    for mark in ("name", "utt", "frame", "stage", "hwtalk", "note", "why", "hw", "said",
                 "amended", "reason", "filter", "search", "asof", "session"):  # fmt: skip
        assert f"alert(&#39;{mark}&#39;)" in shown, mark  # it reached a page, as text


# --- a store altered under the running view -------------------------------------------


def _alter_bytes(conn, cid: str, version: int) -> None:
    (state,) = conn.execute(
        "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=?",
        (cid, version),
    ).fetchone()
    state = bytearray(state)
    state[len(state) // 2] ^= 0x01
    conn.execute(
        "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
        (bytes(state), cid, version),
    )


def _swap(conn, cid: str, a: int, b: int) -> None:
    rows = dict(
        conn.execute(
            "SELECT originator_version, state FROM stored_events "
            "WHERE originator_id=? AND originator_version IN (?, ?)",
            (cid, a, b),
        ).fetchall()
    )
    for version, other in ((a, b), (b, a)):
        conn.execute(
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
            (rows[other], cid, version),
        )


def _delete(conn, cid: str, version: int | None) -> None:
    if version is None:
        (version,) = conn.execute(
            "SELECT MAX(originator_version) FROM stored_events WHERE originator_id=?", (cid,)
        ).fetchone()
    conn.execute(
        "DELETE FROM stored_events WHERE originator_id=? AND originator_version=?", (cid, version)
    )


ALTERATIONS = {
    # Version 4 is a homework item of Marcus's first session: long before the snapshot
    # every page starts from, so only a page that checks the whole chain meets it.
    "an old event's bytes": lambda conn, cid: _alter_bytes(conn, cid, 4),
    "two old events swapped": lambda conn, cid: _swap(conn, cid, 4, 5),
    "an old event deleted": lambda conn, cid: _delete(conn, cid, 10),
    "the latest event deleted": lambda conn, cid: _delete(conn, cid, None),
}


@pytest.mark.parametrize("alteration", list(ALTERATIONS))
def test_a_record_altered_under_the_running_view_is_refused_on_every_page(samples, alteration):
    marcus = _ids(samples)[MARCUS]
    with open_store(samples) as store:
        homework = [h.text for h in store.records.client(MARCUS).homework()]
    base = f"/clients/{marcus}"
    refused = [
        base,
        f"{base}?at_session=7",
        f"{base}/homework",
        f"{base}/homework?at_session=7",
        f"{base}/recap",
        f"{base}/recap?session=7",
        f"{base}/recap?at_session=7",
    ]
    with viewing(samples) as (client, _):
        for path in [*refused, f"{base}/integrity"]:  # the view has read it all once
            assert client.get(path).status_code == 200, path
        with raw(samples).transaction() as conn:
            ALTERATIONS[alteration](conn, UUID(marcus).hex)
        for path in refused:
            got = client.get(path)
            assert got.status_code == 500, (path, got.status_code)
            main = _main(got.text)
            assert "the record was altered; nothing was read from it" in main, path
            assert not any(text[:30] in main for text in homework), path
        integrity = client.get(f"{base}/integrity")
        assert integrity.status_code == 200
        assert '<strong class="bad">BROKEN</strong>' in integrity.text
        others = client.get(f"/clients/{_ids(samples)['Alicia Rodriguez']}/homework")
        assert others.status_code == 200  # another client's record still reads


def test_a_snapshot_altered_under_the_view_is_set_aside_and_integrity_flags_it(samples):
    """A snapshot is a cache: one that fails its link is discarded and the client replayed
    from its (verified) events, so the pages show the true record; integrity says BROKEN."""
    marcus = _ids(samples)[MARCUS]
    with open_store(samples) as store:
        homework = [h.text for h in store.records.client(MARCUS).homework()]
    with viewing(samples) as (client, _):
        with raw(samples).transaction() as conn:
            (version, state) = conn.execute(
                "SELECT originator_version, state FROM stored_snapshots WHERE originator_id=? "
                "ORDER BY originator_version DESC",
                (UUID(marcus).hex,),
            ).fetchone()
            state = bytearray(state)
            state[len(state) // 2] ^= 0x01
            conn.execute(
                "UPDATE stored_snapshots SET state=? WHERE originator_id=? "
                "AND originator_version=?",
                (bytes(state), UUID(marcus).hex, version),
            )
        board = client.get(f"/clients/{marcus}/homework")
        assert board.status_code == 200
        assert all(text.replace("'", "&#39;") in board.text for text in homework)
        assert (
            '<strong class="bad">BROKEN</strong>' in client.get(f"/clients/{marcus}/integrity").text
        )


def test_settings_altered_under_the_running_view_are_refused_and_flagged(samples):
    """The store checked its settings' seal when it opened; the view runs for days."""
    marcus = _ids(samples)[MARCUS]
    with viewing(samples) as (client, _):
        assert client.get(f"/clients/{marcus}/homework").status_code == 200
        with raw(samples).transaction() as conn:
            conn.execute("UPDATE caselog_meta SET value='sha512' WHERE key='integrity'")
        for path in ["/", "/search?q=kindness", *_pages(marcus)[:3]]:
            got = client.get(path)
            assert got.status_code == 500, path
            assert "fail their seal" in got.text and "Homework board" not in got.text, path
        integrity = client.get(f"/clients/{marcus}/integrity")
    assert integrity.status_code == 200
    row = re.search(r"The store's settings</dt>\s*<dd>(.*?)</dd>", integrity.text, re.S)
    assert row is not None and '<strong class="bad">BROKEN</strong>' in row.group(1)


def test_a_read_model_row_altered_under_the_view_is_not_served_by_search(samples):
    assert Cli(samples)("project", "enable").exit_code == 0
    with viewing(samples) as (client, _):
        assert "<mark>" in client.get("/search", params={"q": "kindness"}).text
        with raw(samples).transaction() as conn:
            conn.execute(
                "UPDATE readmodel_utterances SET text = 'ALTERED kindness' WHERE rowid = "
                "(SELECT rowid FROM readmodel_utterances WHERE text LIKE '%kindness%' LIMIT 1)"
            )
        got = client.get("/search", params={"q": "kindness"})
    assert got.status_code == 500
    assert "ALTERED" not in got.text and "does not match its digest" in got.text


# --- the same against a real server ---------------------------------------------------------


def _raw_get(port: int, target: str, headers: str = "") -> str:
    """The whole answer to one request, sent as written (no client tidies the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
            f"{headers}\r\n".encode()
        )
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")


def test_a_real_server_against_raw_requests_and_a_store_altered_while_it_runs(samples):
    marcus = _ids(samples)[MARCUS]
    with serving(samples) as (started, process):
        url = str(started["url"])
        port = int(url.split(":")[2].split("/")[0])
        token = url.split("token=")[1]
        # The token redirect, from a path of several slashes: never off the site.
        answer = _raw_get(port, f"//evil.example/?token={token}")
        location = re.search(r"(?im)^location: (\S+)", answer)
        assert location is not None and not location.group(1).startswith("//"), answer
        cookie = re.search(r"(?im)^set-cookie: (caselog_session=[^;]+)", answer)
        assert cookie is not None
        jar = f"Cookie: {cookie.group(1)}\r\n"
        # A query string of 100 kB: refused or answered, never a traceback.
        answer = _raw_get(port, "/search?q=" + "a" * 100_000, jar)
        assert answer.startswith("HTTP/1.1 ") and "Traceback" not in answer
        # The homework board once; then an old event altered in the file under it.
        assert _raw_get(port, f"/clients/{marcus}/homework", jar).startswith("HTTP/1.1 200")
        with raw(samples).transaction() as conn:
            _alter_bytes(conn, UUID(marcus).hex, 4)
        answer = _raw_get(port, f"/clients/{marcus}/homework", jar)
        assert answer.startswith("HTTP/1.1 500"), answer[:200]
        assert "the record was altered" in answer
        assert process.poll() is None  # still serving
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
