"""WebVTT (Zoom, Teams) and SRT captions through `caselog ingest`, on real stores."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import FIXTURES, Cli, event_count
from tests.importing import (
    IMPORT_FIXTURES,
    clients,
    events,
    one_line_error,
    said,
    sessions,
    srt,
    teams_vtt,
    utterances,
    zoom_vtt,
)

ROLES = ("--role", "Dr. Lee=professional", "--role", "sam=client")
GIVEN = ("--client", "Sam Rivera", "--session", "3", "--date", "2025-03-04", *ROLES)

CUES = [
    (2.0, "Dr. Lee", "Good morning, Sam. How has the week"),
    (4.5, "Dr. Lee", "been since we last met?"),
    (8.2, "Sam", "Honestly, a bit rough."),
    (11.0, None, "Work was a lot."),
    (65.2, "Dr. Lee", "Before our next session, I'd like you to write down one worry each night."),
    (3725.0, "Sam", "I can do that."),
]
MERGED = [
    (
        "professional",
        "Dr. Lee",
        "00:00:02",
        "Good morning, Sam. How has the week been since we last met?",
    ),
    ("client", "Sam", "00:00:08", "Honestly, a bit rough. Work was a lot."),
    (
        "professional",
        "Dr. Lee",
        "00:01:05",
        "Before our next session, I'd like you to write down one worry each night.",
    ),
    ("client", "Sam", "01:02:05", "I can do that."),
]


@pytest.mark.parametrize(
    ("name", "build"), [("zoom.vtt", zoom_vtt), ("teams.vtt", teams_vtt), ("call.srt", srt)]
)
def test_caption_files_ingest_to_speakers_roles_utterances_and_clock_times(
    tmp_path, cli, db, name, build
):
    path = tmp_path / name
    path.write_text(build(CUES))
    result = cli("ingest", str(path), *GIVEN, "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["status"], row["client"], row["session"]) == ("recorded", "Sam Rivera", 3)

    assert said(cli, "sam", 3) == MERGED
    (session,) = sessions(cli, "sam")
    assert session["utterances"] == 4
    assert session["date"] == "2025-03-04"
    assert session["professional"] == "Dr. Lee"
    assert session["source"]["format"] == name.rsplit(".", 1)[1]
    assert session["ended"]["reason"] == "end_of_recording"
    homework = json.loads(cli("homework", "sam", "--json").stdout)
    assert [h["text"] for h in homework] == ["write down one worry each night"]


def test_consecutive_cues_of_one_speaker_are_one_utterance_spanning_their_lines(tmp_path, cli):
    path = tmp_path / "zoom.vtt"
    path.write_text(zoom_vtt(CUES))
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    lines = path.read_text().splitlines()
    first, second = utterances(cli, "sam", 3)[:2]
    # Cue 1 opens at its number (line 3), cue 2 ends at 9; cue 4 (naming nobody) ends at 17.
    assert first["lines"] == {"first": 3, "last": 9}
    assert lines[8] == "Dr. Lee: been since we last met?"
    assert second["lines"] == {"first": 11, "last": 17}
    assert lines[16] == "Work was a lot."


def test_a_teams_cue_may_switch_speaker_on_a_later_line(tmp_path, cli):
    path = tmp_path / "teams.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Dr. Lee>How are you?</v>\n"
        "<v Sam>Fine, thanks.</v>\n"
    )
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    assert said(cli, "sam", 3) == [
        ("professional", "Dr. Lee", "00:00:01", "How are you?"),
        ("client", "Sam", "00:00:01", "Fine, thanks."),
    ]


def test_reingesting_a_caption_file_reports_unchanged_and_records_nothing(tmp_path, cli, db):
    path = tmp_path / "zoom.vtt"
    path.write_text(zoom_vtt(CUES))
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    before = event_count(db)
    rows = json.loads(cli("ingest", str(path), *GIVEN, "--json").stdout)
    assert [r["status"] for r in rows] == ["unchanged"]
    assert event_count(db) == before


def test_a_sidecar_supplies_client_session_date_roles_and_professional(tmp_path, cli):
    path = tmp_path / "teams.vtt"
    path.write_text(teams_vtt(CUES))
    (tmp_path / "teams.vtt.meta.json").write_text(
        json.dumps(
            {
                "client": "Sam Rivera",
                "session": 4,
                "date": "2025-03-11",
                "roles": {"DR. LEE": "professional", "Sam": "client"},
                "professional": "Dr. Jordan Lee",
            }
        )
    )
    assert cli("ingest", str(path)).exit_code == 0
    (session,) = sessions(cli, "Sam Rivera")
    assert (session["number"], session["date"], session["professional"]) == (
        4,
        "2025-03-11",
        "Dr. Jordan Lee",
    )
    assert [r for r, *_ in said(cli, "sam", 4)] == ["professional", "client"] * 2


def test_options_override_the_sidecar(tmp_path, cli):
    path = tmp_path / "zoom.vtt"
    path.write_text(zoom_vtt(CUES))
    (tmp_path / "zoom.vtt.meta.json").write_text(
        json.dumps(
            {
                "client": "Somebody Else",
                "session": 9,
                "date": "2024-01-01",
                "roles": {"Dr. Lee": "client", "Sam": "client"},
            }
        )
    )
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    assert [c["name"] for c in clients(cli)] == ["Sam Rivera"]
    (session,) = sessions(cli, "sam")
    assert (session["number"], session["date"]) == (3, "2025-03-04")
    assert [r for r, *_ in said(cli, "sam", 3)] == ["professional", "client"] * 2


def test_a_broken_sidecar_is_one_line_naming_it_and_its_line(tmp_path, cli, db):
    path = tmp_path / "zoom.vtt"
    path.write_text(zoom_vtt(CUES))
    (tmp_path / "zoom.vtt.meta.json").write_text('{\n  "client": "Sam",\n  "session": "three"\n}')
    message = one_line_error(cli("ingest", str(path), *ROLES))
    assert message.startswith(f'error: {path}.meta.json:3: expected a valid "session"')
    assert event_count(db) == 0


def test_a_folder_of_caption_files_skips_their_sidecars(tmp_path, cli):
    folder = tmp_path / "calls"
    folder.mkdir()
    for n in (1, 2):
        (folder / f"call{n}.vtt").write_text(zoom_vtt(CUES[: n + 2]))
        meta = {"client": "Sam Rivera", "session": n, "roles": {"Dr. Lee": "professional"}}
        (folder / f"call{n}.vtt.meta.json").write_text(json.dumps(meta))
    rows = json.loads(cli("ingest", str(folder), "--role", "Sam=client", "--json").stdout)
    assert [(r["file"].rsplit("/", 1)[1], r["status"]) for r in rows] == [
        ("call1.vtt", "recorded"),
        ("call2.vtt", "recorded"),
    ]


@pytest.mark.parametrize(
    ("leave_out", "says"),
    [
        (("--client", "Sam Rivera"), 'expected the client\'s name: give --client NAME or "client"'),
        (("--session", "3"), 'expected the session number: give --session N or "session"'),
        (
            ("--role", "sam=client"),
            'speaker \'Sam\' has no role: give --role "Sam=client" or --role "Sam=professional"',
        ),
    ],
)
def test_a_missing_client_session_or_role_is_one_line_naming_the_option(
    tmp_path, cli, db, leave_out, says
):
    path = tmp_path / "zoom.vtt"
    path.write_text(zoom_vtt(CUES))
    given = list(GIVEN)
    at = next(i for i in range(len(given) - 1) if tuple(given[i : i + 2]) == leave_out)
    del given[at : at + 2]
    message = one_line_error(cli("ingest", str(path), *given))
    assert message.startswith(f"error: {path}:")
    assert says in message and "zoom.vtt.meta.json" in message
    assert event_count(db) == 0


def test_several_speakers_without_a_role_are_named_in_one_line(tmp_path, cli):
    path = tmp_path / "zoom.vtt"
    path.write_text(zoom_vtt([(1, "Kim", "Hello."), (3, "Ana", "Hi."), (5, "Kim", "Well.")]))
    message = one_line_error(cli("ingest", str(path), "--client", "Ana", "--session", "1"))
    assert message == (
        f"error: {path}:5: speakers without a role: 'Kim' (line 5), 'Ana' (line 9); give "
        '--role "LABEL=client" or --role "LABEL=professional" for each, or map them under '
        '"roles" in zoom.vtt.meta.json'
    )


BROKEN = {
    "a broken WebVTT timing line": (
        "zoom.vtt",
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nSam: hi\n\n2\n00:00:0x.000 --> 00:00:05.000\n"
        "Sam: there\n",
        8,
        "expected a cue timing line like '00:00:01.000 --> 00:00:04.000'",
    ),
    "a WebVTT time out of range": (
        "zoom.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nSam: hi\n\n"
        "00:00:61.000 --> 00:01:05.000\nSam: x\n",
        6,
        "expected a cue timing line",
    ),
    "a broken SRT timing line": (
        "call.srt",
        "1\n00:00:01,000 --> 00:00:03,000\nSam: hi\n\n2\n00:00:04 --> 00:00:05,000\nSam: there\n",
        6,
        "expected a cue timing line like '00:00:01,000 --> 00:00:04,000'",
    ),
    "no WEBVTT line": (
        "zoom.vtt",
        "1\n00:00:01.000 --> 00:00:03.000\nSam: hi\n",
        1,
        "expected 'WEBVTT' on the first line",
    ),
    "text outside any cue": (
        "zoom.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nSam: hi\n\nwords after a blank line\n",
        6,
        "expected a cue timing line like '00:00:01.000 --> 00:00:04.000' before this text",
    ),
    "a cue without text": (
        "zoom.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n\n00:00:03.000 --> 00:00:04.000\nSam: hi\n",
        3,
        "expected the cue's text",
    ),
    "a first cue naming nobody": (
        "zoom.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nhello there\n",
        4,
        "expected a speaker: a cue like 'Name: words' (Zoom) or '<v Name>words</v>' (Teams)",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_unreadable_captions_are_one_line_naming_file_and_line_and_store_nothing(
    tmp_path, cli, db, case
):
    name, text, line, says = BROKEN[case]
    good = tmp_path / "good.vtt"
    good.write_text(zoom_vtt(CUES))
    assert cli("ingest", str(good), *GIVEN).exit_code == 0
    before, known = event_count(db), clients(cli)
    path = tmp_path / name
    path.write_text(text)
    message = one_line_error(cli("ingest", str(path), *GIVEN[:2], "--session", "4", *ROLES))
    assert message.startswith(f"error: {path}:{line}: ")
    assert says in message
    assert event_count(db) == before and clients(cli) == known


def test_captions_in_a_txt_file_are_read_when_the_format_is_forced(tmp_path, cli):
    path = tmp_path / "captions.txt"
    path.write_text(zoom_vtt(CUES))
    assert cli("ingest", str(path), *GIVEN, "--format", "VTT").exit_code == 0
    assert len(utterances(cli, "sam", 3)) == 4


def test_the_bundled_examples_ingest_as_the_readme_shows(cli):
    zoom = IMPORT_FIXTURES / "zoom.vtt"
    assert cli("ingest", str(zoom), *GIVEN).exit_code == 0
    assert cli("ingest", str(IMPORT_FIXTURES / "teams.vtt")).exit_code == 0
    srt_file = IMPORT_FIXTURES / "session.srt"
    assert cli("ingest", str(srt_file), *GIVEN[:2], "--session", "5", *ROLES).exit_code == 0
    assert [s["number"] for s in sessions(cli, "sam")] == [3, 4, 5]
    assert [s["utterances"] for s in sessions(cli, "sam")] == [6, 4, 3]
    assert {e["type"] for e in events(cli, "sam")} >= {"HomeworkAssigned", "SessionEnded"}


def test_a_captioned_session_that_just_stops_exports_to_fhir_as_finished(tmp_path):
    cli = Cli(str(tmp_path / "store.db"))
    path = tmp_path / "zoom.vtt"
    shutil.copy(FIXTURES / "import" / "zoom.vtt", path)
    assert cli("ingest", str(path), *GIVEN).exit_code == 0
    bundle = json.loads(cli("export", "sam", "--format", "fhir").stdout)
    (encounter,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Encounter"
    ]
    assert encounter["status"] == "finished"
