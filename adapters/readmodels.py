"""Materialised read models for questions across clients, kept in the store's own database.

    models = ReadModels(open_store("caselog.db"))
    models.open_homework(); models.sessions_by_date(); models.search("kindness meditation")

A tracked runner applies the event log in notification order. Each batch of
view changes is committed in the same transaction as the new position, under
the store's "readmodels" writer lock, and the position is read again inside
that transaction: every event is applied exactly once even if the process dies
mid-way or several runners (read commands catching up, ``caselog project
follow``) work at once. Read methods catch up first, so a caller never sees a
stale view. The same tables live in a SQLite file or a PostgreSQL schema; only
search differs (FTS5 and bm25, or a ``tsvector`` column and ts_rank).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from pydantic import BaseModel, ConfigDict, computed_field

from caselog.adapters import readmodels_digest as digests
from caselog.adapters import readmodels_search as search
from caselog.adapters import readmodels_sql as sql
from caselog.adapters.database import Database, Sql
from caselog.adapters.mapper import PydanticMapper, event_class
from caselog.adapters.readmodels_batch import Changes
from caselog.application.service import CaselogApplication
from caselog.domain.errors import RecordErased, StoreError
from caselog.domain.homework import OPEN

NAME = "readmodels"
LOCK = "readmodels"
BATCH = 2000
REBUILD_BATCH = 20_000


class Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class ProjectionStatus(Row):
    name: str
    position: int
    head: int
    lag: int
    altered: str | None = None
    """Why the read models cannot be served (a row that fails its digest), or None."""


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
    amended: bool
    """The utterance was amended: its text, speaker or role is not the one recorded."""
    snippet: str
    rank: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def entry(self) -> str:
        """What was found: the utterance's ``seq``, or a clinician entry's id (``S3.N1``,
        ``S3.H4``, ``insights:2``; its ``role`` is ``note``, ``homework`` or ``insight``)."""
        if self.seq >= 0:
            return str(self.seq)
        return sql.entry_label(self.role, self.session, self.seq)


class ReadModelsOff(StoreError):
    """The store does not keep read models (an encrypted store, until enabled)."""


@dataclass(frozen=True)
class Batch:
    """What one step of catching up did."""

    read: int
    """Notifications read from the log (at most ``limit``)."""
    applied: int
    """Of those, how many this runner applied (another runner may have done the rest)."""
    position: int
    """The read models' position after the step."""
    limit: int = BATCH
    """How many the step asked the log for."""

    @property
    def more(self) -> bool:
        """Whether the log may hold more to apply right now."""
        return self.read == self.limit


class ReadModels:
    def __init__(
        self, app: CaselogApplication, db: Database, *, only_if_kept: bool = False
    ) -> None:
        """``only_if_kept``: check, in each batch's transaction, that the store still keeps
        its read models, and raise ``ReadModelsOff`` if not (a long-lived runner must not
        bring back views that ``caselog project disable`` dropped)."""
        self.app = app
        self.db = db
        self.only_if_kept = only_if_kept
        self._created = False
        self._erased_rows: set[str] = set()
        # The store's secret as the application holds it: the integrity key its recorder
        # chains with, else the master key its cipher wraps with.
        chain_key = getattr(app.recorder, "chain_key", None)
        master = getattr(app.mapper.cipher, "master", None)
        self._digest_key = digests.digest_key(chain_key or master)

    # --- keeping up -----------------------------------------------------------------

    def catch_up(self, batch_size: int = BATCH) -> int:
        """Apply every event recorded since the last catch-up; the number applied."""
        applied = 0
        while True:
            batch = self.step(batch_size)
            applied += batch.applied
            if not batch.more:
                return applied

    def step(self, batch_size: int = BATCH) -> Batch:
        """Apply the next batch of at most ``batch_size`` events (none if the models are
        current)."""
        seen = self.position()
        notifications = self.app.recorder.select_notifications(
            start=seen, limit=batch_size, inclusive_of_start=False
        )
        if not notifications:
            return Batch(read=0, applied=0, position=seen, limit=batch_size)
        done = self.apply(seen, notifications)
        if done is None:  # rebuilt meanwhile: read again from the new position
            return Batch(read=batch_size, applied=0, position=self.position(), limit=batch_size)
        applied, position = done
        return Batch(read=len(notifications), applied=applied, position=position, limit=batch_size)

    def apply(self, seen: int, notifications: Sequence[Notification]) -> tuple[int, int] | None:
        """Apply ``notifications`` — every notification after position ``seen``, in order,
        as far as they go — in one transaction with the new position.

        Inside the transaction the position is read again: what another runner applied
        meanwhile is skipped. Returns how many were applied and the new position, or None
        if the position is now behind ``seen`` (the models were rebuilt meanwhile): the
        caller must read the log again from ``position()``.
        """
        # Derived data committed with its position: a batch lost in a crash is applied
        # again, so the commit need not wait for the disk.
        with self.db.transaction(lock=LOCK, durable=False) as conn:
            # Checked before anything is created: the tables must not come back.
            if self.only_if_kept and not _kept(conn):
                raise ReadModelsOff(
                    f"{self.db.where}: the read models are off (caselog project disable, or "
                    "an encrypted store not enabled); nothing was applied"
                )
            if not self._created:
                sql.create(conn, self.db)
            done = self._apply(conn, seen, notifications)
        self._created = True
        if self._erased_rows:
            self._forget(self._erased_rows)
        return done

    def _apply(
        self, conn: Sql, seen: int, notifications: Sequence[Notification]
    ) -> tuple[int, int] | None:
        position = _position(conn)
        if position < seen:
            return None
        todo = [n for n in notifications if n.id > position]
        if not todo:
            return 0, position
        changes = Changes()
        mapper = self.mapper
        for notification in todo:
            n = notification
            if sql.ignored(event_class(n.topic, n.originator_id, n.originator_version)):
                continue
            try:
                cls, state = mapper.to_state(notification)
            except RecordErased:
                continue  # an erased client's events are unreadable, and stay out
            self.apply_event(cls, state, changes)
        # A client erased while these models lagged: a runner that still held its key (it
        # decoded the client's events before the key was destroyed) may have written rows
        # after the erasure's purge. Deleting them is not enough; see _forget.
        self._erased_rows = {
            c for c in changes.erased if c in changes.touched() or _has_rows(conn, c)
        }
        changes.run(conn)
        digests.record(conn, self._digest_key, changes.touched() - changes.erased)
        conn.execute(
            f"INSERT INTO {sql.POSITION_TABLE} (name, position) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET position = excluded.position",
            (NAME, todo[-1].id),
        )
        return len(todo), todo[-1].id

    def _forget(self, clients: set[str]) -> None:
        """After erased clients' rows were deleted here: reclaim the freed storage, so no
        page keeps their text, and drop their keys from this process's cipher."""
        self._erased_rows = set()
        with self.db.transaction(lock=LOCK) as conn:
            sql.merge_index(conn, self.db)
        self.db.reclaim(list(sql.TABLES))
        forget = getattr(self.app.mapper.cipher, "forget", None)
        if forget is not None:
            for client in clients:
                forget(UUID(client))

    def rebuild(self) -> int:
        """Drop every read model and the position, then apply the whole log again."""
        self.reset()
        # Bigger batches than a follower's: each commit flushes the search index, and
        # nobody waits on a rebuild's lock for long.
        return self.catch_up(REBUILD_BATCH)

    def reset(self) -> None:
        """Drop every read model and the position, leaving them empty at position 0."""
        with self.db.transaction(lock=LOCK) as conn:
            # One transaction: a rebuild that dies here leaves the old views.
            sql.drop(conn)
            sql.create(conn, self.db)
        self._created = True

    def drop(self) -> None:
        """Drop every read model and the position, then reclaim (and wipe) their storage."""
        with self.db.transaction(lock=LOCK) as conn:
            sql.drop(conn)
        self._created = False
        self.db.reclaim([*sql.TABLES, sql.POSITION_TABLE])

    def position(self) -> int:
        """How far into the log the read models are (0 when they do not exist yet)."""
        with self.db.autocommit() as conn:
            if sql.POSITION_TABLE not in self.db.tables(conn):
                return 0
            return _position(conn)

    def status(self) -> ProjectionStatus:
        """Where the read models are, against the head of the log (does not catch up)."""
        position = self.position()
        head = self.app.recorder.max_notification_id() or 0
        altered = None
        with self.db.transaction() as conn:
            if {"readmodel_clients", digests.DIGESTS_TABLE} <= self.db.tables(conn):
                try:
                    digests.check(conn, self._digest_key, None, digests.COLUMNS)
                except digests.ReadModelsAltered as e:
                    altered = str(e)
        return ProjectionStatus(
            name=NAME, position=position, head=head, lag=head - position, altered=altered
        )

    # --- reading --------------------------------------------------------------------

    def open_homework(self, client_id: UUID | None = None) -> list[OpenHomeworkRow]:
        """Open homework (assigned, in progress, partly done) of every client, or one."""
        marks = ", ".join("?" * len(OPEN))
        cid = client_id.hex if client_id else None
        rows = self._query(
            "SELECT h.client_id, c.name, h.homework_id, h.session, h.text, h.status"
            " FROM readmodel_homework h JOIN readmodel_clients c USING (client_id)"
            f" WHERE h.status IN ({marks}) AND (? IS NULL OR h.client_id = ?)"
            f" ORDER BY {self._by_name}, h.client_id, h.session, h.number",
            (*sorted(OPEN), cid, cid),
            ("readmodel_clients", "readmodel_homework"),
            everyone=client_id is None,
        )
        fields = OpenHomeworkRow.model_fields
        return [OpenHomeworkRow(**dict(zip(fields, r, strict=True))) for r in rows]

    def sessions_by_date(self, client_id: UUID | None = None) -> list[SessionRow]:
        """Every session, oldest first; sessions with no date come last."""
        cid = client_id.hex if client_id else None
        rows = self._query(
            "SELECT s.client_id, c.name, s.session, s.date, s.professional, s.utterances,"
            " s.ended_reason, s.source_file"
            " FROM readmodel_sessions s JOIN readmodel_clients c USING (client_id)"
            " WHERE (? IS NULL OR s.client_id = ?)"
            f" ORDER BY s.date IS NULL, s.date, {self._by_name}, s.client_id, s.session",
            (cid, cid),
            ("readmodel_clients", "readmodel_sessions"),
            everyone=client_id is None,
        )
        return [SessionRow(**dict(zip(SessionRow.model_fields, r, strict=True))) for r in rows]

    def search(self, text: str, client_id: UUID | None = None, limit: int = 20) -> list[SearchHit]:
        """Utterances matching every word (or "quoted phrase") of ``text``, best first.

        The snippet marks matches with [brackets]; a lower rank is a better match.
        """
        tokens = search.search_tokens(text)
        if not tokens:
            return []
        cid = client_id.hex if client_id else None
        params: tuple[str | int | None, ...]
        if self.db.kind == "sqlite":
            statement, params = search.SEARCH_SQLITE, (search.fts_query(text), cid, cid, limit)
        else:
            statement, params = search.search_postgres(tokens), (*tokens, cid, cid, limit)
        rows = self._query(statement, params, ("readmodel_clients", "readmodel_utterances"))
        return [SearchHit(**dict(zip(SearchHit.model_fields, r, strict=True))) for r in rows]

    # --- the machinery ----------------------------------------------------------------

    def apply_event(self, cls: type, state: sql.State, changes: Changes) -> None:
        """Add the statements of one event (its class and stored state) to the open batch
        (tests override to fail)."""
        sql.apply(cls, state, changes)

    @property
    def mapper(self) -> PydanticMapper:
        mapper = self.app.mapper
        assert isinstance(mapper, PydanticMapper)
        return mapper

    @property
    def _by_name(self) -> str:
        # Byte order on both engines, whatever the PostgreSQL database's collation.
        return "c.name" if self.db.kind == "sqlite" else 'c.name COLLATE "C"'

    def _create(self) -> None:
        if not self._created:
            with self.db.transaction(lock=LOCK) as conn:
                sql.create(conn, self.db)
            self._created = True

    def _query(
        self,
        statement: str,
        params: Sequence[Any],
        tables: tuple[str, ...],
        *,
        everyone: bool = False,
    ) -> list[Any]:
        """The rows of a reading query (its first column a client id), served only if
        the ``tables`` rows of the clients it returns (``everyone``: of every client)
        match their digests."""
        self._create()  # an empty log has nothing to apply, but the tables must exist
        self.catch_up()
        with self.db.transaction() as conn:
            rows: list[Any] = conn.execute(statement, params).fetchall()
            clients = None if everyone else {str(r[0]) for r in rows}
            digests.check(conn, self._digest_key, clients, tables)
            return rows


def _position(conn: Sql) -> int:
    row = conn.execute(
        f"SELECT position FROM {sql.POSITION_TABLE} WHERE name = ?", (NAME,)
    ).fetchone()
    return int(row[0]) if row else 0


def _has_rows(conn: Sql, client: str) -> bool:
    row = conn.execute("SELECT 1 FROM readmodel_clients WHERE client_id = ?", (client,))
    return row.fetchone() is not None


def _kept(conn: Sql) -> bool:
    """Whether the store keeps its read models: caselog_meta's choice, else on unless the
    store is encrypted (as ``caselog.adapters.store`` decides when it opens a store)."""
    meta = dict(
        conn.execute(
            "SELECT key, value FROM caselog_meta WHERE key IN ('readmodels', 'encryption')"
        ).fetchall()
    )
    encrypted = meta.get("encryption", "off") != "off"
    return bool(meta.get("readmodels", "off" if encrypted else "on") == "on")
