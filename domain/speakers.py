"""Whose words a live turn is: one rule for every way into a live session.

A turn comes with a role and, perhaps, a speaker's label. ``Speakers`` says which role a
label names — a role the caller gave it (``record --role``, ``session(roles=…)``), a role
word ("Therapist"), or the name of one of the session's two participants — and
``Speakers.check`` refuses a turn whose label and role disagree: the client's words are
only the client's, and the client is never recorded as the professional. The typed API
(``LiveSession.say``) and ``caselog record`` (lines and ``--jsonl``) both decide here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from caselog.domain.errors import InvalidLiveInput
from caselog.domain.identity import fold_name, may_be_client, names_person
from caselog.domain.transcript import Role

ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(("client", "patient"), "client"),
    **dict.fromkeys(
        (
            *("therapist", "counselor", "counsellor", "clinician", "professional"),
            *("psychologist", "psychotherapist", "psychiatrist", "counselling psychologist"),
        ),
        "professional",
    ),
}
"""Role words and their synonyms, the same in every format (compared casefolded)."""


_LINE_LABEL = re.compile(r"\s*[\[(*_]*(?P<label>[^\W\d_][^:：\n]{0,60}?)[*_\])]*\s*[:：]")
"""A line that opens as a turn: "Rowan: …", "**Dr. Ward**: …", "[Client]: …"."""


@dataclass(frozen=True)
class Speakers:
    """Who a label names in one session: the roles given, then role words, then the
    session's people (``client`` and, where it has one, ``professional``)."""

    client: str
    professional: str | None = None
    given: Mapping[str, Role] = field(default_factory=dict)
    """Labels whose role the caller said, by ``fold_name``."""
    _passed: set[tuple[Role, str]] = field(default_factory=set, compare=False, repr=False)
    """(role, speaker) pairs ``check`` let through: a stream names the same few speakers
    turn after turn, and the answer for each cannot change."""

    @classmethod
    def of_session(
        cls, client: str, professional: str | None, given: Mapping[str, Role] | None = None
    ) -> Speakers:
        return cls(client, professional, {fold_name(k): v for k, v in (given or {}).items()})

    def of(self, label: str) -> Role | None:
        """The role ``label`` names, or None: nobody known, or both participants
        ("Haddad" with Noor Haddad and Dr. Nadia Haddad), so neither."""
        key = fold_name(label)
        if key in self.given:
            return self.given[key]
        if key in ROLE_WORDS:
            return ROLE_WORDS[key]
        professional = bool(self.professional) and names_person(label, self.professional or "")
        client = may_be_client(label, self.client)
        if professional and client:
            return None
        if professional:
            return "professional"
        if client:
            return "client"
        return None

    def names_both(self, label: str) -> bool:
        return (
            fold_name(label) not in self.given
            and bool(self.professional)
            and names_person(label, self.professional or "")
            and may_be_client(label, self.client)
        )

    def check(self, role: Role, speaker: str | None, where: str = "") -> None:
        """Refuse a turn of ``role`` whose ``speaker`` is not who that role may be: a
        client's turn needs the client (their name, a word of it, initials in order, a
        title and surname), a role word of the client or a label given the client's
        role; a professional's turn may be anyone but the client. ``None`` is the role's
        own participant. The message names the speaker and what was expected."""
        if speaker is None or (role, speaker) in self._passed:
            return
        lead = f"{where}: " if where else ""
        given = self.given.get(fold_name(speaker))
        if given is not None:
            if given != role:
                raise InvalidLiveInput(
                    f"{lead}{speaker!r} was given the {given}'s role (--role), but the "
                    f"turn's role is {role}"
                )
            self._passed.add((role, speaker))
            return
        if self.names_both(speaker):
            raise InvalidLiveInput(
                f"{lead}{speaker!r} is not clearly the {role}: it names both the client, "
                f"{self.client}, and the "
                f"professional, {self.professional}: expected a name only one of them has, "
                f"or --role '{speaker}={role}'"
            )
        known = self.of(speaker)
        if role == "client" and known == "professional":
            raise InvalidLiveInput(
                f"{lead}{speaker!r} is not the client, {self.client}: it names the session's "
                f"professional{f', {self.professional}' if self.professional else ''}, but "
                f"the turn's role is client; give the role of who is speaking"
            )
        if role == "client" and known is None:
            raise InvalidLiveInput(
                f"{lead}{speaker!r} is not the client, {self.client}; give --role "
                f"'{speaker}=client' if they are (expected the client's name, a word of it "
                f"or their initials in order)"
            )
        if role == "professional" and known == "client":
            raise InvalidLiveInput(
                f"{lead}{speaker!r} names the session's client, {self.client}, but the "
                f"turn's role is professional; give the role of who is speaking"
            )
        self._passed.add((role, speaker))

    def check_words(self, text: str, where: str = "") -> None:
        """Refuse words with a later line that opens as a participant's turn ("…\nRowan
        Vale: I want to stop."): printed, it reads as that participant's turn, though it
        is recorded in this one. ``caselog record`` makes such a line a turn of its own."""
        for number, line in enumerate(text.splitlines()[1:], start=2):
            visible = "".join(c for c in line if unicodedata.category(c) != "Cf")
            m = _LINE_LABEL.match(visible)
            if m is not None and self.of(m.group("label")) is not None:
                lead = f"{where}: " if where else ""
                raise InvalidLiveInput(
                    f"{lead}line {number} of the words reads as a turn of "
                    f"{m.group('label')!r} ({line.strip()[:40]!r}): expected one turn a "
                    f"call — record that line as its own turn"
                )
