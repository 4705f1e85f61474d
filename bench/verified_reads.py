"""What integrity costs a reader and a writer, side by side in one run:

- verified reads (every event and snapshot read checked against its chain link)
  against the same reads unchecked, on a keyed (HMAC) chain;
- AES-GCM with associated data (client, version, type) against without, for the
  encryption of events at ingest and their decryption ("plain decode").

Each pair is timed in alternation, best of several rounds, so drift on the machine
falls on both alike. ``BENCH_ONLY=integrity`` runs only this section.
"""

from __future__ import annotations

import copy
import gc
import os
import statistics
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import Mapper

from caselog.adapters.crypto import ClientKeys, new_master_key, wrap_namespace
from caselog.adapters.database import database
from caselog.adapters.recorder import CheckedSnapshots
from caselog.adapters.settings_seal import NAMESPACE_WRAPPED
from caselog.adapters.store import namespace_of, open_store
from caselog.application.service import CaselogApplication
from caselog.domain.identity import client_id

from .corpus import synthetic_session
from .ingest import ACTOR
from .report import Row, ratio_row
from .timing import best_of, progress

ROUNDS = 15
CLIENTS = 6
SESSIONS = 12


def _ratio(before: Callable[[], object], after: Callable[[], object], rounds: int) -> float:
    """How many times faster ``after`` runs than ``before`` (below 1: slower): the median
    of the rounds' ratios, each round timing both back to back, so that a load spike
    on the machine spoils one round, not the figure."""
    ratios = []
    for _ in range(rounds):
        gc.collect()
        gc.disable()  # as timeit does: a collection falls on whichever run it likes
        try:
            ratios.append(best_of(before, 1) / best_of(after, 1))
        finally:
            gc.enable()
    return statistics.median(ratios)


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
        ratio = _ratio(_reads(app, ids, False), _reads(app, ids, True), ROUNDS)
        store.close()
    detail = (
        f"{CLIENTS} clients, {events:,} events, full replay + snapshot load, median of {ROUNDS}"
    )
    return [
        ratio_row(
            "Reads/s, verified / unverified (keyed chain)",
            ratio,
            at_least=0.85,
            detail=detail,
        )
    ]


class _Unbound:
    """The per-client cipher as it was before associated data: the "before" of the figure."""

    def __init__(self, keys: ClientKeys) -> None:
        self.keys = keys

    def encrypt_for(self, client: UUID, plaintext: bytes, associated: object = None) -> bytes:
        return self.keys.encrypt_for(client, plaintext)

    def decrypt_for(self, client: UUID, ciphertext: bytes, associated: object = None) -> bytes:
        return self.keys.decrypt_for(client, ciphertext)


def associated_data_rows() -> list[Row]:
    """Encoding events as ingest does (the mapper: dump, orjson, encrypt) and decoding
    them as a plain read does (decrypt, orjson, upcast), with associated data and
    without, on the same events."""
    progress("AES-GCM with associated data against without, through the mapper")
    with tempfile.TemporaryDirectory() as d:
        store = open_store(str(Path(d) / "a.db"), create=True)
        app = store.app
        for n in range(1, SESSIONS + 1):
            app.record_session(synthetic_session("Client A", n), actor=ACTOR)
        events = app.client_events(app.client_id_for("Client A"))
        bound = app.mapper
        unbound = copy.copy(bound)
        unbound.cipher = _Unbound(bound.cipher)  # type: ignore[arg-type]
        stored = {m: [m.to_stored_event(e) for e in events] for m in (bound, unbound)}

        def encode(mapper: Mapper[UUID]) -> Callable[[], object]:
            return lambda: [mapper.to_stored_event(e) for e in events]

        def decode(mapper: Mapper[UUID]) -> Callable[[], object]:
            to_state = mapper.to_state  # type: ignore[attr-defined]
            return lambda: [to_state(s) for s in stored[mapper]]

        rows = []
        for what, make in (("Ingest encode", encode), ("Plain decode", decode)):
            rows.append(
                ratio_row(
                    f"{what} events/s, with associated data / without",
                    _ratio(make(unbound), make(bound), ROUNDS),
                    at_least=0.9,
                    detail=f"{len(events):,} events through the mapper, median of {ROUNDS}",
                )
            )
        store.close()
    return rows


def keyed_id_rows() -> list[Row]:
    """What keyed client ids cost: an encrypted store unwraps its namespace once per open,
    then derives ids exactly as before (``uuid5``), so the figure is an open that resolves
    a day's worth of names, with the namespace wrapped against in the clear."""
    progress("keyed client ids against a namespace in the clear")
    master, namespace = new_master_key(), uuid.uuid4()
    keyed = {NAMESPACE_WRAPPED: wrap_namespace(master, namespace)}
    clear = {"namespace": str(namespace)}
    db = database(":memory:")
    names = [f"Client {c}" for c in range(40)]

    def opening(meta: dict[str, str], key: bytes | None) -> Callable[[], object]:
        def run() -> object:
            for _ in range(50):
                found = namespace_of(db, meta, key)
                assert found is not None
                ids = [client_id(found, name) for name in names]
            return ids

        return run

    ratio = _ratio(opening(clear, None), opening(keyed, master), ROUNDS)
    return [
        ratio_row(
            "Open + resolve 40 names, keyed ids / namespace in the clear",
            ratio,
            at_least=0.9,
            detail=f"50 opens, median of {ROUNDS}; per-event costs do not change",
        )
    ]


def integrity_rows() -> list[Row]:
    return verified_read_rows() + associated_data_rows() + keyed_id_rows()
