"""Bad input: one line naming file and line, exit 1, nothing stored, the rest still recorded."""

from __future__ import annotations

import json

import pytest

from tests.conftest import event_count, seed

HEADER = seed("000").read_text(encoding="utf-8").splitlines()[:6]

BAD_INPUTS = {
    "empty.txt": (b"", 1),
    "blank.txt": (b"\n  \n\t\n", 1),
    "binary.txt": (b"Session 5/24\n\x00\x01\x02\x03", 2),
    "latin1.txt": ("\n".join(HEADER[:2]).encode() + b"\nClient: Jos\xe9\n", 3),
    "header_only.txt": ("\n".join(HEADER).encode(), None),
    "no_speaker.txt": (
        (
            "\n".join(HEADER) + "\n\nWelcome back, how was the week?\n\n[10:03] Alex: Fine.\n"
        ).encode(),
        8,
    ),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_one_line_naming_the_file_and_line_and_stores_nothing(tmp_path, cli, db, name):
    data, line = BAD_INPUTS[name]
    cli("ingest", str(seed("002")))
    before = event_count(db)
    path = tmp_path / name
    path.write_bytes(data)
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert message.startswith(f"error: {path}:")
    if line is not None:
        assert message.startswith(f"error: {path}:{line}:")
    assert "Traceback" not in result.output
    assert event_count(db) == before


def test_one_bad_file_fails_the_run_but_the_good_files_are_recorded(tmp_path, cli, db):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = cli("ingest", str(bad), str(seed("002")), str(seed("004")), "--json")
    assert result.exit_code == 1
    rows = {r["file"]: r for r in json.loads(result.stdout)}
    assert rows[str(bad)]["status"] == "error" and str(bad) in rows[str(bad)]["error"]
    assert rows[str(seed("002"))]["status"] == rows[str(seed("004"))]["status"] == "recorded"


def test_a_missing_file_is_an_error_naming_it(tmp_path, cli):
    result = cli("ingest", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.txt'}:1: cannot read the file" in result.stderr


def test_an_unknown_forced_format_is_bad_usage(cli):
    result = cli("ingest", str(seed("002")), "--format", "Z")
    assert result.exit_code == 2
