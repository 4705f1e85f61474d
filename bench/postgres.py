"""Ingest into PostgreSQL against raw psycopg executemany of the very same stored rows.

Both go to scratch schemas of the local server (127.0.0.1:5432, database
``test``), dropped at the end. Until caselog opens PostgreSQL stores,
``open_store`` raises StoreError and the row says so.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from typing import Any

from eventsourcing.persistence import PersistenceError

from caselog.domain.errors import CaselogError

from .corpus import ClientFiles
from .ingest import Built, StoredRow, Timed, build
from .report import Row, ratio_row, unavailable
from .timing import progress

SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
FIGURE = "Ingest, PostgreSQL: events/s / raw psycopg executemany rows/s"


def _connect() -> Any:
    import psycopg

    return psycopg.connect(SERVER, autocommit=True, connect_timeout=10)


class RawPostgres(Timed):
    """Raw psycopg: eventsourcing's events table as its PostgreSQL recorder creates it,
    one ``executemany`` per session in a transaction of its own."""

    def __init__(self, schema: str) -> None:
        super().__init__()
        self.conn = _connect()
        self.conn.execute(f"CREATE SCHEMA {schema}")
        self.conn.execute(
            f"CREATE TABLE {schema}.stored_events (originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        self.insert = (
            f"INSERT INTO {schema}.stored_events "
            "(originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
        )

    def write(self, sessions: Iterable[list[StoredRow]]) -> None:
        for session in sessions:
            with self.watch.running(), self.conn.transaction(), self.conn.cursor() as cur:
                cur.executemany(self.insert, session)
            self.rows += len(session)

    def close(self) -> None:
        self.conn.close()


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
    built: Built | None = None
    try:
        progress(f"PostgreSQL: ingest of {len(clients)} clients into schema {name}")
        try:
            built = build(
                f"{SERVER}?schema={name}",
                clients,
                "PostgreSQL ingest",
                raw=lambda _: RawPostgres(schemas[1]),
            )
        except (CaselogError, PersistenceError) as e:
            reason = str(e).splitlines()[0]
            return [unavailable(FIGURE, f"{type(e).__name__}: {reason}", "≥ 0.5")]
        finally:
            if built is not None:
                built.store.close()
                if built.raw is not None:
                    built.raw.close()
        if built.raw is None or built.raw_rate is None or built.raw.rows != built.events:
            raise RuntimeError(f"the baseline did not write the {built.events} events ingested")
        return [
            ratio_row(
                FIGURE,
                built.rate / built.raw_rate,
                at_least=0.5,
                detail=(
                    f"first {len(clients)} clients of the corpus, {built.events:,} events, the "
                    "baseline writing the same rows after each client; raw: one transaction "
                    f"per session; {built.rate:,.0f} events/s against "
                    f"{built.raw_rate:,.0f} rows/s"
                ),
            )
        ]
    except Exception as e:
        if type(e).__module__.startswith("psycopg"):
            return [unavailable(FIGURE, f"PostgreSQL: {str(e).splitlines()[0]}", "≥ 0.5")]
        raise
    finally:
        _drop(schemas)
