"""Who the header names, and which of them a turn's label names.

Formats A and B name both participants in the header and label turns with a
short form ("Dr. Torres", "Ms. Hale", "Anna Maria"). ``person`` reads a
header's value; ``Speakers`` resolves a label to a role, or refuses it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from caselog.domain.identity import split_title
from caselog.domain.transcript import Role

from .labels import ROLE_WORDS, is_name_word, is_particle, label_key
from .text import collapse


@dataclass(frozen=True)
class Person:
    name: str
    """NFC, without title or credentials: "Dana Hale"."""
    title: str | None = None
    """A leading honorific as written: "Ms.", "Dr"."""
    note: str | None = None
    """Credentials and the bracketed descriptor: "LCSW; Licensed Clinical Social Worker"."""
    nickname: str | None = None
    """A quoted name inside the name, as turns may be labelled: Robert "Bob" Kowalczyk."""
    reordered: bool = False
    """Written surname first ("Ramírez, José") and read given name first."""

    @property
    def full(self) -> str:
        return f"{self.title} {self.name}" if self.title else self.name


_BRACKETED = re.compile(r"(.*?)\s*\(([^()]*)\)")
_PAREN = re.compile(r"\s*\(([^()]*)\)")
_NICKNAME = re.compile(r"\s+[\"“'‘]([^\"“”'‘’]+)[\"”'’](?=\s)")
_TWO_PEOPLE = re.compile(r"\s(?:and|&|\+|/|y|et|und)\s|&", re.IGNORECASE)


def names_two_people(value: str) -> bool:
    """``Mr. and Mrs. Haddad``, ``Ana & Ben Costa``: a header line naming two people."""
    m = _BRACKETED.fullmatch(collapse(value))
    return bool(_TWO_PEOPLE.search(m.group(1) if m and m.group(1) else value))


def person(value: str) -> Person:
    """``Dr. Dana Hale, LCSW (Clinical Social Worker)`` → Dana Hale, "Dr.", "LCSW; …"."""
    value = collapse(unicodedata.normalize("NFC", value))
    notes: list[str] = []
    bracket_nick: str | None = None
    # Brackets anywhere hold a descriptor ("Sam Taylor (they/them), 27"), or, between
    # two words of the name, a nickname ("Robert (Bob) Kowalczyk"): never the name.
    for m in reversed(list(_PAREN.finditer(value))):
        inside = collapse(m.group(1))
        before, after = value[: m.start()].strip(), value[m.end() :].strip()
        if before and after[:1].isalpha() and _one_name_word(inside) and bracket_nick is None:
            bracket_nick = inside
        elif inside:
            notes.insert(0, inside)
        if before:
            value = collapse(f"{before} {after}") if after[:1].isalnum() else before + after
    head, _, tail = value.partition(",")
    # After a comma come credentials or a role ("LCSW", "UKCP registered"), unless the
    # value is a name written surname first ("Ramírez, José"), read as "José Ramírez".
    reordered = False
    if tail.strip() and _one_name_word(head) and _one_name_word(tail):
        value, reordered = f"{tail.strip()} {head.strip()}", True
    elif tail.strip():
        value = head.strip()
        notes.insert(0, collapse(tail))
    nickname = _NICKNAME.search(value)
    if nickname:
        value = value[: nickname.start()] + value[nickname.end() :]
    title, bare = split_title(value)
    nick = nickname.group(1) if nickname else bracket_nick
    return Person(bare, title, "; ".join(notes) or None, nick, reordered)


def _one_name_word(text: str) -> bool:
    words = text.split()
    return len(words) == 1 and is_name_word(words[0])


class Speakers:
    """Resolves a turn label of format A or B to a role.

    A label names a participant when, title aside, it is their whole name, its
    first or last words ("Anna Maria", "van Dijk", "Torres"), a nickname the
    header quotes, or after a title any of its later words. When it could name
    both, a title decides for the participant who has one, else a whole name;
    otherwise it is ``AmbiguousLabel``, never a guess. Role words and their
    synonyms name a role whoever the participants are.

    A title is part of who a label names: one that contradicts the header's
    ("Dr. Hale" for Ms. Dana Hale), or a participant's title in an earlier label
    ("Mr. Byrne" after "Mrs. Byrne"), names someone else, and is ``TitleConflict``.
    So is a label that names a participant only by words another person the header
    names shares ("Byrne" when Tom Byrne is also present): ``AmbiguousLabel``.
    """

    def __init__(
        self,
        client: Person,
        professional: Person,
        given: dict[str, Role] | None = None,
        others: Sequence[Person] = (),
    ) -> None:
        self._given = given or {}
        self._known: dict[str, Role | None] = {}
        self._people: list[tuple[Role, Person]] = [
            ("client", client),
            ("professional", professional),
        ]
        self._others = [
            o
            for o in others
            if all(label_key(o.name) != label_key(p.name) for p in (client, professional))
        ]
        self._titles: dict[Role, tuple[str, str]] = {}
        """The title each participant without one in the header was first labelled with."""

    def role(self, label: str) -> Role | None:
        """The label's role, None when it names nobody; ``AmbiguousLabel`` if both."""
        if label in self._known:
            return self._known[label]
        role = self._resolve(label)
        self._known[label] = role
        return role

    def other_named(self, label: str) -> Person | None:
        """The person besides the participants whom the header names and ``label`` names."""
        title, bare = split_title(label_key(label))
        words = bare.split()
        return next((o for o in self._others if _names(words, o, bool(title))), None)

    def _resolve(self, label: str) -> Role | None:
        key = label_key(label)
        if key in self._given:
            return self._given[key]
        if key in ROLE_WORDS:
            return ROLE_WORDS[key]
        title, bare = split_title(key)
        words = bare.split()
        matches = [(role, p) for role, p in self._people if _names(words, p, bool(title))]
        if not matches:
            return None
        if len(matches) == 1:
            role, matched = matches[0]
            other = next(p for r, p in self._people if r != role)
            if title and not matched.title and _same_title(title, other.title):
                # "Dr. Stone" for client Leah Stone while the professional is the Dr.
                raise AmbiguousLabel(label, (matched.full, other.full))
        else:
            titled = [(r, p) for r, p in matches if title and p.title]
            whole = [(r, p) for r, p in matches if words == label_key(p.name).split()]
            if len(titled) == 1:
                role, matched = titled[0]
            elif len(whole) == 1:
                role, matched = whole[0]
            else:
                raise AmbiguousLabel(label, tuple(p.full for _, p in matches))
        shared = [
            o
            for o in self._others
            if _names(words, o, bool(title))
            and not (title and o.title and title_form(o.title) != title_form(title))
        ]
        if shared and words != label_key(matched.name).split():
            # "Byrne" for Ada Byrne when the header also names Tom Byrne.
            raise AmbiguousLabel(label, (matched.full, *(o.full for o in shared)))
        if title:
            self._check_title(label, title, role, matched)
        return role

    def _check_title(self, label: str, title: str, role: Role, person: Person) -> None:
        form = title_form(title)
        if person.title is not None:
            if title_form(person.title) != form:
                raise TitleConflict(label, person, person.title, None)
            return
        first = self._titles.setdefault(role, (form, label))
        if first[0] != form:
            raise TitleConflict(label, person, None, first[1])


class TitleConflict(Exception):
    """A label whose title is not the one its person has: in the header (``header``),
    or in an earlier label (``earlier``): "Mr. Byrne" after "Mrs. Byrne"."""

    def __init__(self, label: str, person: Person, header: str | None, earlier: str | None):
        super().__init__(label)
        self.label = label
        self.person = person
        self.header = header
        self.earlier = earlier


_TITLE_FORMS = {
    **dict.fromkeys(("mister",), "mr"),
    **dict.fromkeys(("missus",), "mrs"),
    **dict.fromkeys(("doctor",), "dr"),
    **dict.fromkeys(("professor",), "prof"),
    **dict.fromkeys(("reverend",), "rev"),
    **dict.fromkeys(("captain",), "capt"),
    **dict.fromkeys(("maj",), "major"),
    **dict.fromkeys(("colonel",), "col"),
    **dict.fromkeys(("lieutenant",), "lt"),
    **dict.fromkeys(("sergeant",), "sgt"),
    **dict.fromkeys(("commander",), "cmdr"),
    **dict.fromkeys(("councillor",), "cllr"),
    **dict.fromkeys(("master",), "mstr"),
}


def title_form(title: str) -> str:
    """One spelling per title: "Dr", "dr." and "Doctor" are "dr"; "Mr" and "Mrs" stay two."""
    key = title.rstrip(".").casefold()
    return _TITLE_FORMS.get(key, key)


_COURTESY = frozenset(("mr", "mrs", "ms", "miss", "mx", "mstr"))
"""Titles anyone may have, which tell nothing of who is the professional."""


def _same_title(title: str, other: str | None) -> bool:
    """Whether ``other`` has the label's title, and it is one that marks its holder out
    ("Dr.", "Prof."): "Ms. Reyes" names the untitled professional Reyes even when the
    client is a Ms. too."""
    if other is None or title_form(title) in _COURTESY:
        return False
    return title.rstrip(".").casefold() == other.rstrip(".").casefold()


_INITIALS = re.compile(r"(?:[^\W\d_]\.){2,3}")


class AmbiguousLabel(Exception):
    """A label that could name either participant ("Sam" for Sam Okonkwo and Sam Reyes)."""

    def __init__(self, label: str, people: tuple[str, ...]) -> None:
        super().__init__(label)
        self.label = label
        self.people = people


def _names(words: list[str], person: Person, titled: bool) -> bool:
    """Whether label words name ``person``: their first or last words, a nickname, their
    initials ("J.M."), a part of a double-barrelled surname ("Stone" of Stone-Ashby), or,
    after a title, any run of words but the first ("Sra. Ruiz" for Carmen Ruiz Ortega)."""
    name = label_key(person.name).split()
    n = len(words)
    if n == 1 and _INITIALS.fullmatch(words[0]):
        return words[0].replace(".", "") == "".join(w[0] for w in name if not is_particle(w))
    if n == 1 and len(name) > 1 and "-" in name[-1] and words[0] in name[-1].split("-"):
        return True
    if not words or n > len(name):
        return person.nickname is not None and words == label_key(person.nickname).split()
    if name[:n] == words or name[-n:] == words:
        return True
    if person.nickname is not None and words == label_key(person.nickname).split():
        return True
    return titled and any(name[i : i + n] == words for i in range(1, len(name) - n + 1))
