"""``caselog serve`` as a real process: the URL it prints, the token rule over a real
socket, loopback by default, and what it refuses."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser import MISSING
from tests.web import serving, with_samples


def _status(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, str]:
    try:
        with opener.open(url, timeout=10) as got:
            return got.status, got.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def test_serve_prints_a_token_url_that_alone_lets_a_browser_in(db):
    with_samples(db)
    with serving(db) as (started, process):
        url = str(started["url"])
        assert started["host"] == "127.0.0.1" and url.startswith("http://127.0.0.1:")
        base = url.split("?")[0]
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        code, page = _status(browser, base)
        assert code == 401 and "Marcus" not in page
        code, page = _status(browser, base + "?token=" + "x" * 43)
        assert code == 401
        code, page = _status(browser, url)
        assert code == 200 and "Marcus Thompson" in page
        code, page = _status(browser, base + "search")  # the cookie now stands for the token
        assert code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def test_a_request_naming_another_host_is_refused_even_with_the_token(db):
    """DNS rebinding: a page of attacker.example whose name now points at 127.0.0.1
    reaches the port, but its requests say Host: attacker.example."""
    with_samples(db)
    with serving(db) as (started, process):
        url = str(started["url"])
        port = url.split(":")[2].split("/")[0]
        # The token URL: the view's own names get the session cookie; another gets 400.
        for host, status, cookie in (
            ("attacker.example", "400", False),
            (f"attacker.example:{port}", "400", False),
            (f"localhost:{port}", "303", True),
            (f"127.0.0.1:{port}", "303", True),
        ):
            with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as conn:
                path = "/?" + url.split("?")[1]
                conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                answer = conn.recv(65536).decode(errors="replace")
            assert answer.split()[1] == status, (host, answer)
            assert ("caselog_session=" in answer) is cookie, (host, answer)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0


def test_serve_refuses_a_non_loopback_host_without_allow_remote(cli):
    with_samples(cli.db)
    refused = cli("serve", "--host", "0.0.0.0")
    assert refused.exit_code == 2
    assert "--allow-remote" in refused.output and "Traceback" not in refused.output


def test_serve_beyond_loopback_warns_when_allowed(sqlite_db):
    with_samples(sqlite_db)
    with serving(sqlite_db, "--host", "0.0.0.0", "--allow-remote") as (started, process):
        assert started["host"] == "0.0.0.0"
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
        assert process.stderr is not None
        assert "warning: serving" in process.stderr.read()


def test_a_port_in_use_is_one_line_naming_it(cli):
    with_samples(cli.db)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        refused = cli("serve", "--port", str(port))
    finally:
        taken.close()
    assert refused.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in refused.output
    assert "Traceback" not in refused.output


@pytest.mark.parametrize("port", ["-1", "65536"])
def test_a_port_out_of_range_is_a_usage_error(cli, port):
    assert cli("serve", "--port", port).exit_code == 2


def test_the_browser_tests_skip_with_a_message_where_no_chromium_is_installed(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CASELOG_CHROMIUM"}
    env["PATH"] = str(Path(sys.executable).parent)  # Python, and no browser
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/test_web_browser.py",
        ],
        cwd=Path(__file__).parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout
    assert re.search(r"\b\d+ skipped", run.stdout) and "passed" not in run.stdout
    assert MISSING in " ".join(run.stdout.split())
