"""Property: for any history, the read models say what folding each client's events says."""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from caselog.adapters.readmodels import ReadModels
from caselog.adapters.store import open_store
from caselog.domain.events import UtteranceRecorded
from caselog.domain.homework import TRANSITIONS
from caselog.domain.service import CaselogApplication
from caselog.projections.homework import fold_homework, open_homework
from caselog.projections.sessions import fold_sessions
from tests.sessions import parsed

CLIENTS = ("Ann Lee", "Bo Chan")
# "Continue …"/"Keep …" items share content words with earlier ones, so they carry them forward.
HOMEWORK = (
    "Practice breathing exercises nightly",
    "Continue practicing breathing exercises",
    "Write gratitude journal entries",
    "Keep writing gratitude journal entries",
    "Walk outside after lunch",
)

record = st.tuples(
    st.just("record"),
    st.sampled_from(CLIENTS),
    st.integers(1, 4),
    st.lists(st.sampled_from(HOMEWORK), min_size=1, max_size=3, unique=True),
    st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31))),
)
change = st.tuples(
    st.just("status"), st.sampled_from(CLIENTS), st.integers(0, 20), st.integers(0, 9)
)
catch_up = st.tuples(st.just("catch_up"))
histories = st.lists(st.one_of(record, record, change, change, catch_up), min_size=4, max_size=16)


def _record(app: CaselogApplication, name: str, session: int, homework, date) -> None:
    if any(v.number == session for v in fold_sessions(app.client_events(app.client_id_for(name)))):
        return  # one source per session; a different one would be a conflict
    body = f"{name} {session}"
    session_parsed = parsed(
        client=name, session=session, file=f"{body}.txt", body=body, homework=tuple(homework)
    ).model_copy(update={"date": date})
    app.record_session(session_parsed, actor="prop")


def _change(app: CaselogApplication, name: str, pick: int, to: int) -> None:
    """A random status change the lifecycle allows, if the client has any open item."""
    cid = app.client_id_for(name)
    movable = [v for v in fold_homework(app.client_events(cid)) if TRANSITIONS[v.status]]
    if not movable:
        return
    item = movable[pick % len(movable)]
    allowed = sorted(TRANSITIONS[item.status])
    app.change_homework_status(cid, item.homework_id, allowed[to % len(allowed)], actor="prop")


def _assert_models_match_folds(app: CaselogApplication, models: ReadModels) -> None:
    homework = models.open_homework()
    sessions = models.sessions_by_date()
    utterances = 0
    for cid, _name in app.registered_clients():
        events = app.client_events(cid)
        utterances += sum(isinstance(e, UtteranceRecorded) for e in events)
        expected = open_homework(fold_homework(events))
        assert [(r.homework_id, r.status) for r in homework if r.client_id == cid] == [
            (v.homework_id, v.status) for v in expected
        ]
        mine = sorted((r for r in sessions if r.client_id == cid), key=lambda r: r.session)
        assert [(r.session, r.utterances, r.date) for r in mine] == [
            (v.number, v.utterances, v.date) for v in fold_sessions(events)
        ]
    with sqlite3.connect(models.path) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM readmodel_utterances").fetchone()
    assert rows == utterances
    assert models.status().lag == 0


@settings(max_examples=25, deadline=None)
@given(histories)
def test_read_models_equal_the_folds_incrementally_and_after_rebuild(history):
    with tempfile.TemporaryDirectory() as tmp:
        app = open_store(str(Path(tmp) / "store.db"), create=True)
        models = ReadModels(app)
        for step in history:
            if step[0] == "record":
                _record(app, *step[1:])
            elif step[0] == "status":
                _change(app, *step[1:])
            else:
                models.catch_up()
                _assert_models_match_folds(app, models)
        _assert_models_match_folds(app, models)
        statuses = {r.status for r in models.open_homework()}
        kinds = {
            type(e).__name__ for c, _ in app.registered_clients() for e in app.client_events(c)
        }
        event(f"carried forward: {'HomeworkCarriedForward' in kinds}")
        event(f"status changed: {'HomeworkStatusChanged' in kinds}")
        event(f"in progress open: {'in_progress' in statuses}")
        models.rebuild()
        _assert_models_match_folds(app, models)
