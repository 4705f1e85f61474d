"""The child process of bench/versions.py: one version of caselog, timed on one folder.

    python -m bench.versions_child JOB.json

Run with ``PYTHONPATH`` on a tree whose ``caselog/`` holds links to one version's
``domain``, ``projections``, ``adapters`` and ``cli``; it refuses to run unless
``caselog.adapters.parsing`` really comes from the root the job names. It imports
nothing but caselog and the standard library (nothing else of bench), and uses only
what both versions have: ``parse_sessions(data, name)``, ``open_store(url,
create=True)`` and ingesting a client's files with ``IngestOptions(actor=...)`` —
through ``ingest(app, files, options)`` before the store object, ``Store.ingest`` after.

The job (JSON) has ``root``, ``mode`` and ``clients`` (lists of file paths, one per
client); the answer is one JSON object on stdout.

- ``survey``: parse every file once; which ones the version refuses, and why.
- ``round``: read the files into memory, parse them all once untimed (imports, lazy
  caches), then once timed; then ingest them into a new SQLite store at ``db``, one
  ``ingest`` call per client, timing only the calls. Times are wall-clock seconds,
  and the process's CPU seconds beside them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def _check_origin(root: str) -> str:
    import caselog.adapters.parsing as parsing

    where = os.path.realpath(parsing.__file__ or "")
    expected = os.path.realpath(root)
    if not where.startswith(expected + os.sep):
        raise SystemExit(
            f"caselog.adapters.parsing comes from {parsing.__file__} ({where}), "
            f"not from {expected}: PYTHONPATH={os.environ.get('PYTHONPATH')!r}"
        )
    return str(parsing.__file__)


def _survey(files: list[str]) -> dict[str, Any]:
    from caselog.adapters.parsing import parse_sessions

    refused: dict[str, str] = {}
    for name in files:
        try:
            parse_sessions(Path(name).read_bytes(), name)
        except Exception as e:
            refused[name] = f"{type(e).__name__}: {e}"
    return {"refused": refused}


def _round(clients: list[list[str]], db: str) -> dict[str, Any]:
    from caselog.adapters.parsing import parse_sessions
    from caselog.adapters.store import open_store

    try:
        from caselog.adapters.transcript_files import IngestOptions
    except ImportError:  # before the store object
        from caselog.adapters.ingest import IngestOptions  # type: ignore[no-redef]

    data = [(name, Path(name).read_bytes()) for files in clients for name in files]
    for name, body in data:
        parse_sessions(body, name)
    sessions = 0
    start, cpu = time.perf_counter(), time.process_time()
    for name, body in data:
        sessions += len(parse_sessions(body, name))
    parse_seconds = time.perf_counter() - start
    parse_cpu = time.process_time() - cpu

    opened: Any = open_store(db, create=True)
    if hasattr(opened, "ingest"):
        record = opened.ingest
    else:
        from caselog.adapters.ingest import ingest  # type: ignore[import-not-found]

        def record(files: list[str], options: Any) -> Any:
            return ingest(opened, files, options)

    ingest_seconds = ingest_cpu = 0.0
    events = 0
    statuses: dict[str, int] = {}
    errors: list[str] = []
    for files in clients:
        start, cpu = time.perf_counter(), time.process_time()
        results = list(record(files, IngestOptions(actor="bench")))
        ingest_seconds += time.perf_counter() - start
        ingest_cpu += time.process_time() - cpu
        for r in results:
            statuses[r.status] = statuses.get(r.status, 0) + 1
            events += r.events
            if r.status == "error" and len(errors) < 3:
                errors.append(str(r.error))
    opened.close()
    return {
        "files": len(data),
        "sessions": sessions,
        "parse_seconds": parse_seconds,
        "parse_cpu": parse_cpu,
        "ingest_seconds": ingest_seconds,
        "ingest_cpu": ingest_cpu,
        "events": events,
        "statuses": statuses,
        "errors": errors,
    }


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    origin = _check_origin(job["root"])
    if job["mode"] == "survey":
        answer = _survey([name for files in job["clients"] for name in files])
    elif job["mode"] == "round":
        answer = _round(job["clients"], job["db"])
    else:
        raise SystemExit(f"unknown mode {job['mode']!r}")
    answer["origin"] = origin
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
