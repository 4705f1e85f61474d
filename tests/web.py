"""Helpers of the web view's tests: a store holding the samples, and a signed-in client."""

from __future__ import annotations

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
