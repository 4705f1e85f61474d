"""Otter.ai text exports through `caselog ingest`, on real stores."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import event_count, seed
from tests.importing import IMPORT_FIXTURES, clients, events, one_line_error, said, sessions

GIVEN = ("--client", "Sam Rivera", "--session", "6", "--role", "Dr. Lee=professional")
ROLES = ("--role", "Sam=client")

EXPORT = """\
Dr. Lee  0:03
Good morning, Sam. How has this week been?

Sam  0:11
Better, mostly. There was one bad night
after a call with my manager.

I wrote the worry down, and it helped a little.

Dr. Lee  1:02:07
Let's look at that call together.

Transcribed by https://otter.ai
"""


def test_an_otter_export_ingests_to_speakers_paragraphs_and_times(tmp_path, cli, db):
    path = tmp_path / "otter.txt"
    path.write_text(EXPORT)
    result = cli("ingest", str(path), *GIVEN, *ROLES, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["status"] == "recorded"
    assert said(cli, "sam", 6) == [
        ("professional", "Dr. Lee", "00:00:03", "Good morning, Sam. How has this week been?"),
        (
            "client",
            "Sam",
            "00:00:11",
            "Better, mostly. There was one bad night\nafter a call with my manager.\n\n"
            "I wrote the worry down, and it helped a little.",
        ),
        ("professional", "Dr. Lee", "01:02:07", "Let's look at that call together."),
    ]
    (session,) = sessions(cli, "sam")
    assert (session["utterances"], session["source"]["format"]) == (3, "otter")
    assert session["professional"] == "Dr. Lee"


def test_the_otter_credit_is_a_header_field_not_speech(tmp_path, cli):
    path = tmp_path / "otter.txt"
    path.write_text(EXPORT)
    assert cli("ingest", str(path), *GIVEN, *ROLES).exit_code == 0
    opened = next(e for e in events(cli, "sam") if e["type"] == "SessionOpened")
    assert opened["header"] == [["Transcribed by", "https://otter.ai"]]
    last = [e for e in events(cli, "sam") if e["type"] == "UtteranceRecorded"][-1]
    assert last["lines"] == {"first": 10, "last": 11}


def test_each_otter_speaker_line_is_a_turn_even_for_the_same_speaker(tmp_path, cli):
    path = tmp_path / "otter.txt"
    path.write_text("Sam  0:01\nFirst thought.\n\nSam  0:40\nSecond thought.\n")
    assert cli("ingest", str(path), *GIVEN, *ROLES).exit_code == 0
    assert [(s, c) for _, s, c, _ in said(cli, "sam", 6)] == [
        ("Sam", "00:00:01"),
        ("Sam", "00:00:40"),
    ]


def test_an_otter_txt_in_a_folder_is_detected_beside_a_text_format_transcript(tmp_path, cli):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "otter.txt").write_text(EXPORT)
    (folder / "otter.txt.meta.json").write_text(
        json.dumps({"client": "Sam Rivera", "session": 6, "roles": {"dr. lee": "professional"}})
    )
    shutil.copy(seed("000"), folder / seed("000").name)
    result = cli("ingest", str(folder), *ROLES, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted((r["client"], r["session"]) for r in rows) == [("Alex", 5), ("Sam Rivera", 6)]


def test_the_bundled_otter_example_ingests_as_the_readme_shows(cli):
    path = IMPORT_FIXTURES / "otter.txt"
    assert cli("ingest", str(path), *GIVEN, *ROLES).exit_code == 0
    assert [u[1] for u in said(cli, "sam", 6)] == ["Dr. Lee", "Sam", "Dr. Lee"]


BROKEN = {
    "a paragraph before any speaker line": ("Hello everyone.\n\nSam  0:03\nHi.\n", 1),
    "a speaker line with nothing said": ("Sam  0:03\n\nDr. Lee  0:09\nHi.\n", 1),
    "a later preface before the first speaker": ("\n\nSome notes\nSam  0:03\nHi.\n", 3),
}


@pytest.mark.parametrize("case", BROKEN)
@pytest.mark.parametrize("forced", [(), ("--format", "otter")])
def test_unreadable_otter_exports_are_one_line_naming_file_and_line_and_store_nothing(
    tmp_path, cli, db, case, forced
):
    text, line = BROKEN[case]
    path = tmp_path / "otter.txt"
    path.write_text(text)
    message = one_line_error(cli("ingest", str(path), *GIVEN, *ROLES, *forced))
    assert message.startswith(f"error: {path}:{line}: expected ")
    assert event_count(db) == 0 and clients(cli) == []


def test_an_otter_speaker_without_a_role_is_named_with_its_line(tmp_path, cli, db):
    path = tmp_path / "otter.txt"
    path.write_text(EXPORT)
    message = one_line_error(cli("ingest", str(path), *GIVEN))
    assert message.startswith(f"error: {path}:4: speaker 'Sam' has no role: give --role")
    assert event_count(db) == 0
