"""A scripted three-session simulation, recorded as it happens through the live write API.

    python examples/simulate.py sim.db

Each session opens with the recap of the one before (what a generator would paste into the
client's first turn), its turns are recorded one call at a time, homework is assigned, a
summary is recorded and the session is ended; the next opening then shows the homework
carried forward. The script is deterministic: no network, no model, no clock. Every call
carries an idempotency key, so running it again on the same store records nothing twice.
"""

from __future__ import annotations

import datetime as dt
import sys

import caselog
from caselog.domain.live import SessionSummary

CLIENT = "Rowan Vale"
PROFESSIONAL = "Dr. Ines Ward"

# Each session: (day, turns, homework, summary). A turn is (role, words); a stage
# direction is ("direction", words). The client's first turn is the recap, pasted in.
SCRIPT = [
    (
        dt.date(2026, 5, 4),
        [
            ("professional", "Welcome, Rowan. What brings you here?"),
            ("client", "I keep waking at four and cannot get back to sleep."),
            ("direction", "pauses"),
            ("professional", "What goes through your mind when you wake?"),
            ("client", "The week ahead, mostly. Work, and whether I am falling behind."),
        ],
        "Keep a sleep diary each morning",
        SessionSummary(
            topics=("Early waking", "Worry about work"),
            techniques=("Sleep diary",),
            insights=("Worry peaks on Sunday nights",),
        ),
    ),
    (
        dt.date(2026, 5, 11),
        [
            ("professional", "How did the diary go?"),
            ("client", "I filled it in five mornings. Sunday was the worst night."),
            ("professional", "Let us look at what happens on Sunday evenings."),
            ("client", "I check my work email before bed."),
        ],
        "Keep the sleep diary each morning and note the evenings",
        SessionSummary(
            topics=("Sunday evenings", "Checking email before bed"),
            helpful=("The diary showed a pattern",),
        ),
    ),
    (
        dt.date(2026, 5, 18),
        [
            ("professional", "What did the evenings show?"),
            ("client", "On the nights I left email alone I slept until six."),
            ("direction", "smiles"),
            ("professional", "That is worth keeping."),
        ],
        "Leave work email alone after eight in the evening",
        SessionSummary(
            topics=("Evenings without email",),
            insights=("Sleep follows the evening, not the night",),
        ),
    ),
]


def simulate(db: str) -> None:
    with caselog.open_store(db, create=True, actor=PROFESSIONAL) as store:
        for number, (day, turns, homework, summary) in enumerate(SCRIPT, start=1):
            recap = store.records.client(CLIENT).recap(for_session=number) if number > 1 else None
            opening = recap.text if recap else "This is my first session."
            print(f"=== Session {number} ({day.isoformat()}) ===")
            live = store.client(CLIENT).session(number, date=day, professional=PROFESSIONAL)
            key = f"sim:{number}"
            live.say("client", opening, idempotency_key=f"{key}:opening")
            print(f"Rowan: {opening}")
            for i, (role, words) in enumerate(turns):
                if role == "direction":
                    live.direct(words, idempotency_key=f"{key}:{i}")
                    print(f"({words})")
                else:
                    live.say(role, words, idempotency_key=f"{key}:{i}")
                    print(f"{'Dr. Ward' if role == 'professional' else 'Rowan'}: {words}")
            assigned = live.assign(homework, idempotency_key=f"{key}:homework")
            print(f"[homework {', '.join(assigned.homework_ids)}: {homework}]")
            live.record(summary.model_copy(update={"idempotency_key": f"{key}:summary"}))
            live.end("natural_end", idempotency_key=f"{key}:end")
            print()
        print("=== What the next session would open with ===")
        print(store.records.client(CLIENT).recap().text)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python examples/simulate.py DB")
    simulate(sys.argv[1])
