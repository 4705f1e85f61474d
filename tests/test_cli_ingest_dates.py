"""`caselog ingest` and header dates: --date, --day-first, --month-first, on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from caselog.adapters.store import open_store
from caselog.application.records import Records
from tests.conftest import event_count, seed
from tests.importing import sessions


def transcript(folder: Path, date: str, name: str = "s14.txt", time: str = "2:30 PM") -> Path:
    """A format A file for Alex's session 14 whose Date: line (line 2) reads ``date``."""
    path = folder / name
    path.write_text(
        f"Session 14/24\nDate: {date}\nTime: {time}\nClient: Alex (Product Designer)\n"
        "Professional: Dr. Harper Torres (Licensed Clinical Psychologist)\n\n"
        "[14:30] Dr. Torres: Hello Alex.\n\n[14:31] Alex: Hi.\n\n[14:32] End of session\n"
    )
    return path


def stored(cli, client: str = "alex") -> list[tuple[int, str | None, str | None]]:
    return [(s["number"], s["date"], s["start_time"]) for s in sessions(cli, client)]


def test_a_written_date_and_time_are_stored_as_iso_date_and_24_hour_time(tmp_path, cli):
    path = transcript(tmp_path, "Thursday, July 31st, 2025")
    assert cli("ingest", str(path)).exit_code == 0
    assert stored(cli) == [(14, "2025-07-31", "14:30")]


def test_an_ambiguous_date_is_refused_with_one_line_naming_the_options_and_stores_nothing(
    tmp_path, cli, db
):
    path = transcript(tmp_path, "03/04/2025")
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}:2: expected a date whose order is clear: '03/04/2025' could be "
        "2025-04-03 (day first) or 2025-03-04 (month first); give --day-first or "
        "--month-first, or the date as --date YYYY-MM-DD\n"
    )
    assert event_count(db) == 0


def test_day_first_and_month_first_settle_an_ambiguous_date(tmp_path, cli):
    assert cli("ingest", "--day-first", str(transcript(tmp_path, "03/04/2025"))).exit_code == 0
    assert stored(cli) == [(14, "2025-04-03", "14:30")]
    other = transcript(tmp_path, "03/04/2025", name="marcus.txt")
    other.write_text(other.read_text().replace("Alex", "Marc"))
    assert cli("ingest", "--month-first", str(other)).exit_code == 0
    assert stored(cli, "marc") == [(14, "2025-03-04", "14:30")]


def test_day_first_applies_to_every_file_of_a_folder(tmp_path, cli):
    folder = tmp_path / "folder"
    folder.mkdir()
    transcript(folder, "03/04/2025", name="a.txt")
    later = transcript(folder, "10/04/2025", name="b.txt")
    later.write_text(later.read_text().replace("Session 14/24", "Session 15/24"))
    assert cli("ingest", "--day-first", str(folder)).exit_code == 0
    assert stored(cli) == [(14, "2025-04-03", "14:30"), (15, "2025-04-10", "14:30")]


def test_day_first_and_month_first_together_are_a_usage_error(tmp_path, cli, db):
    path = transcript(tmp_path, "03/04/2025")
    result = cli("ingest", "--day-first", "--month-first", str(path))
    assert result.exit_code == 2
    assert "--day-first or --month-first, not both" in result.output
    assert not Path(db).exists()


def test_a_weekday_that_contradicts_the_date_is_refused_and_stores_nothing(tmp_path, cli, db):
    path = transcript(tmp_path, "Friday, July 31, 2025")
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}:2: expected the weekday to agree with the date: 'Friday, July 31, 2025' "
        "says Friday, but 2025-07-31 is a Thursday\n"
    )
    assert event_count(db) == 0


def test_an_unreadable_time_is_refused_at_its_line_and_stores_nothing(tmp_path, cli, db):
    path = transcript(tmp_path, "July 31, 2025", time="after lunch")
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}:3: expected a time such as '10:00 AM', '2:30 PM' or '14:30', "
        "not 'after lunch'\n"
    )
    assert event_count(db) == 0


def test_date_overrides_the_header_date_of_a_single_file(tmp_path, cli, db):
    for written in ("July 31, 2025", "03/04/2025", "someday"):
        path = transcript(tmp_path, written, name=f"{written[:2]}.txt")
        path.write_text(path.read_text().replace("Alex", f"Client {written[:2]}"))
        result = cli("ingest", str(path), "--date", "2025-08-01", "--json")
        assert result.exit_code == 0, result.output
        client = json.loads(result.stdout)[0]["client"]
        assert stored(cli, client) == [(14, "2025-08-01", "14:30")]
    # The header as written is kept beside the date given.
    records = Records(open_store(db).app)
    opened = [e for e in records.client("client ju").history() if e.type == "SessionOpened"]
    assert ["Date", "July 31, 2025"] in opened[0].as_json_line()["header"]


def test_date_dates_a_format_c_file_which_has_no_date_of_its_own(cli):
    assert cli("ingest", str(seed("002")), "--date", "2025-02-03").exit_code == 0
    assert [s["date"] for s in sessions(cli, "alicia")] == ["2025-02-03"]


def test_date_with_more_than_one_file_is_a_usage_error(tmp_path, cli, db):
    result = cli("ingest", str(seed("000")), str(seed("001")), "--date", "2025-08-01")
    assert result.exit_code == 2
    assert "--date applies to a single file" in result.output
    assert not Path(db).exists()
