"""Who is speaking: header participants, label resolution, names found in dialogue.

Formats A and B name both participants in the header and label turns with a
short form ("Dr. Torres", "Alex"); formats C and D label turns by role only,
so the names have to be read from what the client says: their own name when
they introduce themselves, the professional's when they address them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from caselog.domain.transcript import Role

from .text import collapse, plain

HONORIFICS: tuple[str, ...] = (
    *("dr.", "dr", "doctor", "prof.", "prof", "professor"),
    *("mr.", "mr", "mrs.", "mrs", "ms.", "ms", "mx.", "mx", "miss"),
)


@dataclass(frozen=True)
class Person:
    name: str
    note: str | None
    """The bracketed part of the header line: descriptor or professional title."""


_BRACKETED = re.compile(r"(.*?)\s*\(([^()]*)\)")


def person(value: str) -> Person:
    """``Alex (Product Designer)`` → Person("Alex", "Product Designer")."""
    value = collapse(value)
    m = _BRACKETED.fullmatch(value)
    if m and m.group(1):
        return Person(m.group(1), collapse(m.group(2)) or None)
    return Person(value, None)


def _key(label: str) -> str:
    return collapse(plain(label)).casefold()


def _without_honorific(words: list[str]) -> list[str]:
    if len(words) > 1 and words[0].casefold() in HONORIFICS:
        return words[1:]
    return words


class Speakers:
    """Resolves a turn label of format A or B to a role."""

    def __init__(self, client: Person, professional: Person) -> None:
        self._roles: dict[str, Role] = {}
        # Professional forms first, client forms override: a client is far
        # more often called by a bare first name that a surname might equal.
        for alias in self._professional_aliases(professional.name):
            self._roles[_key(alias)] = "professional"
        for alias in self._client_aliases(client.name):
            self._roles[_key(alias)] = "client"
        # Role words are unambiguous whoever the participants are.
        for word in ("therapist", "counselor", "counsellor", "professional"):
            self._roles[word] = "professional"
        for word in ("client", "patient"):
            self._roles[word] = "client"

    @staticmethod
    def _professional_aliases(name: str) -> Iterable[str]:
        words = name.split()
        bare = _without_honorific(words)
        yield name
        yield " ".join(bare)
        if bare:
            yield bare[-1]
            for title in HONORIFICS:
                yield f"{title} {bare[-1]}"

    @staticmethod
    def _client_aliases(name: str) -> Iterable[str]:
        words = name.split()
        bare = _without_honorific(words)
        yield name
        yield " ".join(bare)
        if bare:
            yield bare[0]

    def role(self, label: str) -> Role | None:
        return self._roles.get(_key(label))


_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_INTRODUCTION = re.compile(
    rf"\b(?:I'm|I am|[Mm]y name is|[Mm]y name's)\s+({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}})\b"
)
_GREETING = r"(?:Thanks|Thank you|Hi|Hello|Hey|Okay|OK|Yes|No|Right|Well|Sure)"
_ADDRESS_AFTER_GREETING = re.compile(rf"\b{_GREETING},?\s+((?:Dr\.\s+)?{_NAME_WORD})\s*[,.!?]")
_ADDRESS_AT_END = re.compile(rf",\s+((?:Dr\.\s+)?{_NAME_WORD})\s*[.!?]")
_NOT_NAMES = frozenset(
    (
        "I",
        "Im",
        "So",
        "Just",
        "Not",
        "Here",
        "Glad",
        "Sorry",
        "Fine",
        "Good",
        "Okay",
        "Really",
        "Still",
        "Feeling",
        "Doing",
        "Going",
        "Trying",
        "Hoping",
        "Afraid",
        "Sure",
        "Yes",
        "No",
        "Well",
        "Thanks",
        "Thank",
        "Hi",
        "Hello",
        "Hey",
        "Everyone",
        "Everybody",
        "Sir",
        "Madam",
        "Doc",
        "Today",
        "Tomorrow",
        "Yesterday",
        "Again",
        "Too",
        "Though",
        "Now",
        "Then",
        "Also",
        "Right",
    )
)


def introduced_name(texts: Iterable[str]) -> str | None:
    """The name a speaker gives for themselves ("Hi, I'm Marcus Thompson")."""
    for text in texts:
        for m in _INTRODUCTION.finditer(plain(text)):
            words = m.group(1).split()
            while words and words[-1] in _NOT_NAMES:
                words.pop()
            if words and words[0] not in _NOT_NAMES:
                return " ".join(words)
    return None


def addressed_name(texts: Iterable[str], exclude: Iterable[str] = ()) -> str | None:
    """The name the client most often calls the professional ("Thanks, Nova")."""
    excluded = {e.casefold() for e in exclude}
    counts: Counter[str] = Counter()
    for text in texts:
        flat = plain(text)
        found = [m.group(1) for m in _ADDRESS_AFTER_GREETING.finditer(flat)]
        found += [m.group(1) for m in _ADDRESS_AT_END.finditer(flat)]
        for candidate in dict.fromkeys(found):
            bare = candidate.split()[-1]
            if bare in _NOT_NAMES or candidate.casefold() in excluded:
                continue
            if bare.casefold() in excluded:
                continue
            counts[candidate] += 1
    if not counts:
        return None
    # Counter.most_common keeps first-seen order among equals.
    return counts.most_common(1)[0][0]
