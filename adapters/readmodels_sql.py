"""The read-model tables and how each event changes them.

Every event class in ``caselog.domain.events`` is registered here, even those
that change nothing, so that a new event type fails loudly instead of being
skipped silently (a skipped event could never be applied later: the position
has moved past it).

The statements are written once, for both engines (``?`` placeholders,
explicit column lists, ``INSERT … ON CONFLICT … DO UPDATE``). Only the search
table differs: an FTS5 virtual table on SQLite, a table with a generated
``tsvector`` column and a GIN index on PostgreSQL.

Handlers do not execute anything: they add statements to a ``Changes``
(``readmodels_batch.py``), which runs a whole batch's statements in order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from caselog.adapters.client_ids import to_hex
from caselog.adapters.database import Database, Sql
from caselog.adapters.readmodels_batch import Changes
from caselog.adapters.readmodels_digest import DIGESTS_SCHEMA, DIGESTS_TABLE
from caselog.adapters.readmodels_search import POSTGRES_SEARCH, SQLITE_SEARCH
from caselog.domain.client import RETRACTED
from caselog.domain.events import (
    ClientErased,
    ClientRegistered,
    DomainEvent,
    EntryAmended,
    EntryRetracted,
    HomeworkAdded,
    HomeworkAssigned,
    HomeworkCarriedForward,
    HomeworkStatusChanged,
    InsightAdded,
    NoteRecorded,
    PriorSummaryQuoted,
    QualityFlagRaised,
    SessionEnded,
    SessionOpened,
    SessionReassigned,
    SessionReceived,
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
    DIGESTS_TABLE,
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
    DIGESTS_SCHEMA,
)

SCHEMA_VERSION = 4
"""Raised when a table's columns change (2: ``readmodel_utterances.amended``; 3: client ids
as hex, as every other table holds them; 4: the digests, ``readmodels_digest.py``). Read
models kept under another version are emptied (``upgrade``) or dropped, and applied again
from the log: they are a cache, and rows no digest was made for are never believed."""

DASHED_IDS = 2
"""The schema whose rows hold client ids in the UUID's dashed form (``str(uuid)``), and
otherwise as this one but for the digests."""
EMPTIED = (DASHED_IDS, 3)
"""Schemas whose tables are kept but emptied by ``upgrade``, to be filled again."""


def upgrade(conn: Sql, db: Database) -> None:
    """Bring read models of an older schema to this one, inside the caller's transaction:
    tables whose columns are this schema's are emptied (no row of theirs has a digest)
    and the position set back to the start; older tables are dropped (and the position
    with them), to be rebuilt. Nothing if there are none, or they are current."""
    if POSITION_TABLE not in db.tables(conn):
        return
    found = _schema(conn)
    if found == SCHEMA_VERSION:
        return
    if found not in EMPTIED:
        drop(conn)
        return
    conn.execute(db.ddl(DIGESTS_SCHEMA))
    tables = db.tables(conn)
    for table in TABLES:
        if table in tables:
            conn.execute(f"DELETE FROM {table}")
    conn.execute(f"UPDATE {POSITION_TABLE} SET position = 0 WHERE name <> ?", (SCHEMA,))
    _set_schema(conn)


def create(conn: Sql, db: Database) -> None:
    """Create every read-model table that is missing (inside the caller's transaction),
    after bringing those of an older schema up to this one."""
    upgrade(conn, db)
    if db.kind == "sqlite":
        for statement in (*COMMON_SCHEMA, *SQLITE_SEARCH):
            conn.execute(statement)
    else:
        # One round trip: without parameters the statements may go together.
        conn.execute(";\n".join([*(db.ddl(s) for s in COMMON_SCHEMA), *POSTGRES_SEARCH]))
    _set_schema(conn)


def _set_schema(conn: Sql) -> None:
    conn.execute(
        f"INSERT INTO {POSITION_TABLE} (name, position) VALUES (?, ?) ON CONFLICT (name)"
        " DO UPDATE SET position = excluded.position",
        (SCHEMA, SCHEMA_VERSION),
    )


SCHEMA = "schema"
"""The row of the position table that holds the schema version, not a position."""


def _schema(conn: Sql) -> int | None:
    row = conn.execute(f"SELECT position FROM {POSITION_TABLE} WHERE name = ?", (SCHEMA,))
    found = row.fetchone()
    return int(found[0]) if found else None


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
    "INSERT INTO readmodel_utterances (client_id, session, seq, speaker, role, text, amended)"
    " VALUES (?, ?, ?, ?, ?, ?, 0)"
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
    """Search finds an utterance by what it reads now, said by whom it is said by now;
    homework shows its current text. (What an amendment leaves as it was is None.)"""
    cid = changes.client(state["originator_id"])
    if (seq := corrected_entry_seq(state)) is not None and state.get("text") is not None:
        changes.add(
            "UPDATE readmodel_utterances SET text = ?, amended = 1"
            " WHERE client_id = ? AND session = ? AND seq = ?",
            (state["text"], cid, state["session"], seq),
        )
    if state["target"] == "entry":
        changes.add(
            "UPDATE readmodel_utterances SET text = COALESCE(?, text),"
            " speaker = COALESCE(?, speaker), role = COALESCE(?, role), amended = 1"
            " WHERE client_id = ? AND session = ? AND seq = ?",
            (
                state.get("text"),
                state.get("speaker"),  # absent from amendments stored before it existed
                state.get("role"),
                cid,
                state["session"],
                state["seq"],
            ),
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
    if (seq := corrected_entry_seq(state)) is not None:
        changes.add(
            "DELETE FROM readmodel_utterances WHERE client_id = ? AND session = ? AND seq = ?",
            (cid, state["session"], seq),
        )
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


@_handles(SessionReassigned)
def _reassigned(state: State, changes: Changes) -> None:
    """The session moved to another client leaves this one's rows (its copy there makes
    that client's); items its homework had carried forward are open again."""
    cid = changes.client(state["originator_id"])
    where = (cid, state["session"])
    changes.add(
        "DELETE FROM readmodel_sessions WHERE client_id = ? AND session = ?",
        where,
        resets_sessions=True,
    )
    changes.add("DELETE FROM readmodel_utterances WHERE client_id = ? AND session = ?", where)
    for old, _new in state["homework"]:
        changes.add(
            "DELETE FROM readmodel_homework WHERE client_id = ? AND homework_id = ?", (cid, old)
        )
    for homework_id, status in state["reopened"]:
        changes.add(
            "UPDATE readmodel_homework SET status = ? WHERE client_id = ? AND homework_id = ?",
            (status, cid, homework_id),
        )


@_handles(ClientErased)
def _erased(state: State, changes: Changes) -> None:
    cid = to_hex(state["originator_id"])  # not changes.client(): that marks it as written
    changes.erased.add(cid)
    for table in TABLES:
        changes.add(f"DELETE FROM {table} WHERE client_id = ?", (cid,), resets_sessions=True)


@_handles(
    StageDirectionRecorded,
    PriorSummaryQuoted,
    SummaryItemNoted,
    QualityFlagRaised,
    SessionReceived,  # the copies that follow it make the rows
)
def _ignore(state: State, changes: Changes) -> None:
    return None  # nothing in the read models depends on these


def ignored(cls: type) -> bool:
    """Whether events of ``cls`` change nothing here, so a batch need not decode them."""
    return handler(cls) is _ignore


# --- clinician entries (domain/entries.py) ------------------------------------------------
# Searched with the utterances, in their table: ``role`` is the entry's kind, ``speaker`` its
# actor, and ``seq`` a negative number made from its kind and its number in the session,
# which no utterance has and which a correction's address gives back.

ENTRY_KINDS = {"homework": 1, "insight": 2, "note": 3}
_ENTRY_SPAN = 100_000


def entry_seq(kind: str, number: int) -> int:
    """The search row's ``seq`` of a clinician entry: homework S3.H4 is -100004."""
    return -(ENTRY_KINDS[kind] * _ENTRY_SPAN + number)


def entry_label(kind: str, session: int, seq: int) -> str:
    """The entry a search row with a negative ``seq`` is: S3.H4, insights:2 or S3.N1."""
    number = -seq % _ENTRY_SPAN
    if kind == "insight":
        return f"insights:{number}"
    return f"S{session}.{'H' if kind == 'homework' else 'N'}{number}"


def corrected_entry_seq(state: State) -> int | None:
    """The search row a correction reaches among the clinician entries' (a homework item
    or an insight; an item read from a transcript has no row, and nothing changes)."""
    if state["target"] == "homework" and state.get("homework_id"):
        return entry_seq("homework", homework_number(state["homework_id"]))
    if state["target"] == "summary" and state.get("section") == "insights":
        return entry_seq("insight", state["item"])
    if state["target"] == "note" and state.get("note_id"):
        return entry_seq("note", note_number(state["note_id"]))
    return None


def note_number(note_id: str) -> int:
    """The note's number within its session ("S3.N2" -> 2)."""
    return int(note_id.rsplit("N", 1)[-1] or 0)


def _searched(state: State, changes: Changes, kind: str, number: int) -> None:
    changes.add(
        INSERT_UTTERANCE,
        (
            changes.client(state["originator_id"]),
            state["session"],
            entry_seq(kind, number),
            state["actor"],
            kind,
            state["text"],
        ),
    )


@_handles(HomeworkAdded)
def _homework_added(state: State, changes: Changes) -> None:
    _assigned(state, changes)
    _searched(state, changes, "homework", homework_number(state["homework_id"]))


@_handles(InsightAdded)
def _insight_added(state: State, changes: Changes) -> None:
    _searched(state, changes, "insight", state["item"])


@_handles(NoteRecorded)
def _note_recorded(state: State, changes: Changes) -> None:
    _searched(state, changes, "note", note_number(state["note_id"]))
