"""The deterministic synthetic corpus: N clients x 24 sessions of about 80 events each.

``write_corpus`` writes it as transcript files in all four formats, one file at a
time (never the whole corpus in memory), yielding each client's files as soon as
they are written; the same seed gives byte-identical files. ``synthetic_session``
builds one ``ParsedSession`` value directly, for figures that skip parsing.

    python -m bench.corpus DIR --clients 10 --seed 0
"""

from __future__ import annotations

import argparse
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from caselog.adapters.parsing import parse_transcript
from caselog.adapters.store import open_store
from caselog.adapters.transcript_files import IngestOptions
from caselog.domain.transcript import (
    NAMED_SECTIONS,
    Ending,
    LineSpan,
    ParsedSession,
    SourceRef,
    Summary,
    SummaryItem,
    SummarySection,
    Utterance,
)

from .dialogue import client_name, session, summary_sections
from .formats import render

SESSIONS = 24
ROTATION = ("A", "B", "C")
# Turns per format so that every session records about 80 events: A and B add the
# opening, a stage direction, dialogue homework and the ending; C adds the summary
# block's 16 items; D adds the quoted summary on top of C.
TURNS = {"A": 76, "B": 76, "C": 61, "D": 60}


def continued_session(client: int) -> int:
    """The session a continuation client's D file holds: the first one after a C."""
    return next(n for n in range(2, SESSIONS + 1) if _rotated(client, n - 1) == "C")


def _rotated(client: int, number: int) -> str:
    return ROTATION[(client + number) % len(ROTATION)]


def session_format(client: int, number: int, continuations: int = 1) -> str:
    """A, B and C rotate by session, shifted per client; the first ``continuations``
    clients each have one continuation (D), which opens with the summary of the C
    session before it.

    Continuations are few because recording one matches its opening summary against
    every session in the store: its cost grows with the store (see bench/queries.py).
    """
    if client < continuations and number == continued_session(client):
        return "D"
    return _rotated(client, number)


def file_name(client: int, number: int, fmt: str) -> str:
    return f"client{client:05d}-s{number:02d}-{fmt}.txt"


def transcript(
    client: int, number: int, fmt: str, seed: int = 0, sessions: int = SESSIONS
) -> bytes:
    """Session ``number`` of ``client`` in format ``fmt`` (D continues session number - 1,
    which must be a C or D session)."""
    content = session(seed, client, number, TURNS[fmt], planned=sessions)
    previous = summary_sections(seed, client, number - 1) if fmt == "D" else ()
    return render(content, fmt, previous).encode()


@dataclass(frozen=True)
class ClientFiles:
    index: int
    name: str
    files: list[str]


def write_corpus(
    directory: Path, clients: int, seed: int = 0, continuations: int = 1
) -> Iterator[ClientFiles]:
    """Write each client's 24 transcripts into ``directory``, client by client."""
    directory.mkdir(parents=True, exist_ok=True)
    for c in range(clients):
        files = []
        for n in range(1, SESSIONS + 1):
            fmt = session_format(c, n, continuations)
            path = directory / file_name(c, n, fmt)
            path.write_bytes(transcript(c, n, fmt, seed))
            files.append(str(path))
        yield ClientFiles(c, client_name(c), files)


def check_corpus(directory: Path, seed: int = 0) -> str:
    """Fail unless the generator is deterministic and every file parses and records.

    Writes three clients (each with a continuation, so all four formats appear)
    twice, compares the bytes, parses each file, and ingests them into a new store.
    """
    first = [f for c in write_corpus(directory / "a", 3, seed, continuations=3) for f in c.files]
    again = [f for c in write_corpus(directory / "b", 3, seed, continuations=3) for f in c.files]
    for one, other in zip(first, again, strict=True):
        if Path(one).read_bytes() != Path(other).read_bytes():
            raise AssertionError(f"{one}: not byte-identical when written again")
    formats: dict[str, int] = {}
    for name in first:
        parsed = parse_transcript(Path(name).read_bytes(), name)
        intended = Path(name).stem.rsplit("-", 1)[1]
        if parsed.source.format != intended:
            raise AssertionError(f"{name}: read as format {parsed.source.format}")
        if parsed.flags:
            raise AssertionError(f"{name}: unexpected quality flags {parsed.flags}")
        formats[intended] = formats.get(intended, 0) + 1
    with open_store(str(directory / "check.db"), create=True) as store:
        results = list(store.ingest(first, IngestOptions(actor="bench")))
    failed = [r.error for r in results if r.status != "recorded"]
    if failed:
        raise AssertionError(f"generated files that do not ingest: {failed[:3]}")
    events = [r.events for r in results]
    if not 70 <= sum(events) / len(events) <= 90:
        raise AssertionError(f"sessions average {sum(events) / len(events):.0f} events, not ~80")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(formats.items()))
    return (
        f"corpus check: {len(first)} files byte-identical when rewritten, formats {counts}, "
        f"{min(events)}-{max(events)} events a session"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.corpus", description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--continuations", type=int, default=1)
    args = parser.parse_args()
    corpus = write_corpus(args.directory, args.clients, args.seed, args.continuations)
    written = sum(len(c.files) for c in corpus)
    print(f"{written} transcripts written to {args.directory}")


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
    summary = Summary(
        sections=tuple(
            SummarySection(
                key=k,
                heading=f"{k.title()}:",
                items=tuple(SummaryItem(text=_sentence(rng, 6), line=200 + j) for j in range(4)),
            )
            for k in NAMED_SECTIONS
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


if __name__ == "__main__":
    main()
