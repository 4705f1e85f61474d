"""What the pages show beyond the view models: a client's row in the list, a
correction with what it changed, a search snippet's marks."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from caselog.application.service import CaselogApplication
from caselog.domain.homework import OPEN
from caselog.domain.identity import fold_name
from caselog.projections.entries import Correctable, TimelineEntry


class ClientRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    client_id: str
    name: str
    descriptor: str | None
    sessions: int
    last_session: str | None
    """The day the latest session was held (else recorded)."""
    open_homework: int
    in_progress: int
    """Sessions recorded without an end yet."""


def client_rows(app: CaselogApplication, wanted: str = "") -> list[ClientRow]:
    """Every client whose name holds ``wanted`` (case and accents aside), from the
    Client state alone: no utterance is read."""
    key = fold_name(wanted) if wanted.strip() else ""
    rows = []
    for cid, name in app.registered_clients():
        if key and key not in fold_name(name):
            continue
        state = app.get_client(cid)
        if state is None:
            continue
        held = {s.number for s in state.sessions}
        days = [s.opened_on for s in state.spans if s.opened_on and s.session in held]
        rows.append(
            ClientRow(
                client_id=str(cid),
                name=name,
                descriptor=state.descriptor,
                sessions=len(held),
                last_session=max(days).isoformat() if days else None,
                open_homework=sum(h.status in OPEN for h in state.homework),
                in_progress=sum(not s.ended for s in state.sessions),
            )
        )
    return sorted(rows, key=lambda r: fold_name(r.name))


def corrected(entries: Iterable[TimelineEntry]) -> list[Correctable]:
    """The entries a correction reached, each with its original text and its corrections."""
    return [e for e in entries if isinstance(e, Correctable) and (e.amended or e.retracted)]


_MARK = re.compile(r"\[([^\[\]]*)\]")


def marked(snippet: str) -> list[tuple[str, bool]]:
    """A search snippet in pieces, each with whether it is a match (the read model marks
    matches with [brackets]); the template escapes every piece."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for found in _MARK.finditer(snippet):
        pieces.append((snippet[at : found.start()], False))
        pieces.append((found.group(1), True))
        at = found.end()
    pieces.append((snippet[at:], False))
    return [(text, match) for text, match in pieces if text]
