"""Property: whatever names, labels, paragraphs and directions a transcript has, in any of
formats A–D, replay gives back every turn's words under the right speaker and role."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caselog.adapters.parsing import parse_transcript
from caselog.adapters.store import open_store
from caselog.application.records import Records
from caselog.projections.entries import UtteranceEntry

GIVEN = [
    *("Anaïs", "Niamh", "Zoë", "Łukasz", "Inês", "Søren", "José", "Ólafur", "Chloé"),
    *("Иван", "Мария", "Σοφία", "Νίκος", "王小明", "李娜", "محمد", "فاطمة", "Anna Maria"),
    *("Jean-Luc", "Mary-Kate", "Ngozi", "Aiyana", "Kwame", "Thị Lan"),
]
FAMILY = [
    *("O'Hara", "D’Angelo", "Brontë-Hale", "McAvoy", "MacLeod", "Wójcik", "Núñez"),
    *("van der Berg", "de la Cruz", "al-Farsi", "bin Salleh", "Петров", "Παπαδόπουλος"),
    *("陈", "الأحمد", "Nguyễn", "Adler"),
]
TITLES = ["Dr.", "Dr", "Prof.", "Ms.", "Mr.", "Mx."]
WORDS = [
    *("the", "week", "felt", "long", "and", "I", "slept", "badly", "work", "was", "hard"),
    *("we", "talked", "about", "it", "breathing", "helped", "a", "little", "maybe", "today"),
    *("anxious", "calm", "mother", "called", "again", "journal", "every", "morning", "yes"),
]
DIRECTIONS = ["(pauses)", "[long silence]", "*sighs*", "(laughs softly)", "[crying]"]
C_CLIENT_LABELS = ["Patient", "Client", "PATIENT", "CLIENT"]
C_PRO_LABELS = ["Therapist", "Clinician", "Counselor", "Counsellor", "Psychologist", "THERAPIST"]


@dataclass(frozen=True)
class Turn:
    role: str
    paragraphs: tuple[str, ...]
    opening: str | None
    """A stage direction that opens the turn, on its label line."""
    after: str | None
    """A stage direction paragraph standing alone after the turn."""


sentence = st.lists(st.sampled_from(WORDS), min_size=2, max_size=9).map(
    lambda ws: " ".join(ws).capitalize() + "."
)
paragraph = st.lists(sentence, min_size=1, max_size=3).map(" ".join)
direction = st.none() | st.sampled_from(DIRECTIONS)
turn = st.builds(
    Turn,
    role=st.sampled_from(["client", "professional"]),
    paragraphs=st.lists(paragraph, min_size=1, max_size=3).map(tuple),
    opening=direction,
    after=direction,
)
people = st.tuples(
    st.sampled_from(GIVEN),
    st.sampled_from(FAMILY),
    st.sampled_from(TITLES),
    st.sampled_from(GIVEN),
    st.sampled_from(FAMILY),
).filter(lambda p: p[0] != p[3] and p[1] != p[4])


def body(turns: list[Turn], label: dict[str, str], stamp: bool) -> str:
    out: list[str] = []
    for i, t in enumerate(turns):
        clock = f"[10:{i % 60:02d}] " if stamp else ""
        opening = f"{t.opening} " if t.opening else ""
        out.append(f"{clock}{label[t.role]}: {opening}{t.paragraphs[0]}")
        out.extend(t.paragraphs[1:])
        if t.after:
            out.append(t.after)
    return "\n\n".join(out) + "\n"


def expected(turns: list[Turn]) -> list[tuple[str, str]]:
    return [(t.role, "\n\n".join(t.paragraphs)) for t in turns]


def replayed(text: str, client: str | None = None, session: int | None = None) -> list[tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "store.db")
        app = open_store(db, create=True).app
        parsed = parse_transcript(text.encode(), "t.txt")
        outcome = app.record_session(parsed, actor="test", client_name=client, session=session)
        record = Records(app).client(outcome.client_name)
        return [
            (e.role, e.speaker, e.text)
            for e in record.history(session=outcome.session)
            if isinstance(e, UtteranceEntry)
        ]


COMMON = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(people, st.lists(turn, min_size=1, max_size=8), st.booleans())
def test_formats_a_and_b_replay_every_turn_under_its_speaker(people, turns, bold) -> None:
    first, family, title, pro_first, pro_family = people
    client, professional = f"{first} {family}", f"{title} {pro_first} {pro_family}"
    header = f"Session 2/8\nDate: 2025-07-31\nClient: {client}\nProfessional: {professional}\n\n"
    label = {"client": first, "professional": f"{title} {pro_family}"}
    for fmt in ("A", "B"):
        if fmt == "A":
            text = header + body(turns, label, stamp=True)
        else:
            shown = {k: f"**{v}**" if bold else v for k, v in label.items()}
            text = header + "**[10:00]**\n" + body(turns, shown, stamp=False)
        got = replayed(text)
        assert [(r, t) for r, _, t in got] == expected(turns), fmt
        assert [s.replace("*", "") for _, s, _ in got] == [label[t.role] for t in turns]


@COMMON
@given(
    people,
    st.lists(turn, min_size=1, max_size=8),
    st.sampled_from(C_CLIENT_LABELS),
    st.sampled_from(C_PRO_LABELS),
)
def test_format_c_replays_every_turn_under_its_role(people, turns, client_label, pro_label):
    first, family, *_ = people
    name = f"{first} {family}"
    intro = Turn("client", (f"Hi, I'm {name}.",), None, None)
    label = {"client": client_label, "professional": pro_label}
    text = "Session Number: 3\n\n" + body([intro, *turns], label, stamp=False)
    got = replayed(text)
    assert [(r, t) for r, _, t in got] == expected([intro, *turns])
    assert [s for _, s, _ in got] == [label[t.role] for t in [intro, *turns]]


@COMMON
@given(st.lists(turn, min_size=1, max_size=8), st.sampled_from(C_PRO_LABELS))
def test_format_d_replays_every_turn_under_its_role(turns, pro_label) -> None:
    summary = (
        "Session Summary:\n\nMain topics discussed:\n- Sleep and work stress\n\n"
        "Homework assigned:\n- Keep a sleep diary\n\n"
    )
    label = {"client": "Patient", "professional": pro_label}
    text = summary + body(turns, label, stamp=False)
    got = replayed(text, client="Continuation Client", session=2)
    assert [(r, t) for r, _, t in got] == expected(turns)
