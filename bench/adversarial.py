"""How parse time grows on lines written to make a reader backtrack or rescan.

Each figure is the time to read an input four times as long over the time for
the input itself, best of 3: a reader whose time grows with the length gives
about 4, one whose time grows with its square about 16, and an exponential one
does not finish. Measured on parsing alone, so the store's cost hides nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from caselog.adapters.parsing import parse_transcript

from .report import Row, ratio_row
from .timing import best_of, progress

GROWTH = 4


def _introduction(repeats: int) -> Callable[[], object]:
    greeting = "hello there " * repeats
    text = (
        "Session Number: 1\n\nTherapist: Hi, I'm Dr. Nova Reyes.\n\n"
        f"Patient: {greeting}I'm Dee.\n\nTherapist: Welcome, Dee.\n"
    ).encode()
    return lambda: parse_transcript(text, "greeting.txt")


def _homework(turn: str) -> Callable[[], object]:
    text = (
        "Session 1/4\nDate: 2025-01-06\nClient: Ada Byrne\nProfessional: Dana Hale\n\n"
        f"[10:00] Dana: {turn}\n\n[10:01] Ada: Okay.\n\n[10:02] End of session\n"
    ).encode()
    return lambda: parse_transcript(text, "homework.txt")


_INPUTS: tuple[tuple[str, Callable[[int], Callable[[], object]], int], ...] = (
    ('a greeting run before "I\'m …"', _introduction, 1500),
    ("homework names without 'is to'", lambda n: _homework("your homework and " * n), 1500),
    ("requests that are no task", lambda n: _homework("please rest, " * n + "this week."), 1500),
    ("quotations that never close", lambda n: _homework("'a " * n + "please call."), 6000),
    ("announcements of a task", lambda n: _homework("please an experiment " * n + "."), 1500),
)


def linearity_rows() -> list[Row]:
    rows: list[Row] = []
    for what, make, n in _INPUTS:
        progress(f"adversarial lines: {what}")
        short = best_of(make(n), 3)
        long = best_of(make(n * GROWTH), 3)
        rows.append(
            ratio_row(
                f"Parse time, {what}: {GROWTH}× as long / as long",
                long / short,
                at_most=2 * GROWTH,
                detail=f"{n:,} and {n * GROWTH:,} repeats; about {GROWTH} is linear, "
                f"{GROWTH * GROWTH} quadratic",
            )
        )
    return rows
