"""What only a PostgreSQL store has: a server to reach, and schemas that separate stores."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from caselog.adapters.database import PostgresDatabase, with_schema
from caselog.adapters.store import open_store
from caselog.cli.app import app as cli_app
from caselog.domain.errors import StoreError
from tests.conftest import POSTGRES_URL, Cli, postgres_store, raw, seed
from tests.sessions import parsed

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg() -> object:
    yield from postgres_store()


def test_an_unreachable_server_is_one_line_naming_host_and_database():
    with pytest.raises(StoreError) as failed:
        open_store("postgresql://postgres@127.0.0.1:1/records?schema=clinic")
    message = str(failed.value)
    assert "127.0.0.1:1" in message and "'records'" in message
    assert "\n" not in message


def test_a_missing_database_is_named_in_the_error(pg):
    missing = pg.replace("/test?", "/no_such_caselog_db?")
    with pytest.raises(StoreError, match="no_such_caselog_db"):
        open_store(missing, create=True)


def test_a_schema_name_that_is_not_an_identifier_is_refused(pg):
    with pytest.raises(StoreError, match="not a usable schema name"):
        open_store(with_schema(pg, "clinic; DROP TABLE x"), create=True)


def test_two_schemas_on_one_server_are_two_separate_stores(pg):
    other = with_schema(pg, PostgresDatabase(pg).schema + "_b")
    first, second = open_store(pg, create=True).app, open_store(other, create=True).app
    first.record_session(parsed(), actor="a")
    assert list(first.registered_clients()) and not list(second.registered_clients())
    assert first.namespace != second.namespace


def test_every_caselog_table_lives_in_the_stores_schema(pg):
    cli = Cli(pg)
    env = {"CASELOG_ENCRYPTION": "off"}
    assert cli("ingest", str(seed("004")), env=env).exit_code == 0
    assert cli("search", "kindness", env=env).exit_code == 0  # read models and access log
    db = raw(pg)
    with db.autocommit() as conn:
        tables = db.tables(conn)
    assert {
        "stored_events",
        "stored_snapshots",
        "caselog_meta",
        "caselog_keys",
        "event_chain",
        "chain_heads",
        "access_log",
        "readmodel_position",
    } <= tables
    with PostgresDatabase(with_schema(pg, "public")).autocommit() as conn:
        public = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
            )
        }
    assert "caselog_meta" not in public or POSTGRES_URL.endswith("schema=public")


def test_the_schema_option_names_the_same_store_as_the_url(pg):
    schema = PostgresDatabase(pg).schema
    bare = pg.split("?")[0]
    created = Cli(pg)("ingest", str(seed("004")))
    assert created.exit_code == 0, created.output
    listed = CliRunner().invoke(cli_app, ["--db", bare, "--schema", schema, "clients"])
    assert listed.exit_code == 0, listed.output
    assert "Marcus Thompson" in listed.output


def test_schema_is_refused_for_a_sqlite_store(tmp_path):
    result = CliRunner().invoke(
        cli_app, ["--db", str(tmp_path / "s.db"), "--schema", "clinic", "clients"]
    )
    assert result.exit_code != 0
    assert "--schema applies only to PostgreSQL" in result.output
    assert "Traceback" not in result.output


def test_events_stored_as_arrays_keep_their_order_bytes_and_notification_ids(pg):
    app = open_store(pg, create=True).app
    app.record_session(parsed(client="Ana Pereira", session=1, body="one"), actor="t")
    app.record_session(parsed(client="Ana Pereira", session=2, body="two"), actor="t")
    cid = app.client_id_for("Ana Pereira")
    stored = app.recorder.select_events(cid)
    notifications = app.recorder.select_notifications(start=None, limit=100)
    # One notification per event, numbered in the order the events were written.
    assert [n.id for n in notifications] == list(range(1, len(stored) + 1))
    assert [(n.originator_version, n.topic, n.state) for n in notifications] == [
        (s.originator_version, s.topic, s.state) for s in stored
    ]
    events = app.client_events(cid)
    assert [e.originator_version for e in events] == list(range(1, len(stored) + 1))
    assert events[-1].session == 2
