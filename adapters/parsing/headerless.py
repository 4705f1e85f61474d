"""The steps the formats without a header share: roles, clocks, the parsed session.

Roles: a speaker label given a role by ``--role`` or the sidecar has that
role; otherwise the role words of format C do (``Client``, ``Patient`` are
the client; ``Therapist``, ``Counselor``, ``Clinician``, ``Professional``,
``Psychologist``, ``Psychotherapist`` the professional). Any other speaker is an error that says
how to map it. Labels match case-insensitively.

Clocks are elapsed times from the start of the recording, written
``hh:mm:ss`` (``00:01:05``), whatever the source's own notation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import (
    Ending,
    Entry,
    LineSpan,
    ParsedSession,
    QualityFlag,
    Role,
    TranscriptFormat,
    Utterance,
)

from .homework import dialogue_homework
from .labels import ROLE_WORDS, label_key
from .quality import quality_flags
from .session import source_ref
from .sidecar import Given


class Roles:
    """Speaker labels to roles; the labels nobody mapped are one error, in ``check``."""

    def __init__(self, given: Given, name: str) -> None:
        self.given = given
        self.name = name
        self.unmapped: dict[str, tuple[str, int]] = {}

    def knows(self, label: str) -> bool:
        key = label_key(label)
        return key in self.given.roles or key in ROLE_WORDS

    def __call__(self, label: str, line: int) -> Role:
        key = label_key(label)
        role = self.given.roles.get(key) or ROLE_WORDS.get(key)
        if role is None:
            self.unmapped.setdefault(key, (label, line))
            return "client"  # a stand-in: check() refuses the file before it is used
        return role

    def check(self) -> None:
        if not self.unmapped:
            return
        found = list(self.unmapped.values())
        label, line = found[0]
        sidecar = self.given.sidecar
        if len(found) == 1:
            expected = (
                f"speaker '{label}' has no role: give --role \"{label}=client\" or "
                f'--role "{label}=professional", or map it under "roles" in {sidecar}'
            )
        else:
            listed = ", ".join(f"'{lab}' (line {n})" for lab, n in found)
            expected = (
                f'speakers without a role: {listed}; give --role "LABEL=client" or '
                f'--role "LABEL=professional" for each, or map them under "roles" in '
                f"{sidecar}"
            )
        raise TranscriptError(self.name, line, expected)


def require_client(given: Given, name: str) -> str:
    if given.client is None:
        raise TranscriptError(
            name,
            1,
            f'expected the client\'s name: give --client NAME or "client" in {given.sidecar}',
        )
    return given.client


def require_session(given: Given, name: str) -> int:
    if given.session is None:
        raise TranscriptError(
            name,
            1,
            f'expected the session number: give --session N or "session" in {given.sidecar}',
        )
    return given.session


def clock(seconds: int) -> str:
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{hour:02d}:{minute:02d}:{second:02d}"


@dataclass
class Turn:
    """One utterance being put together from cues, rows or paragraphs."""

    role: Role
    speaker: str
    clock: str | None
    first: int
    last: int
    parts: list[str] = field(default_factory=list)

    def utterance(self, sep: str) -> Utterance:
        return Utterance(
            role=self.role,
            speaker=self.speaker,
            text=sep.join(self.parts),
            clock=self.clock,
            lines=LineSpan(first=self.first, last=self.last),
        )


@dataclass(frozen=True)
class Headerless:
    """A session's facts, as options, sidecar and file gave them."""

    fmt: TranscriptFormat
    client: str
    session: int
    date: dt.date | None
    professional: str | None
    header: tuple[tuple[str, str], ...] = ()
    date_source: str | None = None


def professional_of(given: Given, entries: Iterable[Entry]) -> str | None:
    """The sidecar's professional, else the one speaker with that role who has a name."""
    if given.professional:
        return given.professional
    named = {
        label_key(e.speaker): e.speaker
        for e in entries
        if isinstance(e, Utterance)
        and e.role == "professional"
        and label_key(e.speaker) not in ROLE_WORDS
    }
    return next(iter(named.values())) if len(named) == 1 else None


def parsed_session(
    facts: Headerless,
    entries: Sequence[Entry],
    ending: Ending,
    data: bytes,
    name: str,
    flags: Sequence[QualityFlag] = (),
) -> ParsedSession:
    """The parsed session; homework and quality flags come from the dialogue, as for C."""
    found = [*quality_flags(entries), *flags]
    return ParsedSession(
        source=source_ref(name, data, facts.fmt),
        client_name=facts.client,
        professional_name=facts.professional,
        session_number=facts.session,
        date=facts.date,
        date_source=facts.date_source if facts.date else None,
        header=facts.header,
        entries=tuple(entries),
        homework=tuple(dialogue_homework(entries)),
        flags=tuple(sorted(found, key=lambda f: f.seq)),
        ending=ending,
    )
