"""Text encodings: UTF-8 and UTF-16 read as they are, any other only when named with --encoding.

Real files written under tmp_path; the same transcript in each encoding records the same words.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from caselog.adapters.parsing import ImportOptions, parse_sessions, parse_transcript
from caselog.domain.errors import TranscriptError
from tests.conftest import Cli, event_count, seed, sibling
from tests.importing import said

TEXT = seed("000").read_text(encoding="utf-8")
"""Format A, with typographic quotes from line 7 on."""
ACCENTED = TEXT.replace("mixed bag", "mixed bag — a café of feelings, très bizarre")
"""The same, with letters that are one byte in cp1252 but not in UTF-8."""

UTF16 = {
    "utf-16-le": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    "utf-16-be": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
}

CP1252_REFUSED = (
    "expected UTF-8 text; this looks like cp1252 (windows-1252): give --encoding cp1252 to read it"
)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def refused(data: bytes, name: str = "notes.txt", **kwargs: str) -> TranscriptError:
    with pytest.raises(TranscriptError) as info:
        parse_sessions(data, name, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == f"{name}:{info.value.line}: {info.value.expected}"
    return info.value


# --- the parser ---------------------------------------------------------------------------


@pytest.mark.parametrize("codec", sorted(UTF16))
def test_utf16_with_a_byte_order_mark_parses_like_the_utf8_file(codec):
    plain = parse_transcript(TEXT.encode(), "a.txt")
    wide = parse_transcript(UTF16[codec], "a.txt")
    assert wide.entries == plain.entries
    assert wide.header == plain.header
    assert (wide.date, wide.start_time, wide.ending) == (plain.date, plain.start_time, plain.ending)
    assert wide.source.sha256 != plain.source.sha256  # the bytes as read are what is hashed


def test_utf16_with_windows_line_ends_keeps_the_line_numbers():
    plain = parse_transcript(TEXT.encode(), "a.txt")
    windows = TEXT.replace("\n", "\r\n")
    wide = parse_transcript(codecs.BOM_UTF16_LE + windows.encode("utf-16-le"), "a.txt")
    assert [e.lines for e in wide.entries] == [e.lines for e in plain.entries]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_errors_in_a_utf16_file_name_the_line_an_editor_shows(codec):
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    header = "\n".join(TEXT.split("\n")[:6])
    # A bad date on line 2, and text before any speaker on line 7.
    bad_date = header.replace("May 29, 2025", "03/04/2025") + "\n[10:00] Alex: hi\n"
    assert refused(bom + bad_date.encode(codec)).line == 2
    no_speaker = header + "\nHello there.\n[10:00] Alex: hi\n"
    error = refused(bom + no_speaker.replace("\n", "\r\n").encode(codec))
    assert error.line == 7 and "speaker label" in error.expected


def test_utf16_that_breaks_off_is_refused_at_its_line():
    lone_surrogate = "Session 5/24\nDate: May 29, 2025\n".encode("utf-16-le") + b"\x00\xd8x\x00"
    error = refused(codecs.BOM_UTF16_LE + lone_surrogate)
    assert (error.line, error.expected) == (
        3,
        "expected UTF-16 text, as the file's byte-order mark says",
    )


def test_a_nul_in_utf16_text_is_still_binary_data_at_its_line():
    data = codecs.BOM_UTF16_LE + "Session 5/24\nDate: May 29, 2025\nab\x00cd\n".encode("utf-16-le")
    error = refused(data)
    assert (error.line, error.expected) == (3, "expected text, found binary data (NUL)")


def test_nul_bytes_without_a_byte_order_mark_are_binary_data_not_utf16():
    error = refused(b"Session 5/24\nDate: May 29, 2025\nab\x00cd\n")
    assert (error.line, error.expected) == (3, "expected text, found binary data (NUL)")
    headless = TEXT.encode("utf-16-le")  # UTF-16 without its mark looks like binary data
    assert "binary data" in refused(headless).expected


def test_a_cp1252_file_is_refused_at_its_first_foreign_byte_naming_cp1252_and_the_option():
    error = refused(ACCENTED.encode("cp1252"))
    assert (error.line, error.expected) == (7, CP1252_REFUSED)


FRENCH = "Session 5/24\nClient: Renée Dubois\nNotes: très bien, à demain\n"
RUSSIAN = (
    "Сессия 1/2\nКлиент: Алексей Петров\nТерапевт: Доктор Иванова\n\n"
    "[10:00] Алексей: Здравствуйте, доктор. Мне было тяжело на этой неделе.\n"
)


@pytest.mark.parametrize(
    ("codec", "text", "named"),
    [
        # Bytes that decode alike in latin-1 and cp1252 are named by the commoner cp1252.
        ("latin-1", FRENCH, "cp1252"),
        ("cp1251", RUSSIAN, "cp1251"),
        ("mac-roman", ACCENTED, "mac-roman"),
        ("koi8-r", "Клиент: Алексей Петров, доктор Иванова\n", "koi8-r"),
    ],
)
def test_other_8bit_files_are_refused_naming_the_encoding_they_look_like(codec, text, named):
    error = refused(text.encode(codec))
    assert error.expected.startswith(f"expected UTF-8 text; this looks like {named} ")
    assert error.expected.endswith(f"give --encoding {named} to read it")


def test_a_named_encoding_reads_the_file_as_the_utf8_one_reads():
    plain = parse_transcript(ACCENTED.encode(), "a.txt")
    for given in ({"encoding": "cp1252"}, {"options": ImportOptions(encoding="windows-1252")}):
        (read,) = parse_sessions(ACCENTED.encode("cp1252"), "a.txt", **given)  # type: ignore[arg-type]
        assert read.entries == plain.entries
        assert "très bizarre" in read.entries[1].text  # type: ignore[union-attr]


def test_a_file_that_does_not_decode_in_the_named_encoding_is_refused_at_its_line():
    error = refused(ACCENTED.encode(), encoding="ascii")
    assert error.line == 7
    assert error.expected.startswith(
        "expected ascii text, as --encoding says, but this line does not decode in it"
    )
    assert "this looks like utf-8" in error.expected


def test_an_unknown_encoding_name_is_refused():
    for name in ("klingon", "rot13", "hex", "base64"):
        assert refused(TEXT.encode(), encoding=name).expected == (
            f"expected the name of a text encoding, such as cp1252, not {name!r}"
        )


def test_codecs_that_fail_without_saying_where_are_still_one_line_errors():
    for name in ("undefined", "idna"):
        assert refused(ACCENTED.encode(), encoding=name).expected.startswith(
            f"expected {name} text, as --encoding says"
        )


def test_headerless_formats_take_the_encoding_too():
    vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nDr. Lee: Bonjour, Renée.\n"
    options = ImportOptions(client="Renée", session=1, roles=(("Dr. Lee", "professional"),))
    with pytest.raises(TranscriptError, match="cp1252"):
        parse_sessions(vtt.encode("cp1252"), "call.vtt", options=options)
    (read,) = parse_sessions(vtt.encode("cp1252"), "call.vtt", options=options, encoding="cp1252")
    assert read.utterances[0].text == "Bonjour, Renée."


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("codec", sorted(UTF16))
def test_ingesting_a_utf16_file_records_the_same_utterances_as_the_utf8_file(
    tmp_path, cli, db, codec
):
    utf8 = Cli(sibling(db, "utf8"))
    assert utf8("ingest", str(write(tmp_path, "plain.txt", TEXT.encode()))).exit_code == 0
    result = cli("ingest", str(write(tmp_path, "wide.txt", UTF16[codec])), "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["status"], row["client"], row["session"]) == ("recorded", "Alex", 5)
    assert said(cli, "alex", 5) == said(utf8, "alex", 5)


def test_ingesting_a_cp1252_file_is_refused_with_one_line_and_stores_nothing(tmp_path, cli, db):
    path = write(tmp_path, "notes.txt", ACCENTED.encode("cp1252"))
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    assert result.stderr == f"error: {path}:7: {CP1252_REFUSED}\n"
    assert "Traceback" not in result.output
    assert event_count(db) == 0


def test_ingesting_a_cp1252_file_with_its_encoding_records_it_correctly(tmp_path, cli, db):
    utf8 = Cli(sibling(db, "utf8"))
    assert utf8("ingest", str(write(tmp_path, "plain.txt", ACCENTED.encode()))).exit_code == 0
    path = write(tmp_path, "notes.txt", ACCENTED.encode("cp1252"))
    result = cli("ingest", str(path), "--encoding", "cp1252", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["status"] == "recorded"
    assert said(cli, "alex", 5) == said(utf8, "alex", 5)
    assert "a café of feelings, très bizarre" in said(cli, "alex", 5)[1][3]


@pytest.mark.parametrize("name", ["klingon", "hex", "undefined"])
def test_an_unknown_encoding_on_the_command_line_is_a_usage_error(tmp_path, cli, name):
    result = cli("ingest", str(write(tmp_path, "a.txt", TEXT.encode())), "--encoding", name)
    assert result.exit_code == 2
    assert "--encoding" in result.output and f"'{name}'" in result.output
    assert not Path(cli.db).exists()


def test_a_file_that_does_not_decode_in_the_given_encoding_is_one_error_and_stores_nothing(
    tmp_path, cli, db
):
    path = write(tmp_path, "notes.txt", ACCENTED.encode())
    result = cli("ingest", str(path), "--encoding", "ascii")
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {path}:7: expected ascii text, as --encoding says")
    assert event_count(db) == 0


def test_a_binary_file_is_still_refused_as_binary_data(tmp_path, cli, db):
    path = write(tmp_path, "image.txt", b"Session 5/24\n\x89PNG\x00\x00\x00\rIHDR")
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    assert result.stderr == f"error: {path}:2: expected text, found binary data (NUL)\n"
    assert event_count(db) == 0
