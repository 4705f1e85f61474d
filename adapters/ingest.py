"""Ingesting files: read, parse, order, record — each file whole or not at all.

A folder gives the same record whatever order its files come in: files with a
header are recorded first, in (client, session number, file name) order, then
continuations, each matched against what is recorded by then. A file that
fails is reported and skipped; the others are still recorded.
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


def ingest(
    app: CaselogApplication,
    files: list[str],
    options: IngestOptions,
    on_done: Callable[[IngestResult], None] = lambda _: None,
) -> Iterator[IngestResult]:
    """Record ``files``; yields one result per file, in the order they were settled."""
    headed: list[tuple[str, ParsedSession]] = []
    continuations: list[tuple[str, ParsedSession]] = []
    for name in files:
        read = _read(name, options)
        if isinstance(read, IngestResult):
            on_done(read)
            yield read
        elif read.is_continuation:
            continuations.append((name, read))
        else:
            headed.append((name, read))
    headed.sort(key=lambda item: _order(item[1]))
    continuations.sort(key=lambda item: item[1].source.file)

    for name, parsed in headed:
        result, _ = _record(app, name, parsed, options)
        on_done(result)
        yield result

    # A continuation may continue another continuation: retry until nothing new matches.
    pending = continuations
    while pending:
        unmatched: list[tuple[str, ParsedSession, IngestResult]] = []
        for name, parsed in pending:
            result, matched = _record(app, name, parsed, options)
            if matched:
                on_done(result)
                yield result
            else:
                unmatched.append((name, parsed, result))
        if len(unmatched) == len(pending):
            for *_, result in unmatched:
                on_done(result)
                yield result
            return
        pending = [(name, parsed) for name, parsed, _ in unmatched]


def _record(
    app: CaselogApplication, name: str, parsed: ParsedSession, options: IngestOptions
) -> tuple[IngestResult, bool]:
    """The file's result, and False when it is a continuation that matched nothing yet."""
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
