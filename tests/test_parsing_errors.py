"""Files that are not transcripts fail with the file, the line and what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from caselog.adapters.parsing import detect_format, parse_transcript
from caselog.domain.errors import TranscriptError

FIXTURES = Path(__file__).parent / "fixtures"
NAME = "notes/session.txt"


def fixture_bytes(prefix: str) -> bytes:
    return next(FIXTURES.glob(f"{prefix}_*.txt")).read_bytes()


def fails(data: bytes, **kwargs: str) -> TranscriptError:
    with pytest.raises(TranscriptError) as info:
        parse_transcript(data, NAME, **kwargs)
    error = info.value
    assert error.file == NAME
    assert str(error).startswith(f"{NAME}:{error.line}: ")
    assert error.expected in str(error)
    return error


HEADER = (
    b"Session 5/24\nDate: May 29, 2025\nTime: 10:00 AM\nClient: Alex (Product Designer)\n"
    b"Professional: Dr. Harper Torres (Licensed Clinical Psychologist)\n"
)


def test_an_empty_file_is_refused_at_line_1():
    error = fails(b"")
    assert error.line == 1 and "empty" in error.expected


def test_a_whitespace_only_file_is_refused_at_line_1():
    assert fails(b"  \n\n\t \r\n").line == 1


def test_a_binary_file_is_refused_at_the_line_of_the_first_nul():
    error = fails(b"Session 5/24\nDate: May 29, 2025\nab\x00cd\n")
    assert error.line == 3 and "binary" in error.expected


def test_non_utf8_bytes_are_refused_at_their_line():
    error = fails(b"Session 5/24\nDate: May 29, 2025\n\xff\xfe\n")
    assert error.line == 3
    assert error.expected.startswith("expected UTF-8 text; ")
    assert "--encoding" in error.expected
    assert f"{NAME}:3:" in str(error)


def test_non_utf8_line_counts_crlf_as_one_line_end():
    assert fails(b"Session 5/24\r\nDate: May 29, 2025\r\n\r\nx\xc3(\r\n").line == 4


def test_a_header_with_no_turns_is_refused_after_the_header():
    first_six = b"\n".join(fixture_bytes("000").split(b"\n")[:6]) + b"\n"
    error = fails(first_six)
    assert error.line == 6 and "turn" in error.expected


def test_a_format_c_header_with_no_turns_is_refused():
    error = fails(b"Session Number: 3\n\n")
    assert error.line == 2 and "turn" in error.expected


def test_a_continuation_summary_with_no_turns_is_refused():
    data = b"Session Summary:\n\nMain topics discussed:\n- Work stress\n"
    assert "turns" in fails(data).expected


def test_text_before_any_speaker_is_refused_at_that_line():
    data = HEADER + b"\nHello there.\n[10:00] Alex: hi\n"
    error = fails(data)
    assert error.line == 7
    assert "speaker label" in error.expected
    assert f"{NAME}:7:" in str(error)


def test_text_before_the_first_role_label_is_refused():
    error = fails(b"Session Number: 2\n\nGood morning.\n\nPatient: Hi.\n")
    assert error.line == 3 and "'Patient: …'" in error.expected


def test_an_unknown_speaker_is_text_and_so_refused_before_any_turn():
    error = fails(HEADER + b"\n[10:00] Jordan: hello\n")
    assert error.line == 7


def test_an_unrecognised_format_is_refused_at_its_first_line():
    error = fails(b"\n\nDear diary,\ntoday was fine.\n")
    assert error.line == 3 and "header" in error.expected
    with pytest.raises(TranscriptError):
        detect_format("Dear diary", NAME)


def test_a_header_missing_the_professional_is_refused():
    error = fails(b"Session 1/2\nClient: Alex\n\n[10:00] Alex: hi\n")
    assert "Professional" in error.expected and error.line == 2


def test_a_bad_header_date_is_refused_at_its_line():
    data = HEADER.replace(b"May 29, 2025", b"someday") + b"\n[10:00] Alex: hi\n"
    error = fails(data)
    assert error.line == 2 and "date" in error.expected


def test_a_person_like_label_where_a_turn_starts_is_refused_naming_it():
    error = fails(b"Session Number: 2\n\nPatient: Hi, I'm Sam Roy.\nNova: Hello.\n")
    assert error.line == 4 and "'Nova:'" in error.expected and "--role" in error.expected


def test_forcing_format_a_on_a_format_c_file_is_refused():
    error = fails(fixture_bytes("002"), format="A")
    assert error.line == 1 and "Session 5/24" in error.expected


def test_forcing_format_b_on_a_format_a_file_is_refused_at_the_first_turn():
    assert fails(fixture_bytes("000"), format="B").line == 7


def test_forcing_format_c_on_a_continuation_is_refused():
    assert fails(fixture_bytes("003"), format="c").line == 2


def test_forcing_the_right_format_works_in_any_case():
    assert parse_transcript(fixture_bytes("002"), NAME, format="C").source.format == "C"
    assert parse_transcript(fixture_bytes("001"), NAME, format="b").source.format == "B"


def test_an_unknown_forced_format_is_refused():
    assert "A, B, C or D" in fails(fixture_bytes("002"), format="E").expected


def test_a_bom_and_crlf_line_ends_parse_like_the_plain_file():
    plain = parse_transcript(fixture_bytes("000"), NAME)
    windows = b"\xef\xbb\xbf" + fixture_bytes("000").replace(b"\n", b"\r\n")
    other = parse_transcript(windows, NAME)
    assert other.entries == plain.entries
    assert other.header == plain.header
    assert other.ending == plain.ending
    assert other.source.sha256 != plain.source.sha256


def test_the_source_file_is_the_base_name_of_the_path_given():
    assert parse_transcript(fixture_bytes("000"), "a/b/c.txt").source.file == "c.txt"
