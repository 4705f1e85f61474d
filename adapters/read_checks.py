"""Verified reads: the events and the snapshot a command reads are checked against the
chain before anything is made of them.

``verify`` recomputes every chain; these checks recompute only the links of what one
read returned, from the stored link before it, so that a reading command never serves
an altered record between two runs of ``verify``. A snapshot is bound to its client and
version by a link of its own (``snapshot_links``): the link of the event it was taken
at, extended over the snapshot's row. A snapshot that fails it is a cache gone bad: it
is discarded and the client replayed from its events.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, NoReturn
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from caselog.adapters.chain import GENESIS, EventChain, link
from caselog.adapters.client_ids import to_hex
from caselog.domain.errors import StoreError

SNAPSHOT_LINKS_TABLE = (
    "CREATE TABLE IF NOT EXISTS snapshot_links ("
    "originator_id TEXT, originator_version INTEGER, link BLOB NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version))"
)

Query = Callable[[str, Sequence[Any]], list[Any]]
"""Runs a statement (``?`` placeholders, caselog's table names) and returns its rows."""


class TamperedRecord(StoreError):
    """What a command read does not match the record's chain: it refuses to serve it."""


def _uuid(cid: str) -> str:
    return str(UUID(hex=cid))


def snapshot_link(event_link: bytes, snapshot: StoredEvent, key: bytes | None) -> bytes:
    """A snapshot's link: the link of the event it was taken at, extended over its row."""
    fields = [
        b"snapshot",
        snapshot.topic.encode(),
        to_hex(snapshot.originator_id).encode(),
        str(snapshot.originator_version).encode(),
        snapshot.state,
    ]
    return link(event_link, fields, key)


def check_events(
    query: Query, events: Sequence[StoredEvent], key: bytes | None, *, to_the_end: bool
) -> None:
    """Refuse events read for one client unless each matches its stored chain link,
    none is missing between them, and (``to_the_end``) none is missing after them."""
    ordered = list(events)
    if any(a.originator_version > b.originator_version for a, b in itertools.pairwise(ordered)):
        ordered.sort(key=lambda e: e.originator_version)
    cid = to_hex(ordered[0].originator_id)
    first, last = ordered[0].originator_version, ordered[-1].originator_version
    # One round trip, in version order: the links from the one before the first event
    # read, each row also carrying the client's head version. The drivers give ints and
    # bytes already: no conversion per row.
    rows = query(
        "SELECT originator_version, link, "
        "(SELECT originator_version FROM chain_heads WHERE originator_id=?) AS head "
        "FROM event_chain "
        "WHERE originator_id=? AND originator_version>=? AND originator_version<=? "
        "ORDER BY originator_version",
        (cid, cid, first - 1, last),
    )
    stored = [link for _, link, _ in rows]
    if first > 1:
        if not rows or rows[0][0] != first - 1:
            _refuse(cid, first - 1, "has no chain link")
        previous = stored.pop(0)
    else:
        previous = GENESIS
    if last - first + 1 != len(ordered):  # versions are unique: only a gap makes this so
        for expected, event in enumerate(ordered, start=first):
            if event.originator_version != expected:
                _refuse(cid, expected, "is missing")
    made = EventChain(cid, previous, key).extend_all(
        (e.topic, e.originator_version, e.state) for e in ordered
    )
    if made != stored:  # one comparison for the whole read; find the version if it fails
        links = {version: link for version, link, _ in rows}
        for version, made_link in enumerate(made, start=first):
            if made_link != links.get(version):
                _refuse(cid, version, "does not match its chain link")
    if to_the_end:
        head = None if rows[0][2] is None else int(rows[0][2])
        if head != last and not _appended_since(query, cid, last, head):
            _refuse(cid, last + 1 if head is None or head > last else head, "is missing")


def _appended_since(query: Query, cid: str, last: int, head: int | None) -> bool:
    """Whether a head past the events read is another writer's append, committed between
    reading them and reading the head, rather than a removed tail: its events are there."""
    if head is None or head < last:
        return False
    ((stored,),) = query(
        "SELECT MAX(originator_version) FROM stored_events WHERE originator_id=?", (cid,)
    )
    return stored is not None and int(stored) >= head


def _refuse(cid: str, version: int, problem: str) -> NoReturn:
    raise TamperedRecord(
        f"client {_uuid(cid)} version {version} {problem}: the record was altered; "
        "nothing was read from it (run `caselog verify`)"
    )


def sound_snapshots(
    query: Query, snapshots: Sequence[StoredEvent], key: bytes | None
) -> list[StoredEvent]:
    """The snapshots whose link holds; any other is left out, so the client is replayed."""
    return [s for s in snapshots if snapshot_holds(query, s, key)]


def snapshot_holds(query: Query, snapshot: StoredEvent, key: bytes | None) -> bool:
    cid, version = to_hex(snapshot.originator_id), snapshot.originator_version
    rows = query(
        "SELECT c.link AS at_event, s.link AS at_snapshot FROM event_chain c "
        "JOIN snapshot_links s "
        "ON s.originator_id=c.originator_id AND s.originator_version=c.originator_version "
        "WHERE c.originator_id=? AND c.originator_version=?",
        (cid, version),
    )
    if not rows:
        return False
    event_link, stored = bytes(rows[0][0]), bytes(rows[0][1])
    return snapshot_link(event_link, snapshot, key) == stored
