"""Builders and readers for the importer tests: caption files as Zoom, Teams and SRT write them.

A cue is (start seconds, speaker or None, text); files are written the way each tool does, so the
tests read real files through the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Cli

Cue = tuple[float, str | None, str]

IMPORT_FIXTURES = Path(__file__).parent / "fixtures" / "import"


def _stamp(seconds: float, comma: bool = False) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{',' if comma else '.'}{ms:03d}"


def _timing(start: float, comma: bool = False) -> str:
    return f"{_stamp(start, comma)} --> {_stamp(start + 2.5, comma)}"


def zoom_vtt(cues: list[Cue]) -> str:
    """Zoom: numbered cues, the speaker before a colon."""
    blocks = ["WEBVTT"]
    for n, (start, speaker, text) in enumerate(cues, start=1):
        said = f"{speaker}: {text}" if speaker else text
        blocks.append(f"{n}\n{_timing(start)}\n{said}")
    return "\n\n".join(blocks) + "\n"


def teams_vtt(cues: list[Cue]) -> str:
    """Teams: a GUID-like identifier per cue, the speaker in a voice span."""
    blocks = ["WEBVTT"]
    for n, (start, speaker, text) in enumerate(cues, start=1):
        said = f"<v {speaker}>{text}</v>" if speaker else text
        blocks.append(f"6d1c2f0a-{n:04d}/{n}-0\n{_timing(start)}\n{said}")
    return "\n\n".join(blocks) + "\n"


def srt(cues: list[Cue]) -> str:
    blocks = []
    for n, (start, speaker, text) in enumerate(cues, start=1):
        said = f"{speaker}: {text}" if speaker else text
        blocks.append(f"{n}\n{_timing(start, comma=True)}\n{said}")
    return "\n\n".join(blocks) + "\n"


def events(cli: Cli, client: str, *args: str) -> list[dict[str, Any]]:
    result = cli("replay", client, "--json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def utterances(cli: Cli, client: str, session: int) -> list[dict[str, Any]]:
    found = events(cli, client, "--session", str(session))
    return [e for e in found if e["type"] == "UtteranceRecorded"]


def said(cli: Cli, client: str, session: int) -> list[tuple[str, str, str | None, str]]:
    """(role, speaker, clock, text) of each utterance of the session."""
    return [
        (u["role"], u["speaker"], u["clock"], u["text"]) for u in utterances(cli, client, session)
    ]


def sessions(cli: Cli, client: str) -> list[dict[str, Any]]:
    result = cli("sessions", client, "--json")
    assert result.exit_code == 0, result.output
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def clients(cli: Cli) -> list[dict[str, Any]]:
    """The store's clients; none where a failed first ingest left no store behind."""
    result = cli("clients", "--json")
    if result.exit_code == 1 and "no caselog store at" in result.stderr:
        return []
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def one_line_error(result: Any) -> str:
    """The run failed with exit status 1 and one line on stderr, no traceback."""
    assert result.exit_code == 1, result.output
    message: str = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("error: ")
    assert "Traceback" not in result.output
    return message
