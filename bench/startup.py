"""What a reading command costs from a cold start, as a multiple of a bare Python start.

Each round runs ``python -c pass`` and every command once, in a rotated order, so that
drift on a shared machine falls on all of them alike; each figure is the median of its
runs over the median of the bare starts. Alone: ``BENCH_ONLY=startup python -m bench``.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

from .ingest import Built
from .report import Row, ratio_row
from .timing import progress, run_child

CASELOG = str(Path(sys.executable).parent / "caselog")
TARGET = 7.0
"""A reading command costs at most this many bare Python starts."""


def reading_commands(url: str, client: str, session: int) -> dict[str, list[str]]:
    """The reading commands a person runs most, against one store."""
    return {
        "clients": [CASELOG, "--db", url, "clients"],
        "sessions": [CASELOG, "--db", url, "sessions", client],
        "recap": [CASELOG, "--db", url, "recap", client],
        "summary": [CASELOG, "--db", url, "summary", client, "--session", str(session)],
        "homework": [CASELOG, "--db", url, "homework", client],
    }


def startup_ratios(commands: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """Each command's median wall time over the median of ``python -c pass``, measured
    round-robin in one run."""
    runs: dict[str, list[str]] = {"bare": [sys.executable, "-c", "pass"], **commands}
    # As an installed caselog runs: from cached bytecode (this machine's environment may
    # forbid writing it, which would time compiling every module on every run).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for args in runs.values():
        run_child(args, env=env)  # writes the bytecode caches
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            run = run_child(runs[name], env=env)
            if run.returncode != 0:
                raise RuntimeError(f"{name} failed: {run.stderr.strip()[-500:]}")
            seconds[name].append(run.seconds)
    bare = statistics.median(seconds.pop("bare"))
    return {name: statistics.median(times) / bare for name, times in seconds.items()}


LIBRARIES = "import pydantic, eventsourcing.application, typer, rich.table"
"""What every reading command imports before any of caselog: the floor under its figure."""


def bare_start_rows(built: Built, rounds: int = 11) -> list[Row]:
    """One row per reading command: its start-up as a multiple of a bare Python start;
    and, for scale, what importing caselog's libraries alone costs."""
    progress("CLI start-up against a bare Python start")
    client = built.clients[1].name
    commands = reading_commands(built.url, client, 1)
    ratios = startup_ratios({**commands, "libraries": [sys.executable, "-c", LIBRARIES]}, rounds)
    floor = ratios.pop("libraries")
    detail = (
        f"fresh processes from cached bytecode, {rounds} rounds interleaved, medians; "
        f"{len(built.clients)}-client store"
    )
    return [
        *(
            ratio_row(
                f"CLI start-up: caselog {name} / python -c pass",
                ratio,
                at_most=TARGET,
                detail=detail,
            )
            for name, ratio in ratios.items()
        ),
        ratio_row(
            "CLI start-up floor: importing pydantic, eventsourcing, typer and rich / "
            "python -c pass",
            floor,
            detail=f"{LIBRARIES!r}, measured with the commands above",
        ),
    ]
