"""Header dates and times: every written form read, every doubtful one refused at its line."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caselog.adapters.parsing import ImportOptions, parse_sessions, parse_transcript
from caselog.adapters.parsing.dates import parse_date, parse_time
from caselog.domain.errors import TranscriptError
from tests.conftest import seed

NAME = "notes/session.txt"
JULY_31 = dt.date(2025, 7, 31)  # a Thursday


def format_a(date: str = "July 31, 2025", time: str = "10:00 AM") -> bytes:
    """A format A transcript: its Date: line is line 2, its Time: line line 3."""
    return (
        f"Session 14/24\nDate: {date}\nTime: {time}\nClient: Alex (Product Designer)\n"
        "Professional: Dr. Harper Torres (Licensed Clinical Psychologist)\n\n"
        "[10:00] Dr. Torres: Hello Alex.\n\n[2:05 PM] Alex: Hi.\n"
    ).encode()


def format_b(date: str) -> bytes:
    return (
        f"Session 14/24\nClient: Alex\nProfessional: Dr. Harper Torres\nDate: {date}\n\n"
        "**[10:00]**\nDr. Torres: Hello Alex.\n\nAlex: Hi.\n"
    ).encode()


def refused(data: bytes, **kwargs: object) -> TranscriptError:
    with pytest.raises(TranscriptError) as info:
        parse_transcript(data, NAME, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == f"{NAME}:{info.value.line}: {info.value.expected}"
    return info.value


@pytest.mark.parametrize(
    ("written", "source"),
    [
        ("2025-07-31", "header_iso"),
        ("2025/07/31", "header_iso"),
        ("2025-07-31T10:00", "header_iso"),
        ("2025-07-31T10:00:00Z", "header_iso"),
        ("2025-07-31 10:00", "header_iso"),
        ("31/07/2025", "header_day_first_unambiguous"),
        ("31-07-2025", "header_day_first_unambiguous"),
        ("31.07.2025", "header_day_first_unambiguous"),
        ("07/31/2025", "header_month_first_unambiguous"),
        ("07-31-2025", "header_month_first_unambiguous"),
        ("7.31.2025", "header_month_first_unambiguous"),
        ("July 31st, 2025", "header_month_name"),
        ("July 31, 2025", "header_month_name"),
        ("July 31 2025", "header_month_name"),
        ("31 July 2025", "header_month_name"),
        ("31st of July 2025", "header_month_name"),
        ("Jul 31, 2025", "header_month_name"),
        ("Jul. 31, 2025", "header_month_name"),
        ("31-Jul-2025", "header_month_name"),
        ("Thursday, July 31, 2025", "header_weekday_line"),
        ("Thu 31 Jul 2025", "header_weekday_line"),
        ("Thursday 31 July 2025", "header_weekday_line"),
        ("Thurs., 31st of July 2025", "header_weekday_line"),
        ("thursday, 2025-07-31", "header_weekday_line"),
        ("JULY 31ST, 2025", "header_month_name"),
        ("  july   31,  2025  ", "header_month_name"),
    ],
)
def test_each_written_form_of_a_header_date_is_read_with_its_source(written, source):
    parsed = parse_transcript(format_a(written), NAME)
    assert (parsed.date, parsed.date_source) == (JULY_31, source)
    assert ("Date", written.strip()) in parsed.header  # as written


def test_an_abbreviated_september_with_a_dot_is_read():
    parsed = parse_transcript(format_a("Sept. 3, 2025"), NAME)
    assert parsed.date == dt.date(2025, 9, 3)


def test_a_numeric_date_with_the_same_day_and_month_is_read_either_way():
    parsed = parse_transcript(format_a("05/05/2025"), NAME)
    assert (parsed.date, parsed.date_source) == (dt.date(2025, 5, 5), "header_same_day_and_month")


def test_a_weekday_with_a_numeric_date_keeps_the_order_as_its_source():
    parsed = parse_transcript(format_a("Thursday 31/07/2025"), NAME)
    assert (parsed.date, parsed.date_source) == (JULY_31, "header_day_first_unambiguous")


def test_an_ambiguous_numeric_date_is_refused_at_its_line_naming_both_readings_and_the_options():
    error = refused(format_a("03/04/2025"))
    assert error.line == 2
    assert error.expected == (
        "expected a date whose order is clear: '03/04/2025' could be 2025-04-03 (day first) "
        "or 2025-03-04 (month first); give --day-first or --month-first, "
        "or the date as --date YYYY-MM-DD"
    )


@pytest.mark.parametrize("written", ["03.04.2025", "3-4-2025", "Thursday 03/04/2025"])
def test_every_ambiguous_numeric_spelling_is_refused(written):
    assert "--day-first" in refused(format_a(written)).expected


@pytest.mark.parametrize(
    ("order", "expected", "source"),
    [
        ("day_first", dt.date(2025, 4, 3), "header_day_first_option"),
        ("month_first", dt.date(2025, 3, 4), "header_month_first_option"),
    ],
)
def test_the_date_order_option_settles_an_ambiguous_date(order, expected, source):
    options = ImportOptions(date_order=order)
    parsed = parse_transcript(format_a("03/04/2025"), NAME, options=options)
    assert (parsed.date, parsed.date_source) == (expected, source)


def test_the_date_order_option_does_not_turn_an_unambiguous_date_around():
    options = ImportOptions(date_order="month_first")
    parsed = parse_transcript(format_a("31/07/2025"), NAME, options=options)
    assert (parsed.date, parsed.date_source) == (JULY_31, "header_day_first_unambiguous")


def test_a_weekday_that_contradicts_the_date_is_refused_naming_both():
    error = refused(format_a("Friday, July 31, 2025"))
    assert error.line == 2
    assert error.expected == (
        "expected the weekday to agree with the date: 'Friday, July 31, 2025' says Friday, "
        "but 2025-07-31 is a Thursday"
    )


def test_a_weekday_is_checked_against_a_date_read_by_the_order_option():
    options = ImportOptions(date_order="day_first")  # 3 April 2025 was a Thursday
    assert parse_transcript(format_a("Thu 03/04/2025"), NAME, options=options).date.month == 4
    options = ImportOptions(date_order="month_first")  # 4 March 2025 was a Tuesday
    with pytest.raises(TranscriptError, match="says Thursday, but 2025-03-04 is a Tuesday"):
        parse_transcript(format_a("Thu 03/04/2025"), NAME, options=options)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("someday", "expected a date such as 'July 31, 2025', '31 July 2025' or '2025-07-31'"),
        ("Smarch 3, 2025", "expected a date such as"),
        ("February 30, 2025", "expected a date that exists, not 'February 30, 2025'"),
        ("31/31/2025", "expected a date that exists"),
        ("03/04/25", "expected a four-digit year"),
        ("July 2025", "expected a date such as"),
        ("", "expected a date such as"),
    ],
)
def test_an_unreadable_header_date_is_refused_at_its_line(written, expected):
    error = refused(format_a(written))
    assert error.line == 2 and error.expected.startswith(expected)


def test_format_b_reads_and_refuses_dates_the_same_way_at_their_own_line():
    parsed = parse_transcript(format_b("31st of July 2025"), NAME)
    assert (parsed.source.format, parsed.date) == ("B", JULY_31)
    assert refused(format_b("04/03/2025")).line == 4


def test_a_date_given_as_an_option_wins_over_the_header_even_one_that_cannot_be_read():
    given = ImportOptions(date=dt.date(2025, 8, 1))
    for written in ("July 31, 2025", "03/04/2025", "someday"):
        parsed = parse_transcript(format_a(written), NAME, options=given)
        assert (parsed.date, parsed.date_source) == (dt.date(2025, 8, 1), "option")
        assert ("Date", written) in parsed.header  # as written, still


def test_a_date_given_as_an_option_dates_formats_c_and_d_which_have_none():
    given = ImportOptions(date=dt.date(2025, 8, 1))
    for prefix in ("002", "003"):
        (parsed,) = parse_sessions(seed(prefix).read_bytes(), seed(prefix).name, options=given)
        assert (parsed.date, parsed.date_source) == (dt.date(2025, 8, 1), "option")
        plain = parse_transcript(seed(prefix).read_bytes(), seed(prefix).name)
        assert (plain.date, plain.date_source) == (None, None)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("10:00 AM", "10:00"),
        ("10:00am", "10:00"),
        ("10 a.m.", "10:00"),
        ("10 A.M.", "10:00"),
        ("14:30", "14:30"),
        ("2:30 PM", "14:30"),
        ("2:30 p.m.", "14:30"),
        ("9.15", "09:15"),
        ("9.15 pm", "21:15"),
        ("12:00 PM", "12:00"),
        ("12:30 AM", "00:30"),
        ("07:05:59", "07:05"),
        ("10:00 AM - 10:50 AM", "10:00"),
        ("10:00 to 10:50", "10:00"),
        ("  10:00  ", "10:00"),
        # A range whose half of the day is written once, at its end, is all in that half.
        ("3:00 - 3:50 PM", "15:00"),
        ("3:00–3:50pm", "15:00"),
        ("9:00 - 9:50 am", "09:00"),
        ("11:30 - 12:20 PM", "11:30"),
        ("12:00 - 12:50 pm", "12:00"),
        # A time zone after the time is kept as written, not read.
        ("10:00 AM EST", "10:00"),
        ("14:00 (CET)", "14:00"),
        ("09:00 UTC+1", "09:00"),
    ],
)
def test_a_header_time_is_stored_as_24_hour_hh_mm(written, stored):
    parsed = parse_transcript(format_a(time=written), NAME)
    assert parsed.start_time == stored
    assert ("Time", written.strip()) in parsed.header  # as written


@pytest.mark.parametrize(
    "written", ["10", "13:00 PM", "0:30 AM", "25:00", "10:60", "noon", "ten", "10:00 - 11:75", ""]
)
def test_an_unreadable_header_time_is_refused_at_its_line(written):
    error = refused(format_a(time=written))
    assert error.line == 3
    assert error.expected == (
        f"expected a time such as '10:00 AM', '2:30 PM' or '14:30', not {written.strip()!r}"
    )


def test_clock_stamps_of_format_a_turns_keep_their_written_form():
    parsed = parse_transcript(format_a(), NAME)
    assert [u.clock for u in parsed.utterances] == ["10:00", "2:05 PM"]


@given(st.text(max_size=40))
def test_no_date_or_time_value_fails_with_anything_but_a_transcript_error(value):
    for parse in (parse_date, parse_time):
        try:
            parse(value, NAME, 2)
        except TranscriptError as e:
            assert e.line == 2
