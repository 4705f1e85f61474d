"""The read-model tables and how each event changes them.

Every event class in ``caselog.domain.events`` is registered here, even those
that change nothing, so that a new event type fails loudly instead of being
skipped silently (a skipped event could never be applied later: the position
has moved past it).

The statements are written once, for both engines (``?`` placeholders,
explicit column lists, ``INSERT … ON CONFLICT … DO UPDATE``). Only the search
table differs: an FTS5 virtual table on SQLite, a table with a generated
``tsvector`` column and a GIN index on PostgreSQL.

Handlers do not execute anything: they add statements to a ``Changes``, which
runs a whole batch's statements in order, each run of the same statement as
one ``executemany`` (on PostgreSQL, one round trip instead of one per event).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any
from uuid import UUID

from caselog.adapters.database import Database, Sql
from caselog.domain.client import RETRACTED
from caselog.domain.events import (
    ClientErased,
    ClientRegistered,
    DomainEvent,
    EntryAmended,
    EntryRetracted,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionOpened,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)

POSITION_TABLE = "readmodel_position"
TABLES = (
    "readmodel_clients",
    "readmodel_homework",
    "readmodel_sessions",
    "readmodel_utterances",
)

# Written for SQLite; Database.ddl adapts them (INTEGER -> BIGINT on PostgreSQL).
COMMON_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS readmodel_position (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS readmodel_clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL
)""",
    # Every homework item with its current status; "open" is a WHERE, so a status
    # change never has to re-create a row it deleted.
    """CREATE TABLE IF NOT EXISTS readmodel_homework (
    client_id TEXT NOT NULL,
    homework_id TEXT NOT NULL,
    session INTEGER NOT NULL,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (client_id, homework_id)
)""",
    "CREATE INDEX IF NOT EXISTS readmodel_homework_status ON readmodel_homework (status)",
    """CREATE TABLE IF NOT EXISTS readmodel_sessions (
    client_id TEXT NOT NULL,
    session INTEGER NOT NULL,
    date TEXT,
    professional TEXT,
    utterances INTEGER NOT NULL DEFAULT 0,
    ended_reason TEXT,
    source_file TEXT NOT NULL,
    PRIMARY KEY (client_id, session)
)""",
    "CREATE INDEX IF NOT EXISTS readmodel_sessions_date ON readmodel_sessions (date)",
)

SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS readmodel_utterances USING fts5 (
    client_id UNINDEXED,
    session UNINDEXED,
    seq UNINDEXED,
    speaker UNINDEXED,
    role UNINDEXED,
    text
)""",
)

# 'simple': lower-cased words, no stemming and no stop words, as FTS5's unicode61.
POSTGRES_SEARCH = (
    """CREATE TABLE IF NOT EXISTS readmodel_utterances (
    client_id TEXT NOT NULL,
    session BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    speaker TEXT NOT NULL,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    words tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
    PRIMARY KEY (client_id, session, seq)
)""",
    "CREATE INDEX IF NOT EXISTS readmodel_utterances_words"
    " ON readmodel_utterances USING GIN (words)",
)

# Column index of ``text`` in readmodel_utterances, for FTS5's snippet().
TEXT_COLUMN = 5


def create(conn: Sql, db: Database) -> None:
    """Create every read-model table that is missing (inside the caller's transaction)."""
    if db.kind == "sqlite":
        for statement in (*COMMON_SCHEMA, *SQLITE_SEARCH):
            conn.execute(statement)
    else:
        # One round trip: without parameters the statements may go together.
        conn.execute(";\n".join([*(db.ddl(s) for s in COMMON_SCHEMA), *POSTGRES_SEARCH]))


def merge_index(conn: Sql, db: Database) -> None:
    """Merge the search index into one segment (SQLite), so deleted text leaves its segments:
    FTS5 records a delete as a marker, and the old segment keeps the words until merged."""
    if db.kind == "sqlite":
        conn.execute("INSERT INTO readmodel_utterances(readmodel_utterances) VALUES ('optimize')")


def drop(conn: Sql) -> None:
    for table in (*TABLES, POSITION_TABLE):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def homework_number(homework_id: str) -> int:
    """The item's number within its session ("S7.H2" -> 2), the fold's sort key."""
    return int(homework_id.rsplit("H", 1)[-1] or 0)


# --- a batch's statements ---------------------------------------------------------------

COUNT_UTTERANCE = (
    "UPDATE readmodel_sessions SET utterances = utterances + ? WHERE client_id = ? AND session = ?"
)


class Changes:
    """The statements a batch of events makes, kept in order.

    Consecutive uses of one statement become one ``executemany``. Utterance counts
    are summed per session and written as one update each, before the next
    statement that could depend on them (a session's row being replaced or
    deleted) and at the end of the batch.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[str, list[Sequence[Any]]]] = []
        self._counts: dict[tuple[str, int], int] = {}
        self._ids: dict[UUID, str] = {}
        self.erased: set[str] = set()
        """Clients erased in this batch."""

    def client(self, client_id: UUID) -> str:
        """The client id as the tables hold it (formatting a UUID costs more than a lookup)."""
        text = self._ids.get(client_id)
        if text is None:
            text = self._ids[client_id] = str(client_id)
        return text

    def add(self, statement: str, params: Sequence[Any], *, resets_sessions: bool = False) -> None:
        if resets_sessions:
            self._write_counts()
        if self._runs and self._runs[-1][0] == statement:
            self._runs[-1][1].append(params)
        else:
            self._runs.append((statement, [params]))

    def count_utterance(self, client_id: str, session: int) -> None:
        key = (client_id, session)
        self._counts[key] = self._counts.get(key, 0) + 1

    def _write_counts(self) -> None:
        if self._counts:
            counts, self._counts = self._counts, {}
            self._runs.append((COUNT_UTTERANCE, [(n, c, s) for (c, s), n in counts.items()]))

    def touched(self) -> set[str]:
        """Clients whose rows this batch writes (other than by erasing them)."""
        return set(self._ids.values())

    def run(self, conn: Sql) -> None:
        self._write_counts()
        for statement, rows in self._runs:
            if len(rows) == 1:
                conn.execute(statement, rows[0])
            else:
                conn.executemany(statement, rows)
        self._runs = []

    def __len__(self) -> int:
        return sum(len(rows) for _, rows in self._runs) + len(self._counts)


# --- each event --------------------------------------------------------------------------

State = Mapping[str, Any]
"""An event's stored state, upcast but not validated (``PydanticMapper.to_state``): the
read models take a few fields of trusted stored data, and building the event would cost
more than the rest of applying it."""
Handler = Callable[[State, Changes], None]

_HANDLERS: dict[type, Handler] = {}


def _handles(*classes: type[DomainEvent]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for cls in classes:
            _HANDLERS[cls] = handler
        return handler

    return register


@cache
def handler(cls: type) -> Handler:
    """How events of ``cls`` (or of its nearest registered base class) change the tables."""
    for base in cls.__mro__:
        if base in _HANDLERS:
            return _HANDLERS[base]
    raise TypeError(f"the read models do not know the event {cls.__name__}")


def apply(cls: type, state: State, changes: Changes) -> None:
    """Add the statements of one event, of class ``cls``, to the open batch."""
    handler(cls)(state, changes)


@_handles(ClientRegistered)
def _registered(state: State, changes: Changes) -> None:
    changes.add(
        "INSERT INTO readmodel_clients (client_id, name) VALUES (?, ?)"
        " ON CONFLICT (client_id) DO UPDATE SET name = excluded.name",
        (changes.client(state["originator_id"]), state["name"]),
    )


@_handles(HomeworkAssigned)
def _assigned(state: State, changes: Changes) -> None:
    changes.add(
        "INSERT INTO readmodel_homework (client_id, homework_id, session, number, text, status)"
        " VALUES (?, ?, ?, ?, ?, 'assigned')"
        " ON CONFLICT (client_id, homework_id) DO UPDATE SET session = excluded.session,"
        " number = excluded.number, text = excluded.text, status = excluded.status",
        (
            changes.client(state["originator_id"]),
            state["homework_id"],
            state["session"],
            homework_number(state["homework_id"]),
            state["text"],
        ),
    )


@_handles(HomeworkStatusChanged)
def _status_changed(state: State, changes: Changes) -> None:
    changes.add(
        "UPDATE readmodel_homework SET status = ? WHERE client_id = ? AND homework_id = ?",
        (state["status"], changes.client(state["originator_id"]), state["homework_id"]),
    )


@_handles(HomeworkCarriedForward)
def _carried_forward(state: State, changes: Changes) -> None:
    changes.add(
        "UPDATE readmodel_homework SET status = 'carried_forward'"
        " WHERE client_id = ? AND homework_id = ?",
        (changes.client(state["originator_id"]), state["earlier_id"]),
    )


@_handles(SessionOpened)
def _opened(state: State, changes: Changes) -> None:
    # Opening a session starts its row afresh, as the sessions fold does.
    changes.add(
        "INSERT INTO readmodel_sessions"
        " (client_id, session, date, professional, utterances, ended_reason, source_file)"
        " VALUES (?, ?, ?, ?, 0, NULL, ?)"
        " ON CONFLICT (client_id, session) DO UPDATE SET date = excluded.date,"
        " professional = excluded.professional, utterances = 0, ended_reason = NULL,"
        " source_file = excluded.source_file",
        (
            changes.client(state["originator_id"]),
            state["session"],
            state["date"],  # the ISO date, as stored
            state["professional"],
            state["source"]["file"],
        ),
        resets_sessions=True,
    )


INSERT_UTTERANCE = (
    "INSERT INTO readmodel_utterances (client_id, session, seq, speaker, role, text)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


@_handles(UtteranceRecorded)
def _utterance(state: State, changes: Changes) -> None:
    cid = changes.client(state["originator_id"])
    session = state["session"]
    changes.count_utterance(cid, session)
    changes.add(
        INSERT_UTTERANCE,
        (cid, session, state["seq"], state["speaker"], state["role"], state["text"]),
    )


@_handles(SessionEnded)
def _ended(state: State, changes: Changes) -> None:
    changes.add(
        "UPDATE readmodel_sessions SET ended_reason = ? WHERE client_id = ? AND session = ?",
        (state["reason"], changes.client(state["originator_id"]), state["session"]),
    )


@_handles(EntryAmended)
def _amended(state: State, changes: Changes) -> None:
    """Search finds an utterance by what it reads now; homework shows its current text."""
    cid = changes.client(state["originator_id"])
    if state["target"] == "entry":
        changes.add(
            "UPDATE readmodel_utterances SET text = ? WHERE client_id = ? AND session = ?"
            " AND seq = ?",
            (state["text"], cid, state["session"], state["seq"]),
        )
    elif state["target"] == "homework":
        changes.add(
            "UPDATE readmodel_homework SET text = ? WHERE client_id = ? AND homework_id = ?",
            (state["text"], cid, state["homework_id"]),
        )


@_handles(EntryRetracted)
def _retracted(state: State, changes: Changes) -> None:
    """A retracted utterance leaves the search index; retracted homework is never open."""
    cid = changes.client(state["originator_id"])
    if state["target"] == "entry":
        changes.add(
            "DELETE FROM readmodel_utterances WHERE client_id = ? AND session = ? AND seq = ?",
            (cid, state["session"], state["seq"]),
        )
    elif state["target"] == "homework":
        changes.add(
            "UPDATE readmodel_homework SET status = ? WHERE client_id = ? AND homework_id = ?",
            (RETRACTED, cid, state["homework_id"]),
        )


@_handles(ClientErased)
def _erased(state: State, changes: Changes) -> None:
    cid = str(state["originator_id"])  # not changes.client(): that marks the client as written
    changes.erased.add(cid)
    for table in TABLES:
        changes.add(f"DELETE FROM {table} WHERE client_id = ?", (cid,), resets_sessions=True)


@_handles(StageDirectionRecorded, PriorSummaryQuoted, SummaryItemNoted, QualityFlagRaised)
def _ignore(state: State, changes: Changes) -> None:
    return None  # nothing in the read models depends on these


def ignored(cls: type) -> bool:
    """Whether events of ``cls`` change nothing here, so a batch need not decode them."""
    return handler(cls) is _ignore


# --- search --------------------------------------------------------------------------------


def search_tokens(text: str) -> list[str]:
    """The user's words, each "quoted phrase" kept as one token."""
    tokens = [phrase or word for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text)]
    return [t for t in tokens if t.strip()]


def fts_query(text: str) -> str:
    """User text as an FTS5 query: each word, or "quoted phrase", as a quoted string.

    Quoting every token means FTS5 operators and punctuation (``-``, ``'``,
    ``NOT``, ``*``) are matched as text instead of parsed as query syntax.
    """
    return " ".join('"' + t.replace('"', '""') + '"' for t in search_tokens(text))


def tsquery(tokens: Sequence[str]) -> str:
    """The PostgreSQL tsquery expression for ``tokens``: every one must match, each as a
    phrase. The tokens are parameters, so nothing the user types is query syntax."""
    return " && ".join(["phraseto_tsquery('simple', ?)"] * len(tokens))


SEARCH_SQLITE = (
    "SELECT u.client_id, c.name, u.session, u.seq, u.speaker, u.role,"
    f" snippet(readmodel_utterances, {TEXT_COLUMN}, '[', ']', '…', 12),"
    " bm25(readmodel_utterances) AS rank"
    " FROM readmodel_utterances u JOIN readmodel_clients c USING (client_id)"
    " WHERE readmodel_utterances MATCH ? AND (? IS NULL OR u.client_id = ?)"
    " ORDER BY rank, u.client_id, u.session, u.seq LIMIT ?"
)

# ts_rank is higher for better matches; negated, lower is better, as bm25 is. Its
# normalisation 1 divides by 1 + log(length), so long utterances do not win by length.
HEADLINE = "StartSel=[, StopSel=], MaxWords=12, MinWords=4, MaxFragments=1, FragmentDelimiter=…"


def search_postgres(tokens: Sequence[str]) -> str:
    return (
        "SELECT u.client_id, c.name, u.session, u.seq, u.speaker, u.role,"
        f" ts_headline('simple', u.text, q.query, '{HEADLINE}'),"
        " -ts_rank(u.words, q.query, 1) AS rank"
        f" FROM (SELECT {tsquery(tokens)} AS query) q,"
        " readmodel_utterances u JOIN readmodel_clients c USING (client_id)"
        " WHERE u.words @@ q.query AND (? IS NULL OR u.client_id = ?)"
        " ORDER BY rank, u.client_id, u.session, u.seq LIMIT ?"
    )
