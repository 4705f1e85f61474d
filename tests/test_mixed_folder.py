"""`caselog ingest FOLDER` on a folder of good transcripts mixed with every kind of bad input.

Each bad file is one line on stderr naming it (and, for unreadable input, the line and what was
expected); every good file is still recorded; the exit status is 1, as docs/tour.md says for a
partial failure. Run as a real process on a real SQLite file, so a traceback would show.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import seed
from tests.test_processes import caselog
from tests.transcripts import CLIENTS, transcript_text, write_transcript

GOOD_CLIENTS = CLIENTS[:3]
GOOD_SESSIONS = range(1, 10)
CONFLICTED = CLIENTS[3]

HEADER = (
    "Session 5/24\nDate: May 29, 2025\nTime: 10:00 AM\nClient: Alex (Product Designer)\n"
    "Professional: Dr. Harper Torres (Licensed Clinical Psychologist)\n"
)
BAD_DATE_HEADER = HEADER.replace("May 29, 2025", "someday")

# name → (bytes, the line the error must name): input the parser cannot read.
UNREADABLE: dict[str, tuple[bytes, int]] = {
    "empty.txt": (b"", 1),
    "whitespace-only.txt": (b"  \n\n\t \r\n", 1),
    "binary.bin": (b"Session 5/24\nDate: May 29, 2025\nab\x00cd\x01\x02\n", 3),
    "header-no-turns.txt": (HEADER.encode() + b"\n", 6),
    "format-c-header-no-turns.txt": (b"Session Number: 3\n\n", 2),
    "text-before-any-speaker.txt": (HEADER.encode() + b"\nHello there.\n[10:00] Alex: hi\n", 7),
    "no-speaker-lines-at-all.txt": (b"\n\nDear diary,\ntoday was fine.\n", 3),
    "unknown-speaker.txt": (HEADER.encode() + b"\n[10:00] Jordan: hello\n", 7),
    "bad-date.txt": (
        HEADER.replace("May 29, 2025", "someday").encode() + b"\n[10:00] Alex: hi\n",
        2,
    ),
    "no-professional.txt": (b"Session 1/2\nClient: Alex\n\n[10:00] Alex: hi\n", 2),
    "label-naming-nobody.txt": (b"Session Number: 2\n\nPatient: I'm Sam Roy.\nNova: Hi.\n", 4),
    "summary-no-turns.txt": (b"Session Summary:\n\nMain topics discussed:\n- Work stress\n", 4),
    "truncated-export.dat": (b'{"session": 3, "client": "Alex", "turns": [{"speaker": "Th', 1),
}


def _latin1(text: str, line: int, crlf: bool = False) -> bytes:
    """A valid transcript whose ``line`` (1-based) has a byte that is not UTF-8."""
    lines = text.split("\n")
    lines[line - 1] += " caf\xe9"
    joined = ("\r\n" if crlf else "\n").join(lines)
    return joined.encode("latin-1")


@dataclass
class Folder:
    path: Path
    db: Path
    good: dict[str, str] = field(default_factory=dict)  # name → "recorded" | "unchanged"
    unreadable: dict[str, int] = field(default_factory=dict)  # name → line
    refused: dict[str, str] = field(default_factory=dict)  # name → what the error says


@pytest.fixture
def mixed(tmp_path: Path) -> Folder:
    folder = Folder(tmp_path / "inbox", tmp_path / "store.db")
    inbox = folder.path
    inbox.mkdir()

    # Already in the store before the folder is ingested: CONFLICTED's session 2.
    earlier = write_transcript(tmp_path / "earlier", CONFLICTED, 2, name="conflicted-s2.txt")
    assert caselog(folder.db, "ingest", str(earlier)).returncode == 0

    # Good: 27 generated transcripts, one with a .md name, one with a BOM and CRLF line ends.
    for client in GOOD_CLIENTS:
        for session in GOOD_SESSIONS:
            path = write_transcript(inbox, client, session)
            folder.good[path.name] = "recorded"
    md = inbox / "avery-004-0.txt"
    md.rename(md.with_suffix(".md"))
    folder.good["avery-004-0.md"] = folder.good.pop(md.name)
    crlf = inbox / "bianca-005-0.txt"
    crlf.write_bytes(b"\xef\xbb\xbf" + crlf.read_bytes().replace(b"\n", b"\r\n"))

    # Good: a format C session and its continuation (format D), matched through its summary.
    for prefix in ("002", "003"):
        shutil.copy(seed(prefix), inbox / seed(prefix).name)
        folder.good[seed(prefix).name] = "recorded"

    # Good: an identical copy of a recorded file, and the file already in the store.
    shutil.copy(inbox / "cyrus-001-0.txt", inbox / "zz-copy-of-cyrus-001.txt")
    folder.good["zz-copy-of-cyrus-001.txt"] = "unchanged"
    shutil.copy(earlier, inbox / earlier.name)
    folder.good[earlier.name] = "unchanged"

    # Two different files for one session: the first by name is recorded, the second refused.
    write_transcript(inbox, CONFLICTED, 1, seed=0, name="same-session-a.txt")
    folder.good["same-session-a.txt"] = "recorded"
    write_transcript(inbox, CONFLICTED, 1, seed=1, name="same-session-b.txt")
    folder.refused["same-session-b.txt"] = "already recorded from same-session-a.txt"

    # A different file for the session already in the store.
    write_transcript(inbox, CONFLICTED, 2, seed=1, name="conflicting-s2.txt")
    folder.refused["conflicting-s2.txt"] = "already recorded from conflicted-s2.txt"

    # A continuation whose opening summary matches nothing recorded.
    (inbox / "orphan-continuation.txt").write_text(
        "Session Summary:\n\nMain topics discussed:\n- Juggling chainsaws at the circus\n\n"
        "Therapist: Hello again.\n\nPatient: Hi.\n"
    )
    folder.refused["orphan-continuation.txt"] = "matches no recorded session"

    # Unreadable input, including bytes that are not UTF-8 (plain and CRLF line ends).
    for name, (data, line) in UNREADABLE.items():
        (inbox / name).write_bytes(data)
        folder.unreadable[name] = line
    text = transcript_text(CLIENTS[4], 1)
    (inbox / "latin1.txt").write_bytes(_latin1(text, 9))
    (inbox / "latin1-crlf.txt").write_bytes(_latin1(text, 11, crlf=True))
    folder.unreadable |= {"latin1.txt": 9, "latin1-crlf.txt": 11}

    # A hidden file is not a transcript and is not looked at.
    (inbox / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00")

    visible = sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))
    assert len(visible) == 50
    assert sorted([*folder.good, *folder.unreadable, *folder.refused]) == visible
    return folder


def _error_lines(stderr: str, folder: Path) -> dict[str, str]:
    """The stderr lines, by the file each one names (as given, or by its base name)."""
    found: dict[str, str] = {}
    for line in stderr.splitlines():
        assert line.startswith("error: "), line
        name = line.removeprefix("error: ").removeprefix(f"{folder}/").split(":", 1)[0]
        assert name not in found, f"{name} reported twice"
        found[name] = line
    return found


def test_a_mixed_folder_names_each_bad_file_with_its_line_and_exits_1(mixed):
    result = caselog(mixed.db, "ingest", str(mixed.path))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    errors = _error_lines(result.stderr, mixed.path)
    assert sorted(errors) == sorted([*mixed.unreadable, *mixed.refused])
    for name, line in mixed.unreadable.items():
        assert f"{mixed.path / name}:{line}: expected" in errors[name]
    for name, says in mixed.refused.items():
        assert says in errors[name]
    assert ".DS_Store" not in result.stdout + result.stderr


def test_a_mixed_folder_still_records_every_good_file(mixed):
    assert caselog(mixed.db, "ingest", str(mixed.path)).returncode == 1
    clients = json.loads(caselog(mixed.db, "clients", "--json").stdout)
    assert {c["name"]: c["sessions"] for c in clients} == {
        **{name: list(GOOD_SESSIONS) for name in GOOD_CLIENTS},
        "Alicia Rodriguez": [1, 2],
        CONFLICTED: [1, 2],
    }
    sources = {
        s["number"]: s["source"]["file"]
        for s in json.loads(caselog(mixed.db, "sessions", CONFLICTED, "--json").stdout)
    }
    assert sources == {1: "same-session-a.txt", 2: "conflicted-s2.txt"}


def test_a_mixed_folder_reports_each_file_once_in_json_with_its_status(mixed):
    result = caselog(mixed.db, "ingest", str(mixed.path), "--json")
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    by_name = {Path(r["file"]).name: r for r in rows}
    assert len(rows) == len(by_name) == 50
    assert {name: by_name[name]["status"] for name in mixed.good} == mixed.good
    bad = [*mixed.unreadable, *mixed.refused]
    assert all(by_name[name]["status"] == "error" for name in bad)
    assert all(by_name[name]["events"] == 0 and by_name[name]["error"] for name in bad)


def test_ingesting_a_mixed_folder_again_records_nothing_and_reports_the_same_errors(mixed):
    first = caselog(mixed.db, "ingest", str(mixed.path))
    again = caselog(mixed.db, "ingest", str(mixed.path), "--json")
    assert again.returncode == 1
    rows = {Path(r["file"]).name: r for r in json.loads(again.stdout)}
    assert {name: rows[name]["status"] for name in mixed.good} == dict.fromkeys(
        mixed.good, "unchanged"
    )
    assert sum(r["events"] for r in rows.values()) == 0
    errors = {name: f"error: {r['error']}" for name, r in rows.items() if r["error"]}
    assert errors == _error_lines(first.stderr, mixed.path)
