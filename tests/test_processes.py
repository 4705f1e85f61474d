"""Real `caselog` processes on real SQLite and PostgreSQL stores: racing writers, and a writer
killed mid-ingest.

Every process here is a separate OS process running the installed command, so the store's
guarantees are tested across connections, transactions and a SIGKILL — not inside one Python.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from caselog.adapters.crypto import encode_key
from caselog.adapters.store import open_store
from caselog.domain.errors import StoreError
from tests.conftest import BACKENDS, postgres_store, raw
from tests.transcripts import CLIENTS, transcript_text, write_transcript

TIMEOUT = 120
_SCRIPT = Path(sys.executable).with_name("caselog")
CASELOG = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from caselog.cli.app import main; main()"]
)

# A racer imports caselog, says it is ready, then waits for the start file: the
# slow part (starting Python, importing) is over before the race begins.
_RACER = """
import sys, time
from pathlib import Path
from caselog.cli.app import main
ready, start = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
deadline = time.monotonic() + 60
while not start.exists():
    if time.monotonic() > deadline:
        sys.exit("racer: the start file never appeared")
    time.sleep(0.0002)
sys.argv = ["caselog", *sys.argv[3:]]
main()
"""


@pytest.fixture(scope="module", autouse=True)
def _master_key():
    # One master key from the environment for every process, so no store needs a key file.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASELOG_KEY", encode_key(bytes(range(32))))
        yield


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CASELOG_DB", None)
    env["CASELOG_ACTOR"] = "fault-test"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def caselog(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CASELOG, "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=TIMEOUT,
        check=False,
    )


def _no_traceback(*outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output, output


def race(workdir: Path, db: str, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run each command as its own process, all released at the same instant."""
    workdir.mkdir(parents=True, exist_ok=True)
    start = workdir / "start"
    readies = [workdir / f"ready-{i}" for i in range(len(commands))]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(ready), str(start), "--db", str(db), *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for ready, command in zip(readies, commands, strict=True)
    ]
    try:
        deadline = time.monotonic() + TIMEOUT
        while not all(r.exists() for r in readies):
            assert time.monotonic() < deadline, "racers never got ready"
            assert all(p.poll() is None for p in procs), "a racer died before the start"
            time.sleep(0.005)
        start.touch()
        outputs = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return [
        subprocess.CompletedProcess(p.args, p.returncode, out, err)
        for p, (out, err) in zip(procs, outputs, strict=True)
    ]


def sessions_of(db: str, client: str) -> list[dict]:
    result = caselog(db, "sessions", client, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _one_row(result: subprocess.CompletedProcess[str]) -> dict:
    _no_traceback(result.stdout, result.stderr)
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    return row


@pytest.fixture
def store(tmp_path: Path, db: str) -> str:
    """A store created by one ingest (of a client the racers do not touch)."""
    first = write_transcript(tmp_path / "setup", CLIENTS[-1], 1)
    created = caselog(db, "ingest", str(first), "--json")
    assert created.returncode == 0, created.stderr
    return db


def test_two_processes_recording_different_sessions_of_one_client_both_succeed(tmp_path, store):
    client = CLIENTS[0]
    rounds = 4
    for r in range(rounds):
        # Round 0 also races the client's registration: neither process has seen it yet.
        sessions = (2 * r + 1, 2 * r + 2)
        files = [write_transcript(tmp_path / f"round{r}", client, n) for n in sessions]
        results = race(tmp_path / f"race{r}", store, *(["ingest", str(f), "--json"] for f in files))
        rows = [_one_row(result) for result in results]
        assert [(row["status"], row["session"]) for row in rows] == [
            ("recorded", n) for n in sessions
        ]

    recorded = sessions_of(store, client)
    assert [s["number"] for s in recorded] == list(range(1, 2 * rounds + 1))
    assert all(s["utterances"] == 6 for s in recorded)
    clients = json.loads(caselog(store, "clients", "--json").stdout)
    assert sorted(c["name"] for c in clients) == sorted([client, CLIENTS[-1]])


def test_two_processes_ingesting_the_same_file_record_it_once_and_report_it_unchanged_once(
    tmp_path, store
):
    client = CLIENTS[1]
    for session in (1, 2, 3, 4):
        path = write_transcript(tmp_path / "files", client, session)
        command = ["ingest", str(path), "--json"]
        rows = [_one_row(r) for r in race(tmp_path / f"race{session}", store, command, command)]
        assert sorted(row["status"] for row in rows) == ["recorded", "unchanged"]
        assert {(row["client"], row["session"]) for row in rows} == {(client, session)}
        unchanged = next(row for row in rows if row["status"] == "unchanged")
        assert unchanged["events"] == 0 and unchanged["error"] is None

    recorded = sessions_of(store, client)
    assert [s["number"] for s in recorded] == [1, 2, 3, 4]
    assert len({s["source"]["sha256"] for s in recorded}) == 4


# --- a writer killed with SIGKILL partway through a folder ----------------------------------

SESSIONS_PER_CLIENT = 25
TURNS = 30  # long enough that recording 200 files takes a while to interrupt


def _stored_events(db: str) -> int:
    if not db.startswith("postgresql://") and not Path(db).exists():
        return 0  # not created yet
    try:
        with raw(db).autocommit() as conn:
            if "stored_events" not in raw(db).tables(conn):
                return 0  # no table yet
            (count,) = conn.execute("SELECT count(*) FROM stored_events").fetchone()
            return int(count)
    except StoreError:
        return 0


@dataclass(frozen=True)
class Crash:
    folder: Path
    db: str
    events_at_kill: int
    sessions_at_kill: int
    event_totals_at_kill: int
    verify_after_kill: subprocess.CompletedProcess[str]
    rerun: subprocess.CompletedProcess[str]
    verify_after_rerun: subprocess.CompletedProcess[str]
    reference_db: str


def _kill_partway(folder: Path, db: str) -> None:
    """Start an ingest of ``folder`` and SIGKILL it once some, but not all, files are in."""
    proc = subprocess.Popen(
        [*CASELOG, "--db", str(db), "ingest", str(folder), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        while _stored_events(db) == 0:
            assert proc.poll() is None, "the ingest finished before it could be killed"
            assert time.monotonic() < deadline, "the ingest recorded nothing in time"
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=TIMEOUT) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module", params=BACKENDS)
def crash_stores(request, tmp_path_factory):
    """The killed store and the uninterrupted reference, on one backend."""
    if request.param == "sqlite":
        root = tmp_path_factory.mktemp("stores")
        yield str(root / "killed.db"), str(root / "uninterrupted.db")
        return
    killed, reference = postgres_store("killed"), postgres_store("reference")
    yield next(killed), next(reference)
    for scratch in (killed, reference):
        scratch.close()


@pytest.fixture(scope="module")
def crash(tmp_path_factory, crash_stores) -> Crash:
    db, reference_db = crash_stores
    root = tmp_path_factory.mktemp("crash")
    folder = root / "transcripts"
    for client in CLIENTS:
        for session in range(1, SESSIONS_PER_CLIENT + 1):
            write_transcript(folder, client, session, turns=TURNS)
    assert len(list(folder.iterdir())) == 200

    _kill_partway(folder, db)
    events_at_kill = _stored_events(db)
    verify_after_kill = caselog(db, "verify")
    clients = json.loads(caselog(db, "clients", "--json").stdout)
    rerun = caselog(db, "ingest", str(folder), "--json")
    verify_after_rerun = caselog(db, "verify")

    assert caselog(reference_db, "ingest", str(folder)).returncode == 0
    return Crash(
        folder=folder,
        db=db,
        events_at_kill=events_at_kill,
        sessions_at_kill=sum(len(c["sessions"]) for c in clients),
        event_totals_at_kill=sum(c["events"] for c in clients),
        verify_after_kill=verify_after_kill,
        rerun=rerun,
        verify_after_rerun=verify_after_rerun,
        reference_db=reference_db,
    )


def test_a_killed_ingest_leaves_only_whole_sessions(crash):
    assert 0 < crash.sessions_at_kill < 200
    # Every stored event belongs to a session counted above: no half-recorded file.
    assert crash.event_totals_at_kill == crash.events_at_kill


def test_verify_passes_on_a_store_whose_writer_was_killed_mid_ingest(crash):
    _no_traceback(crash.verify_after_kill.stdout, crash.verify_after_kill.stderr)
    assert crash.verify_after_kill.returncode == 0, crash.verify_after_kill.stderr
    assert crash.verify_after_rerun.returncode == 0, crash.verify_after_rerun.stderr


def test_rerunning_a_killed_ingest_records_every_file_exactly_once(crash):
    _no_traceback(crash.rerun.stdout, crash.rerun.stderr)
    assert crash.rerun.returncode == 0, crash.rerun.stderr
    rows = json.loads(crash.rerun.stdout)
    assert sorted(Path(r["file"]).name for r in rows) == sorted(
        p.name for p in crash.folder.iterdir()
    )
    statuses = [r["status"] for r in rows]
    assert set(statuses) <= {"recorded", "unchanged"}
    assert statuses.count("unchanged") == crash.sessions_at_kill
    assert statuses.count("recorded") == 200 - crash.sessions_at_kill

    clients = json.loads(caselog(crash.db, "clients", "--json").stdout)
    assert {c["name"]: c["sessions"] for c in clients} == {
        name: list(range(1, SESSIONS_PER_CLIENT + 1)) for name in CLIENTS
    }
    assert sum(len(c["sessions"]) for c in clients) == 200
    recorded_now = sum(r["events"] for r in rows)
    assert _stored_events(crash.db) == crash.events_at_kill + recorded_now


def test_each_session_after_the_rerun_is_recorded_from_its_own_file(crash):
    records = open_store(crash.db).records
    for client in CLIENTS:
        for s in records.client(client).sessions():
            text = transcript_text(client, s.number, turns=TURNS)
            assert s.source.sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_a_killed_then_resumed_ingest_holds_the_same_record_as_an_uninterrupted_one(crash):
    def record(db: str) -> dict[str, list[dict]]:
        records = open_store(db).records
        return {
            view.name: [
                {k: v for k, v in e.as_json_line().items() if k not in ("recorded_at", "actor")}
                for e in records.client(view.name).history()
            ]
            for view in records.clients()
        }

    assert record(crash.db) == record(crash.reference_db)
