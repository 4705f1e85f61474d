"""Ingesting files: read, parse, order, record — each file whole or not at all.

A folder gives the same record whatever order its files come in: files with a
header are recorded first, in (client, session number, file name) order, then
continuations, each matched against what is recorded by then. A file that
fails is reported and skipped; the others are still recorded.

Ordering needs every file looked at before the first is recorded, but not held:
beyond the first ``KEEP`` parsed files only each file's sort key is kept, and
the file is parsed again when its turn comes, so memory stays flat however
large the folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from caselog.adapters.parsing import parse_transcript
from caselog.domain.errors import CaselogError, ContinuationUnmatched
from caselog.domain.identity import normalise_name
from caselog.domain.service import CaselogApplication
from caselog.domain.transcript import ParsedSession

KEEP = 256
"""Parsed files held between the ordering pass and recording; the rest are re-read."""


@dataclass(frozen=True)
class IngestResult:
    file: str
    status: Literal["recorded", "unchanged", "error"]
    client: str | None = None
    session: int | None = None
    events: int = 0
    error: str | None = None


@dataclass(frozen=True)
class IngestOptions:
    actor: str
    client: str | None = None
    session: int | None = None
    format: str | None = None
    dry_run: bool = False


def expand(paths: Iterable[str]) -> list[str]:
    """Files named directly, plus the visible regular files inside named folders."""
    files: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files.extend(
                str(p)
                for p in sorted(path.iterdir())
                if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".json")
            )
        else:
            files.append(given)
    return files


def _read(name: str, options: IngestOptions) -> ParsedSession | IngestResult:
    try:
        data = Path(name).read_bytes()
    except OSError as e:
        return IngestResult(name, "error", error=f"{name}:1: cannot read the file ({e.strerror})")
    try:
        return parse_transcript(data, name, format=options.format)
    except CaselogError as e:
        return IngestResult(name, "error", error=str(e))


def _order(parsed: ParsedSession) -> tuple[str, int, str]:
    return (
        normalise_name(parsed.client_name or ""),
        parsed.session_number or 0,
        parsed.source.file,
    )


@dataclass(frozen=True)
class _Seen:
    name: str
    order: tuple[str, int, str]
    parsed: ParsedSession | None
    """Kept while under the budget; else parsed again when it is recorded."""


def ingest(
    app: CaselogApplication,
    files: list[str],
    options: IngestOptions,
    on_done: Callable[[IngestResult], None] = lambda _: None,
) -> Iterator[IngestResult]:
    """Record ``files``; yields one result per file, in the order they were settled."""
    headed: list[_Seen] = []
    continuations: list[_Seen] = []
    kept = 0
    for name in files:
        read = _read(name, options)
        if isinstance(read, IngestResult):
            on_done(read)
            yield read
            continue
        keep = kept < KEEP
        kept += keep
        seen = _Seen(name, _order(read), read if keep else None)
        (continuations if read.is_continuation else headed).append(seen)
    headed.sort(key=lambda item: item.order)
    continuations.sort(key=lambda item: item.order[2])

    for seen in headed:
        result, _ = _record(app, seen, options)
        on_done(result)
        yield result

    # A continuation may continue another continuation: retry until nothing new matches.
    pending = continuations
    while pending:
        unmatched: list[tuple[_Seen, IngestResult]] = []
        for seen in pending:
            result, matched = _record(app, seen, options)
            if matched:
                on_done(result)
                yield result
            else:
                unmatched.append((seen, result))
        if len(unmatched) == len(pending):
            for _, result in unmatched:
                on_done(result)
                yield result
            return
        pending = [seen for seen, _ in unmatched]


def _record(
    app: CaselogApplication, seen: _Seen, options: IngestOptions
) -> tuple[IngestResult, bool]:
    """The file's result, and False when it is a continuation that matched nothing yet."""
    name = seen.name
    parsed = seen.parsed or _read(name, options)
    if isinstance(parsed, IngestResult):
        return parsed, True  # changed or removed since it was first read
    try:
        outcome = app.record_session(
            parsed,
            actor=options.actor,
            client_name=options.client,
            session=options.session,
            dry_run=options.dry_run,
        )
    except ContinuationUnmatched as e:
        return IngestResult(name, "error", error=str(e)), False
    except CaselogError as e:
        return IngestResult(name, "error", error=str(e)), True
    result = IngestResult(
        name, outcome.status, outcome.client_name, outcome.session, outcome.events
    )
    return result, True
