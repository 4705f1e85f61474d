"""Attacks on confidentiality and robustness (issue 16, items 9-19), each performed as an
attacker or an accident would — plain sqlite3 or psycopg, the file system, environment
variables, real processes killed with SIGKILL — then shown refused or detected through
the CLI, on both engines where the item applies.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import sqlite3
import stat
import struct
import subprocess
import sys
import termios
import uuid
from pathlib import Path

import pytest

from caselog.adapters.crypto import encode_key, new_master_key
from caselog.adapters.database import PostgresDatabase
from caselog.adapters.readmodels_sql import TABLES as READ_MODEL_TABLES
from caselog.adapters.settings_seal import reseal_in
from caselog.adapters.store import open_store
from caselog.domain.identity import client_id
from tests.conftest import FIXTURES, Cli, postgres_store, raw, seed, sibling
from tests.test_processes import CASELOG, race
from tests.test_protection import _leaks, _plaintexts
from tests.transcripts import CLIENTS, transcript_text, write_transcript

TIMEOUT = 120


def _run(
    db: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed command in its own process, with exactly the environment given
    on top of this one."""
    full = {**os.environ, "CASELOG_ACTOR": "attack-test", **(env or {})}
    full.pop("CASELOG_DB", None)
    return subprocess.run(
        [*CASELOG, "--db", db, *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=TIMEOUT,
        check=False,
    )


def _one_line_error(result, *expected: str) -> None:
    """Exit status 1 and one line on stderr, ``error: …``, holding each of ``expected``."""
    code = result.exit_code if hasattr(result, "exit_code") else result.returncode
    stderr = result.stderr
    assert code == 1, (code, result.stdout, stderr)
    assert "Traceback" not in stderr and "Traceback" not in result.stdout
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for part in expected:
        assert part in lines[0], (part, lines[0])


# --- 9. project rebuild on an encrypted store ------------------------------------------


def test_project_rebuild_on_an_encrypted_store_is_refused_and_writes_no_plaintext(cli):
    assert cli("ingest", str(seed("004"))).exit_code == 0
    rebuilt = cli("project", "rebuild")
    assert rebuilt.exit_code == 1 and "caselog project enable" in rebuilt.stderr
    with raw(cli.db).autocommit() as conn:
        tables = raw(cli.db).tables(conn)
        held = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    assert not any(held.get(t) for t in READ_MODEL_TABLES), held
    assert _leaks(cli.db, ("004",)) == []


# --- 10. the library's environment variables -------------------------------------------

_HOSTILE_ENV = [
    ("CASELOGAPPLICATION_CIPHER_TOPIC", ""),
    ("CASELOGAPPLICATION_CIPHER_KEY", ""),
    ("CASELOGAPPLICATION_PERSISTENCE_MODULE", "eventsourcing.popo"),
    (
        "CASELOGAPPLICATION_APPLICATION_RECORDER_TOPIC",
        "eventsourcing.sqlite:SQLiteApplicationRecorder",
    ),
    ("CASELOGAPPLICATION_RECORDER_TOPIC", "eventsourcing.sqlite:SQLiteApplicationRecorder"),
    ("CASELOGAPPLICATION_SQLITE_DBNAME", "{tmp}/elsewhere.db"),
    ("CASELOGAPPLICATION_POSTGRES_SCHEMA", "elsewhere"),
    ("CASELOGAPPLICATION_MAPPER_TOPIC", "eventsourcing.persistence:Mapper"),
    ("CASELOGAPPLICATION_TRANSCODER_TOPIC", "eventsourcing.persistence:JSONTranscoder"),
    ("CASELOGAPPLICATION_COMPRESSOR_TOPIC", "eventsourcing.compressor:ZlibCompressor"),
    ("CASELOGAPPLICATION_IS_SNAPSHOTTING_ENABLED", "n"),
    ("CASELOGAPPLICATION_POSTGRES_ENABLE_DB_FUNCTIONS", "y"),
    ("PERSISTENCE_MODULE", "eventsourcing.popo"),
    ("SQLITE_DBNAME", "{tmp}/elsewhere.db"),
    ("APPLICATION_RECORDER_TOPIC", "eventsourcing.sqlite:SQLiteApplicationRecorder"),
    ("CIPHER_TOPIC", ""),
    ("POSTGRES_SCHEMA", "elsewhere"),
    ("POSTGRES_ENABLE_DB_FUNCTIONS", "y"),
]


@pytest.mark.parametrize(("variable", "value"), _HOSTILE_ENV, ids=[v for v, _ in _HOSTILE_ENV])
def test_an_eventsourcing_environment_variable_changes_nothing_the_store_does(
    db, tmp_path, variable, value
):
    hostile = {variable: value.format(tmp=tmp_path)}
    recorded = _run(db, "ingest", str(seed("004")), env=hostile)
    assert recorded.returncode == 0, recorded.stderr
    # Encrypted, chained, snapshotted, in the store named and nowhere else.
    assert _leaks(db, ("004",)) == []
    with raw(db).autocommit() as conn:
        events = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        links = conn.execute("SELECT COUNT(*) FROM event_chain").fetchone()[0]
        snapshots = conn.execute("SELECT COUNT(*) FROM stored_snapshots").fetchone()[0]
        elsewhere = (
            conn.execute(
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name LIKE ?",
                ("%elsewhere%",),
            ).fetchone()[0]
            if raw(db).kind == "postgresql"
            else 0
        )
    assert events > 0 and links == events and snapshots > 0
    assert elsewhere == 0
    assert not (tmp_path / "elsewhere.db").exists()
    # Read back without the variable: same record, chain intact.
    cli = Cli(db)
    assert cli("verify").exit_code == 0
    replayed = cli("replay", "Marcus Thompson")
    assert replayed.exit_code == 0 and "Marcus Thompson" in replayed.stdout


# --- 11. names confirmed without a key ---------------------------------------------------


def _ids_held(db: str) -> set[str]:
    """Every client id the store holds anywhere, as 32 hex digits."""
    with raw(db).autocommit() as conn:
        ids = {r[0] for r in conn.execute("SELECT client_id FROM caselog_keys")}
        ids |= {r[0] for r in conn.execute("SELECT DISTINCT originator_id FROM event_chain")}
    return {str(i).replace("-", "") for i in ids}


def _guessed_ids(db: str, names: list[str]) -> set[str]:
    """What an attacker with the file can compute: ``uuid5(ns, name)`` for every value in
    the settings that could be a namespace, and every name to be confirmed."""
    with raw(db).autocommit() as conn:
        values = [v for (v,) in conn.execute("SELECT value FROM caselog_meta")]
    candidates = []
    for value in values:
        with contextlib.suppress(ValueError):
            candidates.append(uuid.UUID(value))
        with contextlib.suppress(ValueError):
            if len(bytes.fromhex(value)) >= 16:
                candidates.append(uuid.UUID(bytes=bytes.fromhex(value)[:16]))
    return {client_id(ns, name).hex for ns in candidates for name in names}


def _names(cli: Cli) -> list[str]:
    return [c["name"] for c in json.loads(cli("clients", "--json").stdout)]


def test_no_client_or_erased_client_can_be_confirmed_from_an_encrypted_store_without_its_key(
    cli, tmp_path
):
    for prefix in ("000", "002", "004"):
        assert cli("ingest", str(seed(prefix))).exit_code == 0
    names = _names(cli)
    assert len(names) == 3
    erased = cli("erase", names[0], "--reason", "request", "--yes")
    assert erased.exit_code == 0, erased.output
    # The attack: every namespace-shaped value in the settings, every name to confirm.
    assert _guessed_ids(cli.db, names) & _ids_held(cli.db) == set()
    exported = tmp_path / "backup.jsonl"
    assert cli("export", "--output", str(exported)).exit_code == 0
    header = json.loads(exported.read_text().splitlines()[0])
    assert header["namespace"] is None and "namespace_wrapped" in header["settings"]
    # With the key the ids are what they always were: the guess above could have hit.
    namespace = open_store(cli.db).settings.id_namespace
    assert {client_id(namespace, n).hex for n in names} <= _ids_held(cli.db)


def test_a_plaintext_store_keeps_its_namespace_in_the_clear_and_says_so_in_the_docs(cli):
    plain = Cli(sibling(cli.db, "plain"))
    assert plain("ingest", "--plaintext", str(seed("004"))).exit_code == 0
    # Nothing is secret on a plaintext store: the names are in the events themselves.
    assert _ids_held(plain.db) <= _guessed_ids(plain.db, _names(plain))
    docs = (Path(__file__).parents[1] / "docs" / "threat-model.md").read_text()
    assert "namespace" in docs and "plaintext store" in docs


def _as_made_before_keyed_ids(db: str) -> None:
    """Put the namespace back in the clear, sealed, as caselog before keyed ids kept it
    (done with the key: this is the old version's store, not an attack)."""
    store = open_store(db)
    namespace, master = store.settings.id_namespace, store.settings.master_key
    store.close()
    with raw(db).transaction(lock="meta") as conn:
        conn.execute("DELETE FROM caselog_meta WHERE key='namespace_wrapped'")
        conn.execute("INSERT INTO caselog_meta VALUES ('namespace', ?)", (str(namespace),))
        reseal_in(conn, master, None)


def test_an_encrypted_store_made_before_keyed_ids_hides_its_namespace_on_its_next_open(
    cli, tmp_path
):
    first = write_transcript(tmp_path / "one", "Avery Quinn", 1)
    assert cli("ingest", str(first)).exit_code == 0
    names = _names(cli)
    _as_made_before_keyed_ids(cli.db)
    before = _ids_held(cli.db)
    assert before <= _guessed_ids(cli.db, names)  # the old store gives names away
    listed = cli("clients")
    assert listed.exit_code == 0, listed.output
    assert "client ids on this store can no longer be computed" in listed.stderr
    assert _guessed_ids(cli.db, names) & _ids_held(cli.db) == set()
    assert _ids_held(cli.db) == before
    # Same ids: a new session of the same client lands on the same record.
    second = write_transcript(tmp_path / "two", "Avery Quinn", 2)
    assert cli("ingest", str(second)).exit_code == 0
    assert _names(cli) == names
    sessions = json.loads(cli("sessions", "Avery Quinn", "--json").stdout)
    assert len(sessions) == 2
    assert cli("verify").exit_code == 0
    again = cli("clients")
    assert "can no longer be computed" not in again.stderr


def test_a_rotated_key_still_finds_every_client_by_name(cli):
    assert cli("ingest", str(seed("004"))).exit_code == 0
    before = _ids_held(cli.db)
    assert cli("rotate-key").exit_code == 0
    assert cli("sessions", "Marcus Thompson").exit_code == 0
    assert _guessed_ids(cli.db, _names(cli)) & _ids_held(cli.db) == set()
    assert _ids_held(cli.db) == before


# --- 12. erasure while another process reads the store ---------------------------------


def test_erase_with_a_reader_holding_the_file_exits_1_until_erase_finish_overwrites_it(
    sqlite_db,
):
    cli = Cli(sqlite_db)
    assert cli("project", "enable").exit_code == 0
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert "Marcus" in cli("search", "kindness meditation").stdout  # the read models catch up
    assert _leaks(sqlite_db, ("004",)), "the read models hold the client's text"
    reader = sqlite3.connect(sqlite_db)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()  # a long export
        erased = cli("erase", "Marcus Thompson", "--reason", "r17", "--yes", "--wait", "0.3")
        assert erased.exit_code == 1, erased.output
        assert "caselog erase --finish" in erased.stderr and "erased Marcus" not in erased.stdout
        assert _leaks(sqlite_db, ("004",)), "the bytes are still there, as erase said"
        blocked = cli("erase", "--finish", "--wait", "0.3")
        assert blocked.exit_code == 1 and "caselog erase --finish" in blocked.stderr
    finally:
        reader.close()
    finished = cli("erase", "--finish")
    assert finished.exit_code == 0, finished.output
    assert _leaks(sqlite_db, ("004",)) == []
    assert _leaks(sqlite_db, ("002",)), "the other clients' read models are still there"
    assert cli("verify").exit_code == 0


@pytest.fixture
def postgresql():
    yield from postgres_store("attack")


@pytest.mark.postgres
def test_erase_clears_the_clients_name_and_words_from_postgresql_planner_statistics(
    postgresql,
):
    cli = Cli(postgresql)
    assert cli("project", "enable").exit_code == 0
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    assert "Marcus" in cli("search", "kindness meditation").stdout  # the read models catch up
    store = raw(postgresql)
    assert isinstance(store, PostgresDatabase)

    def statistics() -> bytes:
        with store.autocommit() as conn:
            for table in READ_MODEL_TABLES:
                conn.execute(f"ANALYZE {table}")  # what autovacuum does on its own
            rows = conn.execute(
                "SELECT most_common_vals::text, histogram_bounds::text FROM pg_stats "
                "WHERE schemaname = ?",
                (store.schema,),
            ).fetchall()
        return "\n".join(str(v) for row in rows for v in row if v).encode()

    assert b"Marcus Thompson" in statistics()
    erased = cli("erase", "Marcus Thompson", "--reason", "r17", "--yes")
    assert erased.exit_code == 0, erased.output
    held = statistics()
    assert b"Marcus Thompson" not in held
    assert [t for t in _plaintexts("004") if t in held] == []


# --- 13. files created unsafely ----------------------------------------------------------


def test_a_key_file_readable_by_others_is_refused_with_a_chmod_hint(db):
    cli = Cli(db)
    assert cli("ingest", str(seed("004"))).exit_code == 0
    key_file = raw(db).default_key_file()
    key_file.chmod(0o644)
    refused = cli("clients")
    _one_line_error(refused, str(key_file), "chmod 600")
    key_file.chmod(0o600)
    assert cli("clients").exit_code == 0


def test_a_planted_key_temporary_file_or_link_is_never_written_through(db, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    key_file = raw(db).default_key_file()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    # What an attacker with write access to the folder plants before the store exists.
    tmp = key_file.with_name(key_file.name + ".tmp")
    tmp.touch(mode=0o666)
    tmp.chmod(0o666)
    pending = key_file.with_name(key_file.name + ".new")
    pending.symlink_to(victim)
    cli = Cli(db)
    assert cli("ingest", str(seed("004"))).exit_code == 0
    rotated = cli("rotate-key")
    assert rotated.exit_code == 0, rotated.output
    assert victim.read_text() == "keep me\n"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and not key_file.is_symlink()
    assert stat.S_IMODE(tmp.stat().st_mode) == 0o666  # left alone, never written
    assert not pending.exists() and not pending.is_symlink()
    assert cli("replay", "Marcus Thompson").exit_code == 0


def test_an_export_through_a_planted_link_leaves_the_links_target_untouched(cli, tmp_path):
    assert cli("ingest", str(seed("004"))).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    out = tmp_path / "out.jsonl"
    out.symlink_to(victim)
    (tmp_path / "out.jsonl.partial").symlink_to(victim)
    for fmt in ("jsonl", "markdown"):
        args = ["Marcus Thompson"] if fmt == "markdown" else []
        done = cli("export", *args, "--format", fmt, "--output", str(out))
        assert done.exit_code == 0, done.output
        assert victim.read_text() == "keep me\n"
        assert not out.is_symlink() and stat.S_IMODE(out.stat().st_mode) == 0o600
        out.unlink()
        out.symlink_to(victim)


# --- 14. terminal escapes ----------------------------------------------------------------

# Set the window title, reset the terminal, 8-bit CSI (red), a right-to-left override.
_ESCAPES = "\x1b]0;owned\x07 \x1bc \x9b31m \u202e"


def _hostile_transcript(folder: Path) -> Path:
    lines = transcript_text("Dana Whitfield", 1).split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("[10:01]"))
    lines[at] += f" {_ESCAPES} trailing words"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dana.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _on_a_terminal(db: str, *args: str) -> bytes:
    """What a real process prints with its stdout and stderr on a terminal (a pty)."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))  # no wrapping
    env = {**os.environ, "CASELOG_ACTOR": "attack-test", "COLUMNS": "400", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [*CASELOG, "--db", db, *args], stdout=side, stderr=side, env=env, close_fds=True
    )
    os.close(side)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([main], [], [], TIMEOUT)
            if not ready:
                break
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            out += chunk
    finally:
        proc.wait(timeout=TIMEOUT)
        os.close(main)
    return out


def test_escape_sequences_in_a_transcript_never_reach_a_terminal_raw(db, tmp_path):
    cli = Cli(db)
    assert cli("project", "enable").exit_code == 0
    assert cli("ingest", str(_hostile_transcript(tmp_path / "in"))).exit_code == 0
    for args in (("replay", "Dana Whitfield"), ("search", "trailing words")):
        shown = _on_a_terminal(db, *args)
        assert b"trailing" in shown, shown
        assert b"\x1b]0;" not in shown and b"\x1bc" not in shown and b"\x07" not in shown
        assert "\u202e".encode() not in shown and "\x9b".encode() not in shown
        assert b"\\x1b]0;owned" in shown and b"\\x9b31m" in shown, "shown, as text"
    # The record keeps the text as it was; redirected output is verbatim.
    piped = _run(db, "replay", "Dana Whitfield")
    assert piped.returncode == 0 and _ESCAPES in piped.stdout


# --- 15. an interrupted key rotation ------------------------------------------------------

_KILLED_ROTATION = """
import os, signal, sys
from caselog.adapters import rotation
step, db = sys.argv[1], sys.argv[2]

def killed(*_):
    os.kill(os.getpid(), signal.SIGKILL)

if step == "before-commit":  # the new key is on disk, the data keys not yet re-wrapped
    rotation.rewrap = killed
elif step == "after-commit":  # re-wrapped and committed, the key file not yet replaced
    rewrap = rotation.rewrap
    rotation.rewrap = lambda *a: (rewrap(*a), killed())
elif step == "after-key-file":  # the key file replaced, <key>.new not yet removed
    write = rotation.write_key_file
    rotation.write_key_file = lambda *a: (write(*a), killed())
from caselog.cli.app import main
sys.argv = ["caselog", "--db", db, "rotate-key"]
main()
"""


@pytest.mark.parametrize("step", ["before-commit", "after-commit", "after-key-file"])
def test_a_rotate_key_killed_at_any_step_leaves_a_store_that_opens_and_rotates_again(
    db, tmp_path, step
):
    cli = Cli(db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    before = cli("replay", "Marcus Thompson", "--json").stdout
    key_file = raw(db).default_key_file()
    env = {k: v for k, v in os.environ.items() if k != "CASELOG_KEY"}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_ROTATION, step, db],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    opened = _run(db, "clients")
    assert opened.returncode == 0, opened.stderr
    if step == "after-commit":
        assert "finished an interrupted key rotation" in opened.stderr
    else:
        assert opened.stderr == ""
    assert cli("replay", "Marcus Thompson", "--json").stdout == before
    rotated = cli("rotate-key")
    assert rotated.exit_code == 0, rotated.output
    assert cli("replay", "Marcus Thompson", "--json").stdout == before
    assert not key_file.with_name(key_file.name + ".new").exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert cli("verify").exit_code == 0


def test_a_rotation_from_the_environment_killed_after_commit_names_the_key_to_use(db):
    old, new = encode_key(new_master_key()), encode_key(new_master_key())
    cli = Cli(db)
    assert cli("ingest", str(seed("004")), env={"CASELOG_KEY": old}).exit_code == 0
    both = {"CASELOG_KEY": old, "CASELOG_NEW_KEY": new}
    assert cli("rotate-key", env=both).exit_code == 0
    stale = cli("clients", env=both)  # the operator has not switched the variable yet
    _one_line_error(stale, "rotated to $CASELOG_NEW_KEY")
    assert cli("clients", env={"CASELOG_KEY": new}).exit_code == 0


# --- 16. special files ----------------------------------------------------------------------


def test_ingest_refuses_a_device_a_fifo_and_an_oversized_file_at_once(db, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    # A hang or an exhausted memory would fail the run's timeout, not this assertion.
    special = _run(db, "ingest", "/dev/zero", str(fifo))
    assert special.returncode == 1 and "Traceback" not in special.stderr
    assert "/dev/zero:1: not a regular file" in special.stderr
    assert f"{fifo}:1: not a regular file" in special.stderr
    big = write_transcript(tmp_path / "big", CLIENTS[0], 1, turns=6)
    with big.open("a") as f:
        f.write(("[10:30] Dr. Torres: " + "word " * 200 + "\n\n") * 1100)
    assert big.stat().st_size > 1024 * 1024
    refused = _run(db, "ingest", str(big), "--max-file-size", "1")
    assert refused.returncode == 1
    assert f"{big}:1: larger than the limit of 1 MB" in refused.stderr
    assert "--max-file-size" in refused.stderr
    allowed = _run(db, "ingest", str(big), "--max-file-size", "2")
    assert "larger than the limit" not in allowed.stderr


# --- 17. foreign SQLite files ------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.name: (p.read_bytes(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.mark.parametrize("kind", ["foreign", "empty"])
def test_reading_commands_leave_a_file_that_is_not_a_store_as_it_was(tmp_path, kind):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "app.db"
    if kind == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.execute("INSERT INTO notes VALUES ('private')")
        conn.commit()
        conn.close()
    else:
        path.touch()
    before = _snapshot(folder)
    for args in (
        ("clients",),
        ("sessions", "Marcus"),
        ("verify",),
        ("log",),
        ("project", "status"),
        ("project", "rebuild"),
        ("export",),
        ("rotate-key",),
        ("erase", "Marcus", "--reason", "r", "--yes"),
    ):
        result = _run(str(path), *args)
        assert result.returncode == 1, (args, result.stdout)
        assert "is not a caselog store" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert _snapshot(folder) == before, args
    created = _run(str(path), "ingest", str(seed("004")))
    if kind == "foreign":
        assert created.returncode == 1 and "is not a caselog store" in created.stderr
        assert _snapshot(folder) == before
        imported = _run(str(path), "import", str(tmp_path / "missing.jsonl"))
        assert imported.returncode == 1 and _snapshot(folder) == before
    else:
        assert created.returncode == 0, created.stderr  # an empty file may become a store
        assert _run(str(path), "clients").returncode == 0


# --- 18. concurrent first ingests into a new PostgreSQL schema -----------------------------


@pytest.mark.postgres
def test_four_processes_first_ingesting_into_a_new_schema_all_succeed_ten_times(tmp_path):
    for run in range(10):
        for url in postgres_store(f"first{run}"):
            commands = []
            for p, client in enumerate(CLIENTS[:4]):
                files = [write_transcript(tmp_path / f"{run}-{p}", client, n) for n in (1, 2)]
                commands.append(["ingest", *map(str, files), "--json"])
            results = race(tmp_path / f"race{run}", url, *commands)
            for result in results:
                assert "Traceback" not in result.stderr, result.stderr
                assert result.returncode == 0, (run, result.stderr)
            clients = json.loads(_run(url, "clients", "--json").stdout)
            assert sorted(c["name"] for c in clients) == sorted(CLIENTS[:4]), run
            assert all(c["sessions"] == [1, 2] for c in clients), clients
            assert _run(url, "verify").returncode == 0


# --- 19. one-line errors instead of tracebacks -----------------------------------------------


def test_export_to_a_folder_and_an_impossible_offset_are_one_line_errors(cli, tmp_path):
    assert cli("ingest", str(seed("004"))).exit_code == 0
    folder = tmp_path / "exports"
    folder.mkdir()
    to_folder = cli("export", "--output", str(folder))
    _one_line_error(to_folder, str(folder), "directory")
    offset = cli(
        "export",
        "Marcus Thompson",
        "--format",
        "fhir",
        "--timezone",
        "+99:00",
        "--output",
        str(tmp_path / "x.json"),
    )
    assert offset.exit_code == 2 and "Traceback" not in offset.output
    assert "+99:00" in offset.output and "out of range" in offset.output
    assert list(folder.iterdir()) == [] and not (tmp_path / "x.json").exists()


def _read_only(path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """caselog run with ``path`` read-only: as root (whom permissions do not stop) through a
    read-only bind mount in a private mount namespace; otherwise by its mode."""
    full = {**os.environ, "CASELOG_ACTOR": "attack-test", **env}
    command = [*CASELOG, "--db", str(path), *args]
    if os.geteuid() == 0:
        assert shutil.which("unshare"), "unshare is needed to make a read-only mount as root"
        mount = f'mount --bind "{path}" "{path}" && mount -o remount,bind,ro "{path}"'
        script = f'{mount} && exec "$@"'
        command = ["unshare", "-rm", "sh", "-c", script, "sh", *command]
    else:
        path.chmod(0o444)
    return subprocess.run(
        command, capture_output=True, text=True, env=full, timeout=TIMEOUT, check=False
    )


def test_commands_that_write_on_a_read_only_database_fail_in_one_line_and_leave_no_files(
    tmp_path,
):
    db = tmp_path / "store.db"
    key = encode_key(new_master_key())
    assert _run(str(db), "ingest", str(seed("004")), env={"CASELOG_KEY": key}).returncode == 0
    assert _run(str(db), "project", "enable", env={"CASELOG_KEY": key}).returncode == 0
    assert _run(str(db), "project", "disable", env={"CASELOG_KEY": key}).returncode == 0
    content = db.read_bytes()
    new_file = write_transcript(tmp_path / "new", CLIENTS[2], 1)
    for args, env in (
        (("ingest", str(new_file)), {"CASELOG_KEY": key}),
        (("project", "enable"), {"CASELOG_KEY": key}),
        (("rotate-key",), {"CASELOG_KEY": key, "CASELOG_NEW_KEY": encode_key(new_master_key())}),
        (("erase", "Marcus Thompson", "--reason", "r", "--yes"), {"CASELOG_KEY": key}),
    ):
        result = _read_only(db, *args, env=env)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
        assert "readonly" in lines[0] or "read-only" in lines[0], lines[0]
        assert not list(tmp_path.glob("*.new")) and not list(tmp_path.glob("*.partial"))
    assert db.read_bytes() == content


def test_rotate_key_with_a_key_file_on_a_read_only_database_leaves_no_pending_key(tmp_path):
    db = tmp_path / "store.db"
    assert _run(str(db), "ingest", str(seed("004"))).returncode == 0
    key_file = Path(str(db) + ".key")
    key = key_file.read_bytes()
    result = _read_only(db, "rotate-key", env={})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("error: ")
    assert not Path(str(key_file) + ".new").exists()
    assert key_file.read_bytes() == key
    assert _run(str(db), "replay", "Marcus Thompson").returncode == 0


def test_an_edited_event_topic_is_a_one_line_error_pointing_to_verify(db):
    cli = Cli(db)
    assert cli("ingest", str(seed("004"))).exit_code == 0
    with raw(db).transaction() as conn:
        conn.execute(
            "UPDATE stored_events SET topic = ? WHERE originator_version = 2",
            ("caselog.domain.events:NoSuchEvent",),
        )
    replayed = cli("replay", "Marcus Thompson")
    _one_line_error(replayed, "version 2", "caselog verify")
