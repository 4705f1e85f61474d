"""The export format's models: what a line must hold, and the one-line refusal of one that
does not (naming the field, and through ``caselog import`` the file and line)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from caselog.adapters.backup.format import Malformed, read_event, read_header
from tests.conftest import Cli

CLIENT = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


def _header(**changes: Any) -> dict[str, Any]:
    header: dict[str, Any] = {
        "format": "caselog-export",
        "version": 1,
        "namespace": str(uuid.UUID(int=7)),
        "encryption": "aes-gcm",
        "integrity": "sha256",
        "integrity_check": None,
        "key_check": "ab12",
        "settings": {"readmodels": "on"},
        "clients": [str(CLIENT)],
        "events": 1,
        "heads": [{"client_id": str(CLIENT), "version": 1, "link": "00ff"}],
        "keys": [{"client_id": str(CLIENT), "wrapped": "AAEC", "erased_at": None}],
        "keys_seal": {"master": "ab" * 32},
    }
    header.update(changes)
    return header


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "client_id": str(CLIENT),
        "version": 1,
        "topic": "caselog.domain.events:ClientRegistered",
        "state": base64.b64encode(b"\x00state").decode(),
        "link": "beef",
    }
    event.update(changes)
    return event


def test_a_header_and_an_event_read_back_as_written():
    header = read_header(orjson.dumps(_header()))
    assert header.keys[0].wrapped == b"\x00\x01\x02" and header.heads[0].link == b"\x00\xff"
    assert header.store_settings() == {
        "namespace": str(uuid.UUID(int=7)),
        "encryption": "aes-gcm",
        "integrity": "sha256",
        "key_check": "ab12",
        "readmodels": "on",
    }
    assert orjson.loads(header.model_dump_json()) == _header()
    event = read_event(orjson.dumps(_event()))
    assert (event.client_id, event.state, event.link) == (CLIENT, b"\x00state", b"\xbe\xef")
    assert orjson.loads(event.model_dump_json()) == _event()


def _without(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda obj: {k: v for k, v in obj.items() if k != name}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (_header(format="csv"), "not a caselog export (its first line is not an export header)"),
        ([1, 2], "not a caselog export (its first line is not an export header)"),
        (_header(version=2), "export format version 2 is not supported"),
        (_header(namespace="kitchen"), "'namespace': input should be a valid UUID"),
        (_header(encryption="rot13"), "'encryption': input should be 'off' or 'aes-gcm'"),
        (_header(key_check=None), "expected 'key_check': the store is encrypted"),
        (_header(key_check="zz"), "'key_check': string should match pattern"),
        (
            _header(integrity="hmac-sha256"),
            "expected 'integrity_check': the chain is keyed",
        ),
        (_header(events=True), "'events': input should be a valid integer"),
        (_header(events=-1), "'events': input should be greater than or equal to 0"),
        (_without("heads")(_header()), "'heads': field required"),
        (
            _header(keys=[{"client_id": str(CLIENT), "wrapped": "!!", "erased_at": None}]),
            "'keys[0].wrapped': expected base64 text",
        ),
        (
            _header(heads=[{"client_id": "x", "version": 1, "link": "00"}]),
            "'heads[0].client_id': input should be a valid UUID",
        ),
        (_header(surprise=1), "'surprise': extra inputs are not permitted"),
    ],
)
def test_a_bad_header_is_refused_naming_what_was_expected(header, expected):
    with pytest.raises(Malformed) as refused:
        read_header(orjson.dumps(header))
    assert str(refused.value).startswith(expected)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "not a JSON object"),
        (b"[]", "not a JSON object"),
        (orjson.dumps(_event(version="1")), "expected an event: 'version': input should be"),
        (orjson.dumps(_event(state=5)), "expected an event: 'state': expected base64 text"),
        (orjson.dumps(_event(link="xyz")), "expected an event: 'link': expected hex digits"),
        (orjson.dumps(_without("topic")(_event())), "expected an event: 'topic': field required"),
    ],
)
def test_a_bad_event_line_is_refused_naming_what_was_expected(raw, expected):
    with pytest.raises(Malformed) as refused:
        read_event(raw)
    assert str(refused.value).startswith(expected)


def test_an_empty_file_is_not_an_export():
    with pytest.raises(Malformed, match="the file is empty"):
        read_header(b"\n")


def test_import_names_the_file_line_and_field_of_a_bad_header(tmp_path):
    export = tmp_path / "e.jsonl"
    event = orjson.dumps(_event())
    export.write_bytes(orjson.dumps(_header(encryption="rot13")) + b"\n" + event + b"\n")
    target = tmp_path / "restored.db"
    result = Cli(str(target))("import", str(export))
    assert result.exit_code == 1
    assert result.stderr == f"error: {export}:1: 'encryption': input should be 'off' or 'aes-gcm'\n"
    assert not target.exists()


def test_import_names_the_line_of_a_bad_event(tmp_path):
    export = tmp_path / "e.jsonl"
    header = orjson.dumps(_header(encryption="off", key_check=None, keys=[]))
    bad = orjson.dumps(_event(version=None))
    export.write_bytes(header + b"\n" + bad + b"\n")
    target = tmp_path / "restored.db"
    result = Cli(str(target))("import", str(export))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {export}:2: expected an event: 'version': ")
    assert result.stderr.endswith("; nothing was imported\n")
    assert len(result.stderr.splitlines()) == 1 and not target.exists()
