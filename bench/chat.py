"""Chat import against format A: the same sessions, parsed side by side.

A chat file is read as JSON (walked a second time for each message's line), then
through the homework and quality rules every format shares; format A through its
own line rules. The figures are the chat parse rate over format A's, on the same
synthetic sessions, and how parse time grows with a chat's length.
"""

from __future__ import annotations

import json

from caselog.adapters.parsing import ImportOptions, parse_sessions

from .dialogue import Session, session
from .formats import render
from .report import Row, ratio_row
from .timing import best_of, progress

SESSIONS = 100
TURNS = 80
GROWTH = 4


def as_chat(s: Session) -> bytes:
    """The session as a simulation framework saves it: JSON lines, named, a system prompt."""
    client, professional = s.client_first, s.professional_label
    prompt = f"Simulated session {s.number}. You are {professional}; the client is {s.client}."
    messages = [{"role": "system", "content": prompt}]
    for turn in s.turns:
        pro = turn.role == "professional"
        messages.append(
            {
                "role": "assistant" if pro else "user",
                "name": professional if pro else client,
                "content": "\n\n".join(turn.paragraphs),
            }
        )
    return "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages).encode()


def _parse_all(files: list[tuple[str, bytes]], options: ImportOptions | None) -> None:
    for name, data in files:
        parse_sessions(data, name, options=options)


def chat_rows() -> list[Row]:
    progress(f"chat import: {SESSIONS} sessions of {TURNS} turns, as chat and as format A")
    sessions = [session(0, client, 1, TURNS) for client in range(SESSIONS)]
    text = [(f"s{i}.txt", render(s, "A").encode()) for i, s in enumerate(sessions)]
    chat = [(f"s{i}.jsonl", as_chat(s)) for i, s in enumerate(sessions)]
    given = ImportOptions(client="Bench Client", session=1)
    a_time = best_of(lambda: _parse_all(text, None), 3)
    chat_time = best_of(lambda: _parse_all(chat, given), 3)
    short = as_chat(session(0, 0, 1, TURNS))
    long = as_chat(session(0, 0, 1, TURNS * GROWTH))
    growth = best_of(lambda: parse_sessions(long, "l.jsonl", options=given), 7) / best_of(
        lambda: parse_sessions(short, "s.jsonl", options=given), 7
    )
    return [
        ratio_row(
            "Parse rate, chat JSON lines / format A, the same sessions",
            a_time / chat_time,
            at_least=0.5,
            detail=f"{SESSIONS} sessions of {TURNS} turns; above 1, chat is the faster",
        ),
        ratio_row(
            f"Parse time, a chat {GROWTH}× as long / as long",
            growth,
            at_most=2 * GROWTH,
            detail=f"{TURNS} and {TURNS * GROWTH} turns; about {GROWTH} is linear",
        ),
    ]
