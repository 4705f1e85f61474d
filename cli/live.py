"""``caselog record`` and ``caselog end``: a session recorded as it happens."""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import BaseModel, ConfigDict

from caselog.cli.completion import complete_client
from caselog.cli.context import DbOption, JsonOption, friendly, say
from caselog.cli.context import store as open_store
from caselog.cli.ingest import _date, _role
from caselog.cli.reading import ClientArg
from caselog.domain.errors import InvalidLiveInput, SessionClosed
from caselog.domain.events import SessionEnded, StageDirectionRecorded, UtteranceRecorded

if TYPE_CHECKING:
    # Imported where used: loading the command table stays cheap (test_startup_imports).
    from caselog.application.live import Appended, LiveSession
    from caselog.domain.live import LiveInput

SessionOpt = Annotated[int, typer.Option("--session", metavar="N", help="The session's number.")]


class StepRecorded(BaseModel):
    """One step ``record`` committed (a JSON line each, as it is committed)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    session: int
    seq: int | None
    """The entry's place in the session (a turn or a stage direction)."""
    version: int
    """The client's version after it: ``replay --at-version`` shows the record then."""
    kind: str
    speaker: str | None = None
    homework: list[str] = []
    """Homework its words assigned (a professional's turn), by id."""
    lines: tuple[int, int] | None = None
    repeated: bool = False


class SessionClosedNow(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    client: str
    session: int
    version: int
    reason: str


# Recording never takes a leading part of a name: "Rowan" may be someone new.
RecordingClientArg = Annotated[
    str,
    typer.Argument(
        metavar="CLIENT",
        autocompletion=complete_client,
        help="The client: a recorded client's full name (any case) or id prefix, or a new "
        "client's name.",
    ),
]


@friendly
def record_command(
    client: RecordingClientArg,
    session: SessionOpt,
    professional: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="The professional (a new session only)."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="The day it is held (a new session only)."),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LABEL=client|professional",
            help="A speaker label's role (repeatable; the label in any case).",
        ),
    ] = None,
    jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl", help='Read JSON lines: {"speaker", "role", "text", "clock"}, one a turn.'
        ),
    ] = False,
    new_client: Annotated[
        bool,
        typer.Option(
            "--new-client",
            help="CLIENT is a new client, even though the name begins a recorded client's "
            "(refused if a client has that very name).",
        ),
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a session as it happens, from standard input: each turn is appended
    and committed as soon as it is complete.

    A line "Label: words" opens a turn; lines after it, up to a blank line, go on
    with it; a line "(…)" is a stage direction. A turn is complete at the blank
    line after it, at the next turn, or at the end of input: end each turn with a
    blank line to have it recorded at once. A label that names nobody known, and a
    short one ("T:", "Q:") that --role does not name, stops the stream with an
    error rather than be taken for words of the turn before. Homework a
    professional assigns in a turn is recorded as homework, as ingest does. Each
    recorded step is acknowledged on standard output once it is committed.

    CLIENT is a recorded client's full name or id, or a new client's name. A name
    that only begins a recorded client's ("Rowan" for "Rowan Vale") is refused:
    give the full name, or --new-client for someone new.

    The end of input leaves the session in progress: run record again to go on
    with it, and `caselog end` to end it. Ctrl-C records the turn already read,
    then stops. A session that has ended refuses more.

    Example:  my_generator | caselog record "Rowan Vale" --session 3 --professional "Dr. Ines Ward"
    """
    from caselog.adapters.live_stream import TurnReader

    given_roles = [_role(r) for r in role or ()]
    on = _date(date)
    live = (
        open_store(db, create=True)
        .client(client, detect_homework=True, new_client=new_client)
        .session(session, date=on, professional=professional, roles=dict(given_roles))
    )
    if live.ended:
        raise SessionClosed(
            f"session {session} of {live.client_name} has ended: nothing more can be recorded"
        )
    # The labels are read by the rule every turn of the session is checked by.
    reader = TurnReader(live.speakers, uuid.uuid4().hex)
    read = reader.json_line if jsonl else reader.feed
    steps = _Steps(live, as_json)
    try:
        number = 0
        while line := sys.stdin.readline():
            number += 1
            steps.take(read(number, line))
    except KeyboardInterrupt:
        # What was read is recorded; a step cut off mid-write is written again, and its
        # key makes that harmless.
        steps.take(reader.close())
        typer.echo(f"interrupted: session {session} stays in progress", err=True)
        raise typer.Exit(130) from None
    except InvalidLiveInput:
        steps.take(reader.close())  # the turn before the bad line was read whole
        raise
    steps.take(reader.close())
    if not as_json:  # standard output holds the acknowledgements only
        state = "ended" if live.ended else "in progress"
        say(f"{live.client_name}, session {session}: {steps.recorded} recorded; {state}")


class _Steps:
    """Steps to record, in order; one leaves the queue only once it is committed."""

    def __init__(self, live: LiveSession, as_json: bool) -> None:
        self.live = live
        self.as_json = as_json
        self.queue: list[LiveInput] = []
        self.recorded = 0

    def take(self, steps: list[LiveInput]) -> None:
        self.queue.extend(steps)
        while self.queue:
            done = self.live.record(self.queue[0])
            self.queue.pop(0)
            self.recorded += _acknowledge(self.live, done, self.as_json)


def _acknowledge(live: LiveSession, done: Appended, as_json: bool) -> int:
    """Say the step is committed (a JSON line with --json); 1 if it recorded something."""
    entry = next(
        (e for e in done.events if isinstance(e, UtteranceRecorded | StageDirectionRecorded)),
        None,
    )
    if done.events:
        ack = StepRecorded(
            session=live.number,
            seq=done.seq,
            version=done.events[-1].originator_version,
            kind="utterance" if isinstance(entry, UtteranceRecorded) else "stage_direction",
            speaker=entry.speaker if isinstance(entry, UtteranceRecorded) else None,
            homework=list(done.homework_ids),
            lines=(entry.lines.first, entry.lines.last) if entry else None,
            repeated=done.repeated,
        )
        if as_json:
            sys.stdout.write(ack.model_dump_json() + "\n")
        else:
            who = f" {ack.speaker}" if ack.speaker else ""
            assigned = f" (homework {', '.join(ack.homework)})" if ack.homework else ""
            say(f"recorded {ack.seq}{who}{assigned}")
        sys.stdout.flush()
    return 0 if done.repeated else 1


@friendly
def end_command(
    client: ClientArg,
    session: SessionOpt,
    reason: Annotated[
        str,
        typer.Option(
            metavar="REASON",
            help="natural_end, end_marker, end_of_recording or incomplete.",
        ),
    ] = "natural_end",
    detail: Annotated[
        str, typer.Option(metavar="TEXT", help="What ended it, in a few words.")
    ] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """End a session begun with `caselog record` (or the write API): it is then no
    longer in progress, and refuses more turns.

    Example:  caselog end "Rowan Vale" --session 3
    """
    # Ending names an existing client as every command does (a unique leading part will
    # do); only recording, which may begin a client, asks for the full name.
    opened = open_store(db)
    live = opened.client(str(opened.client_id(client))).session(session, begin=False)
    done = live.end(reason, detail=detail)
    ended = done.events[-1]
    assert isinstance(ended, SessionEnded)
    if as_json:
        shown = SessionClosedNow(
            client=live.client_name,
            session=session,
            version=ended.originator_version,
            reason=ended.reason,
        )
        sys.stdout.write(shown.model_dump_json(indent=2) + "\n")
        return
    say(f"{live.client_name}, session {session}: ended ({ended.reason.replace('_', ' ')})")
