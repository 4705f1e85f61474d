"""Ingesting files: read, parse, order, record — each file whole or not at all.

A folder gives the same record whatever order its files come in: files with a
header are recorded first, in (client, session number, file name) order, then
continuations, each matched against what is recorded by then. A file that
fails is reported and skipped; the others are still recorded.

A file may hold several sessions (a CSV table): they are recorded together or
not at all, and each recorded session is a result of its own. Files without a
header (WebVTT, SRT, Otter, CSV) take what they lack from the options and
from a ``<file>.meta.json`` sidecar beside them.

Ordering needs every file looked at before the first is recorded, but not held:
beyond the first ``KEEP`` parsed files only each file's sort key is kept, and
the file is parsed again when its turn comes, so memory stays flat however
large the folder.

Reading a file is not this module's business: it takes a ``TranscriptReader``
(``caselog.adapters.transcript_files`` reads files with the parsers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from caselog.application.service import CaselogApplication
from caselog.domain.errors import CaselogError, ContinuationUnmatched
from caselog.domain.identity import normalise_name
from caselog.domain.transcript import TEXT_FORMATS, Inference, ParsedSession

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
    inferred: tuple[Inference, ...] = ()
    """What was worked out rather than stated: shown as inferred, kept in the record."""
    near: tuple[tuple[str, str], ...] = ()
    """A new client's recorded near names (name, why): perhaps the same person."""


@dataclass(frozen=True)
class RecordOptions:
    """How the sessions read from the files are recorded."""

    actor: str
    client: str | None = None
    session: int | None = None
    professional: str | None = None
    strict: bool = False
    """Refuse a file whose client or professional had to be inferred."""
    dry_run: bool = False


Order = tuple[str, int, str]


@dataclass(frozen=True)
class Unreadable:
    """Why a file holds no session: a one-line error naming the file and the line."""

    error: str


class TranscriptReader(Protocol):
    """Reads one transcript file: its sessions, or why it holds none."""

    def __call__(self, name: str) -> list[ParsedSession] | Unreadable: ...


def order_of(parsed: list[ParsedSession]) -> Order:
    """Files with a header are recorded by (client, first session, file name)."""
    first = parsed[0]
    return (
        normalise_name(first.client_name or ""),
        min(p.session_number or 0 for p in parsed),
        first.source.file,
    )


@dataclass(frozen=True)
class _Seen:
    name: str
    order: Order
    parsed: list[ParsedSession] | None
    """Kept while under the budget; else parsed again when it is recorded."""
    continuation: bool

    def sessions(self, read: TranscriptReader) -> list[ParsedSession] | Unreadable:
        return self.parsed or read(self.name)


def ingest(
    app: CaselogApplication,
    files: list[str],
    options: RecordOptions,
    read: TranscriptReader,
    on_done: Callable[[IngestResult], None] = lambda _: None,
) -> Iterator[IngestResult]:
    """Record ``files``; yields one result per file, in the order they were settled."""
    headed: list[_Seen] = []
    continuations: list[_Seen] = []
    for i, name in enumerate(files):
        parsed = read(name)
        if isinstance(parsed, Unreadable):
            result = IngestResult(name, "error", error=parsed.error)
            on_done(result)
            yield result
            continue
        continuation = any(p.is_continuation for p in parsed)
        seen = _Seen(name, order_of(parsed), parsed if i < KEEP else None, continuation)
        (continuations if continuation else headed).append(seen)
    headed.sort(key=lambda item: item.order)
    continuations.sort(key=lambda item: item.order[2])

    for seen in headed:
        results, _ = _record(app, seen.name, seen.sessions(read), options)
        yield from _settled(results, on_done)

    # A continuation may continue another continuation: retry until nothing new matches.
    pending = continuations
    while pending:
        unmatched: list[tuple[_Seen, list[IngestResult]]] = []
        for seen in pending:
            results, matched = _record(app, seen.name, seen.sessions(read), options)
            if matched:
                yield from _settled(results, on_done)
            else:
                unmatched.append((seen, results))
        if len(unmatched) == len(pending):
            for _, results in unmatched:
                yield from _settled(results, on_done)
            return
        pending = [seen for seen, _ in unmatched]


def _settled(
    results: list[IngestResult], on_done: Callable[[IngestResult], None]
) -> Iterator[IngestResult]:
    for result in results:
        on_done(result)
        yield result


def _record(
    app: CaselogApplication,
    name: str,
    parsed: list[ParsedSession] | Unreadable,
    options: RecordOptions,
) -> tuple[list[IngestResult], bool]:
    """The file's results, and False when it is a continuation that matched nothing yet."""
    if isinstance(parsed, Unreadable):  # changed or removed since it was first read
        return [IngestResult(name, "error", error=parsed.error)], True
    try:
        if parsed[0].source.format in TEXT_FORMATS:
            outcomes = [
                app.record_session(
                    parsed[0],
                    actor=options.actor,
                    client_name=options.client,
                    session=options.session,
                    professional=options.professional,
                    strict=options.strict,
                    dry_run=options.dry_run,
                )
            ]
        else:
            # The parser has already put the options into each session.
            outcomes = app.record_sessions(
                parsed,
                actor=options.actor,
                professional=options.professional,
                strict=options.strict,
                dry_run=options.dry_run,
            )
    except ContinuationUnmatched as e:
        return [IngestResult(name, "error", error=str(e))], False
    except CaselogError as e:
        return [IngestResult(name, "error", error=str(e))], True
    results = [
        IngestResult(
            name,
            o.status,
            o.client_name,
            o.session,
            o.events,
            inferred=o.inferred,
            near=o.near,
        )
        for o in outcomes
    ]
    return results, True
