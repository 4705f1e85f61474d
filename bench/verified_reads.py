"""What integrity costs a reader and a writer, side by side in one run:

- verified reads (every event and snapshot read checked against its chain link)
  against the same reads unchecked, on a keyed (HMAC) chain;
- AES-GCM with associated data (client, version, type) against without, for the
  encryption of events at ingest and their decryption ("plain decode").

Each pair is timed in alternation, best of several rounds, so drift on the machine
falls on both alike. ``BENCH_ONLY=integrity`` runs only this section.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from caselog.adapters.crypto import DataKeyCipher
from caselog.adapters.mapper import place
from caselog.adapters.recorder import CheckedSnapshots
from caselog.adapters.store import open_store
from caselog.application.service import CaselogApplication

from .corpus import synthetic_session
from .ingest import ACTOR
from .report import Row, ratio_row
from .timing import best_of, progress

ROUNDS = 9
CLIENTS = 6
SESSIONS = 12


def _pair(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Best times of ``a`` and ``b``, run in alternation."""
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, fn in enumerate((a, b)):
            best[i] = min(best[i], best_of(fn, 1))
    return best[0], best[1]


def _reads(app: CaselogApplication, ids: list[UUID], verified: bool) -> Callable[[], None]:
    recorder = app.recorder
    assert app.snapshots is not None
    checked = app.snapshots.recorder
    raw = checked.recorder if isinstance(checked, CheckedSnapshots) else checked

    def run() -> None:
        recorder.verify_reads = verified  # type: ignore[attr-defined]
        app.snapshots.recorder = checked if verified else raw  # type: ignore[union-attr]
        try:
            for cid in ids:
                app.client_events(cid)  # every event: decrypted, checked, validated
                app.get_client(cid)  # the snapshot and the events after it
        finally:
            recorder.verify_reads = True  # type: ignore[attr-defined]
            app.snapshots.recorder = checked  # type: ignore[union-attr]

    return run


def verified_read_rows() -> list[Row]:
    progress("verified reads against unverified, keyed chain")
    os.environ.setdefault("CASELOG_INTEGRITY_KEY", "bench integrity key")
    with tempfile.TemporaryDirectory() as d:
        store = open_store(str(Path(d) / "v.db"), create=True)
        app = store.app
        for c in range(CLIENTS):
            for n in range(1, SESSIONS + 1):
                app.record_session(synthetic_session(f"Client {c}", n), actor=ACTOR)
        ids = [app.client_id_for(f"Client {c}") for c in range(CLIENTS)]
        events = sum(len(app.client_events(cid)) for cid in ids)
        plain, checked = _pair(_reads(app, ids, False), _reads(app, ids, True), ROUNDS)
        store.close()
    detail = f"{CLIENTS} clients, {events:,} events, full replay + snapshot load, best of {ROUNDS}"
    return [
        ratio_row(
            "Reads/s, verified / unverified (keyed chain)",
            plain / checked,
            at_least=0.85,
            detail=detail,
        )
    ]


def associated_data_rows() -> list[Row]:
    progress("AES-GCM with associated data against without")
    cipher = DataKeyCipher(os.urandom(32))
    client = UUID(int=7)
    topic = "caselog.domain.events:UtteranceRecorded"
    payloads = [os.urandom(200 + (i % 7) * 60) for i in range(4000)]
    places = [place(client, v, topic) for v in range(1, len(payloads) + 1)]
    bound = [cipher.encrypt(p, a) for p, a in zip(payloads, places, strict=True)]
    unbound = [cipher.encrypt(p) for p in payloads]

    def encrypt(with_place: bool) -> Callable[[], None]:
        if with_place:
            return lambda: [cipher.encrypt(p, a) for p, a in zip(payloads, places, strict=True)]
        return lambda: [cipher.encrypt(p) for p in payloads]

    def decrypt(with_place: bool) -> Callable[[], None]:
        if with_place:
            return lambda: [cipher.decrypt(c, a) for c, a in zip(bound, places, strict=True)]
        return lambda: [cipher.decrypt(c) for c in unbound]

    rows = []
    for what, make in (("encrypt (ingest)", encrypt), ("decrypt (plain decode)", decrypt)):
        before, after = _pair(make(False), make(True), ROUNDS)
        rows.append(
            ratio_row(
                f"AES-GCM {what}/s, with associated data / without",
                before / after,
                at_least=0.9,
                detail=f"{len(payloads):,} event-sized states, best of {ROUNDS}",
            )
        )
    return rows


def integrity_rows() -> list[Row]:
    return verified_read_rows() + associated_data_rows()
