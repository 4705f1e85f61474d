"""Property: for any history, the read models say what folding each client's events says,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import event, given, settings

from caselog.adapters.readmodels import ReadModels
from caselog.adapters.store import open_store
from caselog.application.service import CaselogApplication
from caselog.domain.events import EntryRetracted, UtteranceRecorded
from caselog.domain.withdrawal import withdrawn
from caselog.projections.homework import fold_homework, open_homework
from caselog.projections.sessions import fold_sessions
from tests.conftest import BACKENDS, postgres_store, read_models_of
from tests.histories import histories, run_step


@contextmanager
def fresh_store(backend: str) -> Iterator[str]:
    """A new, empty store for one example (a function-scoped fixture would be shared)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield str(Path(tmp) / "store.db")
    else:
        scratch = postgres_store("prop")
        try:
            yield next(scratch)
        finally:
            scratch.close()  # runs its cleanup: the schema is dropped


def _assert_models_match_folds(app: CaselogApplication, models: ReadModels) -> None:
    homework = models.open_homework()
    sessions = models.sessions_by_date()
    utterances = 0
    for cid, _name in app.registered_clients():
        events = withdrawn(app.client_events(cid))  # as every view reads them
        retracted = {
            (e.session, e.seq)
            for e in events
            if isinstance(e, EntryRetracted) and e.target == "entry"
        }
        spoken = [e for e in events if isinstance(e, UtteranceRecorded)]
        utterances += sum((e.session, e.seq) not in retracted for e in spoken)
        expected = open_homework(fold_homework(events))
        assert [(r.homework_id, r.status) for r in homework if r.client_id == cid] == [
            (v.homework_id, v.status) for v in expected
        ]
        mine = sorted((r for r in sessions if r.client_id == cid), key=lambda r: r.session)
        assert [(r.session, r.utterances, r.date) for r in mine] == [
            (v.number, v.utterances, v.date) for v in fold_sessions(events)
        ]
    with models.db.autocommit() as conn:
        (rows,) = conn.execute("SELECT count(*) FROM readmodel_utterances").fetchone()
    assert rows == utterances
    assert models.status().lag == 0


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=25, deadline=None)
@given(history=histories)
def test_read_models_equal_the_folds_incrementally_and_after_rebuild(backend, history):
    with fresh_store(backend) as url:
        app = open_store(url, create=True).app
        models = read_models_of(app)
        for step in history:
            if not run_step(app, step):
                models.catch_up()
                _assert_models_match_folds(app, models)
        _assert_models_match_folds(app, models)
        statuses = {r.status for r in models.open_homework()}
        kinds = {
            type(e).__name__ for c, _ in app.registered_clients() for e in app.client_events(c)
        }
        event(f"carried forward: {'HomeworkCarriedForward' in kinds}")
        event(f"status changed: {'HomeworkStatusChanged' in kinds}")
        event(f"corrected: {'EntryAmended' in kinds or 'EntryRetracted' in kinds}")
        event(f"reassigned: {'SessionReassigned' in kinds}")
        event(f"in progress open: {'in_progress' in statuses}")
        models.rebuild()
        _assert_models_match_folds(app, models)
