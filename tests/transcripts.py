"""Valid transcript files, generated: format A (a ``Session N/T`` header and clock-stamped turns).

``transcript_text(client, session, seed)`` is deterministic: the same arguments give the same
bytes, and so the same sha256 (re-ingesting such a file reports ``unchanged``); a different
``seed`` gives a different file for the same session (re-ingesting it is a conflict).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

CLIENTS = (
    "Avery Quinn",
    "Bianca Moreau",
    "Cyrus Okafor",
    "Delia Park",
    "Emeka Lindqvist",
    "Farah Haddad",
    "Gustavo Reyes",
    "Hana Kobayashi",
)
PROFESSIONAL = "Dr. Harper Torres"
PROFESSIONAL_TITLE = "Licensed Clinical Psychologist"
PLANNED_SESSIONS = 40

_WORDS = (
    *("work", "sleep", "breathing", "evidence", "belief", "mistake", "team", "deadline"),
    *("kindness", "meditation", "practice", "thought", "feeling", "week", "progress"),
    *("goal", "small", "step", "confidence", "family", "walk", "journal", "morning"),
)


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _clock(minutes: int) -> str:
    hour, minute = divmod(10 * 60 + minutes, 60)
    return f"{hour % 24:02d}:{minute:02d}"


def transcript_text(client: str, session: int, seed: int = 0, turns: int = 6) -> str:
    """A format A transcript of ``client``'s ``session``, ending with an end marker."""
    rng = random.Random(f"{client}|{session}|{seed}")
    first_name = client.split()[0]
    day = dt.date(2025, 1, 6) + dt.timedelta(weeks=session - 1)
    lines = [
        f"Session {session}/{PLANNED_SESSIONS}",
        f"Date: {day:%B} {day.day}, {day.year}",
        "Time: 10:00 AM",
        f"Client: {client} (Research Participant)",
        f"Professional: {PROFESSIONAL} ({PROFESSIONAL_TITLE})",
        "",
    ]
    minute = 0
    for turn in range(turns):
        speaker = "Dr. Torres" if turn % 2 == 0 else first_name
        text = " ".join(_sentence(rng, rng.randint(5, 12)) for _ in range(rng.randint(1, 3)))
        if turn == 0:
            text = f"Hello {first_name}, welcome to session {session}. {text}"
        lines += [f"[{_clock(minute)}] {speaker}: {text}", ""]
        minute += 1
    lines.append(f"[{_clock(minute)}] End of session")
    return "\n".join(lines) + "\n"


def write_transcript(
    folder: Path,
    client: str,
    session: int,
    seed: int = 0,
    *,
    name: str | None = None,
    turns: int = 6,
) -> Path:
    """Write ``client``'s ``session`` into ``folder``; the file name is derived unless given."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{client.split()[0].lower()}-{session:03d}-{seed}.txt")
    path.write_text(transcript_text(client, session, seed, turns), encoding="utf-8")
    return path
