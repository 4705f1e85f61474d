"""What one synthetic session says, whatever format it is written in.

Everything is a pure function of (seed, client, session): the same arguments
give the same words, so a continuation can repeat the previous session's
summary without anyone keeping it, and a corpus can be written file by file.
The words avoid what the parsers read as something else (homework cues other
than the one intended, generator refusals, a capitalised word after "I'm").
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

FIRST = (
    "Alicia", "Marcus", "Priya", "Jonas", "Keiko", "Tomas", "Amara", "Lucas", "Ingrid", "Rafael",
    "Noor", "Declan", "Mirela", "Oskar", "Leona", "Mateo", "Sanna", "Idris", "Carmen", "Felix",
    "Yasmin", "Henrik", "Beatriz", "Anton", "Lena", "Kofi", "Greta", "Ravi", "Elodie", "Stefan",
    "Nadia", "Bruno", "Hanna", "Emil", "Zara", "Pavel", "Ines", "Caleb", "Maren", "Tariq",
)  # fmt: skip
LAST = (
    "Rodriguez", "Thompson", "Okafor", "Lindqvist", "Tanaka", "Novak", "Mensah", "Ferreira",
    "Halvorsen", "Castillo", "Haddad", "Brennan", "Popescu", "Nielsen", "Moretti", "Alvarez",
    "Virtanen", "Rahman", "Delgado", "Weber", "Karimi", "Johansson", "Carvalho", "Petrov",
    "Schmidt", "Owusu", "Berg", "Iyer", "Laurent", "Kowalski", "Saleh", "Costa", "Fischer",
    "Larsen", "Qureshi", "Horvat", "Santos", "Whitaker", "Dahl", "Nasser",
)  # fmt: skip
PROFESSIONALS = (
    ("Harper", "Torres", "Licensed Clinical Psychologist"),
    ("Samuel", "Okonkwo", "Clinical Psychologist"),
    ("Ingrid", "Vale", "CBT Therapist"),
    ("Miriam", "Ashby", "Counselling Psychologist"),
    ("Daniel", "Reyes", "Licensed Professional Counselor"),
)
JOBS = (
    "Product Designer", "Teacher", "Nurse", "Software Engineer", "Accountant", "Student",
    "Chef", "Architect", "Paramedic", "Librarian", "Sales Manager", "Electrician",
)  # fmt: skip
THEMES = (
    "perfectionism", "sleep", "the deadlines at work", "my sister", "social plans",
    "presentations", "money worries", "the move", "exercise", "my manager", "grief",
    "procrastination", "self-criticism", "the new team", "family dinners", "my health",
    "the exam", "saying no", "the commute", "my partner",
)  # fmt: skip
ADJECTIVES = (
    "hard", "mixed", "tiring", "calmer", "tense", "surprising", "lonely", "busy", "steady",
    "overwhelming", "hopeful", "frustrating",
)  # fmt: skip
BELIEFS = (
    "one mistake means I am not good enough",
    "people will think less of me if I ask for help",
    "I have to finish everything before I can rest",
    "if I relax something will go wrong",
    "my worth depends on how much I get done",
    "I should be able to handle this alone",
)
TECHNIQUES = (
    "breathing exercise", "thought record", "body scan", "worry time", "behavioural experiment",
    "kindness meditation", "activity schedule", "grounding exercise",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TASKS = (
    "practise the {t} for ten minutes each morning",
    "write down one thought about {m} and the evidence against it",
    "notice when {m} comes up and rate the worry from one to ten",
    "try the {t} before bed on three evenings",
    "plan one small pleasant activity that has nothing to do with {m}",
    "ask for help once with something related to {m}",
)
SECTIONS = (
    ("topics", "Main topics discussed:", 4),
    ("techniques", "Techniques/exercises introduced:", 3),
    ("helpful", "Things that appeared helpful/important:", 3),
    ("homework", "Homework assigned:", 3),
    ("insights", "Insights/realizations:", 3),
)
SECTION_ITEMS = {
    "topics": (
        "Worry about {m} during {d} and {d2}",
        "How {m} affects sleep and concentration ({n} nights this week)",
        "The belief that {b}",
        "Tension between {m} and {m2}",
    ),
    "techniques": (
        "The {t} applied to {m}",
        "Rating the worry about {m} before and after the {t}",
        "Scheduling {n} short breaks around {m}",
    ),
    "helpful": (
        "Naming the thought about {m} out loud",
        "Noticing that {b} is a belief, not a fact",
        "Remembering the {d} when the {t} worked",
    ),
    "homework": TASKS,
    "insights": (
        "Self-criticism about {m} grows when {m2} is left unspoken",
        "The belief that {b} started long before {m}",
        "Small steps with {m} count, even on a {a} day like {d}",
    ),
}
PRO_LINES = (
    "What went through your mind when {m} came up?",
    "That sounds {a}, and it makes sense given {m}.",
    "Let's look at the evidence for the thought that {b}.",
    "How did the {t} feel when you tried it?",
    "I notice you describe {m} with a lot of self-judgement.",
    "What would you say to a friend who felt {a} about {m}?",
    "Where in your body do you notice the tension about {m}?",
    "Let's slow down and stay with that for a moment.",
)
CLIENT_LINES = (
    "I noticed that {m} kept coming up on {d}.",
    "Honestly, the week with {m} felt {a}.",
    "When {m} came up, I told myself that {b}.",
    "I tried the {t} twice, and it helped a little.",
    "Part of me still believes that {b}.",
    "It was {a}, but I managed to talk about {m} with someone.",
    "I keep replaying the moment on {d} when {m} went wrong.",
    "I think {m2} makes {m} harder than it needs to be.",
)


@dataclass(frozen=True)
class Turn:
    role: str
    """"client" or "professional"."""
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class SummarySection:
    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class Session:
    client: str
    descriptor: str
    professional: tuple[str, str, str]
    number: int
    planned: int
    date: dt.date
    turns: tuple[Turn, ...]
    homework: str
    """The task the professional assigns in the dialogue (as "Before our next session, …")."""
    stage_after: int
    """Index of the professional turn that a stage direction follows."""
    summary: tuple[SummarySection, ...]

    @property
    def client_first(self) -> str:
        return self.client.split()[0]

    @property
    def professional_label(self) -> str:
        return f"Dr. {self.professional[1]}"


def client_name(index: int) -> str:
    """A distinct name for every index: first and last name, then a middle name too."""
    first = FIRST[index % len(FIRST)]
    last = LAST[(index // len(FIRST)) % len(LAST)]
    more = index // (len(FIRST) * len(LAST))
    if more == 0:
        return f"{first} {last}"
    middle = FIRST[(more - 1) % len(FIRST)]
    return f"{first} {middle} {last}"


def _fill(rng: random.Random, template: str, own: tuple[str, str]) -> str:
    return template.format(
        m=own[0] if rng.random() < 0.6 else rng.choice(THEMES),
        m2=own[1],
        a=rng.choice(ADJECTIVES),
        b=rng.choice(BELIEFS),
        t=rng.choice(TECHNIQUES),
        d=rng.choice(DAYS),
        d2=rng.choice(DAYS),
        n=rng.randint(2, 6),
    )


def _themes(seed: int, client: int) -> tuple[str, str]:
    rng = random.Random(f"{seed}/{client}/themes")
    first, second = rng.sample(THEMES, 2)
    return first, second


def summary_sections(seed: int, client: int, number: int) -> tuple[SummarySection, ...]:
    """The session's own summary block (also what the next session's continuation quotes)."""
    rng = random.Random(f"{seed}/{client}/{number}/summary")
    own = _themes(seed, client)
    sections = []
    for key, heading, count in SECTIONS:
        items: list[str] = []
        while len(items) < count:
            text = _fill(rng, rng.choice(SECTION_ITEMS[key]), own)
            text = text[0].upper() + text[1:]
            if text not in items:
                items.append(text)
        sections.append(SummarySection(heading, tuple(items)))
    return tuple(sections)


def session(seed: int, client: int, number: int, turns: int, planned: int = 24) -> Session:
    """Session ``number`` of client ``client``: ``turns`` turns, therapist first."""
    rng = random.Random(f"{seed}/{client}/{number}")
    own = _themes(seed, client)
    name = client_name(client)
    professional = PROFESSIONALS[client % len(PROFESSIONALS)]
    label = f"Dr. {professional[1]}"
    start = dt.date(2025, 1, 6) + dt.timedelta(days=client % 28)
    task = _fill(rng, rng.choice(TASKS), own)
    if number > 1 and rng.random() < 0.3:
        task = "continue to " + task
    out: list[Turn] = []
    for i in range(turns):
        role = "professional" if i % 2 == 0 else "client"
        lines = PRO_LINES if role == "professional" else CLIENT_LINES
        sentences = [_fill(rng, rng.choice(lines), own) for _ in range(rng.randint(2, 4))]
        paragraphs = [" ".join(sentences)]
        if role == "professional" and rng.random() < 0.15:
            paragraphs.append(_fill(rng, rng.choice(PRO_LINES), own))
        out.append(Turn(role, tuple(paragraphs)))
    # Fixed openings and closings: the client introduces themself and names the
    # professional (formats C and D carry names only there); the professional
    # assigns homework near the end and says an end phrase last.
    out[0] = Turn("professional", (f"Good to see you, {name.split()[0]}. How have things been?",))
    out[1] = Turn(
        "client",
        (f"Hi, I'm {name}. Thanks, {label}. {out[1].paragraphs[0]}", *out[1].paragraphs[1:]),
    )
    last_pro = turns - 1 if (turns - 1) % 2 == 0 else turns - 2
    out[last_pro - 2] = Turn(
        "professional",
        (f"{out[last_pro - 2].paragraphs[0]} Before our next session, I'd like you to {task}.",),
    )
    out[last_pro] = Turn("professional", ("Thank you for today. See you next week, take care.",))
    if last_pro + 1 < turns:
        out[last_pro + 1] = Turn("client", (f"Thanks, {label}. See you next week.",))
    return Session(
        client=name,
        descriptor=JOBS[client % len(JOBS)],
        professional=professional,
        number=number,
        planned=planned,
        date=start + dt.timedelta(weeks=number - 1),
        turns=tuple(out),
        homework=task,
        stage_after=2 * rng.randint(2, turns // 2 - 3),
        summary=summary_sections(seed, client, number),
    )
