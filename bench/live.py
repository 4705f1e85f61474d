"""Live appends (the write API, one commit per event) against raw sqlite3 single-row
commits, side by side in one run.

The live side says turns into one session of an encrypted store through
``store.client(...).session(...)``: each call decides its event, encrypts it, chains
it and commits it before returning. The raw side inserts rows of the same size into
eventsourcing's events table, one ``INSERT`` and ``COMMIT`` each, on a connection with
the store's own journal mode and synchronous setting. Rounds alternate the two, and
the figure is the median of the rounds' ratios of rates. ``BENCH_ONLY=live`` runs only
this section.
"""

from __future__ import annotations

import gc
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from caselog.adapters.client_ids import to_hex
from caselog.adapters.store import open_store

from .ingest import ACTOR, store_pragmas
from .report import Row, ratio_row
from .timing import progress

ROUNDS = 7
APPENDS = 300
TEXT = "I kept waking at four, and then I lay there going over the week again."


def live_rows() -> list[Row]:
    progress(f"live appends against raw sqlite3 single-row commits, {ROUNDS} rounds")
    with tempfile.TemporaryDirectory(prefix="caselog-bench-live-") as d:
        store = open_store(str(Path(d) / "live.db"), create=True, actor=ACTOR)
        live = store.client("Rowan Vale").session(1, professional="Dr. Ines Ward")
        live.say("client", TEXT)  # the session is begun: every timed call is one event
        journal, synchronous = store_pragmas(store.app)
        sample = store.app.recorder.select_events(live.client_id, desc=True, limit=1)[0]
        raw = sqlite3.connect(Path(d) / "raw.db", isolation_level=None)
        raw.execute(f"PRAGMA journal_mode={journal}")
        raw.execute(f"PRAGMA synchronous={synchronous}")
        raw.execute(
            "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        raw_id, version = to_hex(uuid.uuid4()), 0

        def live_appends() -> float:
            started = time.perf_counter()
            for _ in range(APPENDS):
                live.say("client", TEXT)
            return time.perf_counter() - started

        def raw_commits() -> float:
            nonlocal version
            started = time.perf_counter()
            for _ in range(APPENDS):
                version += 1
                raw.execute("BEGIN")
                raw.execute(
                    "INSERT INTO stored_events VALUES (?,?,?,?)",
                    (raw_id, version, sample.topic, sample.state),
                )
                raw.execute("COMMIT")
            return time.perf_counter() - started

        ratios, live_times, raw_times = [], [], []
        for _ in range(ROUNDS):
            gc.collect()
            live_time, raw_time = live_appends(), raw_commits()
            live_times.append(live_time)
            raw_times.append(raw_time)
            ratios.append(raw_time / live_time)
        raw.close()
        store.close()
    live_rate = APPENDS / statistics.median(live_times)
    raw_rate = APPENDS / statistics.median(raw_times)
    detail = (
        f"{APPENDS} appends × {ROUNDS} rounds, encrypted store, journal_mode={journal}, "
        f"synchronous={synchronous}; median {live_rate:,.0f} live/s, {raw_rate:,.0f} raw/s"
    )
    return [
        ratio_row(
            "Live appends/s (one commit each) / raw sqlite3 single-row commits/s",
            statistics.median(ratios),
            at_least=0.5,
            detail=detail,
        )
    ]
