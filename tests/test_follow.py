"""`caselog project follow` as real processes, on SQLite (polling) and PostgreSQL
(LISTEN/NOTIFY): beside racing ingests, killed with SIGKILL and restarted, stopped with
SIGTERM and SIGINT — and every event applied to the read models exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caselog.adapters.readmodels import BATCH
from caselog.adapters.store import open_store
from caselog.adapters.transcript_files import IngestOptions, expand
from caselog.application.service import CaselogApplication
from caselog.domain.events import UtteranceRecorded
from tests.conftest import SEEDS, ingest, raw, read_models_of
from tests.test_readmodels_property import _assert_models_match_folds
from tests.transcripts import CLIENTS, write_transcript

TIMEOUT = 120
_SCRIPT = Path(sys.executable).with_name("caselog")
CASELOG = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from caselog.cli.app import main; main()"]
)


def _env() -> dict[str, str]:
    env = dict(os.environ)  # includes the test's own $XDG_CONFIG_HOME (key files)
    env.pop("CASELOG_DB", None)
    env.pop("CASELOG_ENCRYPTION", None)
    env["CASELOG_ACTOR"] = "follow-test"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def caselog(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CASELOG, "--db", db, *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=TIMEOUT,
        check=False,
    )


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


class Follow:
    """A running `caselog project follow`, its output lines collected as they come."""

    def __init__(self, db: str, *args: str) -> None:
        self.json = "--json" in args
        self.proc = subprocess.Popen(
            [*CASELOG, "--db", db, "project", "follow", "--interval", "0.05", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        self.lines: list[str] = []
        self._errors: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, into), daemon=True)
            for stream, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self._errors))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "".join(line + "\n" for line in self._errors)

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in list(self.lines)]

    def started(self) -> dict:
        wait_until(lambda: bool(self.lines) or self.proc.poll() is not None, "follow started")
        assert self.lines, self.finish()
        return self.events[0] if self.json else {"line": self.lines[0]}

    def batches(self) -> list[dict]:
        return [e for e in self.events if e["event"] == "batch"]

    def signal(self, signum: int) -> int:
        self.proc.send_signal(signum)
        return self.finish()

    def finish(self) -> int:
        try:
            self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        for reader in self._readers:
            reader.join(timeout=10)
        assert "Traceback" not in self.stderr, self.stderr
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def following():
    """Every follower a test starts; any still running at the end is killed."""
    started: list[Follow] = []

    def start(db: str, *args: str) -> Follow:
        follower = Follow(db, *args)
        started.append(follower)
        return follower

    yield start
    for follower in started:
        follower.kill()


@pytest.fixture
def plain(db: str) -> CaselogApplication:
    """A plaintext store: it keeps its read models from the start."""
    return open_store(db, create=True, plaintext=True).app


def _position(db: str) -> int:
    app = open_store(db).app  # kept while it is used: a collected app closes its connections
    return read_models_of(app).position()


def _head(db: str) -> int:
    app = open_store(db).app
    return app.recorder.max_notification_id() or 0


def _assert_applied_exactly_once(db: str) -> None:
    """The views equal the folds, the position is the head, and each utterance was
    counted and indexed once — checked without letting the test process catch up."""
    app = open_store(db).app
    models = read_models_of(app)
    status = models.status()
    assert status.lag == 0 and status.position == app.recorder.max_notification_id()
    assert models.catch_up() == 0  # so the reads below show what the followers wrote

    spoken: Counter[tuple[str, int]] = Counter()
    for cid, _name in app.registered_clients():
        for e in app.client_events(cid):
            if isinstance(e, UtteranceRecorded):
                spoken[(cid.hex, e.session)] += 1
    store = raw(db)
    with store.autocommit() as conn:
        counted = {
            (cid, session): n
            for cid, session, n in conn.execute(
                "SELECT client_id, session, utterances FROM readmodel_sessions"
            ).fetchall()
        }
        indexed = Counter(
            (cid, session)
            for cid, session, _seq in conn.execute(
                "SELECT client_id, session, seq FROM readmodel_utterances"
            ).fetchall()
        )
        duplicates = conn.execute(
            "SELECT client_id, session, seq FROM readmodel_utterances"
            " GROUP BY client_id, session, seq HAVING count(*) > 1"
        ).fetchall()
    assert counted == dict(spoken)
    assert indexed == spoken
    assert duplicates == []
    _assert_models_match_folds(app, models)


# --- racing ingests, a SIGKILL, a restart, a SIGTERM ------------------------------------------

SESSIONS = 10
TURNS = 24


def _folder(root: Path, clients: tuple[str, ...]) -> Path:
    for client in clients:
        for session in range(1, SESSIONS + 1):
            write_transcript(root, client, session, turns=TURNS)
    return root


def test_a_follower_killed_and_restarted_amid_two_ingests_applies_every_event_once(
    db, plain, tmp_path, following
):
    first = _folder(tmp_path / "a", CLIENTS[0:2])
    second = _folder(tmp_path / "b", CLIENTS[2:4])
    third = _folder(tmp_path / "c", CLIENTS[4:5])
    follower = following(db, "--json")
    assert follower.started()["position"] == 0

    ingests = [
        subprocess.Popen(
            [*CASELOG, "--db", db, "ingest", str(folder), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for folder in (first, second)
    ]
    try:
        # Partway: once the follower has applied something, while the ingests may still
        # run (on a loaded machine they can finish first: the third ingest, made while
        # no follower runs, always leaves something to resume).
        wait_until(lambda: follower.batches() != [], "the follower applied a batch")
        assert follower.signal(signal.SIGKILL) == -signal.SIGKILL
        killed_at = _position(db)
        assert killed_at > 0
        assert caselog(db, "ingest", str(third)).returncode == 0

        restarted = following(db, "--json")
        assert restarted.started()["position"] == killed_at  # resumes where it stopped

        outputs = [p.communicate(timeout=TIMEOUT) for p in ingests]
    finally:
        for p in ingests:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (out, err) in zip(ingests, outputs, strict=True):
        assert p.returncode == 0, err
        rows = json.loads(out)
        assert len(rows) == 2 * SESSIONS and {r["status"] for r in rows} == {"recorded"}
    assert killed_at < _head(db), "the kill came after the ingests: nothing was left to resume"

    head = _head(db)
    wait_until(lambda: _position(db) == head, "the restarted follower caught up")
    assert restarted.signal(signal.SIGTERM) == 0
    stop = restarted.events[-1]
    assert stop == {"event": "stop", "position": head, "applied": head - killed_at}
    assert sum(b["applied"] for b in restarted.batches()) == head - killed_at
    positions = [b["position"] for b in restarted.batches()]
    assert positions == sorted(positions) and positions[-1] == head
    _assert_applied_exactly_once(db)


def test_two_followers_at_once_share_the_work_and_apply_each_event_once(
    db, plain, tmp_path, following
):
    folder = _folder(tmp_path / "a", CLIENTS[4:6])
    followers = [following(db, "--json") for _ in range(2)]
    for follower in followers:
        follower.started()
    ingest = caselog(db, "ingest", str(folder))
    assert ingest.returncode == 0, ingest.stderr
    head = _head(db)
    wait_until(lambda: _position(db) == head, "the followers caught up")
    stops = []
    for follower in followers:
        assert follower.signal(signal.SIGTERM) == 0
        stops.append(follower.events[-1])
    assert [s["position"] for s in stops] == [head, head]
    # What each applied is disjoint: together, every event once.
    assert sum(s["applied"] for s in stops) == head
    _assert_applied_exactly_once(db)


def test_sigterm_and_sigint_exit_zero_and_a_restart_resumes_from_the_stored_position(
    db, plain, following
):
    assert caselog(db, "ingest", *map(str, SEEDS[:2])).returncode == 0
    first_head = _head(db)
    follower = following(db)
    assert follower.started()["line"].endswith("from position 0 (" + _mode(db) + ")")
    wait_until(lambda: _position(db) == first_head, "the follower caught up")
    assert follower.signal(signal.SIGINT) == 0
    assert follower.lines[-1] == f"stopped at position {first_head}"

    assert caselog(db, "ingest", *map(str, SEEDS[2:])).returncode == 0
    head = _head(db)
    assert _position(db) == first_head  # nobody applied the new events

    again = following(db)
    again.started()
    wait_until(lambda: _position(db) == head, "the restarted follower caught up")
    assert again.signal(signal.SIGTERM) == 0
    assert again.lines[0].endswith(f"from position {first_head} ({_mode(db)})")
    assert again.lines[-1] == f"stopped at position {head}"
    _assert_applied_exactly_once(db)


def test_sigterm_amid_a_backlog_finishes_the_batch_in_hand_and_a_restart_does_the_rest(
    db, plain, tmp_path, following
):
    folder = tmp_path / "backlog"
    for client in CLIENTS:
        for session in range(1, 9):
            write_transcript(folder, client, session, turns=80)
    results = list(ingest(plain, expand([str(folder)]), IngestOptions(actor="t")))
    assert {r.status for r in results} == {"recorded"}
    head = _head(db)
    assert head > 2 * BATCH  # several batches to apply

    follower = following(db, "--json")
    follower.started()
    wait_until(lambda: follower.batches() != [], "the follower applied a batch")
    assert follower.signal(signal.SIGTERM) == 0
    batches, stop = follower.batches(), follower.events[-1]
    # It stopped on a batch boundary: what it printed, committed, and nothing half-done.
    assert stop["event"] == "stop" and stop["position"] == batches[-1]["position"]
    assert stop["applied"] == sum(b["applied"] for b in batches) == stop["position"]
    assert _position(db) == stop["position"]

    rest = caselog(db, "project", "follow", "--until-idle", "--json")
    assert rest.returncode == 0, rest.stderr
    last = json.loads(rest.stdout.splitlines()[-1])
    assert last == {"event": "stop", "position": head, "applied": head - stop["position"]}
    _assert_applied_exactly_once(db)


def _mode(db: str) -> str:
    return "listen" if db.startswith("postgresql://") else "poll"


def test_a_follower_sees_events_recorded_while_it_waits(db, plain, following):
    follower = following(db, "--json")
    follower.started()
    for n, seed in enumerate(SEEDS, start=1):
        assert caselog(db, "ingest", str(seed)).returncode == 0
        head = _head(db)
        wait_until(lambda: _position(db) == head, f"the follower applied ingest {n}")  # noqa: B023
    assert follower.signal(signal.SIGTERM) == 0
    assert len(follower.batches()) >= len(SEEDS)
    _assert_applied_exactly_once(db)


def test_until_idle_applies_the_backlog_and_exits(db, plain):
    assert caselog(db, "ingest", *map(str, SEEDS)).returncode == 0
    head = _head(db)
    result = caselog(db, "project", "follow", "--until-idle", "--json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[0] == {"event": "start", "position": 0, "mode": "until idle"}
    assert events[-1] == {"event": "stop", "position": head, "applied": head}
    again = caselog(db, "project", "follow", "--once")
    assert again.returncode == 0 and again.stdout.splitlines()[-1] == f"stopped at position {head}"
    _assert_applied_exactly_once(db)


# --- stores that do not keep read models -------------------------------------------------


def test_an_encrypted_store_refuses_to_follow_until_enabled(db):
    assert caselog(db, "ingest", str(SEEDS[0])).returncode == 0  # encrypted by default
    refused = caselog(db, "project", "follow")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "project follow needs the read models" in refused.stderr
    assert "caselog project enable" in refused.stderr
    assert caselog(db, "project", "enable").returncode == 0
    assert caselog(db, "ingest", *map(str, SEEDS[1:])).returncode == 0
    followed = caselog(db, "project", "follow", "--until-idle")
    assert followed.returncode == 0, followed.stderr
    assert followed.stdout.splitlines()[-1] == f"stopped at position {_head(db)}"


def test_a_follower_stops_instead_of_bringing_back_disabled_read_models(db, following):
    assert caselog(db, "ingest", str(SEEDS[0])).returncode == 0
    assert caselog(db, "project", "enable").returncode == 0
    follower = following(db)
    follower.started()
    disabled = caselog(db, "project", "disable")
    assert disabled.returncode == 0, disabled.stderr
    assert caselog(db, "ingest", str(SEEDS[1])).returncode == 0  # wakes a listener
    assert follower.finish() == 1
    assert "read models are off" in follower.stderr
    assert follower.stderr.count("\n") == 1
    store = raw(db)
    with store.autocommit() as conn:
        assert not {t for t in store.tables(conn) if t.startswith("readmodel_")}
