"""``caselog homework-add``, ``caselog insight-add`` and ``caselog note``: clinician entries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from caselog.cli.context import (
    ActorOption,
    DbOption,
    JsonOption,
    actor,
    friendly,
    print_json,
    say,
    store,
)
from caselog.cli.reading import ClientArg
from caselog.domain.entries import DEFAULT_REASON

if TYPE_CHECKING:
    from caselog.application.entries import EntryAdded

TextArg = Annotated[str, typer.Argument(metavar="TEXT", help="The words to record.")]
EntrySessionOpt = Annotated[
    int | None,
    typer.Option(
        "--session",
        metavar="N",
        help="The recorded session it belongs to. Default: the client's latest (the output "
        "says which).",
        show_default=False,
    ),
]
EntryReasonOpt = Annotated[
    str | None,
    typer.Option(
        "--reason",
        metavar="WHY",
        help=f"Why it is entered by hand (kept with it). Default: {DEFAULT_REASON!r}.",
        show_default=False,
    ),
]

_NAMES = {"homework": "homework", "insight": "insight", "note": "note"}


def _told(added: EntryAdded, as_json: bool) -> None:
    if as_json:
        from caselog.cli.receipts import EntryRecorded

        print_json(EntryRecorded.of(added))
        return
    where = f"session {added.session}"
    where += " (the latest: no --session was given)" if added.latest else ""
    continues = f"; it continues {added.continues}" if added.continues else ""
    say(
        f"{added.client_name} {added.entry_id}: {_NAMES[added.kind]} added to {where}, "
        f"recorded by {added.event.actor}{continues}"
    )


@friendly
def homework_add_command(
    client: ClientArg,
    text: TextArg,
    session: EntrySessionOpt = None,
    reason: EntryReasonOpt = None,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign homework by hand, without a transcript (an event with its actor and reason).

    It is homework like any other: listed by `homework`, open in `recap`, its status set
    by `homework-set`, corrected by `amend`/`retract --homework ID`. A text that starts
    with "Continue", "Keep" or "Resume" carries an open earlier item forward, as in ingest.

    Example:  caselog homework-add rowan "Keep a sleep diary" --session 3
    """
    added = store(db).add_homework(
        client, text, session=session, reason=reason, actor=actor(actor_name)
    )
    _told(added, as_json)


@friendly
def insight_add_command(
    client: ClientArg,
    text: TextArg,
    session: EntrySessionOpt = None,
    reason: EntryReasonOpt = None,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Note an insight by hand, without a transcript (an event with its actor and reason).

    It joins the session's insights after its summary's own (`summary`, `recap`), and is
    addressed `--summary insights:K` by `amend` and `retract`.

    Example:  caselog insight-add rowan "Sleep worry peaks on Sunday nights"
    """
    added = store(db).add_insight(
        client, text, session=session, reason=reason, actor=actor(actor_name)
    )
    _told(added, as_json)


@friendly
def note_command(
    client: ClientArg,
    text: TextArg,
    session: EntrySessionOpt = None,
    reason: EntryReasonOpt = None,
    actor_name: ActorOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a free-text progress note on a session (an event with its actor and reason).

    Shown by `replay`, under "Clinician notes:" in `summary` and `recap`, found by
    `search`, and exported (FHIR: a progress-note DocumentReference).

    Example:  caselog note rowan "Engaged well; review the diary first next time"
    """
    added = store(db).add_note(
        client, text, session=session, reason=reason, actor=actor(actor_name)
    )
    _told(added, as_json)
