"""The export format: one header line, then one line per stored event (JSON lines).

The models are the format: ``dump`` writes them and ``restore`` reads them back,
so a line that does not fit is refused with one line saying what was expected.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from caselog.adapters.settings_seal import NAMESPACE_WRAPPED

FORMAT: Final = "caselog-export"
VERSION: Final = 1


class Malformed(Exception):
    """A line of an export is not what the format expects (the message says what)."""


def _decoding(decode: Callable[[str], bytes], expected: str) -> BeforeValidator:
    def validate(value: object) -> bytes:
        if isinstance(value, bytes):
            return value  # the export writes from stored bytes; JSON holds none
        try:
            if isinstance(value, str):
                return decode(value)
        except ValueError:  # binascii.Error is one
            pass
        raise ValueError(f"expected {expected}")

    return BeforeValidator(validate)


Base64 = Annotated[
    bytes,
    _decoding(lambda text: base64.b64decode(text, validate=True), "base64 text"),
    PlainSerializer(lambda data: base64.b64encode(data).decode(), return_type=str),
]
"""Stored bytes (an event's state, a wrapped key), as base64."""

Hex = Annotated[
    bytes, _decoding(bytes.fromhex, "hex digits"), PlainSerializer(bytes.hex, return_type=str)
]
"""A chain link, as hex digits."""

HexText = Annotated[str, Field(pattern=r"^[0-9a-f]+$")]
"""A check value kept in the store's settings as hex text."""


class Line(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class ExportedHead(Line):
    """A client's last version and link: the import checks it got the whole chain."""

    client_id: UUID
    version: int
    link: Hex


class ExportedKey(Line):
    """A client's wrapped data key (None once erased)."""

    client_id: UUID
    wrapped: Base64 | None
    erased_at: str | None


NAMED_SETTINGS = ("namespace", "encryption", "integrity", "integrity_check", "key_check")
"""The store settings the header names; any other travels in ``settings``."""


class ExportHeader(Line):
    """The first line: what a new store needs to hold the events."""

    format: Literal["caselog-export"]
    version: Literal[1]
    namespace: UUID | None
    """The client-id namespace; None when the store keeps it wrapped by its master key
    (``settings["namespace_wrapped"]``)."""
    encryption: Literal["off", "aes-gcm"]
    integrity: Literal["sha256", "hmac-sha256"]
    integrity_check: HexText | None
    key_check: HexText | None
    settings: dict[str, str]
    clients: list[UUID]
    events: int = Field(ge=0)
    heads: list[ExportedHead]
    keys: list[ExportedKey]
    keys_seal: dict[str, str] = Field(default_factory=dict)
    """HMACs over ``keys`` under the master key and the integrity key, as the exporter
    held them (``caselog.adapters.settings_seal``): the events' chain does not cover them."""

    def key_rows(self) -> list[tuple[str, bytes | None, str | None]]:
        return [(k.client_id.hex, k.wrapped, k.erased_at) for k in self.keys]

    @model_validator(mode="after")
    def _checks_present(self) -> ExportHeader:
        if self.encryption != "off" and self.key_check is None:
            raise ValueError("expected 'key_check': the store is encrypted")
        if self.integrity == "hmac-sha256" and self.integrity_check is None:
            raise ValueError("expected 'integrity_check': the chain is keyed")
        if self.namespace is None and not (self.encrypted and NAMESPACE_WRAPPED in self.settings):
            raise ValueError("expected 'namespace': the store's client ids depend on it")
        return self

    @property
    def encrypted(self) -> bool:
        return self.encryption != "off"

    def store_settings(self) -> dict[str, str]:
        """The settings (``caselog_meta``) of the store the export was made from."""
        named = {name: getattr(self, name) for name in NAMED_SETTINGS}
        meta = {name: str(value) for name, value in named.items() if value is not None}
        return {**meta, **self.settings}


class ExportedEvent(Line):
    """One stored event, as stored (ciphertext on an encrypted store), with its link."""

    client_id: UUID
    version: int
    topic: str
    state: Base64
    link: Hex | None


_EVENT_LINE = TypeAdapter(ExportedEvent)


def header_line(header: ExportHeader) -> bytes:
    return header.model_dump_json().encode() + b"\n"


def event_line(event: ExportedEvent) -> bytes:
    # A TypeAdapter gives bytes: no round trip through str for each of many events.
    return _EVENT_LINE.dump_json(event) + b"\n"


def read_header(raw: bytes) -> ExportHeader:
    if not raw.strip():
        raise Malformed("expected a caselog export header, but the file is empty")
    try:
        return ExportHeader.model_validate_json(raw)
    except ValidationError as e:
        problems = {error["loc"][:1]: error for error in e.errors()}
        if ("format",) in problems or _not_an_object(e):
            raise Malformed(
                "not a caselog export (its first line is not an export header)"
            ) from None
        if version := problems.get(("version",)):
            raise Malformed(
                f"export format version {version['input']!r} is not supported"
            ) from None
        raise Malformed(_problem(e)) from None


def read_event(raw: bytes) -> ExportedEvent:
    try:
        return ExportedEvent.model_validate_json(raw)
    except ValidationError as e:
        if _not_an_object(e):
            raise Malformed("not a JSON object") from None
        raise Malformed(f"expected an event: {_problem(e)}") from None


def _not_an_object(error: ValidationError) -> bool:
    return error.errors()[0]["type"] in ("json_invalid", "model_type")


def _problem(error: ValidationError) -> str:
    """The first thing wrong, in one line: where it is and what was expected."""
    first: Any = error.errors()[0]
    message = str(first["msg"]).removeprefix("Value error, ")
    if not first["loc"]:
        return message
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
    return f"{where.lstrip('.')!r}: {message[:1].lower()}{message[1:]}"
