"""Hand-written transcripts in the ways real people and generators write them, each with the
record it should make (or the refusal it should get), in tests/fixtures/realistic/ and
tests/fixtures/adversarial/.

The expectations were written from the documented rules, not from the parser's output:
who is the client, under which title, who the professional is, the session and its date,
every utterance's role and opening words in order, the stage directions and the ending.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from caselog.adapters.store import open_store
from caselog.adapters.transcript_files import IngestOptions
from caselog.domain.events import (
    ClientRegistered,
    SessionEnded,
    SessionOpened,
    StageDirectionRecorded,
    UtteranceRecorded,
)
from tests.conftest import FIXTURES, ingest

# realistic/: written to the documented rules; adversarial/ and adversarial2/: written by
# outside testers to break them (generator output, shared names, couples, quoted speech).
CASES = [
    case
    for folder in ("realistic", "adversarial", "adversarial2")
    for case in sorted((FIXTURES / folder).glob("*.expect.json"))
]


def _case_id(path: Path) -> str:
    return path.name.removesuffix(".expect.json")


@pytest.mark.parametrize("expect_path", CASES, ids=_case_id)
def test_a_realistic_transcript_is_recorded_as_written_or_refused_with_its_line(
    expect_path: Path, tmp_path: Path
) -> None:
    expect: dict[str, Any] = json.loads(expect_path.read_text(encoding="utf-8"))
    source = expect_path.with_name(_case_id(expect_path) + ".txt")
    app = open_store(str(tmp_path / "store.db"), create=True).app
    # A group's files ("g4_kwame_s4") are one client's sessions: the earlier ones go first.
    group = _case_id(expect_path).split("_")[0]
    if group.startswith("g") and group[1:].isdigit():
        earlier = sorted(p for p in source.parent.glob(f"{group}_*.txt") if p.name < source.name)
        list(ingest(app, [str(p) for p in earlier], IngestOptions(actor="test")))
    before = app.recorder.max_notification_id() or 0
    (result,) = ingest(app, [str(source)], IngestOptions(actor="test"))

    if expect["outcome"] == "refused":
        assert result.status == "error", f"recorded what should be refused: {result}"
        assert result.error is not None
        # Parse errors name the path as given; the recording's, the file's name.
        where = result.error.split(": ", 1)[0]
        assert where.endswith(f"{source.name}:{expect['error_line']}"), result.error
        assert expect["error_contains"].casefold() in result.error.casefold(), result.error
        assert (app.recorder.max_notification_id() or 0) == before
        return

    assert result.status == "recorded", result.error
    events = [
        e
        for e in app.client_events(result_client_id(app, result.client))
        if isinstance(e, ClientRegistered) or getattr(e, "session", None) == result.session
    ]
    registered = next(e for e in events if isinstance(e, ClientRegistered))
    opened = next(e for e in events if isinstance(e, SessionOpened))
    assert registered.name == expect["client"]
    assert registered.title == expect["client_title"]
    assert opened.professional == expect["professional"]
    assert opened.session == expect["session"] and result.session == expect["session"]
    assert opened.source.format == expect["format"]
    assert (opened.date.isoformat() if opened.date else None) == expect["date"]
    said = [e for e in events if isinstance(e, UtteranceRecorded)]
    got = [(u.role, u.text) for u in said]
    want = [(t["role"], t["starts"]) for t in expect["turns"]]
    assert len(got) == len(want), _diff(got, want)
    for (role, text), (want_role, starts) in zip(got, want, strict=True):
        assert role == want_role and text.startswith(starts), _diff(got, want)
    directions = sum(isinstance(e, StageDirectionRecorded) for e in events)
    assert directions == expect["stage_directions"]
    (ended,) = [e for e in events if isinstance(e, SessionEnded)]
    assert ended.reason == expect["ending"]


def result_client_id(app: Any, name: str | None) -> Any:
    assert name is not None
    return app.client_id_for(name)


def _diff(got: list[tuple[str, str]], want: list[tuple[str, str]]) -> str:
    lines = []
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else ("-", "")
        w = want[i] if i < len(want) else ("-", "")
        mark = " " if g[0] == w[0] and g[1].startswith(w[1]) else "✗"
        lines.append(f"{mark} {g[0]:<12} {g[1][:50]!r:<55} | {w[0]:<12} {w[1]!r}")
    return "\n" + "\n".join(lines)


def test_the_realistic_set_covers_every_format_and_refusals() -> None:
    kinds = [json.loads(p.read_text(encoding="utf-8")) for p in CASES]
    assert {k["format"] for k in kinds} >= {"A", "B", "C"}
    assert sum(k["outcome"] == "refused" for k in kinds) >= 1
