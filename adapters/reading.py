"""Reading transcript files, on other cores while this one records.

Parsing is a pure function of a file's bytes and the import options, and it is
a large share of ingest; recording must stay in one process, in order. So
files are parsed by a small pool of worker processes, a bounded window ahead of
the recording, and handed back in the order asked for. A worker never touches
the store.

Sending a parsed session back costs about a fifth of parsing it (measured:
pickling and validating JSON cost the same), so workers pay only where their
results overlap the recording: when a folder is too big to hold, the first
pass asks workers for sort keys alone and the second has them parse ahead of
the recording. A folder small enough to hold is parsed here, once.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from caselog.adapters.parsing import SIDECAR_SUFFIX, ImportOptions, parse_sessions
from caselog.domain.errors import CaselogError
from caselog.domain.identity import normalise_name
from caselog.domain.transcript import ParsedSession

AHEAD = 16
"""Files parsed ahead of the one being recorded: enough to keep the workers busy,
few enough that memory does not grow with the folder."""

Order = tuple[str, int, str]
T = TypeVar("T")


@dataclass(frozen=True)
class Unreadable:
    """Why a file holds no session: a one-line error naming the file and the line."""

    error: str


@dataclass(frozen=True)
class Looked:
    """What ordering needs of a file whose sessions are not held: its sort key."""

    order: Order
    continuation: bool


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


def look(
    name: str, format: str | None, options: ImportOptions, keep: bool
) -> list[ParsedSession] | Looked | Unreadable:
    """``read``, but only the sort key when the sessions are not to be kept (less to
    send back from a worker)."""
    parsed = read(name, format, options)
    if keep or isinstance(parsed, Unreadable):
        return parsed
    return Looked(order_of(parsed), any(p.is_continuation for p in parsed))


def default_workers() -> int:
    return min(2, len(os.sched_getaffinity(0)))


class Readers:
    """Parses files in worker processes (or here), handing results back in order."""

    def __init__(self, format: str | None, options: ImportOptions, workers: int) -> None:
        self.format = format
        self.options = options
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Readers:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def looks(
        self, names: list[str], keep: int
    ) -> Iterator[list[ParsedSession] | Looked | Unreadable]:
        """``look`` at each file in turn, keeping the sessions of the first ``keep``.

        Past the budget, workers look instead, and nothing is kept.
        """
        if self.workers > 1 and len(names) > keep:
            yield from self._ahead(
                self._submit(look, name, self.format, self.options, False) for name in names
            )
            return
        for i, name in enumerate(names):
            yield look(name, self.format, self.options, i < keep)

    def reads(self, names: Iterable[str]) -> Iterator[list[ParsedSession] | Unreadable]:
        """``read`` each file in turn: in workers, ahead of the caller, once they run."""
        if self._pool is None:
            for name in names:
                yield read(name, self.format, self.options)
            return
        yield from self._ahead(self._submit(read, n, self.format, self.options) for n in names)

    def _submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        if self._pool is None:
            # fork: the workers start at once with the parsers already imported, and
            # they only parse (the parent's store connections are never used there).
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("fork")
            )
        return self._pool.submit(fn, *args)

    @staticmethod
    def _ahead(futures: Iterator[Future[T]]) -> Iterator[T]:
        window: deque[Future[T]] = deque()
        for future in futures:
            window.append(future)
            if len(window) > AHEAD:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
