"""``caselog amend`` and ``caselog retract``: corrections, recorded as events."""

from __future__ import annotations

from typing import Annotated

import typer

from caselog.cli.context import ActorOption, DbOption, JsonOption, actor, friendly, print_json, say
from caselog.cli.context import records as open_records
from caselog.cli.reading import ClientArg
from caselog.domain.corrections import CorrectionRequest
from caselog.domain.events import Correction, EntryAmended

SessionOpt = Annotated[
    int | None,
    typer.Option(
        "--session",
        metavar="N",
        help=(
            "The session the entry belongs to (for --homework or --note, optional: the id says it)."
        ),
        show_default=False,
    ),
]
SeqOpt = Annotated[
    int | None,
    typer.Option(
        "--seq",
        metavar="K",
        help="An utterance or stage direction: its place in the session (as in replay --json).",
        show_default=False,
    ),
]
SummaryOpt = Annotated[
    str | None,
    typer.Option(
        "--summary",
        metavar="SECTION:ITEM",
        help=(
            "A summary item: topics, techniques, helpful, homework, insights or other "
            "(the extra sections, numbered together), and its number."
        ),
        show_default=False,
    ),
]
HomeworkOpt = Annotated[
    str | None,
    typer.Option(
        "--homework", metavar="ID", help="A homework item, e.g. S1.H2.", show_default=False
    ),
]
NoteOpt = Annotated[
    str | None,
    typer.Option(
        "--note", metavar="ID", help="A clinician's progress note, e.g. S3.N1.", show_default=False
    ),
]
ReasonOpt = Annotated[
    str,
    typer.Option(
        "--reason", metavar="WHY", help="Why the entry is corrected (kept with the correction)."
    ),
]


@friendly
def amend_command(
    client: ClientArg,
    reason: ReasonOpt,
    text: Annotated[
        str | None,
        typer.Option(
            "--text", metavar="TEXT", help="What the entry should read.", show_default=False
        ),
    ] = None,
    speaker: Annotated[
        str | None,
        typer.Option(
            "--speaker",
            metavar="NAME",
            help="An utterance: who said it (the label replay shows).",
            show_default=False,
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            metavar="ROLE",
            help="An utterance: the speaker's role, client or professional.",
            show_default=False,
        ),
    ] = None,
    session: SessionOpt = None,
    seq: SeqOpt = None,
    summary: SummaryOpt = None,
    homework: HomeworkOpt = None,
    note: NoteOpt = None,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Amend one entry: record that it now reads TEXT, or (an utterance) that SPEAKER in
    ROLE said it, and why (nothing is overwritten). Give at least one of --text,
    --speaker and --role.

    Views show the new text and speaker, marked amended; the original stays in the
    log, and --recorded-before a moment before the amendment shows the record as it was.

    Example:  caselog amend alicia --session 1 --seq 4 --text "I slept badly." --reason "typo"

    Example:  caselog amend alex --session 5 --seq 3 --speaker "Dr. Lee" --reason "misheard"
    """
    where = _address(session, seq, summary, homework, note)
    request = CorrectionRequest(
        "amend", *where, text=text, reason=reason, speaker=speaker, role=role, note_id=note
    )
    _record(request, client, actor_name, db, as_json)


@friendly
def retract_command(
    client: ClientArg,
    reason: ReasonOpt,
    session: SessionOpt = None,
    seq: SeqOpt = None,
    summary: SummaryOpt = None,
    homework: HomeworkOpt = None,
    note: NoteOpt = None,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Retract one entry: record that it is withdrawn, and why (nothing is deleted).

    Replay shows it marked retracted; summaries leave it out; search no longer
    finds it; a retracted homework item is never open.

    Example:  caselog retract alicia --session 1 --summary topics:2 --reason "wrong client"
    """
    where = _address(session, seq, summary, homework, note)
    request = CorrectionRequest("retract", *where, reason=reason, note_id=note)
    _record(request, client, actor_name, db, as_json)


def _address(
    session: int | None,
    seq: int | None,
    summary: str | None,
    homework: str | None,
    note: str | None,
) -> tuple[int | None, int | None, str | None, str | None]:
    if sum(x is not None for x in (seq, summary, homework, note)) != 1:
        raise typer.BadParameter(
            "address exactly one entry: --seq K, --summary SECTION:ITEM, --homework ID or "
            "--note ID",
            param_hint="--seq/--summary/--homework/--note",
        )
    if homework is None and note is None and session is None:
        raise typer.BadParameter("give the session the entry belongs to", param_hint="--session")
    return session, seq, summary, homework


def _record(
    request: CorrectionRequest, client: str, actor_name: str | None, db: str | None, as_json: bool
) -> None:
    record = open_records(db).client(client)
    event = record.app.record_correction(record.id, request, actor=actor(actor_name))
    if as_json:
        from caselog.cli.receipts import CorrectionRecorded

        print_json(CorrectionRecorded.of(record.name, event))
        return
    done = "amended" if isinstance(event, EntryAmended) else "retracted"
    say(f"{record.name}: {_label(event)} {done} (recorded by {event.actor})")


def _label(event: Correction) -> str:
    if event.target == "homework":
        return f"homework {event.homework_id}"
    if event.target == "summary":
        return f"session {event.session} summary {event.section}:{event.item}"
    if event.target == "note":
        return f"note {event.note_id}"
    return f"session {event.session} entry {event.seq}"
