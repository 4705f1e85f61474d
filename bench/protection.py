"""Ingest throughput with encryption on and off, and with and without the hash chain."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from caselog.adapters.store import application, store_env, store_settings

from .corpus import synthetic_session
from .ingest import ACTOR
from .report import Row, ratio_row
from .timing import best_of, progress

ROUNDS = 7


def protection_rows() -> list[Row]:
    progress("encryption and chain on/off")
    sessions = [synthetic_session(f"Client {c}", n) for c in range(4) for n in range(1, 13)]

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
                    app.record_session(parsed, actor=ACTOR)

        return run

    # Round-robin, best of ROUNDS: each configuration sees the same drift on the machine.
    configs = [(e, c) for e in (False, True) for c in (False, True)]
    times = {config: float("inf") for config in configs}
    for _ in range(ROUNDS):
        for config in configs:
            times[config] = min(times[config], best_of(ingest_with(*config), 1))
    base = times[(False, False)]
    rows = []
    for (encrypted, chained), t in times.items():
        if (encrypted, chained) == (False, False):
            continue
        label = f"encryption {'on' if encrypted else 'off'}, chain {'on' if chained else 'off'}"
        rows.append(
            ratio_row(
                f"Ingest events/s, {label} / plaintext without chain",
                base / t,
                detail=f"{len(sessions)} synthetic sessions, 4 clients, best of {ROUNDS}",
            )
        )
    return rows
