"""The results table: printed, and appended with the date and machine to RESULTS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import socket
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).parent / "RESULTS.md"


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    """The ratio (or size) as printed, or "n/a (why)"."""
    target: str = ""
    detail: str = ""
    met: bool | None = None
    """Whether the target is met; None when there is no target or no value."""


def ratio_row(
    figure: str,
    value: float,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    detail: str = "",
    unit: str = "",
) -> Row:
    met: bool | None = None
    target = ""
    if at_least is not None:
        target, met = f"≥ {at_least:g}{unit}", value >= at_least
    elif at_most is not None:
        target, met = f"≤ {at_most:g}{unit}", value <= at_most
    shown = f"{value:.0f}{unit}" if unit else f"{value:.2f}"
    return Row(figure, shown, target, detail, met)


def unavailable(figure: str, why: str, target: str = "") -> Row:
    return Row(figure, f"n/a ({why})", target)


def machine() -> str:
    return (
        f"host {socket.gethostname()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} ({platform.machine()})"
    )


def table(rows: list[Row]) -> str:
    lines = ["| figure | value | target | met | detail |", "|---|---|---|---|---|"]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        cells = (r.figure, r.value, r.target, met, r.detail)
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def publish(rows: list[Row], heading: str, notes: list[str]) -> str:
    """Print the table and append it to RESULTS.md; returns what was written."""
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    text = "\n".join(
        [f"## {now}: {heading}", "", machine(), "", table(rows), "", *notes, ""]
    ).rstrip()
    print(text)
    new = not RESULTS.exists()
    with RESULTS.open("a", encoding="utf-8") as out:
        if new:
            out.write(
                "# Benchmark results\n\n"
                "Appended by `make bench`. Every figure is a ratio (or a peak RSS) measured "
                "side by side in one run, because absolute times on a shared machine are noise.\n"
            )
        out.write("\n" + text + "\n")
    return text
