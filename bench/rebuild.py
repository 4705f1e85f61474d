"""Read-model rebuild against eventsourcing's plain decode of the same log.

The two alternate batch by batch over the same notifications, taking turns at
going first, so a drift in the machine and a cold cache weigh on both alike.
"""

from __future__ import annotations

from caselog.adapters.readmodels import REBUILD_BATCH, ReadModels

from .ingest import Built
from .report import Row, ratio_row
from .timing import Stopwatch, progress


def decode_batch(built: Built, after: int) -> int:
    """The rebuild's next batch of notifications read and turned into domain events."""
    app = built.app
    batch = app.recorder.select_notifications(
        start=after, limit=REBUILD_BATCH, inclusive_of_start=False
    )
    for n in batch:
        app.mapper.to_domain_event(n)
    return len(batch)


def rebuild_rows(built: Built) -> list[Row]:
    progress(f"plain decode against read-model rebuild, {built.events:,} events")
    models = ReadModels(built.app, built.store.db)
    decode, rebuild = Stopwatch(), Stopwatch()
    with rebuild.running():
        models.reset()
    decoded = applied = 0
    turn = 0
    while True:
        position = models.position()
        for which in (turn % 2, 1 - turn % 2):
            if which == 0:
                with decode.running():
                    read = decode_batch(built, position)
                decoded += read
            else:
                with rebuild.running():
                    step = models.step(REBUILD_BATCH)
                applied += step.applied
        turn += 1
        if not step.more:
            break
    if applied != decoded or not applied:
        raise RuntimeError(f"rebuild applied {applied} events; plain decode read {decoded}")
    return [
        ratio_row(
            "Read-model rebuild events/s / plain decode events/s",
            decode.seconds / rebuild.seconds,
            at_least=0.5,
            detail=f"the {len(built.clients)}-client store (encrypted), {decoded:,} events, "
            f"one pass each, alternating in batches of {REBUILD_BATCH:,}",
        )
    ]
