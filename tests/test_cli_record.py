"""``caselog record`` and ``caselog end`` as real processes on real stores: turns visible
before the end of input, kill -9, Ctrl-C, resume, retry, refusal after the end, and two
streams into one session."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import event_count

TIMEOUT = 60
_SCRIPT = Path(sys.executable).with_name("caselog")
CASELOG = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from caselog.cli.app import main; main()"]
)
ROWAN = "Rowan Vale"
WARD = "Dr. Ines Ward"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "CASELOG_DB"}
    return {**env, "CASELOG_ACTOR": "Dr. Ines Ward", "PYTHONUNBUFFERED": "1"}


def caselog(db: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CASELOG, "--db", db, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=TIMEOUT,
        check=False,
    )


def recorder(db: str, session: int = 3, *more: str) -> subprocess.Popen[str]:
    """A ``record --json`` process reading from a pipe this test writes to."""
    args = ["record", ROWAN, "--session", str(session), "--professional", WARD, "--json"]
    return subprocess.Popen(
        [*CASELOG, "--db", db, *args, *more],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def send(proc: subprocess.Popen[str], text: str) -> dict:
    """Write a turn and wait for its acknowledgement: it is committed once this returns."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(text)
    proc.stdin.flush()
    line = proc.stdout.readline()
    assert line, proc.stderr.read() if proc.stderr else ""
    return json.loads(line)


def said(db: str, session: int = 3) -> list[tuple[str, str]]:
    """(speaker, text) of each utterance, read by another process."""
    replay = caselog(db, "replay", ROWAN, "--session", str(session), "--json")
    assert replay.returncode == 0, replay.stderr
    lines = [json.loads(line) for line in replay.stdout.splitlines()]
    return [(e["speaker"], e["text"]) for e in lines if e["kind"] == "utterance"]


@pytest.fixture
def store(db: str) -> str:
    assert (
        caselog(db, "record", "Someone Else", "--session", "1", stdin="Client: Hi.\n").returncode
        == 0
    )
    return db


def test_each_turn_is_visible_to_another_process_before_the_end_of_input(store):
    proc = recorder(store)
    try:
        first = send(proc, "Rowan: I kept waking at four.\n\n")
        assert said(store) == [("Rowan", "I kept waking at four.")]
        second = send(proc, "Dr. Ward: What woke you?\n\n")
        assert said(store)[-1] == ("Dr. Ward", "What woke you?")
        assert proc.poll() is None  # still reading: input has not ended
    finally:
        _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert (first["seq"], second["seq"]) == (1, 2)
    sessions = json.loads(caselog(store, "sessions", ROWAN, "--json").stdout)
    assert sessions[0]["status"] == "in_progress"  # the end of input does not end it


def test_kill_9_loses_no_acknowledged_turn(store):
    proc = recorder(store)
    acknowledged = [send(proc, f"Rowan: Turn {i}.\n\n") for i in range(5)]
    assert proc.stdin is not None
    proc.stdin.write("Rowan: Not yet complete")  # read, but no turn is complete yet
    proc.stdin.flush()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=TIMEOUT)
    assert [a["seq"] for a in acknowledged] == [1, 2, 3, 4, 5]
    assert said(store) == [("Rowan", f"Turn {i}.") for i in range(5)]
    verified = caselog(store, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_ctrl_c_records_the_turn_already_read(store):
    proc = recorder(store)
    send(proc, "Rowan: First.\n\n")
    assert proc.stdin is not None
    proc.stdin.write("Dr. Ward: Read, not yet complete.\n")
    proc.stdin.flush()
    # Once the line is read, the turn in hand is only in the process.
    assert _drained(proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130, err
    assert "session 3 stays in progress" in err and "Traceback" not in err
    assert said(store) == [("Rowan", "First."), ("Dr. Ward", "Read, not yet complete.")]


def _drained(proc: subprocess.Popen[str]) -> bool:
    """Whether ``proc`` has taken everything written to its standard input."""
    assert proc.stdin is not None
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        waiting = fcntl.ioctl(proc.stdin.fileno(), termios.FIONREAD, struct.pack("i", 0))
        if struct.unpack("i", waiting)[0] == 0:
            time.sleep(0.2)  # from the pipe's end into readline()
            return True
        time.sleep(0.01)
    return False


def test_a_later_record_resumes_the_session_and_end_closes_it(store):
    first = caselog(store, "record", ROWAN, "--session", "3", stdin="Rowan: One.\n")
    again = caselog(
        store, "record", "rowan vale", "--session", "3", "--json", stdin="Therapist: Two.\n"
    )
    ended = caselog(store, "end", "Rowan Vale", "--session", "3", "--json")
    assert first.returncode == again.returncode == ended.returncode == 0, ended.stderr
    assert json.loads(again.stdout)["seq"] == 2
    assert json.loads(ended.stdout)["reason"] == "natural_end"
    assert said(store) == [("Rowan", "One."), ("Therapist", "Two.")]
    sessions = json.loads(caselog(store, "sessions", ROWAN, "--json").stdout)
    assert sessions[0]["status"] == "ended"


def test_appending_after_end_is_refused_and_records_nothing(store):
    caselog(store, "record", ROWAN, "--session", "3", stdin="Rowan: One.\n")
    caselog(store, "end", ROWAN, "--session", "3")
    before = event_count(store)
    refused = caselog(store, "record", ROWAN, "--session", "3", stdin="Rowan: More.\n")
    ended_again = caselog(store, "end", ROWAN, "--session", "3")
    assert refused.returncode == ended_again.returncode == 1
    assert refused.stderr.strip() == (
        "error: session 3 of Rowan Vale has ended: nothing more can be recorded"
    )
    assert len(ended_again.stderr.strip().splitlines()) == 1
    assert event_count(store) == before


def test_a_name_that_only_begins_a_recorded_clients_is_refused_until_said_to_be_new(store):
    caselog(store, "record", ROWAN, "--session", "1", stdin="Rowan: One.\n")
    before = event_count(store)
    refused = caselog(store, "record", "Rowan", "--session", "1", stdin="Rowan: Other.\n")
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert "'Rowan' is not a recorded client's full name: it begins 'Rowan Vale'" in line
    assert "--new-client" in line
    assert event_count(store) == before
    new = caselog(
        store, "record", "Rowan", "--new-client", "--session", "1", stdin="Rowan: Other.\n"
    )
    assert new.returncode == 0, new.stderr
    assert said(store, 1) == [("Rowan", "One.")]
    clients = json.loads(caselog(store, "clients", "--json").stdout)
    assert sorted(c["name"] for c in clients) == ["Rowan", "Rowan Vale", "Someone Else"]


def test_ending_a_session_never_begun_is_refused(store):
    refused = caselog(store, "end", "Someone Else", "--session", "7")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: Someone Else has no session 7 begun: nothing to go on with"
    )


def test_a_retried_json_line_with_its_key_is_recorded_once(store):
    line = json.dumps({"role": "client", "text": "Hello.", "idempotency_key": "t1"}) + "\n"
    first = caselog(store, "record", ROWAN, "--session", "3", "--jsonl", "--json", stdin=line)
    retry = caselog(store, "record", ROWAN, "--session", "3", "--jsonl", "--json", stdin=line)
    assert json.loads(first.stdout)["repeated"] is False
    assert json.loads(retry.stdout)["repeated"] is True
    assert said(store) == [("Rowan Vale", "Hello.")]


def test_lines_give_turns_paragraphs_directions_roles_and_homework(store):
    text = (
        "10:04 Sam: I could not sleep.\n"
        "It went on all week.\n"
        "\n"
        "(pauses)\n"
        "[10:05] Dr. Ward: For homework, I would like you to keep a sleep diary.\n"
        "\n"
        "And note the time you wake.\n"
    )
    args = ["--session", "3", "--role", "sam=client", "--professional", WARD]
    done = caselog(store, "record", ROWAN, *args, stdin=text)
    assert done.returncode == 0, done.stderr
    replay = caselog(store, "replay", ROWAN, "--session", "3", "--json")
    entries = [json.loads(line) for line in replay.stdout.splitlines()]
    kinds = [(e["kind"], e.get("speaker"), e.get("clock")) for e in entries if "seq" in e]
    assert kinds == [
        ("utterance", "Sam", "10:04"),
        ("stage_direction", None, None),
        ("utterance", "Dr. Ward", "10:05"),
        ("utterance", "Dr. Ward", None),  # a paragraph after a complete turn: more of it
    ]
    assert entries[kinds.index(kinds[0]) + 1]["text"] == "I could not sleep.\nIt went on all week."
    homework = json.loads(caselog(store, "homework", ROWAN, "--json").stdout)
    assert [(h["homework_id"], h["source"], h["session_in_progress"]) for h in homework] == [
        ("S3.H1", "dialogue", True)
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "expected"),
    [
        ([], "Bob: Hi.\n", "error: stdin:1: who is 'Bob'?"),
        ([], "Words with no label.\n", "error: stdin:1: expected 'Label: words'"),
        (["--jsonl"], "{not json\n", "error: stdin:1: expected a JSON object, not JSON"),
        (["--jsonl"], '{"role": "patient", "text": "x"}\n', "error: stdin:1: Say role"),
        ([], "Rowan: Fine.\n(pauses\nBob: Hi.\n", "error: stdin:3: who is 'Bob'?"),
    ],
)
def test_a_bad_line_is_one_error_naming_it_and_what_came_before_it_is_kept(
    store, args, stdin, expected
):
    before = event_count(store)
    refused = caselog(store, "record", ROWAN, "--session", "3", *args, stdin=stdin)
    assert refused.returncode == 1
    assert refused.stderr.startswith(expected) and len(refused.stderr.splitlines()) == 1
    if stdin.startswith("Rowan"):  # the turn before the bad line was read whole
        assert said(store) == [("Rowan", "Fine.\n(pauses")]
    else:  # nothing recorded: not even the session's opening
        assert event_count(store) == before


def test_two_streams_into_one_session_lose_nothing(store):
    procs = [recorder(store, 3) for _ in range(2)]
    try:
        for i in range(10):
            for n, proc in enumerate(procs):
                send(proc, f"Rowan: Stream {n} turn {i}.\n\n")
    finally:
        for proc in procs:
            proc.communicate(timeout=TIMEOUT)
    texts = [t for _, t in said(store)]
    assert sorted(texts) == sorted(f"Stream {n} turn {i}." for n in range(2) for i in range(10))


def test_recap_for_the_next_session_notes_the_one_in_progress(store):
    caselog(store, "record", ROWAN, "--session", "3", stdin="Rowan: One.\n")
    shown = caselog(store, "recap", ROWAN, "--for-session", "4")
    as_json = json.loads(caselog(store, "recap", ROWAN, "--for-session", "4", "--json").stdout)
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr.startswith("note: session 3 is still in progress")
    assert shown.stdout == as_json["text"] + "\n"  # stdout is exactly the prompt
    assert as_json["in_progress"] == [3]


def test_a_generators_markdown_and_clocks_are_read_and_a_dash_label_stops_it(store):
    text = (
        "[10:04:33] **Dr. Ward:** How was the week?\r\n"
        "\r\n"
        "(10:05 AM) __Rowan__: Long.\r\n"
        "  I slept badly.\r\n"
        "Therapist - Why was that?\r\n"
        "Rowan: never recorded\r\n"
    )
    done = caselog(store, "record", ROWAN, "--session", "3", "--professional", WARD, stdin=text)
    assert done.returncode == 1
    assert done.stderr == (
        "error: stdin:5: 'Therapist -' reads as a turn of 'Therapist': "
        "expected 'Label: words', with a colon\n"
    )
    assert said(store) == [("Dr. Ward", "How was the week?"), ("Rowan", "Long.\n  I slept badly.")]
    replay = caselog(store, "replay", ROWAN, "--session", "3", "--json")
    clocks = [json.loads(line).get("clock") for line in replay.stdout.splitlines()]
    assert [c for c in clocks if c] == ["10:04:33", "10:05"]
