"""Transcript files for ingest: which files a path names, and each file's sessions.

Parsing stays in the recording process. Worker processes were measured and
left out: sending a parsed session back costs about a third of parsing it
(pickling and validating JSON cost the same), so parsing ahead of the
recording saved nothing, and taking only the keys in workers saved 4% on a
480-file folder — not worth processes that outlive a killed ingest.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from caselog.adapters.parsing import SIDECAR_SUFFIX, ImportOptions, parse_sessions
from caselog.adapters.parsing.chatjson import may_hold_chat
from caselog.adapters.parsing.dates import DateOrder
from caselog.adapters.parsing.sidecar import ChatOptions
from caselog.application.ingest import RecordOptions, Unreadable
from caselog.domain.errors import CaselogError
from caselog.domain.transcript import ParsedSession, Role

MAX_FILE_MB = 64
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024


@dataclass(frozen=True)
class IngestOptions:
    """Everything ``caselog ingest`` is told: how to read the files and how to record them."""

    actor: str
    client: str | None = None
    session: int | None = None
    professional: str | None = None
    strict: bool = False
    """Refuse a file whose client or professional had to be inferred."""
    format: str | None = None
    dry_run: bool = False
    date: dt.date | None = None
    roles: tuple[tuple[str, Role], ...] = ()
    """(speaker label, role), for files without a header."""
    columns: tuple[tuple[str, str], ...] = ()
    """(logical column, header), for CSV tables."""
    encoding: str | None = None
    """Every file's text encoding; None: UTF-8, or UTF-16/32 with a byte-order mark."""
    date_order: DateOrder | None = None
    """How to read numeric header dates that could be either way round."""
    max_bytes: int = MAX_FILE_BYTES
    """A larger file is refused: transcripts are text, and a file is read whole."""
    chat: ChatOptions = field(default_factory=ChatOptions)
    """Which chat messages to leave out."""

    @property
    def recording(self) -> RecordOptions:
        return RecordOptions(
            actor=self.actor,
            client=self.client,
            session=self.session,
            professional=self.professional,
            strict=self.strict,
            dry_run=self.dry_run,
        )

    @property
    def imports(self) -> ImportOptions:
        return ImportOptions(
            client=self.client,
            session=self.session,
            date=self.date,
            roles=self.roles,
            columns=self.columns,
            encoding=self.encoding,
            date_order=self.date_order,
            chat=self.chat,
        )


def expand(paths: Iterable[str]) -> list[str]:
    """Files named directly, plus the visible regular files inside named folders.

    Of a folder's ``.json`` and ``.jsonl`` files, sidecars are never transcripts, and
    a file of valid JSON that holds no chat (an export, a FHIR bundle, a report) is
    left alone; one that is not valid JSON is read, so that its error is reported
    rather than a transcript skipped.
    """
    files: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files.extend(
                str(p)
                for p in sorted(path.iterdir())
                if p.is_file() and not p.name.startswith(".") and _is_transcript(p)
            )
        else:
            files.append(given)
    return files


def _is_transcript(path: Path) -> bool:
    if path.name.endswith(SIDECAR_SUFFIX):
        return False
    if path.suffix.casefold() not in (".json", ".jsonl"):
        return True
    data = read_regular_file(str(path), MAX_FILE_BYTES)
    return isinstance(data, Unreadable) or may_hold_chat(data)


@dataclass(frozen=True)
class TranscriptFiles:
    """Reads transcript files with the parsers (a ``TranscriptReader``)."""

    format: str | None
    options: ImportOptions
    max_bytes: int = MAX_FILE_BYTES

    def __call__(self, name: str) -> list[ParsedSession] | Unreadable:
        """The file's sessions, or the error that says why there are none."""
        data = read_regular_file(name, self.max_bytes)
        if isinstance(data, Unreadable):
            return data
        sidecar_path = Path(name + SIDECAR_SUFFIX)
        sidecar: bytes | None = None
        if sidecar_path.is_file():
            found = read_regular_file(str(sidecar_path), self.max_bytes)
            if isinstance(found, Unreadable):
                return found
            sidecar = found
        try:
            return parse_sessions(
                data, name, format=self.format, options=self.options, sidecar=sidecar
            )
        except CaselogError as e:
            return Unreadable(str(e))


def read_regular_file(name: str, max_bytes: int) -> bytes | Unreadable:
    """The bytes of a regular file of at most ``max_bytes``; anything else is refused at
    once. Opened without blocking, so a FIFO cannot hang the reader, and checked on the
    open descriptor, so what is read is what was checked."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        return Unreadable(f"{name}:1: cannot read the file ({e.strerror})")
    with os.fdopen(fd, "rb") as f:
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return Unreadable(f"{name}:1: not a regular file: caselog reads transcript files")
            if info.st_size > max_bytes:
                return Unreadable(_too_big(name, max_bytes))
            data = f.read(max_bytes + 1)
        except OSError as e:
            return Unreadable(f"{name}:1: cannot read the file ({e.strerror})")
    if len(data) > max_bytes:  # it grew while being read
        return Unreadable(_too_big(name, max_bytes))
    return data


def _too_big(name: str, max_bytes: int) -> str:
    limit = max_bytes / (1024 * 1024)
    return (
        f"{name}:1: larger than the limit of {limit:g} MB per file; "
        "raise it with --max-file-size if the file really is a transcript"
    )
