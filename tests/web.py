"""Helpers of the web view's tests: a store holding the samples, and a signed-in client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.testclient import TestClient

from caselog.adapters.store import Store, open_store
from caselog.web.app import create_app
from tests.conftest import Cli

SAMPLES = Path(__file__).parent.parent / "samples"
TOKEN = "test-token-of-this-run"
ACTOR = "dr.web"


def with_samples(db: str) -> Cli:
    """The five samples, recorded into a new store (encrypted: the default)."""
    cli = Cli(db)
    done = cli("--quiet", "ingest", *map(str, sorted(SAMPLES.glob("*.txt"))))
    assert done.exit_code == 0, done.output
    return cli


@contextmanager
def viewing(db: str) -> Iterator[tuple[TestClient, Store]]:
    """A browser that opened the token URL, and the store the view reads."""
    store = open_store(db, actor=ACTOR, command="serve")
    try:
        with TestClient(create_app(store, TOKEN)) as client:
            assert client.get(f"/?token={TOKEN}").status_code == 200
            yield client, store
    finally:
        store.close()


@contextmanager
def serving(db: str, *args: str) -> Iterator[tuple[dict[str, object], subprocess.Popen[str]]]:
    """``caselog serve --json`` running on a free port; its first line, and the process."""
    process = subprocess.Popen(
        [sys.executable, "-m", "caselog", "--db", db, "serve", "--port", "0", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CASELOG_ACTOR": "dr.process"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        yield json.loads(line), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
