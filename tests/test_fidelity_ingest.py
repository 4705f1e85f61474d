"""Through the CLI: inferred facts shown and kept, --strict, --professional, near names."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from caselog.adapters.store import open_store
from caselog.application.records import Records
from caselog.domain.events import ClientRegistered, SessionOpened
from tests.conftest import Cli, event_count


@pytest.fixture
def cli(sqlite_db: str) -> Cli:
    return Cli(sqlite_db)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def c_text(intro: str, number: int = 1, address: str = "Thanks, Dr. Okafor.") -> str:
    return (
        f"Session Number: {number}\n\nPatient: {intro}\n\n"
        "Therapist: Welcome. What brings you in today?\n\n"
        f"Patient: {address} Work has been a lot, and my manager, Greg, keeps piling on.\n\n"
        "Therapist: Let's look at that together.\n"
    )


def a_text(client: str, professional: str = "Dr. Dana Hale", number: int = 1) -> str:
    first = client.split()[-1] if client.split()[0].endswith(".") else client.split()[0]
    return (
        f"Session {number}/10\nDate: July 31, 2025\nClient: {client}\n"
        f"Professional: {professional}\n\n[10:00] Dr. Hale: Good morning.\n\n"
        f"[10:01] {first}: Morning.\n\n[10:40] End of session\n"
    )


def opened(db: str) -> list[SessionOpened]:
    app = open_store(db).app
    return [
        e
        for _, name in app.registered_clients()
        for e in app.client_events(app.client_id_for(name))
        if isinstance(e, SessionOpened)
    ]


def test_inferred_client_and_professional_are_shown_and_kept_in_the_event(
    cli: Cli, tmp_path: Path
) -> None:
    path = write(tmp_path, "intake.txt", c_text("Hello. My name is Mr. Otis Grant."))
    result = cli("ingest", path)
    assert result.exit_code == 0, result.output
    assert "Otis Grant (inferred)" in result.stdout
    assert "client Otis Grant (self introduction, line 3)" in result.stdout
    assert "professional Dr. Okafor (direct address, line 7)" in result.stdout
    (event,) = opened(cli.db)
    assert event.client_title == "Mr."
    assert {(i.fact, i.value, i.source) for i in event.inferred} == {
        ("client", "Otis Grant", "self_introduction"),
        ("professional", "Dr. Okafor", "direct_address"),
    }


def test_json_lists_each_inference_with_its_source_and_evidence(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "intake.txt", c_text("Hi, I'm Niamh O'Hara."))
    (row,) = json.loads(cli("ingest", path, "--json").stdout)
    client = next(i for i in row["inferred"] if i["fact"] == "client")
    assert client == {
        "fact": "client",
        "value": "Niamh O'Hara",
        "source": "self_introduction",
        "subject": None,
        "line": 3,
        "evidence": "I'm Niamh O'Hara",
    }


def test_strict_refuses_a_file_whose_client_was_inferred_and_stores_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    path = write(tmp_path, "intake.txt", c_text("Hi, I'm Niamh O'Hara."))
    result = cli("ingest", path, "--strict")
    assert result.exit_code == 1
    assert "intake.txt:3: --strict: the client 'Niamh O'Hara' was inferred" in result.stderr
    assert "--client NAME" in result.stderr
    assert not Path(cli.db).exists() or event_count(cli.db) == 0


def test_strict_accepts_the_same_file_with_client_and_professional_stated(
    cli: Cli, tmp_path: Path
) -> None:
    path = write(tmp_path, "intake.txt", c_text("Hi, I'm Niamh O'Hara."))
    result = cli(
        "ingest", path, "--strict", "--client", "Niamh O'Hara", "--professional", "Dr. Ife Okafor"
    )
    assert result.exit_code == 0, result.output
    (event,) = opened(cli.db)
    assert event.professional == "Dr. Ife Okafor" and event.inferred == ()


def test_strict_refuses_an_inferred_professional_naming_the_option(
    cli: Cli, tmp_path: Path
) -> None:
    path = write(tmp_path, "intake.txt", c_text("Hi, I'm Niamh O'Hara."))
    result = cli("ingest", path, "--strict", "--client", "Niamh O'Hara")
    assert result.exit_code == 1 and "--professional NAME" in result.stderr


def test_professional_option_replaces_an_unclear_professional(cli: Cli, tmp_path: Path) -> None:
    text = c_text("Hi, I'm Niamh O'Hara.", address="Thanks.")
    path = write(tmp_path, "intake.txt", text)
    result = cli("ingest", path)
    assert "professional unknown" in result.stdout
    (event,) = opened(cli.db)
    assert event.professional is None

    other = write(tmp_path, "second.txt", text.replace("Number: 1", "Number: 2"))
    assert cli("ingest", other, "--professional", "Dr. Ife Okafor").exit_code == 0
    assert {e.professional for e in opened(cli.db)} == {None, "Dr. Ife Okafor"}


def test_a_file_whose_client_is_unknown_is_refused_with_the_option_named(
    cli: Cli, tmp_path: Path
) -> None:
    path = write(tmp_path, "intake.txt", c_text("Hi. I'm Belgian, and I'm exhausted."))
    result = cli("ingest", path)
    assert result.exit_code == 1
    assert "intake.txt:3: expected the client's name" in result.stderr
    assert "--client NAME" in result.stderr


def test_a_title_is_not_part_of_the_identity_and_is_kept(cli: Cli, tmp_path: Path) -> None:
    assert (
        cli("ingest", write(tmp_path, "a1.txt", a_text("Mrs. Ada Byrne", number=1))).exit_code == 0
    )
    assert cli("ingest", write(tmp_path, "a2.txt", a_text("Ada Byrne", number=2))).exit_code == 0
    records = Records(open_store(cli.db).app)
    (client,) = records.clients()
    assert client.name == "Ada Byrne"
    app = open_store(cli.db).app
    registered = app.client_events(app.client_id_for("Ada Byrne"))[0]
    assert isinstance(registered, ClientRegistered) and registered.title == "Mrs."


def test_the_same_name_typed_two_ways_is_one_client(cli: Cli, tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Zoë Brontë")
    assert cli("ingest", write(tmp_path, "z1.txt", a_text("Zoë Brontë", number=1))).exit_code == 0
    assert cli("ingest", write(tmp_path, "z2.txt", a_text(nfd, number=2))).exit_code == 0
    (client,) = Records(open_store(cli.db).app).clients()
    assert client.sessions == [1, 2]


def test_lookups_fold_case_and_accents(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", write(tmp_path, "i.txt", a_text("Inês Carvalho"))).exit_code == 0
    for query in ("ines carvalho", "INES", "Inês"):
        result = cli("sessions", query, "--json")
        assert result.exit_code == 0, result.output
        assert [s["number"] for s in json.loads(result.stdout)] == [1]
    assert cli("sessions", "inez").exit_code == 1


def test_a_new_client_close_to_a_recorded_one_is_warned_about_naming_both(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("ingest", write(tmp_path, "i1.txt", a_text("Inês Carvalho"))).exit_code == 0
    result = cli("ingest", write(tmp_path, "i2.txt", a_text("Ines Carvalho")))
    assert result.exit_code == 0
    assert "new client 'Ines Carvalho' is close to recorded client 'Inês Carvalho'" in (
        result.stderr
    )
    assert "accents" in result.stderr
    quiet = cli("ingest", write(tmp_path, "t.txt", a_text("Tomas Reyes")))
    assert "warning" not in quiet.stderr


def test_a_near_name_is_in_json_too(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", write(tmp_path, "n1.txt", a_text("Niamh O'Hara"))).exit_code == 0
    rows = json.loads(cli("ingest", write(tmp_path, "n2.txt", a_text("Niamh")), "--json").stdout)
    assert rows[0]["similar_clients"] == [
        {"name": "Niamh O'Hara", "why": "one name is the start of the other"}
    ]


def test_an_unknown_speaker_is_refused_through_the_cli_and_stores_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    text = a_text("Ada Byrne").replace("[10:40] End", "Mother: She never listens.\n\n[10:40] End")
    result = cli("ingest", write(tmp_path, "family.txt", text))
    assert result.exit_code == 1
    assert "family.txt:10: expected a speaker named in the header" in result.stderr
    assert "Traceback" not in result.output
    assert not Path(cli.db).exists() or event_count(cli.db) == 0


def test_replay_and_sessions_show_what_was_inferred(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", write(tmp_path, "c.txt", c_text("Hi, I'm Niamh O'Hara."))).exit_code == 0
    replay = cli("replay", "niamh", "--session", "1")
    assert "Inferred: client Niamh O'Hara (self introduction, line 3)" in replay.stdout
    (view,) = json.loads(cli("sessions", "niamh", "--json").stdout)
    assert {i["fact"] for i in view["inferred"]} == {"client", "professional"}
