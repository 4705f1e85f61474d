"""Clocks for side-by-side figures: best-of runs, percentiles, child processes' peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

_START = time.perf_counter()


def progress(message: str) -> None:
    """One line on stderr, stamped with the time since the bench started."""
    elapsed = time.perf_counter() - _START
    print(f"[{elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)


def best_of(fn: Callable[[], object], rounds: int) -> float:
    """The fastest of ``rounds`` runs, in seconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Stopwatch:
    """Adds up only the stretches run inside ``with watch.running():``."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def running(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stderr: str


def run_child(args: Sequence[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run a fresh process to its end: wall time and its own peak RSS (from wait4)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        list(args), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert child.stderr is not None
    # Drain stderr while the child runs (a full pipe would block it); wait4 then reaps it.
    errors = child.stderr.read()
    child.stderr.close()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in KiB.
    return ChildRun(seconds, usage.ru_maxrss / 1024, child.returncode, errors)
