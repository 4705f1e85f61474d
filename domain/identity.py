"""Who a client is: deterministic ids, titles, and how names compare.

An id is a UUIDv5 of the normalised name under a random per-store namespace,
so the same name always finds the same client in one store, while an id seen
elsewhere cannot be turned back into a name by trying likely names.

The normalised name is the identity, so it must not depend on how the name
was typed: it is Unicode NFC (a precomposed "ë" and "e" + combining diaeresis
are one letter), its whitespace collapsed, its case folded, and a leading
honorific ("Mrs.", "Dr") removed — a title is how someone is addressed, not
who they are. Accents stay: "Inês" and "Ines" may be two people, so they are
two clients, and ``fold_name`` (which drops accents) serves only lookups and
the near-name warning.
"""

from __future__ import annotations

import unicodedata
import uuid

HONORIFICS: frozenset[str] = frozenset(
    (
        *("mr", "mrs", "ms", "mx", "miss", "mstr", "master", "dr", "doctor"),
        *("prof", "professor", "sir", "dame", "lady", "lord", "rev", "reverend", "fr"),
        *("madam", "madame", "mme", "mlle", "herr", "frau", "sr", "sra", "srta", "dra"),
        *("lic", "licda", "lcda", "ing", "dott", "mag"),
        *("major", "maj", "captain", "capt", "colonel", "col", "lieutenant", "lt"),
        *("sergeant", "sgt", "commander", "cmdr", "admiral", "judge", "rabbi", "imam"),
        *("pastor", "bishop", "councillor", "cllr"),
    )
)
"""Titles, compared case-insensitively and without a final period. Titles that are
also common given names ("Don", "Dame" aside) are left out: they would change who
someone is."""


CLINICAL_TITLES: frozenset[str] = frozenset(
    ("dr", "doctor", "dra", "prof", "professor", "lic", "licda", "lcda", "dott", "mag")
)
"""Titles a professional is addressed by: "Dr. Haddad" is not the client Noor Haddad,
whatever the surname they share."""


def is_honorific(word: str) -> bool:
    return word.rstrip(".").casefold() in HONORIFICS


def split_title(name: str) -> tuple[str | None, str]:
    """``"Mrs. Ada  Byrne"`` → ``("Mrs.", "Ada Byrne")``; a lone title stays the name."""
    words = unicodedata.normalize("NFC", name).split()
    if len(words) > 1 and is_honorific(words[0]):
        return words[0], " ".join(words[1:])
    return None, " ".join(words)


def normalise_name(name: str) -> str:
    """The identity key: "  Mrs. Ada   BYRNE " → "ada byrne" (NFC, no title, casefolded)."""
    return split_title(name)[1].casefold()


def fold_name(name: str) -> str:
    """A lookup key that also ignores accents, width and invisible marks: "Inês", "ines",
    "ｉｎｅｓ" and "In\u200bes" (a zero-width space, a direction mark, a soft hyphen) fold
    alike, so that an invisible character cannot make a participant's name no one's."""
    visible = "".join(c for c in name if unicodedata.category(c) != "Cf")
    decomposed = unicodedata.normalize("NFKD", normalise_name(visible))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def names_person(label: str, name: str) -> bool:
    """Whether a speaker's label names the person: their name, one of its words ("Ward"
    or "Ines" for "Dr. Ines Ward"), or words and initials in order ("R. Vale", "R.V."),
    case, accents and a title aside."""
    key, words = fold_name(label), fold_name(name).split()
    if not key:
        return False
    if key in (" ".join(words), *words):
        return True
    given = key.replace(".", ". ").split()
    initials = [w.rstrip(".") for w in given if len(w.rstrip(".")) == 1]
    if len(given) < 2 or (len(initials) == len(given) and not all(w.endswith(".") for w in given)):
        return False  # one word that is not a name's, or bare letters ("RV" may be a word)
    at = 0
    for word in given:
        bare = word.rstrip(".")
        while at < len(words) and not (
            words[at] == bare or (len(bare) == 1 and words[at].startswith(bare))
        ):
            at += 1
        if at == len(words):
            return False
        at += 1
    return True


def may_be_client(label: str, client: str) -> bool:
    """Whether a speaker's label may name the client: it names them (``names_person``)
    and carries no clinical title."""
    title, _ = split_title(label)
    if title is not None and title.rstrip(".").casefold() in CLINICAL_TITLES:
        return False
    return names_person(label, client)


def client_id(namespace: uuid.UUID, name: str) -> uuid.UUID:
    key = normalise_name(name)
    if not key:
        raise ValueError("a client name cannot be empty")
    return uuid.uuid5(namespace, key)


def near_names(name: str, known: list[str]) -> list[tuple[str, str]]:
    """Recorded names that may be the same person as ``name``, each with why.

    Checked in order, first reason wins: equal once accents are folded; one
    name a leading part of the other ("Niamh" and "Niamh O'Hara"); one edit
    apart ("Jon Smith", "John Smith"); the same first name with another
    surname. Same identity key means the same client, never a near name.
    """
    key, folded = normalise_name(name), fold_name(name)
    found: list[tuple[str, str]] = []
    for other in known:
        other_key = normalise_name(other)
        if other_key == key:
            continue
        reason = _why_near(key, folded, other_key, fold_name(other))
        if reason is not None:
            found.append((other, reason))
    return found


def _why_near(key: str, folded: str, other_key: str, other_folded: str) -> str | None:
    if folded == other_folded:
        return "the same name but for accents"
    words, other_words = key.split(), other_key.split()
    shorter, longer = sorted((words, other_words), key=len)
    if longer[: len(shorter)] == shorter:
        return "one name is the start of the other"
    if _edit_distance_is_one(folded, other_folded):
        return "one letter apart"
    if len(words) > 1 and len(other_words) > 1 and words[0] == other_words[0]:
        return "the same first name with another surname"
    return None


def _edit_distance_is_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k in range(len(a)) if a[k] != b[k]), len(a))
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]
