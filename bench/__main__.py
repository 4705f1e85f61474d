"""``make bench``: side-by-side ratios on the bundled samples.

Each figure is a ratio taken in one run, because absolute times on shared
machines are noise. (PostgreSQL, query growth and memory are still to come.)
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from caselog.adapters.ingest import IngestOptions, expand, ingest
from caselog.adapters.parsing import parse_transcript
from caselog.adapters.store import application, open_store, store_env, store_settings
from caselog.projections.asof import AsOf, select
from caselog.projections.homework import fold_homework
from caselog.projections.records import Records
from caselog.projections.summary import summaries

from .corpus import synthetic_session

SAMPLES = Path(__file__).parent.parent / "samples"
ROUNDS = 5


def _best(fn: object) -> float:
    assert callable(fn)
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    files = expand([str(SAMPLES)])
    blobs = [(f, Path(f).read_bytes()) for f in files]

    def parse_only() -> None:
        for name, data in blobs:
            parse_transcript(data, name)

    def full_ingest() -> None:
        with tempfile.TemporaryDirectory() as d:
            app = open_store(str(Path(d) / "b.db"), create=True)
            list(ingest(app, files, IngestOptions(actor="bench")))

    # The baseline writes the very rows ingest stored, one transaction per client.
    with tempfile.TemporaryDirectory() as d:
        app = open_store(str(Path(d) / "rows.db"), create=True)
        list(ingest(app, files, IngestOptions(actor="bench")))
        notifications = app.recorder.select_notifications(start=None, limit=1_000_000)
        rows_by_client: dict[str, list[tuple[str, int, str, bytes]]] = {}
        for n in notifications:
            row = (str(n.originator_id), n.originator_version, n.topic, n.state)
            rows_by_client.setdefault(row[0], []).append(row)

    def raw_sqlite() -> None:
        with tempfile.TemporaryDirectory() as d:
            conn = sqlite3.connect(str(Path(d) / "raw.db"))
            conn.execute(
                "CREATE TABLE e (id TEXT, v INTEGER, topic TEXT, state BLOB, PRIMARY KEY (id, v))"
            )
            for rows in rows_by_client.values():
                with conn:
                    conn.executemany("INSERT INTO e VALUES (?,?,?,?)", rows)
            conn.close()

    parse, full, raw = _best(parse_only), _best(full_ingest), _best(raw_sqlite)
    events = len(notifications)
    print(f"samples: {len(files)} files, {events} events, best of {ROUNDS} runs each")
    print(f"parse time / end-to-end ingest time:              {parse / full:.2f}")
    print(f"ingest events/s / raw sqlite3 executemany rows/s: {raw / full:.2f}")


def as_of_queries() -> None:
    """As-of recap, summary and homework at a middle session against a full replay."""
    with tempfile.TemporaryDirectory() as d:
        app = open_store(str(Path(d) / "one.db"), create=True)
        for n in range(1, 25):
            app.record_session(synthetic_session("Synthetic Client", n), actor="bench")
        record = Records(app).client("Synthetic Client")
        at = AsOf(session=12)

        def full_replay() -> None:
            record.history()

        def as_of_trio() -> None:
            record.recap(for_session=12, at=at)
            record.summary(11, at=at)
            record.homework(at=at)

        def unbounded_trio() -> None:
            # What the trio cost before bounded reads: read everything, select, fold.
            for _ in range(3):
                seen = select(app.client_events(record.id), at)
                summaries(seen)
                fold_homework(seen)

        events = app.get_client(record.id).version  # type: ignore[union-attr]
        replay, trio, unbounded = _best(full_replay), _best(as_of_trio), _best(unbounded_trio)
        print(f"one client, 24 sessions, {events} events:")
        print(f"as-of recap+summary+homework at session 12 / full replay: {trio / replay:.2f}")
        print(
            f"the same three, reading every event then selecting / full replay: "
            f"{unbounded / replay:.2f}"
        )


def protection() -> None:
    """Ingest throughput with encryption on and off, and with and without the hash chain."""
    sessions = [synthetic_session(f"Client {c}", n) for c in range(4) for n in range(1, 7)]

    def ingest_with(encrypted: bool, chained: bool) -> Callable[[], None]:
        def run() -> None:
            with tempfile.TemporaryDirectory() as d:
                settings = store_settings(
                    str(Path(d) / "p.db"), create=True, plaintext=not encrypted
                )
                env = store_env(settings)
                if not chained:
                    del env["APPLICATION_RECORDER_TOPIC"]
                app = application(settings, env)
                for parsed in sessions:
                    app.record_session(parsed, actor="bench")

        return run

    times = {(e, c): _best(ingest_with(e, c)) for e in (False, True) for c in (False, True)}
    base = times[(False, False)]
    print(f"ingest of {len(sessions)} synthetic sessions (4 clients), events/s relative to")
    print("plaintext without the chain (higher is faster):")
    for (encrypted, chained), t in times.items():
        label = f"encryption {'on ' if encrypted else 'off'}, chain {'on ' if chained else 'off'}"
        print(f"  {label}: {base / t:.2f}")


if __name__ == "__main__":
    main()
    as_of_queries()
    protection()
