"""examples/simulate.py, the worked example of docs/live.md: a scripted three-session
simulation recorded through the live write API, run as a reader runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from caselog.adapters.store import open_store
from tests.conftest import event_count

SCRIPT = Path(__file__).parent.parent / "examples" / "simulate.py"


def _simulate(db: Path) -> str:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(db)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_each_session_opens_with_the_recap_that_carries_the_homework_forward(tmp_path):
    out = _simulate(tmp_path / "sim.db")
    second = out.split("=== Session 2")[1].split("=== Session 3")[0]
    third = out.split("=== Session 3")[1].split("=== What the next")[0]
    assert "Rowan: Last time we talked about:" in second
    assert "- Keep a sleep diary each morning (S1.H1, assigned)" in second
    # Session 2's homework continued session 1's: only it is still open when session 3 opens.
    assert "(S2.H1, assigned)" in third and "S1.H1" not in third
    with open_store(str(tmp_path / "sim.db")) as store:
        rowan = store.records.client("Rowan Vale")
        assert [s.status for s in rowan.sessions()] == ["ended"] * 3
        assert [s.source.format for s in rowan.sessions()] == ["live"] * 3
        homework = {h.homework_id: h for h in rowan.homework()}
        assert homework["S1.H1"].status == "carried_forward"
        assert homework["S1.H1"].carried_to == "S2.H1"
        assert rowan.summary(1).topics == ["Early waking", "Worry about work"]


def test_the_simulation_is_deterministic_and_a_second_run_records_nothing(tmp_path):
    first = _simulate(tmp_path / "a.db")
    events = event_count(str(tmp_path / "a.db"))
    again = _simulate(tmp_path / "a.db")
    elsewhere = _simulate(tmp_path / "b.db")
    assert first == again == elsewhere
    assert event_count(str(tmp_path / "a.db")) == events
