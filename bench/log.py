"""``caselog log`` against reading the same rows with ``sqlite3`` directly.

Both sides are fresh processes, so both pay an interpreter's start-up: caselog runs
its command; the baseline runs ``python -c`` with the sqlite3 module, selecting the
stored events in rowid order and printing one line a row (the state as stored: no
decryption, no decoding). Two figures, each a ratio of wall times, the two sides
alternating round by round:

- the first 5 rows: read the heading and 5 rows (the baseline: 5 rows), then close
  the pipe, as ``| head -5`` does. caselog's start-up (``caselog --help``) is timed
  beside it: it is most of this figure, and does not grow with the store;
- the whole log, read to its end.

The peak RSS of the whole log against the first rows' shows memory does not grow
with the log. The store: ``BENCH_LOG_CLIENTS`` (default 20) clients of the corpus,
about 38,000 events.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from .corpus import ClientFiles
from .ingest import build
from .report import Row, ratio_row
from .timing import progress, run_child

CASELOG = str(Path(sys.executable).with_name("caselog"))
ROUNDS = 3
FIRST = 5

# The baseline: the stored rows in the order log prints them, one line each.
_SQLITE = """
import sqlite3, sys
db, limit = sys.argv[1], int(sys.argv[2])
rows = sqlite3.connect(db).execute(
    "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
    "ORDER BY rowid" + (" LIMIT ?" if limit else ""), (limit,) if limit else ()
)
out = sys.stdout
for row in rows:
    out.write(f"{row[0]} {row[1]} {row[2]} {row[3]} {len(row[4])}\\n")
"""


def _caselog(db: str, *args: str) -> list[str]:
    return [CASELOG, "--db", db, "log", *args]


def _sqlite(db: str, limit: int) -> list[str]:
    return [sys.executable, "-c", _SQLITE, db, str(limit)]


def _first_lines(args: list[str], lines: int) -> float:
    """Seconds from the start of a process to the last of ``lines`` lines read, the
    pipe then closed (the process is left to end on its own)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    for _ in range(lines):
        if not child.stdout.readline():
            raise RuntimeError(f"{' '.join(args[:4])}: fewer than {lines} lines")
    seconds = time.perf_counter() - start
    child.stdout.close()
    child.wait()
    return seconds


def _whole(args: list[str]) -> tuple[float, float]:
    run = run_child(args, env=dict(os.environ))
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed: {run.stderr.strip()[-300:]}")
    return run.seconds, run.peak_rss_mb


def log_rows(clients: list[ClientFiles], scratch: Path) -> list[Row]:
    built = build(str(scratch / "log.db"), clients, f"the {len(clients)}-client log store")
    db = built.url
    built.store.close()
    progress(f"caselog log against sqlite3 on {built.events:,} events, {ROUNDS} rounds")
    first: tuple[list[float], list[float]] = ([], [])
    whole: tuple[list[float], list[float]] = ([], [])
    rss: list[float] = []
    started: list[float] = []
    for _ in range(ROUNDS):
        first[0].append(_first_lines(_caselog(db), FIRST + 1))  # the heading, then 5 rows
        first[1].append(_first_lines(_sqlite(db, 0), FIRST))
        started.append(_whole([CASELOG, "--help"])[0])
        seconds, peak = _whole(_caselog(db))
        whole[0].append(seconds)
        rss.append(peak)
        whole[1].append(_whole(_sqlite(db, 0))[0])
    _, first_peak = _whole(_caselog(db, "--limit", str(FIRST)))
    head, base = min(first[0]), min(first[1])
    full, raw = min(whole[0]), min(whole[1])
    size = f"{len(clients)} clients, {built.events:,} events"
    return [
        ratio_row(
            f"log | head -5: caselog / sqlite3 ({size})",
            head / base,
            detail=f"best of {ROUNDS}, each a fresh process read to its 5th row and closed: "
            f"caselog {head * 1000:.0f} ms, python -c sqlite3 {base * 1000:.0f} ms; "
            f"caselog --help alone takes {min(started) * 1000:.0f} ms (start-up)",
        ),
        ratio_row(
            f"log, whole: caselog / sqlite3 ({size})",
            full / raw,
            detail=f"best of {ROUNDS}, read to the end: caselog {full:.2f} s "
            f"({built.events / full:,.0f} rows/s), python -c sqlite3 {raw:.2f} s",
        ),
        ratio_row(
            "Peak RSS, caselog log: whole / first 5 rows",
            max(rss) / first_peak,
            at_most=1.5,
            detail=f"whole log {max(rss):.0f} MB, --limit 5 {first_peak:.0f} MB",
        ),
    ]
