"""The read-model tables and how each event changes them.

Every event class in ``caselog.domain.events`` is registered here, even those
that change nothing, so that a new event type fails loudly instead of being
skipped silently (a skipped event could never be applied later: the position
has moved past it).
"""

from __future__ import annotations

import re
import sqlite3
from functools import singledispatch

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

SCHEMA = """
CREATE TABLE IF NOT EXISTS readmodel_position (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS readmodel_clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
-- Every homework item with its current status; "open" is a WHERE, so a status
-- change never has to re-create a row it deleted.
CREATE TABLE IF NOT EXISTS readmodel_homework (
    client_id TEXT NOT NULL,
    homework_id TEXT NOT NULL,
    session INTEGER NOT NULL,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (client_id, homework_id)
);
CREATE INDEX IF NOT EXISTS readmodel_homework_status ON readmodel_homework (status);
CREATE TABLE IF NOT EXISTS readmodel_sessions (
    client_id TEXT NOT NULL,
    session INTEGER NOT NULL,
    date TEXT,
    professional TEXT,
    utterances INTEGER NOT NULL DEFAULT 0,
    ended_reason TEXT,
    source_file TEXT NOT NULL,
    PRIMARY KEY (client_id, session)
);
CREATE INDEX IF NOT EXISTS readmodel_sessions_date ON readmodel_sessions (date);
CREATE VIRTUAL TABLE IF NOT EXISTS readmodel_utterances USING fts5 (
    client_id UNINDEXED,
    session UNINDEXED,
    seq UNINDEXED,
    speaker UNINDEXED,
    role UNINDEXED,
    text
);
"""

# Column index of ``text`` in readmodel_utterances, for snippet().
TEXT_COLUMN = 5


def homework_number(homework_id: str) -> int:
    """The item's number within its session ("S7.H2" -> 2), the fold's sort key."""
    return int(homework_id.rsplit("H", 1)[-1] or 0)


@singledispatch
def apply(event: DomainEvent, cur: sqlite3.Cursor) -> None:
    raise TypeError(f"the read models do not know the event {type(event).__name__}")


@apply.register
def _(event: ClientRegistered, cur: sqlite3.Cursor) -> None:
    cur.execute(
        "INSERT OR REPLACE INTO readmodel_clients VALUES (?, ?)",
        (str(event.originator_id), event.name),
    )


@apply.register
def _(event: HomeworkAssigned, cur: sqlite3.Cursor) -> None:
    cur.execute(
        "INSERT OR REPLACE INTO readmodel_homework VALUES (?, ?, ?, ?, ?, 'assigned')",
        (
            str(event.originator_id),
            event.homework_id,
            event.session,
            homework_number(event.homework_id),
            event.text,
        ),
    )


@apply.register
def _(event: HomeworkStatusChanged, cur: sqlite3.Cursor) -> None:
    cur.execute(
        "UPDATE readmodel_homework SET status = ? WHERE client_id = ? AND homework_id = ?",
        (event.status, str(event.originator_id), event.homework_id),
    )


@apply.register
def _(event: HomeworkCarriedForward, cur: sqlite3.Cursor) -> None:
    cur.execute(
        "UPDATE readmodel_homework SET status = 'carried_forward'"
        " WHERE client_id = ? AND homework_id = ?",
        (str(event.originator_id), event.earlier_id),
    )


@apply.register
def _(event: SessionOpened, cur: sqlite3.Cursor) -> None:
    cur.execute(
        "INSERT OR REPLACE INTO readmodel_sessions"
        " (client_id, session, date, professional, source_file) VALUES (?, ?, ?, ?, ?)",
        (
            str(event.originator_id),
            event.session,
            event.date.isoformat() if event.date else None,
            event.professional,
            event.source.file,
        ),
    )


@apply.register
def _(event: UtteranceRecorded, cur: sqlite3.Cursor) -> None:
    cid = str(event.originator_id)
    cur.execute(
        "UPDATE readmodel_sessions SET utterances = utterances + 1"
        " WHERE client_id = ? AND session = ?",
        (cid, event.session),
    )
    cur.execute(
        "INSERT INTO readmodel_utterances VALUES (?, ?, ?, ?, ?, ?)",
        (cid, event.session, event.seq, event.speaker, event.role, event.text),
    )


@apply.register
def _(event: SessionEnded, cur: sqlite3.Cursor) -> None:
    cur.execute(
        "UPDATE readmodel_sessions SET ended_reason = ? WHERE client_id = ? AND session = ?",
        (event.reason, str(event.originator_id), event.session),
    )


@apply.register
def _(event: EntryAmended, cur: sqlite3.Cursor) -> None:
    """Search finds an utterance by what it reads now; homework shows its current text."""
    cid = str(event.originator_id)
    if event.target == "entry":
        cur.execute(
            "UPDATE readmodel_utterances SET text = ? WHERE client_id = ? AND session = ?"
            " AND seq = ?",
            (event.text, cid, event.session, event.seq),
        )
    elif event.target == "homework":
        cur.execute(
            "UPDATE readmodel_homework SET text = ? WHERE client_id = ? AND homework_id = ?",
            (event.text, cid, event.homework_id),
        )


@apply.register
def _(event: EntryRetracted, cur: sqlite3.Cursor) -> None:
    """A retracted utterance leaves the search index; retracted homework is never open."""
    cid = str(event.originator_id)
    if event.target == "entry":
        cur.execute(
            "DELETE FROM readmodel_utterances WHERE client_id = ? AND session = ? AND seq = ?",
            (cid, event.session, event.seq),
        )
    elif event.target == "homework":
        cur.execute(
            "UPDATE readmodel_homework SET status = ? WHERE client_id = ? AND homework_id = ?",
            (RETRACTED, cid, event.homework_id),
        )


@apply.register
def _(event: ClientErased, cur: sqlite3.Cursor) -> None:
    for table in TABLES:
        cur.execute(f"DELETE FROM {table} WHERE client_id = ?", (str(event.originator_id),))


@apply.register(StageDirectionRecorded)
@apply.register(PriorSummaryQuoted)
@apply.register(SummaryItemNoted)
@apply.register(QualityFlagRaised)
def _(event: DomainEvent, cur: sqlite3.Cursor) -> None:
    return None  # nothing in the read models depends on these


def fts_query(text: str) -> str:
    """User text as an FTS5 query: each word, or "quoted phrase", as a quoted string.

    Quoting every token means FTS5 operators and punctuation (``-``, ``'``,
    ``NOT``, ``*``) are matched as text instead of parsed as query syntax.
    """
    tokens = [phrase or word for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text)]
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens if t.strip())
