"""Materialised read models for questions across clients, kept in the store's own file.

    models = ReadModels(open_store("caselog.db"))
    models.open_homework(); models.sessions_by_date(); models.search("kindness meditation")

A tracked runner applies the event log in notification order. Each batch of
view changes is committed in the same SQLite transaction as the new position,
so every event is applied exactly once even if the process dies mid-way.
Read methods catch up first, so a caller never sees a stale view.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from pydantic import BaseModel, ConfigDict

from caselog.adapters import readmodels_sql as sql
from caselog.domain.errors import RecordErased, StoreError
from caselog.domain.events import DomainEvent
from caselog.domain.homework import OPEN
from caselog.domain.service import CaselogApplication

NAME = "readmodels"
BATCH = 500


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProjectionStatus(Row):
    name: str
    position: int
    head: int
    lag: int


class OpenHomeworkRow(Row):
    client_id: UUID
    client: str
    homework_id: str
    session: int
    text: str
    status: str


class SessionRow(Row):
    client_id: UUID
    client: str
    session: int
    date: str | None
    professional: str | None
    utterances: int
    ended_reason: str | None
    source_file: str


class SearchHit(Row):
    client_id: UUID
    client: str
    session: int
    seq: int
    speaker: str
    role: str
    snippet: str
    rank: float


class ReadModels:
    def __init__(self, app: CaselogApplication) -> None:
        path = app.env.get("SQLITE_DBNAME")
        if not path or path == ":memory:" or path.startswith("file::memory:"):
            raise StoreError("read models need a SQLite store kept in a file")
        self.app = app
        self.path = path

    # --- keeping up -----------------------------------------------------------------

    def catch_up(self) -> int:
        """Apply every event recorded since the last catch-up; the number applied."""
        applied = 0
        with self._connect() as conn:
            while True:
                position = self._position(conn)
                batch = self.app.recorder.select_notifications(
                    start=position, limit=BATCH, inclusive_of_start=False
                )
                if not batch:
                    return applied
                applied += self._apply_batch(conn, position, batch)
                if len(batch) < BATCH:
                    return applied

    def rebuild(self) -> int:
        """Drop every read model and the position, then apply the whole log again."""
        with self._connect() as conn:
            # One script, one transaction: a rebuild that dies here leaves the old views.
            drops = "".join(f"DROP TABLE IF EXISTS {t};" for t in (*sql.TABLES, sql.POSITION_TABLE))
            conn.executescript(f"BEGIN IMMEDIATE;{drops}{sql.SCHEMA}COMMIT;")
        return self.catch_up()

    def drop(self) -> None:
        """Drop every read model and the position, wiping and reclaiming their pages."""
        with self._connect() as conn:
            conn.execute("PRAGMA secure_delete=ON")
            drops = "".join(f"DROP TABLE IF EXISTS {t};" for t in (*sql.TABLES, sql.POSITION_TABLE))
            conn.executescript(f"BEGIN IMMEDIATE;{drops}COMMIT;")
            conn.execute("VACUUM")
            # Old pages live on in the write-ahead log until it is checkpointed and cut.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def status(self) -> ProjectionStatus:
        """Where the read models are, against the head of the log (does not catch up)."""
        with self._connect() as conn:
            position = self._position(conn)
        head = self.app.recorder.max_notification_id() or 0
        return ProjectionStatus(name=NAME, position=position, head=head, lag=head - position)

    # --- reading --------------------------------------------------------------------

    def open_homework(self, client_id: UUID | None = None) -> list[OpenHomeworkRow]:
        """Open homework (assigned, in progress, partly done) of every client, or one."""
        marks = ", ".join(f"?{i}" for i in range(2, len(OPEN) + 2))  # ?1 is the client
        rows = self._query(
            "SELECT h.client_id, c.name, h.homework_id, h.session, h.text, h.status"
            " FROM readmodel_homework h JOIN readmodel_clients c USING (client_id)"
            f" WHERE h.status IN ({marks}) AND (?1 IS NULL OR h.client_id = ?1)"
            " ORDER BY c.name, h.client_id, h.session, h.number",
            client_id,
            *sorted(OPEN),
        )
        fields = OpenHomeworkRow.model_fields
        return [OpenHomeworkRow(**dict(zip(fields, r, strict=True))) for r in rows]

    def sessions_by_date(self, client_id: UUID | None = None) -> list[SessionRow]:
        """Every session, oldest first; sessions with no date come last."""
        rows = self._query(
            "SELECT s.client_id, c.name, s.session, s.date, s.professional, s.utterances,"
            " s.ended_reason, s.source_file"
            " FROM readmodel_sessions s JOIN readmodel_clients c USING (client_id)"
            " WHERE (?1 IS NULL OR s.client_id = ?1)"
            " ORDER BY s.date IS NULL, s.date, c.name, s.client_id, s.session",
            client_id,
        )
        return [SessionRow(**dict(zip(SessionRow.model_fields, r, strict=True))) for r in rows]

    def search(self, text: str, client_id: UUID | None = None, limit: int = 20) -> list[SearchHit]:
        """Utterances matching every word (or "quoted phrase") of ``text``, best first."""
        query = sql.fts_query(text)
        if not query:
            return []
        rows = self._query(
            "SELECT u.client_id, c.name, u.session, u.seq, u.speaker, u.role,"
            f" snippet(readmodel_utterances, {sql.TEXT_COLUMN}, '[', ']', '…', 12),"
            " bm25(readmodel_utterances) AS rank"
            " FROM readmodel_utterances u JOIN readmodel_clients c USING (client_id)"
            " WHERE readmodel_utterances MATCH ?2 AND (?1 IS NULL OR u.client_id = ?1)"
            " ORDER BY rank, u.client_id, u.session, u.seq LIMIT ?3",
            client_id,
            query,
            limit,
        )
        return [SearchHit(**dict(zip(SearchHit.model_fields, r, strict=True))) for r in rows]

    # --- the machinery ----------------------------------------------------------------

    def apply_event(self, event: DomainEvent, cur: sqlite3.Cursor) -> None:
        """Apply one event inside the open batch transaction (tests override to fail)."""
        sql.apply(event, cur)

    def _apply_batch(
        self, conn: sqlite3.Connection, seen: int, batch: Sequence[Notification]
    ) -> int:
        conn.execute("BEGIN IMMEDIATE")  # take the write lock before re-checking the position
        try:
            # Another runner may have applied this batch while we were reading it.
            if self._position(conn) != seen:
                conn.rollback()
                return 0
            cur = conn.cursor()
            for notification in batch:
                try:
                    event = self.app.mapper.to_domain_event(notification)
                except RecordErased:
                    continue  # an erased client's events are unreadable, and stay out
                assert isinstance(event, DomainEvent)
                self.apply_event(event, cur)
            cur.execute(
                f"INSERT OR REPLACE INTO {sql.POSITION_TABLE} VALUES (?, ?)",
                (NAME, batch[-1].id),
            )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        return len(batch)

    @staticmethod
    def _position(conn: sqlite3.Connection) -> int:
        row = conn.execute(
            f"SELECT position FROM {sql.POSITION_TABLE} WHERE name = ?", (NAME,)
        ).fetchone()
        return int(row[0]) if row else 0

    def _query(self, statement: str, client_id: UUID | None, *params: Any) -> list[Any]:
        self.catch_up()
        with self._connect() as conn:
            cid = str(client_id) if client_id else None
            return conn.execute(statement, (cid, *params)).fetchall()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # Autocommit mode: transactions are begun explicitly, so a batch is one unit.
        try:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot open the read models ({e})") from None
        with closing(conn):
            conn.executescript(sql.SCHEMA)
            yield conn
