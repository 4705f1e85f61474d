"""Read models hold client ids as hex, as every other table does; read models an older
caselog kept with dashed ids are rewritten when the store is next read or erased from."""

from __future__ import annotations

import pytest

from caselog.adapters import readmodels_sql as sql
from caselog.adapters.erasure import erase_client
from caselog.adapters.store import open_store, set_read_models, store_settings
from caselog.adapters.transcript_files import IngestOptions
from caselog.application.service import CaselogApplication
from tests.conftest import SEEDS, ingest, raw, read_models_of
from tests.sessions import parsed

MARCUS = "Marcus Thompson"


def _ids(db: str) -> set[str]:
    """Every client id any read-model table holds (read behind caselog's back)."""
    store = raw(db)
    with store.autocommit() as conn:
        return {r[0] for t in sql.TABLES for r in conn.execute(f"SELECT client_id FROM {t}")}


def _as_an_older_caselog_left_them(db: str) -> None:
    """Dashed ids (``str(uuid)``) in every read-model table, under schema version 2."""
    with raw(db).transaction() as conn:
        for table in sql.TABLES:
            conn.execute(
                f"UPDATE {table} SET client_id = substr(client_id, 1, 8) || '-' || "
                "substr(client_id, 9, 4) || '-' || substr(client_id, 13, 4) || '-' || "
                "substr(client_id, 17, 4) || '-' || substr(client_id, 21)"
            )
        conn.execute(
            f"UPDATE {sql.POSITION_TABLE} SET position = ? WHERE name = ?",
            (sql.DASHED_IDS, sql.SCHEMA),
        )


def _schema(db: str) -> int:
    with raw(db).autocommit() as conn:
        row = conn.execute(
            f"SELECT position FROM {sql.POSITION_TABLE} WHERE name = ?", (sql.SCHEMA,)
        ).fetchone()
    return int(row[0])


@pytest.fixture
def seeded(db: str) -> CaselogApplication:
    app = open_store(db, create=True, plaintext=True).app
    results = list(ingest(app, [str(f) for f in SEEDS], IngestOptions(actor="test")))
    assert all(r.status == "recorded" for r in results)
    read_models_of(app).catch_up()
    return app


def test_read_models_hold_client_ids_as_hex_like_every_other_table(seeded, db):
    clients = {cid.hex for cid, _ in seeded.registered_clients()}
    assert _ids(db) == clients


def test_read_models_with_dashed_ids_are_rewritten_in_place_on_the_next_read(seeded, db):
    marcus = seeded.client_id_for(MARCUS)
    before = read_models_of(seeded)
    expected = (before.search("kindness meditation"), before.sessions_by_date(), before.position())
    _as_an_older_caselog_left_them(db)
    assert all("-" in cid for cid in _ids(db))

    models = read_models_of(open_store(db).app)
    assert models.search("kindness meditation", client_id=marcus) == expected[0]
    assert (models.sessions_by_date(), models.position()) == expected[1:]
    assert _ids(db) == {cid.hex for cid, _ in seeded.registered_clients()}
    assert _schema(db) == sql.SCHEMA_VERSION


def test_erasing_a_client_purges_read_model_rows_an_older_caselog_left_with_dashed_ids(db):
    app = open_store(db, create=True).app  # encrypted, with its read models kept
    settings = store_settings(db)
    set_read_models(settings, True)
    app.record_session(parsed(body="zebracorn"), actor="t")
    client = app.client_id_for("Jo Example")
    assert read_models_of(app).search("zebracorn")
    _as_an_older_caselog_left_them(db)

    erase_client(open_store(db).app, settings, client, actor="dpo", reason="request 17")
    assert _ids(db) == set()
    assert _schema(db) == sql.SCHEMA_VERSION
