"""Read-model rebuild against eventsourcing's plain decode of the same log."""

from __future__ import annotations

from caselog.adapters.readmodels import BATCH, ReadModels

from .ingest import Built
from .report import Row, ratio_row
from .timing import progress, timed


def decode_all(built: Built) -> int:
    """Every notification read and turned into its domain event, in the rebuild's batches."""
    app = built.app
    start: int | None = None
    decoded = 0
    while True:
        batch = app.recorder.select_notifications(
            start=start, limit=BATCH, inclusive_of_start=False
        )
        for n in batch:
            app.mapper.to_domain_event(n)
        decoded += len(batch)
        if len(batch) < BATCH:
            return decoded
        start = batch[-1].id


def rebuild_rows(built: Built) -> list[Row]:
    progress(f"plain decode of {built.events:,} events")
    decoded = 0

    def decode() -> None:
        nonlocal decoded
        decoded = decode_all(built)

    decode_seconds = timed(decode)
    progress("read-model rebuild")
    applied = 0

    def rebuild() -> None:
        nonlocal applied
        applied = ReadModels(built.app).rebuild()

    rebuild_seconds = timed(rebuild)
    if not applied:
        raise RuntimeError(f"rebuild applied nothing; the log holds {decoded} events")
    return [
        ratio_row(
            "Read-model rebuild events/s / plain decode events/s",
            decode_seconds / rebuild_seconds,
            at_least=0.5,
            detail=f"the {len(built.clients)}-client store (encrypted), {decoded:,} events, "
            "one pass each",
        )
    ]
