"""Small hand-built parsed sessions for tests that need no parser."""

from __future__ import annotations

import hashlib

from caselog.domain.transcript import (
    Ending,
    HomeworkItem,
    LineSpan,
    ParsedSession,
    QuotedSummary,
    SourceRef,
    StageDirection,
    Summary,
    SummaryItem,
    SummarySection,
    Utterance,
)


def summary(prefix: str, about: int | None = None, per_section: int = 2) -> Summary:
    keys = ("topics", "techniques", "helpful", "homework", "insights")
    return Summary(
        about_session=about,
        sections=tuple(
            SummarySection(
                key=key,
                heading=f"{key.title()}:",
                items=tuple(
                    SummaryItem(text=f"{prefix} {key} {i}", line=i)
                    for i in range(1, per_section + 1)
                ),
            )
            for key in keys
        ),
    )


def parsed(
    *,
    client: str | None = "Jo Example",
    session: int | None = 1,
    file: str = "jo.txt",
    body: str = "first",
    fmt: str = "A",
    with_summary: bool = False,
    quoted: QuotedSummary | None = None,
    homework: tuple[str, ...] = (),
) -> ParsedSession:
    return ParsedSession(
        source=SourceRef(file=file, sha256=hashlib.sha256(body.encode()).hexdigest(), format=fmt),
        client_name=client,
        session_number=session,
        entries=(
            Utterance(
                role="professional",
                speaker="Dr. P",
                text=f"Hello ({body}).",
                clock="10:00",
                lines=LineSpan(first=1, last=1),
            ),
            StageDirection(text="( pause )", lines=LineSpan(first=2, last=2)),
            Utterance(
                role="client",
                speaker="Jo",
                text=f"Secret words {body}.",
                lines=LineSpan(first=3, last=3),
            ),
        ),
        summary=summary(f"{body} summary") if with_summary else None,
        quoted_summary=quoted,
        homework=tuple(HomeworkItem(text=h, source="dialogue", utterance=1) for h in homework),
        ending=Ending(reason="end_marker", detail="End of session", clock="11:00"),
    )
