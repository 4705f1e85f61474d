"""caselog's one rule for times: printed in UTC with the offset, read as UTC when none is given."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caselog.domain.instants import EXAMPLE, parse_instant, shown, stamp

KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))
NEW_YORK = dt.timezone(dt.timedelta(hours=-5))


def test_a_time_without_an_offset_is_read_as_utc_not_the_local_zone():
    assert parse_instant("2026-03-02T14:05:09") == dt.datetime(2026, 3, 2, 14, 5, 9, tzinfo=dt.UTC)


def test_a_time_with_an_offset_is_that_instant():
    read = parse_instant("2026-03-02T19:35:09+05:30")
    assert read == dt.datetime(2026, 3, 2, 14, 5, 9, tzinfo=dt.UTC)
    assert read.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2026-03-02", dt.datetime(2026, 3, 2, tzinfo=dt.UTC)),
        ("2026-03-02 14:05", dt.datetime(2026, 3, 2, 14, 5, tzinfo=dt.UTC)),
        ("2026-03-02T14:05:09Z", dt.datetime(2026, 3, 2, 14, 5, 9, tzinfo=dt.UTC)),
        (" 2026-03-02T09:05:09-05:00 ", dt.datetime(2026, 3, 2, 14, 5, 9, tzinfo=dt.UTC)),
    ],
)
def test_the_iso_8601_shapes_people_write_are_read(written, instant):
    assert parse_instant(written) == instant


@pytest.mark.parametrize("written", ["yesterday", "2026-13-01", "02/03/2026", ""])
def test_anything_else_is_refused_naming_the_shape_expected(written):
    with pytest.raises(
        ValueError,
        match=re.escape(f"expected an ISO 8601 timestamp like {EXAMPLE} (UTC if no offset)"),
    ):
        parse_instant(written)


def test_an_instant_beyond_the_calendar_is_refused_not_crashed_on():
    with pytest.raises(ValueError, match="outside the range of dates"):
        parse_instant("0001-01-01T00:00:00+01:00")


def test_text_shows_utc_to_the_second_and_json_to_the_microsecond_both_with_the_offset():
    moment = dt.datetime(2026, 3, 2, 9, 5, 9, 120000, tzinfo=NEW_YORK)
    assert shown(moment) == "2026-03-02T14:05:09+00:00"
    assert stamp(moment) == "2026-03-02T14:05:09.120000+00:00"
    assert shown(stamp(moment)) == "2026-03-02T14:05:09+00:00"


aware = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.sampled_from([dt.UTC, KOLKATA, NEW_YORK]),
)


@given(aware)
def test_what_is_printed_reads_back_as_the_same_instant(moment):
    assert parse_instant(stamp(moment)) == moment
    assert parse_instant(shown(moment)) == moment.replace(microsecond=0)
    assert parse_instant(shown(moment).removesuffix("+00:00")) == moment.replace(microsecond=0)
