"""A deterministic synthetic client: N sessions of about 80 events each."""

from __future__ import annotations

import hashlib
import random

from caselog.domain.transcript import (
    Ending,
    LineSpan,
    ParsedSession,
    SourceRef,
    Summary,
    SummaryItem,
    SummarySection,
    Utterance,
)

WORDS = [
    "perfectionism",
    "anxiety",
    "sleep",
    "breathing",
    "evidence",
    "belief",
    "mistake",
    "team",
    "deadline",
    "kindness",
    "meditation",
    "practice",
    "reframe",
    "thought",
    "feeling",
    "week",
    "progress",
    "goal",
    "small",
    "step",
    "confidence",
]


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def synthetic_session(client: str, number: int, seed: int = 0) -> ParsedSession:
    rng = random.Random(f"{client}-{number}-{seed}")
    entries = tuple(
        Utterance(
            role="professional" if i % 2 == 0 else "client",
            speaker="Therapist" if i % 2 == 0 else "Patient",
            text=" ".join(_sentence(rng, 14) for _ in range(4)),
            lines=LineSpan(first=i * 2 + 1, last=i * 2 + 1),
        )
        for i in range(56)
    )
    keys = ("topics", "techniques", "helpful", "homework", "insights")
    summary = Summary(
        sections=tuple(
            SummarySection(
                key=k,
                heading=f"{k.title()}:",
                items=tuple(SummaryItem(text=_sentence(rng, 6), line=200 + j) for j in range(4)),
            )
            for k in keys  # type: ignore[misc]
        )
    )
    body = f"{client}/{number}/{seed}".encode()
    return ParsedSession(
        source=SourceRef(
            file=f"{client}-{number}.txt", sha256=hashlib.sha256(body).hexdigest(), format="C"
        ),
        client_name=client,
        session_number=number,
        entries=entries,
        summary=summary,
        ending=Ending(reason="natural_end", detail=r"\btake care\b"),
    )
