"""The statements a batch of events makes to the read models, run together.

Handlers (``readmodels_sql.py``) do not execute anything: they add statements to
a ``Changes``, which runs a whole batch's statements in order, each run of the
same statement as one ``executemany`` (on PostgreSQL, one round trip instead of
one per event).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from caselog.adapters.client_ids import to_hex
from caselog.adapters.database import Sql

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
            text = self._ids[client_id] = to_hex(client_id)
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
