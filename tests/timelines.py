"""A store holding every kind of timeline entry a reader can see, for the timeline tests.

The seed transcripts, then corrections of each kind (text, speaker, retraction; an
utterance, a summary item, homework), a status change, a reassignment and a clinician's
entries (homework, an insight, a note).
"""

from __future__ import annotations

from caselog.adapters.store import open_store
from caselog.projections.entries import TimelineEntry
from tests.conftest import FIXTURES, Cli

CORRECTIONS = (
    (
        "amend",
        "alicia",
        "--session",
        "1",
        "--seq",
        "3",
        "--text",
        "Amended words.",
        "--reason",
        "r",
    ),
    ("amend", "alicia", "--session", "1", "--seq", "5", "--speaker", "Dr. Lee", "--reason", "r"),
    ("retract", "alicia", "--session", "1", "--seq", "4", "--reason", "wrong file"),
    ("retract", "alicia", "--session", "1", "--summary", "insights:1", "--reason", "not said"),
    (
        "amend",
        "alicia",
        "--session",
        "1",
        "--summary",
        "topics:1",
        "--text",
        "Grief",
        "--reason",
        "r",
    ),
    ("retract", "alicia", "--homework", "S1.H2", "--reason", "not agreed"),
    ("amend", "alicia", "--homework", "S1.H1", "--text", "Write it down", "--reason", "clearer"),
    ("homework-set", "alicia", "S1.H1", "completed", "--note", "did it"),
    ("reassign", "alex", "--session", "5", "--to", "Jordan Lee", "--reason", "misfiled"),
    ("homework-add", "alicia", "Walk after lunch", "--session", "1", "--reason", "by phone"),
    ("insight-add", "alicia", "Evenings are easier", "--session", "1"),
    ("note", "alicia", "Engaged and open", "--session", "1"),
)


def corrected_clinic(db: str) -> Cli:
    cli = Cli(db)
    assert cli("ingest", str(FIXTURES)).exit_code == 0
    for command in CORRECTIONS:
        result = cli(*command)
        assert result.exit_code == 0, result.output
    return cli


def histories(db: str) -> dict[str, list[TimelineEntry]]:
    """Every client's timeline, by client name."""
    with open_store(db) as store:
        records = store.records
        return {c.name: records.client(c.client_id).history() for c in records.clients()}
