"""The steps every format shares, from a parser's draft to a ``ParsedSession``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import PurePath

from caselog.domain.transcript import (
    Entry,
    HomeworkItem,
    ParsedSession,
    QuotedSummary,
    SourceRef,
    TranscriptFormat,
    Utterance,
)

from .draft import Draft
from .homework import dialogue_homework
from .quality import quality_flags
from .summary import parse_summary
from .text import numbered

_QUOTE_OPENS = re.compile(r"Session Summary:", re.IGNORECASE)


def source_ref(name: str, data: bytes, fmt: TranscriptFormat) -> SourceRef:
    """Where a session came from: the file's name, the sha256 of its bytes, its format."""
    return SourceRef(
        file=PurePath(name).name or name, sha256=hashlib.sha256(data).hexdigest(), format=fmt
    )


def assemble(
    draft: Draft, lines: Sequence[str], data: bytes, name: str, fmt: TranscriptFormat
) -> ParsedSession:
    entries = tuple(draft.entries)
    quoted = draft.quoted_summary or quoted_in_first_client_turn(entries, lines)
    if draft.summary is not None:
        homework = [
            HomeworkItem(text=text, source="summary") for text in draft.summary.items("homework")
        ]
    else:
        homework = dialogue_homework(entries)
    return ParsedSession(
        source=source_ref(name, data, fmt),
        client_name=draft.client_name,
        client_title=draft.client_title,
        client_descriptor=draft.client_descriptor,
        professional_name=draft.professional_name,
        professional_title=draft.professional_title,
        session_number=draft.session_number,
        planned_total=draft.planned_total,
        date=draft.date,
        date_source=draft.date_source,
        start_time=draft.start_time,
        header=tuple(draft.header),
        entries=entries,
        summary=draft.summary,
        quoted_summary=quoted,
        homework=tuple(homework),
        flags=tuple(sorted((*quality_flags(entries), *draft.flags), key=lambda f: f.seq)),
        ending=draft.ending,
        inferred=tuple(draft.inferred),
    )


def quoted_in_first_client_turn(
    entries: Sequence[Entry], lines: Sequence[str]
) -> QuotedSummary | None:
    """A previous session's summary the client reads out in their first turn.

    The utterance keeps every word; this only adds the structured reading.
    """
    for seq, entry in enumerate(entries, start=1):
        if isinstance(entry, Utterance) and entry.role == "client":
            span = numbered(lines, entry.lines.first - 1, entry.lines.last)
            for i, (_, text) in enumerate(span):
                if _QUOTE_OPENS.search(text):
                    block = parse_summary(span[i + 1 :])
                    if block.summary is None:
                        return None
                    return QuotedSummary(summary=block.summary, in_utterance=seq)
            return None
    return None
