"""Query cost as the store grows, and as-of reads against a full replay.

The small and the big store hold the same first clients (from the same files),
so a query for one of them asks the same thing of both; the two are timed in
alternation so that drift on the machine falls on both alike.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from caselog.adapters.store import open_store
from caselog.adapters.transcript_files import IngestOptions
from caselog.application.records import Records
from caselog.application.service import CaselogApplication
from caselog.projections.asof import AsOf, select
from caselog.projections.homework import fold_homework
from caselog.projections.summary import summaries

from .corpus import SESSIONS, file_name, synthetic_session, transcript
from .ingest import ACTOR, Built
from .report import Row, ratio_row
from .timing import best_of, percentile, progress, timed

ROUNDS = 500
AT = AsOf(session=12)


def _alternate(
    small: Callable[[], object], big: Callable[[], object], rounds: int
) -> tuple[list[float], list[float]]:
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(rounds + 5):
        for fn, out in ((small, times[0]), (big, times[1])):
            start = time.perf_counter()
            fn()
            if i >= 5:  # the first rounds warm caches up
                out.append(time.perf_counter() - start)
    return times


def query_growth(small: Built, big: Built, client: str) -> list[Row]:
    progress(f"as-of recap of {client!r}: {len(small.clients)} against {len(big.clients)} clients")

    def recap(app: CaselogApplication) -> Callable[[], object]:
        return lambda: Records(app).client(client).recap(for_session=12, at=AT)

    few, many = _alternate(recap(small.app), recap(big.app), ROUNDS)
    # The same with the client already resolved: what the recap itself costs.
    found = Records(small.app).client(client), Records(big.app).client(client)
    few_r, many_r = _alternate(
        lambda: found[0].recap(for_session=12, at=AT),
        lambda: found[1].recap(for_session=12, at=AT),
        ROUNDS,
    )
    sizes = f"{len(big.clients)} vs {len(small.clients)} clients"
    resolved = (
        f"client already resolved: p50 {percentile(many_r, 0.5) / percentile(few_r, 0.5):.2f}, "
        f"p95 {percentile(many_r, 0.95) / percentile(few_r, 0.95):.2f}"
    )
    return [
        ratio_row(
            f"As-of recap p50 growth ({sizes})",
            percentile(many, 0.5) / percentile(few, 0.5),
            at_most=1.2,
            detail=f"Records(app).client(name).recap(for_session=12, at=AsOf(session=12)), "
            f"{ROUNDS} runs each, alternating; p50 {percentile(few, 0.5) * 1000:.1f} ms in the "
            f"small store; {resolved}",
        ),
        ratio_row(
            f"As-of recap p95 growth ({sizes})",
            percentile(many, 0.95) / percentile(few, 0.95),
            at_most=1.2,
        ),
    ]


def continuation_growth(small: Built, big: Built, scratch: Path, client: int = 2) -> Row:
    """Recording a continuation (format D) matches its opening summary against the
    recorded sessions, through the summary index: a dry run of one in each store, and
    once in the big store reading every recorded summary instead (the reference path)."""
    progress("continuation (format D) match, dry run")
    # Client 2's last session is a C, so a D of session 25 continues it and is new.
    name = scratch / file_name(client, SESSIONS + 1, "D")
    name.write_bytes(transcript(client, SESSIONS + 1, "D"))
    options = IngestOptions(actor=ACTOR, dry_run=True)

    def dry_run(built: Built) -> Callable[[], object]:
        def run() -> None:
            (result,) = built.store.ingest([str(name)], options)
            if result.status != "recorded" or result.session != SESSIONS + 1:
                raise RuntimeError(f"the continuation did not match: {result}")

        return run

    # The first lookup catches each index up with the log; time that once, apart.
    catch_up = timed(dry_run(big))
    timed(dry_run(small))
    # Alternating, best of 5.
    few, many = float("inf"), float("inf")
    for _ in range(5):
        few = min(few, timed(dry_run(small)))
        many = min(many, timed(dry_run(big)))
    index = big.app.summary_candidates
    big.app.summary_candidates = None
    try:
        scan = timed(dry_run(big))
    finally:
        big.app.summary_candidates = index
    return ratio_row(
        f"Continuation (D) ingest time growth ({len(big.clients)} vs {len(small.clients)} clients)",
        many / few,
        detail=f"dry run, best of 5; {many * 1000:.0f} ms a file in the big store, "
        f"{few * 1000:.0f} ms in the small one; reading every summary instead: {scan:.2f} s "
        f"in the big store; first lookup (catching the index up): {catch_up:.2f} s",
    )


def as_of_queries() -> list[Row]:
    """As-of recap, summary and homework at a middle session against a full replay."""
    progress("as-of reads against a full replay")
    with tempfile.TemporaryDirectory() as d:
        app = open_store(str(Path(d) / "one.db"), create=True).app
        for n in range(1, 25):
            app.record_session(synthetic_session("Synthetic Client", n), actor=ACTOR)
        record = Records(app).client("Synthetic Client")

        def full_replay() -> None:
            record.history()

        def as_of_trio() -> None:
            record.recap(for_session=12, at=AT)
            record.summary(11, at=AT)
            record.homework(at=AT)

        def unbounded_trio() -> None:
            # What the trio cost before bounded reads: read everything, select, fold.
            for _ in range(3):
                seen = select(app.client_events(record.id), AT)
                summaries(seen)
                fold_homework(seen)

        replay, trio, unbounded = (best_of(f, 5) for f in (full_replay, as_of_trio, unbounded_trio))
        detail = "one client, 24 sessions, best of 5"
        return [
            ratio_row(
                "As-of recap+summary+homework at session 12 / full replay",
                trio / replay,
                detail=detail,
            ),
            ratio_row(
                "Same three reading every event then selecting / full replay",
                unbounded / replay,
                detail=detail,
            ),
        ]
