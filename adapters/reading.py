"""Reading transcript files for ingest: a file's sessions and their sort key.

Parsing stays in the recording process. Worker processes were measured and
left out: sending a parsed session back costs about a third of parsing it
(pickling and validating JSON cost the same), so parsing ahead of the
recording saved nothing, and taking only the keys in workers saved 4% on a
480-file folder — not worth processes that outlive a killed ingest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from caselog.adapters.parsing import SIDECAR_SUFFIX, ImportOptions, parse_sessions
from caselog.domain.errors import CaselogError
from caselog.domain.identity import normalise_name
from caselog.domain.transcript import ParsedSession

Order = tuple[str, int, str]


@dataclass(frozen=True)
class Unreadable:
    """Why a file holds no session: a one-line error naming the file and the line."""

    error: str


def order_of(parsed: list[ParsedSession]) -> Order:
    """Files with a header are recorded by (client, first session, file name)."""
    first = parsed[0]
    return (
        normalise_name(first.client_name or ""),
        min(p.session_number or 0 for p in parsed),
        first.source.file,
    )


def read(name: str, format: str | None, options: ImportOptions) -> list[ParsedSession] | Unreadable:
    """The file's sessions, or the error that says why there are none."""
    try:
        data = Path(name).read_bytes()
    except OSError as e:
        return Unreadable(f"{name}:1: cannot read the file ({e.strerror})")
    sidecar_path = Path(name + SIDECAR_SUFFIX)
    try:
        sidecar = sidecar_path.read_bytes() if sidecar_path.is_file() else None
    except OSError as e:
        return Unreadable(f"{sidecar_path}:1: cannot read the file ({e.strerror})")
    try:
        return parse_sessions(data, name, format=format, options=options, sidecar=sidecar)
    except CaselogError as e:
        return Unreadable(str(e))
