"""Ingest into PostgreSQL against raw psycopg executemany of the very same stored rows.

Both go to scratch schemas of the local server (127.0.0.1:5432, database
``test``), dropped at the end. Until caselog opens PostgreSQL stores,
``open_store`` raises StoreError and the row says so.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

from eventsourcing.persistence import PersistenceError

from caselog.domain.errors import CaselogError

from .corpus import ClientFiles
from .ingest import Built, build, session_rows
from .report import Row, ratio_row, unavailable
from .timing import Stopwatch, progress

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
FIGURE = "Ingest, PostgreSQL: events/s / raw psycopg executemany rows/s"


def _connect() -> Any:
    import psycopg

    return psycopg.connect(SERVER, autocommit=True, connect_timeout=10)


def _raw(built: Built, schema: str) -> tuple[int, float]:
    """Rows written and seconds spent in executemany + commit, one transaction per session."""
    with _connect() as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        # eventsourcing's application table, as its PostgreSQL recorder creates it.
        conn.execute(
            f"CREATE TABLE {schema}.stored_events (originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        insert = (
            f"INSERT INTO {schema}.stored_events "
            "(originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        )
        watch = Stopwatch()
        rows = 0
        for session in session_rows(built.app):
            with watch.running(), conn.transaction(), conn.cursor() as cur:
                cur.executemany(insert, session)
            rows += len(session)
    return rows, watch.seconds


def _drop(schemas: list[str]) -> None:
    try:
        with _connect() as conn:
            for schema in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    except Exception as e:  # the row is already decided; never fail the suite on cleanup
        progress(f"could not drop the scratch schemas {schemas}: {e}")


def postgres_rows(clients: list[ClientFiles]) -> list[Row]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return [unavailable(FIGURE, "psycopg is not installed", "≥ 0.5")]
    name = f"caselog_bench_{os.getpid()}_{secrets.token_hex(3)}"
    schemas = [name, f"{name}_raw"]
    try:
        progress(f"PostgreSQL: ingest of {len(clients)} clients into schema {name}")
        try:
            built = build(f"{SERVER}?schema={name}", clients, "PostgreSQL ingest")
        except (CaselogError, PersistenceError) as e:
            reason = str(e).splitlines()[0]
            return [unavailable(FIGURE, f"{type(e).__name__}: {reason}", "≥ 0.5")]
        try:
            progress("raw psycopg executemany of the same rows")
            rows, seconds = _raw(built, schemas[1])
        finally:
            built.app.close()
        if rows != built.events:
            raise RuntimeError(f"the store holds {rows} events, ingest reported {built.events}")
        return [
            ratio_row(
                FIGURE,
                built.rate / (rows / seconds),
                at_least=0.5,
                detail=(
                    f"first {len(clients)} clients of the corpus, {built.events:,} events; "
                    "raw: one transaction per session"
                ),
            )
        ]
    except Exception as e:
        if type(e).__module__.startswith("psycopg"):
            return [unavailable(FIGURE, f"PostgreSQL: {str(e).splitlines()[0]}", "≥ 0.5")]
        raise
    finally:
        _drop(schemas)
