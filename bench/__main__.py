"""``make bench``: side-by-side ratios on the bundled samples.

The full suite (synthetic corpus, PostgreSQL, query growth, memory) is
issue 5; this measures what exists now, each figure as a ratio taken in
one run, because absolute times on shared machines are noise.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path

from caselog.adapters.ingest import IngestOptions, expand, ingest
from caselog.adapters.parsing import parse_transcript
from caselog.adapters.store import open_store

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

    def raw_sqlite() -> None:
        # The same number of rows, each the size of an average event, one transaction per file.
        with tempfile.TemporaryDirectory() as d:
            conn = sqlite3.connect(str(Path(d) / "raw.db"))
            conn.execute("CREATE TABLE e (id TEXT, v INTEGER, topic TEXT, state BLOB)")
            for name, data in blobs:
                rows = [(name, i, "t", data[i * 300 : i * 300 + 300]) for i in range(60)]
                with conn:
                    conn.executemany("INSERT INTO e VALUES (?,?,?,?)", rows)
            conn.close()

    parse, full, raw = _best(parse_only), _best(full_ingest), _best(raw_sqlite)
    print(f"samples: {len(files)} files, best of {ROUNDS}")
    print(f"parse share of ingest time:        {parse / full:.2f}")
    print(f"raw sqlite executemany / ingest:   {raw / full:.2f}")


if __name__ == "__main__":
    main()
