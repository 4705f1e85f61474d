"""What a fresh ``caselog`` process costs: peak memory of an ingest, start-up time."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .ingest import Built
from .report import Row, ratio_row
from .timing import ChildRun, progress, run_child

BIN = Path(sys.executable).parent
CASELOG = str(BIN / "caselog")


def _cli(*args: str) -> ChildRun:
    run = run_child([CASELOG, *args], env=dict(os.environ))
    if run.returncode != 0:
        raise RuntimeError(f"caselog {' '.join(args)} failed: {run.stderr.strip()[-500:]}")
    return run


def memory_rows(corpora: list[tuple[Built, Path]], scratch: Path) -> list[Row]:
    """``caselog --db X ingest DIR`` of each corpus into a new store, in a fresh process."""
    runs = []
    for built, directory in corpora:
        progress(f"caselog ingest of the {len(built.clients)}-client corpus in a fresh process")
        db = scratch / f"cli-{len(built.clients)}.db"
        runs.append((built, _cli("--db", str(db), "ingest", str(directory))))
    (small, few), (big, many) = runs[0], runs[-1]
    speed = (big.events / many.seconds) / big.rate
    folder: list[Row] = []
    if big.raw_rate:
        folder.append(
            ratio_row(
                "Ingest, SQLite, one CLI process for the whole folder: events/s / raw rows/s",
                (big.events / many.seconds) / big.raw_rate,
                at_least=0.5,
                detail=f"caselog ingest DIR of {len(big.clients)} clients' "
                f"{len(big.clients) * 24:,} files, parsing each file past the first 256 twice; "
                "process start-up included; raw: as above",
            )
        )
    return [
        *folder,
        ratio_row(
            f"Peak RSS, caselog ingest of {len(big.clients)} clients",
            many.peak_rss_mb,
            at_most=200,
            unit=" MB",
            detail=(
                f"{len(small.clients)} clients: {few.peak_rss_mb:.0f} MB "
                f"(ratio {many.peak_rss_mb / few.peak_rss_mb:.2f}); whole-folder CLI ingest "
                f"events/s / in-process per-client ingest events/s: {speed:.2f}"
            ),
        ),
    ]


def startup_rows(stores: list[Built], rounds: int = 7) -> list[Row]:
    """``caselog --db X recap NAME`` against ``python -c "import caselog.cli"``.

    Round-robin, best of ``rounds``: each command sees the same drift on the machine.
    """
    progress("CLI start-up")
    commands = {
        "bare": [sys.executable, "-c", "import caselog.cli"],
        "imports": [sys.executable, "-c", "import caselog.cli.app"],
    }
    for built in stores:
        commands[built.url] = [CASELOG, "--db", built.url, "recap", built.clients[1].name]
    # As an installed caselog runs: from cached bytecode (this machine's environment may
    # forbid writing it, which would time compiling every module on every run).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for args in commands.values():
        run_child(args, env=env)  # writes the bytecode caches
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(rounds):
        for key, args in commands.items():
            run = run_child(args, env=env)
            if run.returncode != 0:
                raise RuntimeError(f"{' '.join(args)} failed: {run.stderr.strip()[-500:]}")
            best[key] = min(best[key], run.seconds)
    bare = best["bare"]
    small, big = stores[0], stores[-1]
    return [
        ratio_row(
            f"CLI start-up: caselog recap ({len(big.clients)} clients) / "
            "python -c 'import caselog.cli'",
            best[big.url] / bare,
            detail=f"fresh processes from cached bytecode, round-robin best of {rounds}; "
            f"{len(small.clients)}-client "
            f"store: {best[small.url] / bare:.2f}; importing caselog.cli.app alone: "
            f"{best['imports'] / bare:.2f}",
        )
    ]
