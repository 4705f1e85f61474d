"""Corrections: amending or retracting one entry of the record, as events.

Nothing recorded is edited in place. ``EntryAmended`` says an entry now reads
differently, and why; ``EntryRetracted`` withdraws it, and why. The original
stays in its own event, so the record as it was before a correction can always
be read back (``--recorded-before``), and the log shows who corrected what.

An entry is addressed as:

- an utterance or stage direction: its session and ``seq`` (its place in the session);
- a summary item: its session, section and number in that section (``topics:2``);
  the items of extra sections are ``other:N``, numbered across all of them.
  An item of the "homework" section is that session's homework, corrected as such;
- a homework item: its id (``S1.H2``).

Rules: a correction needs a reason; an amendment needs a text that is not empty,
or (an utterance only) a new speaker or role, and must change something the entry
reads now; a retracted entry can be neither amended nor retracted again.
``decide_correction`` applies them and is pure; the folds use ``address_of``,
``corrections_by_address`` and ``corrected`` to show each entry's current text,
speaker and role.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from caselog.domain.client import RETRACTED, Client
from caselog.domain.errors import (
    EntryNotFound,
    HomeworkNotFound,
    InvalidCorrection,
    SessionNotFound,
)
from caselog.domain.events import (
    Correction,
    CorrectionTarget,
    DomainEvent,
    EntryAmended,
    EntryRetracted,
    HomeworkAssigned,
    NoteRecorded,
    SessionEvent,
    StageDirectionRecorded,
    SummaryItemNoted,
    UtteranceRecorded,
)
from caselog.domain.transcript import SECTION_KEYS, SectionKey

ROLES = ("client", "professional")
"""What an utterance's role can be amended to (``transcript.Role``)."""

Action = Literal["amend", "retract"]


class Address(NamedTuple):
    """Where an entry is: ``key`` is its seq, its ``section:item``, or its homework id."""

    target: CorrectionTarget
    session: int | None
    key: str


def address_of(event: DomainEvent) -> Address | None:
    """The address of an entry a correction can reach; None for any other event."""
    if isinstance(event, UtteranceRecorded | StageDirectionRecorded):
        return Address("entry", event.session, str(event.seq))
    if isinstance(event, SummaryItemNoted):
        return Address("summary", event.session, f"{event.section}:{event.item}")
    if isinstance(event, HomeworkAssigned):
        return Address("homework", None, event.homework_id)
    if isinstance(event, NoteRecorded):
        return Address("note", None, event.note_id)
    return None


def target_of(correction: Correction) -> Address:
    """The address of the entry a correction corrects."""
    if correction.target == "entry":
        return Address("entry", correction.session, str(correction.seq))
    if correction.target == "summary":
        return Address("summary", correction.session, f"{correction.section}:{correction.item}")
    if correction.target == "note":
        return Address("note", None, correction.note_id or "")
    return Address("homework", None, correction.homework_id or "")


def corrections_by_address(events: Iterable[DomainEvent]) -> dict[Address, list[Correction]]:
    """Every correction among ``events``, grouped by the entry it corrects, in order."""
    found: dict[Address, list[Correction]] = {}
    for event in events:
        if isinstance(event, Correction):
            found.setdefault(target_of(event), []).append(event)
    return found


@dataclass(frozen=True)
class Corrected:
    """An entry after its corrections: what it reads now, and what it read at first.

    ``speaker`` and ``role`` are an utterance's (None for any other entry).
    """

    text: str
    original: str
    amended: bool
    retracted: bool
    corrections: tuple[Correction, ...]
    speaker: str | None = None
    role: str | None = None
    original_speaker: str | None = None
    original_role: str | None = None


def corrected(
    text: str,
    corrections: Sequence[Correction] = (),
    speaker: str | None = None,
    role: str | None = None,
) -> Corrected:
    current, who, as_role = text, speaker, role
    amended = retracted = False
    for c in corrections:
        if isinstance(c, EntryAmended):
            current = c.text if c.text is not None else current
            who = c.speaker if c.speaker is not None else who
            as_role = c.role if c.role is not None else as_role
            amended = True
        elif isinstance(c, EntryRetracted):
            retracted = True
    return Corrected(
        current, text, amended, retracted, tuple(corrections), who, as_role, speaker, role
    )


@dataclass(frozen=True)
class CorrectionRequest:
    """What a user asks to correct, as given; exactly one of seq, summary, homework_id."""

    action: Action
    session: int | None = None
    seq: int | None = None
    summary: str | None = None
    """``SECTION:ITEM``, e.g. ``topics:2`` or ``homework:1``."""
    homework_id: str | None = None
    text: str | None = None
    reason: str = ""
    speaker: str | None = None
    """An utterance's new speaker label (``amend`` only)."""
    role: str | None = None
    """An utterance's new role: ``client`` or ``professional`` (``amend`` only)."""
    note_id: str | None = None
    """A clinician's note (``S3.N1``); its session is the one its id names, unless given."""

    def __post_init__(self) -> None:
        if self.note_id is not None and self.session is None:
            object.__setattr__(self, "session", note_session(self.note_id))


def note_session(note_id: str) -> int | None:
    """The session a note id names ("S3.N1" -> 3), or None if it is not a note id."""
    found = re.fullmatch(r"\s*S([0-9]{1,9})\.N[0-9]{1,9}\s*", note_id)
    return int(found.group(1)) if found else None


def decide_correction(
    client: Client,
    session_events: Sequence[DomainEvent],
    request: CorrectionRequest,
    *,
    actor: str,
) -> Correction:
    """The event that records ``request``, if it addresses an entry that can take it.

    ``session_events`` are the requested session's events, with the corrections
    already recorded for it (the Client state holds no utterance or summary text).
    """
    if not request.reason.strip():
        raise InvalidCorrection("a correction needs a reason: give --reason")
    _check_amendment(request)
    addresses = (request.seq, request.summary, request.homework_id, request.note_id)
    given = [x for x in addresses if x is not None]
    if len(given) != 1:
        raise InvalidCorrection(
            "address exactly one entry: --seq K, --summary SECTION:ITEM, --homework ID or --note ID"
        )
    if request.homework_id is not None:
        _text_only(request, "a homework item")
        return _homework(client, request, request.homework_id, actor)
    session = request.session
    if session is None and request.note_id is not None:
        raise InvalidCorrection(f"expected a note id like S3.N1; got {request.note_id[:40]!r}")
    if session is None:
        raise InvalidCorrection("give the --session the entry belongs to")
    if client.session(session) is None:
        raise SessionNotFound(f"{client.name} has no session {session} recorded")
    own = [e for e in session_events if isinstance(e, SessionEvent) and e.session == session]
    fixes = corrections_by_address(session_events)
    if request.note_id is not None:
        _text_only(request, "a note")
        return _note(client, own, fixes, request, actor)
    if request.seq is not None:
        entries = [e for e in own if isinstance(e, UtteranceRecorded | StageDirectionRecorded)]
        entry = next((e for e in entries if e.seq == request.seq), None)
        if entry is None:
            numbered = f"entries 1–{max(e.seq for e in entries)}" if entries else "no entries"
            raise EntryNotFound(
                f"session {session} of {client.name} has no entry {request.seq} ({numbered})"
            )
        if isinstance(entry, StageDirectionRecorded):
            _text_only(request, f"entry {entry.seq} (a stage direction)")
        fix = fixes.get(Address("entry", session, str(entry.seq)), [])
        if isinstance(entry, UtteranceRecorded):
            now = corrected(entry.text, fix, entry.speaker, entry.role)
        else:
            now = corrected(entry.text, fix)
        _check(request, f"entry {entry.seq} of session {session}", now)
        return _event(client, request, actor, session=session, target="entry", seq=entry.seq)
    _text_only(request, "a summary item")
    section, number = _parse_summary(request.summary or "")
    if section == "homework":
        items = [e for e in own if isinstance(e, HomeworkAssigned) and e.source == "summary"]
        if not 1 <= number <= len(items):
            raise EntryNotFound(_no_item(client, session, section, number, len(items)))
        return _homework(client, request, items[number - 1].homework_id, actor)
    summary = [e for e in own if isinstance(e, SummaryItemNoted) and e.section == section]
    item = next((e for e in summary if e.item == number), None)
    if item is None:
        raise EntryNotFound(_no_item(client, session, section, number, len(summary)))
    now = corrected(item.text, fixes.get(Address("summary", session, f"{section}:{number}"), []))
    _check(request, f"{section} item {number} of session {session}'s summary", now)
    return _event(
        client, request, actor, session=session, target="summary", section=section, item=number
    )


def _homework(
    client: Client, request: CorrectionRequest, homework_id: str, actor: str
) -> Correction:
    item = client.homework_item(homework_id)
    if item is None:
        known = [h.homework_id for h in client.homework]
        listed = ", ".join(known[:12]) + (", …" if len(known) > 12 else "") if known else "none"
        raise HomeworkNotFound(
            f"{client.name} has no homework {homework_id[:40]!r} (known: {listed})"
        )
    if request.session is not None and request.session != item.session:
        raise EntryNotFound(
            f"{homework_id} was assigned in session {item.session}, not session {request.session}"
        )
    now = Corrected(item.text, item.original_text or item.text, False, item.status == RETRACTED, ())
    _check(request, f"homework {homework_id}", now)
    return _event(
        client, request, actor, session=item.session, target="homework", homework_id=homework_id
    )


def _note(
    client: Client,
    own: Sequence[DomainEvent],
    fixes: dict[Address, list[Correction]],
    request: CorrectionRequest,
    actor: str,
) -> Correction:
    note_id = (request.note_id or "").strip()
    note = next((e for e in own if isinstance(e, NoteRecorded) and e.note_id == note_id), None)
    if note is None:
        notes = [e.note_id for e in own if isinstance(e, NoteRecorded)]
        raise EntryNotFound(
            f"session {request.session} of {client.name} has no note {note_id[:40]!r} "
            f"(notes: {', '.join(notes) or 'none'})"
        )
    now = corrected(note.text, fixes.get(Address("note", None, note.note_id), []))
    _check(request, f"note {note.note_id}", now)
    return _event(client, request, actor, session=note.session, target="note", note_id=note.note_id)


def _check_amendment(request: CorrectionRequest) -> None:
    """An amendment says what changes: a text, a speaker or a role, none of them empty."""
    if request.action != "amend":
        return
    if request.text is None and request.speaker is None and request.role is None:
        raise InvalidCorrection(
            "an amendment needs what the entry should read: give --text, --speaker or --role"
        )
    if request.text is not None and not request.text.strip():
        raise InvalidCorrection("an amendment needs the corrected text: give a non-empty --text")
    if request.speaker is not None and not request.speaker.strip():
        raise InvalidCorrection("give a non-empty --speaker, or leave the speaker as it is")
    if request.role is not None and request.role not in ROLES:
        raise InvalidCorrection(
            f"unknown role {request.role[:40]!r}; expected one of: {', '.join(ROLES)}"
        )


def _text_only(request: CorrectionRequest, what: str) -> None:
    if request.speaker is not None or request.role is not None:
        raise InvalidCorrection(
            f"{what} has no speaker or role: only an utterance's can be amended"
        )


def _check(request: CorrectionRequest, label: str, now: Corrected) -> None:
    if now.retracted:
        again = "amended" if request.action == "amend" else "retracted again"
        raise InvalidCorrection(f"{label} was retracted; a retracted entry cannot be {again}")
    if request.action != "amend":
        return
    changes = [
        (request.text, now.text),
        (request.speaker and request.speaker.strip(), now.speaker),
        (request.role, now.role),
    ]
    if all(new is None or new == current for new, current in changes):
        said = "that text" if request.text is not None else "as given"
        raise InvalidCorrection(f"{label} already reads {said}; nothing to amend")


def _parse_summary(given: str) -> tuple[SectionKey, int]:
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*:\s*([0-9]+)\s*", given)
    if match is None:
        raise InvalidCorrection(
            f"expected --summary SECTION:ITEM, e.g. topics:2; got {given[:40]!r}"
        )
    name = match.group(1).casefold()
    section = next((k for k in SECTION_KEYS if k == name), None)
    if section is None:
        known = ", ".join(SECTION_KEYS)
        raise InvalidCorrection(
            f"unknown summary section {match.group(1)!r}; expected one of: {known}"
        )
    return section, int(match.group(2))


def _no_item(client: Client, session: int, section: str, number: int, count: int) -> str:
    has = f"{count} {'item' if count == 1 else 'items'}" if count else "none"
    return (
        f"session {session} of {client.name} has no {section} item {number} "
        f"in its own summary ({has})"
    )


def _event(client: Client, request: CorrectionRequest, actor: str, **address: object) -> Correction:
    common = {
        "originator_id": client.id,
        "originator_version": client.version + 1,
        "actor": actor,
        "reason": request.reason.strip(),
        **address,
    }
    if request.action == "amend":
        speaker = request.speaker.strip() if request.speaker is not None else None
        return EntryAmended.model_validate(
            {**common, "text": request.text, "speaker": speaker, "role": request.role}
        )
    return EntryRetracted.model_validate(common)
