"""What a file without a header needs from elsewhere: client, session, date, roles.

WebVTT, SRT, Otter and CSV files name their speakers, but not which speaker is
the client, who the client is or which session it was. Those come from
options (``--client``, ``--session``, ``--date``, ``--role``, ``--column``) or
from a sidecar ``<file>.meta.json`` beside the file, such as::

    {"client": "Sam Rivera", "session": 3, "date": "2025-03-04",
     "roles": {"Dr. Lee": "professional", "Sam": "client"}, "professional": "Dr. Lee"}

An option overrides the sidecar's value; roles are merged label by label.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import PurePath

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import Role

from .dates import DateOrder, DateReading
from .labels import label_key

SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class ChatOptions:
    """Which chat messages to leave out."""

    skip_system: bool = False
    """System messages, rather than keep them as stage directions."""
    skip_tools: bool = False
    """Tool messages and tool calls, rather than refuse the file."""


@dataclass(frozen=True)
class ImportOptions:
    """What the command line says about files: mostly those without a header."""

    client: str | None = None
    session: int | None = None
    date: dt.date | None = None
    """The session's date; for A–D too, where it overrides the header's."""
    roles: tuple[tuple[str, Role], ...] = ()
    """(speaker label, role) pairs; labels match case-insensitively."""
    columns: tuple[tuple[str, str], ...] = ()
    """(logical column, header in the file) pairs, for CSV tables."""
    encoding: str | None = None
    """The file's text encoding; None: UTF-8, or UTF-16/32 with a byte-order mark."""
    date_order: DateOrder | None = None
    """How to read a numeric header date such as 03/04/2025 (``--day-first``...)."""
    chat: ChatOptions = ChatOptions()
    """Which chat messages to leave out (``--skip-system``, ``--skip-tools``)."""

    @property
    def dates(self) -> DateReading:
        return DateReading(self.date_order, self.date)


class Sidecar(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    client: str | None = None
    session: int | None = Field(default=None, ge=1)
    date: dt.date | None = None
    professional: str | None = None
    roles: dict[str, Role] = Field(default_factory=dict)
    columns: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class Given:
    """Options and sidecar merged; ``sidecar`` is the sidecar's name, for messages."""

    sidecar: str
    client: str | None = None
    session: int | None = None
    date: dt.date | None = None
    date_source: str | None = None
    """``option`` or ``sidecar``, when a date is given."""
    professional: str | None = None
    roles: dict[str, Role] = field(default_factory=dict)
    """By ``label_key``."""
    columns: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None


def sidecar_name(name: str) -> str:
    return (PurePath(name).name or name) + SIDECAR_SUFFIX


def merge(name: str, options: ImportOptions | None, sidecar: bytes | None) -> Given:
    """What is known about file ``name``: its sidecar's bytes (if any) under the options."""
    options = options or ImportOptions()
    meta = read_sidecar(sidecar, name + SIDECAR_SUFFIX) if sidecar is not None else Sidecar()
    roles = {label_key(k): v for k, v in meta.roles.items()}
    roles |= {label_key(k): v for k, v in options.roles}
    return Given(
        sidecar=sidecar_name(name),
        client=_text(options.client) or _text(meta.client),
        session=options.session or meta.session,
        date=options.date or meta.date,
        date_source="option" if options.date else "sidecar" if meta.date else None,
        professional=_text(meta.professional),
        roles=roles,
        columns={**meta.columns, **dict(options.columns)},
        encoding=options.encoding,
    )


def _text(value: str | None) -> str | None:
    """Runs of spaces collapsed; blank is not given."""
    collapsed = " ".join((value or "").split())
    return collapsed or None


def read_sidecar(data: bytes, name: str) -> Sidecar:
    try:
        text = data.decode("utf-8-sig")
        raw = json.loads(text)
    except UnicodeDecodeError:
        raise TranscriptError(name, 1, "expected a UTF-8 JSON object") from None
    except json.JSONDecodeError as e:
        raise TranscriptError(name, e.lineno, f"expected a JSON object ({e.msg})") from None
    if not isinstance(raw, dict):
        raise TranscriptError(name, 1, 'expected a JSON object such as {"client": "Sam"}')
    try:
        return Sidecar.model_validate(raw)
    except ValidationError as e:
        error = e.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        key = str(error["loc"][0]) if error["loc"] else ""
        line = next((i for i, t in enumerate(text.splitlines(), 1) if f'"{key}"' in t), 1)
        raise TranscriptError(name, line, f'expected a valid "{where}": {error["msg"]}') from None
