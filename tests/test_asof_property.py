"""Property: bounded as-of queries say what folding everything, then selecting, says.

The queries read only the version ranges they need, starting from snapshots;
the reference reads every event of the client and selects with ``select``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import event, given, settings
from hypothesis import strategies as st

from caselog.adapters.store import open_store
from caselog.application.records import ClientRecord, Records
from caselog.domain.errors import SessionNotFound
from caselog.domain.events import DomainEvent
from caselog.projections.asof import AsOf, select
from caselog.projections.homework import fold_homework, open_homework
from caselog.projections.sessions import fold_sessions
from caselog.projections.summary import recap, summaries
from caselog.projections.views import RecapView
from tests.histories import DATES, histories, run_step


def _reference_recap(events: list[DomainEvent], for_session: int | None) -> RecapView:
    if for_session is None:
        for_session = max((s.number for s in fold_sessions(events)), default=0) + 1
    before = select(events, AsOf(session=for_session - 1))
    known = summaries(events)
    held = [s.number for s in fold_sessions(before)]
    from_session = max([*(n for n in known if n < for_session), *held], default=None)
    summary = known.get(from_session) if from_session is not None else None
    return recap(for_session, summary, from_session, open_homework(fold_homework(before)))


def _summary(record: ClientRecord, session: int, at: AsOf) -> object:
    try:
        return record.summary(session, at=at)
    except SessionNotFound:
        return None


def _assert_bounded_equals_reference(record: ClientRecord, everything, at: AsOf) -> None:
    seen = select(everything, at)
    assert record.events(at) == seen
    assert record.homework(at) == fold_homework(seen)
    expected = summaries(seen)
    for session in range(1, 6):
        assert _summary(record, session, at) == expected.get(session)
    for for_session in (None, 1, 2, 3, 4, 5):
        assert record.recap(for_session, at=at) == _reference_recap(seen, for_session)


def _out_of_order(spans) -> bool:
    opened = [s.session for s in spans if s.opened_on is not None]
    return opened != sorted(opened)


as_ofs = st.builds(
    AsOf,
    session=st.one_of(st.none(), st.integers(0, 5)),
    version=st.one_of(st.none(), st.integers(0, 60)),
    date=st.one_of(st.none(), st.dates(*DATES)),
)


@settings(max_examples=40, deadline=None)
@given(histories, st.lists(as_ofs, min_size=1, max_size=3), st.data())
def test_bounded_as_of_queries_equal_the_full_fold(history, points, data):
    with tempfile.TemporaryDirectory() as tmp:
        app = open_store(str(Path(tmp) / "store.db"), create=True).app
        moments = []
        for step in history:
            run_step(app, step)
            moments.append(dt.datetime.now(dt.UTC))
        records = Records(app)
        for cid, name in app.registered_clients():
            record = records.client(name)
            everything = app.client_events(cid)
            for at in points:
                moment = data.draw(st.one_of(st.none(), st.sampled_from(moments)))
                at = at.model_copy(update={"recorded_before": moment})
                _assert_bounded_equals_reference(record, everything, at)
        spans = [s for c, _ in app.registered_clients() for s in app.get_client(c).spans]
        event(f"quotes a summary: {any(s.quotes for s in spans)}")
        event(f"a session recorded out of order: {_out_of_order(spans)}")
        event(f"a correction: {any(s.kind == 'correction' for s in spans)}")
        event(f"a reassignment: {any(s.kind == 'reassignment' for s in spans)}")
