"""What a format parser hands back: everything but the parts all formats share.

Homework, quality flags, a summary quoted inside a turn and the source
reference are worked out the same way for every format, in ``session.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from caselog.domain.transcript import Ending, Entry, Inference, QualityFlag, QuotedSummary, Summary


@dataclass
class Draft:
    entries: list[Entry]
    ending: Ending
    header: list[tuple[str, str]] = field(default_factory=list)
    client_name: str | None = None
    client_title: str | None = None
    client_descriptor: str | None = None
    professional_name: str | None = None
    professional_title: str | None = None
    session_number: int | None = None
    planned_total: int | None = None
    date: dt.date | None = None
    date_source: str | None = None
    """How ``date`` was obtained (``caselog.adapters.parsing.dates``)."""
    start_time: str | None = None
    summary: Summary | None = None
    quoted_summary: QuotedSummary | None = None
    inferred: list[Inference] = field(default_factory=list)
    flags: list[QualityFlag] = field(default_factory=list)
    """Flags the format parser raises itself (an empty turn); the rest come later."""
