"""Speaker labels: what a label looks like, role words, and what is never a speaker.

A label is the words before a colon at the start of a line, optionally in
Markdown bold or italics (``**Dr. Lee:**``, ``**Dr. Lee**:``, ``*Therapist:*``,
``__Client__:``): letters of any script,
combining marks, spaces, periods, apostrophes and hyphens, up to 60
characters, starting with a letter. Whether a label names a speaker is the
format's question; here is only its shape, and the role words every format
shares.
"""

from __future__ import annotations

import re
import unicodedata

from caselog.domain.identity import is_honorific, split_title
from caselog.domain.speakers import ROLE_WORDS as ROLE_WORDS  # the formats read it from here
from caselog.domain.transcript import Inference, Role

from .summary import section_key

# Combining marks (decomposed accents and the vowel signs of many scripts) are not
# ``\w`` in Python's re, but they are part of a name.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0900-\u0fff"
    "\u1000-\u109f\u1780-\u17ff\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
)
# Middle dots join the parts of a name in Chinese or Japanese: 穆罕默德·阿里, ジョン・スミス.
_JOINERS = "·・"
# Editors put direction marks before right-to-left text; they are not part of a label.
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
# The colon may be full width (CJK text: 王小明：你好) and the words may follow it with no
# space ("Ada:I know."), but not a clock's second half or an address ("Website:https://…").
# Markdown emphasis around a label: bold, italic or both, with asterisks or underscores
# ("**Dr. Lee:**", "*Therapist:*", "__Client__:").
_EMPHASIS = r"(?:\*{1,3}|_{1,2})?"
LABEL = re.compile(
    rf"[{_BIDI}]*{_EMPHASIS}(?P<label>[^\W\d_][\w{_MARKS}{_JOINERS}.'’ -]{{0,60}}?){_EMPHASIS}"
    rf"(?:\s*(?P<aside>\([^()\n]{{1,60}}\)|\[[^\[\]\n]{{1,60}}\]){_EMPHASIS})?"
    rf"\s*[:：]{_EMPHASIS}(?![/:\d])(?!\S*://)\s*(?P<rest>.*)"
)


def read_label(text: str) -> tuple[str, str] | None:
    """(label, words after it) of a line that opens with a label, or None.

    A stage direction between the name and the colon ("Ada (crying): I can't.") opens
    the words, where the turn reads it as a direction. Any other aside — capitalised
    ("Ada (Client):") or a voice ("Kwame (as Dad):", words said as someone else) — stays
    in the label, which then names nobody and is refused where a turn would start.
    """
    m = LABEL.match(text)
    if m is None:
        return None
    label, rest, aside = m.group("label").strip().rstrip("_"), m.group("rest"), m.group("aside")
    if aside is None:
        return label, rest
    inside = aside[1:-1].strip()
    if not inside[:1].islower() or inside.casefold().startswith(("as ", "as:")):
        return f"{label} {aside}", rest
    return label, f"{aside} {rest}" if rest else aside


CANONICAL_ROLE_WORDS = frozenset(("client", "patient", "therapist", "professional"))
"""The role words the documented formats use; any other is a synonym, noted as inferred."""

NOT_SPEAKERS = frozenset(
    (
        *("note", "notes", "homework", "summary", "reminder", "tip", "tips", "example"),
        *("goal", "goals", "plan", "exercise", "question", "answer", "remember", "important"),
        *("action", "next", "key", "takeaway", "takeaways", "step", "steps", "option"),
        *("termination", "reason", "details", "date", "time", "session", "ps", "p.s"),
        *("bonus", "warning", "update", "edit", "first", "second", "third", "finally"),
        # Fields of the worksheets clients read out: thought records, chain analyses.
        *("situation", "thought", "thoughts", "automatic", "emotion", "emotions", "feeling"),
        *("feelings", "mood", "moods", "behavior", "behaviour", "evidence", "alternative"),
        *("balanced", "trigger", "triggers", "response", "belief", "beliefs", "consequence"),
        *("consequences", "outcome", "rating", "intensity", "body", "urge", "urges", "result"),
        *("pros", "cons", "before", "after", "prompt", "vulnerability", "skill", "skills"),
        *("morning", "afternoon", "evening", "night", "today", "yesterday", "tomorrow"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("day", "week", "entry", "part", "topic", "item", "point", "list", "task", "tasks"),
        # Safety plans, exposure work and behavioural experiments, in Title Case too:
        # "Warning Signs:", "Reasons For Living:", "Worst Case:", "Prediction:".
        # Not words that are also surnames (Best, Green, Rule): a label naming nobody is
        # refused, and a surname must stay one.
        *("reasons", "coping", "supports", "safety", "crisis", "emergency", "contacts"),
        *("values", "strengths", "barriers", "worst", "likely", "agenda", "assignment"),
        *("assignments", "challenge", "experiment", "reflection", "practice", "affirmation"),
        *("intention", "objective", "target", "prediction", "predicted", "actual"),
        *("observation", "distraction", "distractions", "hierarchy", "exposure", "scale"),
        *("score", "reminders", "resources", "signs", "check-in", "mantra"),
    )
)
"""First words of labels that head a note, a list or a worksheet field inside a turn
("Homework: …", "Automatic Thought: …", "Step One: …"): never a speaker."""

_PARTICLES = frozenset(
    (
        *("de", "da", "das", "do", "dos", "del", "della", "di", "du", "la", "le", "van"),
        *("von", "der", "den", "ter", "ten", "bin", "binti", "bint", "ibn", "al", "el"),
        *("y", "e", "zu", "af", "av", "st.", "st"),
    )
)
_PREFIXED = re.compile(r"(?:al|el|ul|d|de|di|da|o|l)['’-]", re.IGNORECASE)


def label_key(label: str) -> str:
    """How labels compare: NFC, bold and spaces aside, casefolded; a typographic apostrophe
    is the typed one ("O’Brien" and "O'Brien" are one name)."""
    text = unicodedata.normalize("NFC", label).replace("*", "").replace("’", "'")
    return " ".join(text.split()).casefold()


def is_particle(word: str) -> bool:
    return word.casefold() in _PARTICLES


def is_name_word(word: str) -> bool:
    """A word that can be part of a name: "O'Hara", "Brontë-Hale", "al-Farsi", "K.", "王小明"."""
    m = _PREFIXED.match(word)
    body = word[m.end() :] if m and len(word) > m.end() else word
    if not body or not _is_letter(body[0]) or body[0].islower():
        return False
    if body in ("I",) or body.startswith(("I'", "I’")):
        return False
    rest = body[1:]
    if rest == ".":
        return True  # an initial
    # Marks of every kind: a spacing vowel sign (the "ि" of प्रिया) combines with no class.
    return all(_is_letter(c) or _is_mark(c) or c in "'’-.·・" for c in rest)


def _is_mark(c: str) -> bool:
    return unicodedata.category(c).startswith("M")


def _is_letter(c: str) -> bool:
    return unicodedata.category(c).startswith("L")


_ASIDE = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\])$")


def is_speaker_shaped(label: str) -> bool:
    """A label that reads like a person or a role: "Mother", "Dr. van Dijk", "Anna Maria".

    Such a label at a turn's start that no participant answers to is refused, never
    read as words of the turn before it.
    """
    label = _ASIDE.sub("", label) or label  # "Kwame (as Dad)" reads like Kwame
    key = label_key(label)
    if key in ROLE_WORDS:
        return True
    if key.split()[0].rstrip(".") in NOT_SPEAKERS or section_key(key) is not None:
        return False  # a summary heading: "Homework Assigned:", "Key Insights:"
    title, bare = split_title(label.replace("*", ""))
    words = bare.split()
    if len(words) == 2 and _designated(words):
        return True  # "Patient 2", "Client B", "Speaker 1": someone else, numbered
    if len(words) == 1 and bare.rstrip(".") in _ROLE_INITIALS:
        return True  # "T:", "C:", "P:": a transcriber's initials for the roles
    if not words or len(words) > 4 or is_honorific(bare) or len(bare.rstrip(".")) == 1:
        return False  # "Q:", "A:" head a question and its answer
    # After a title a surname may open with its particle: "Dr. van der Berg".
    particle_first = title is not None and len(words) > 1 and is_particle(words[0])
    if not (is_name_word(words[0]) or particle_first):
        return False
    return all(is_name_word(w) or is_particle(w) for w in words)


def heads_a_note(label: str) -> bool:
    """A label that heads a note, a list or a worksheet field ("Note", "Homework", "Step
    One", "Q", "Main Topics"), which a writer may stamp with a clock like a turn."""
    key = label_key(label)
    words = key.split()
    if not words:
        return False
    return words[0].rstrip(".") in NOT_SPEAKERS or section_key(key) is not None or key in ("q", "a")


_ROLE_INITIALS = frozenset(("T", "C", "P"))
"""Initials of Therapist, Client/Counsellor and Patient, as some transcribers label turns."""

_DESIGNATED = frozenset(("speaker", "participant", "person", "voice", "caller", "member"))


def _designated(words: list[str]) -> bool:
    kind, mark = words[0].casefold(), words[1]
    numbered = mark.isdigit() or (len(mark) == 1 and mark.isalpha())
    return numbered and (kind in ROLE_WORDS or kind in _DESIGNATED)


def synonym_inference(label: str, role: Role, line: int) -> Inference | None:
    """The note that a label's role came from a synonym ("Clinician"), or None."""
    key = label_key(label)
    if key not in ROLE_WORDS or key in CANONICAL_ROLE_WORDS:
        return None
    return Inference(
        fact="role",
        value=role,
        source="label_synonym",
        subject=label,
        line=line,
        evidence=f"'{label}' is a synonym of the {role}'s role",
    )


class SynonymNotes:
    """The inferred roles of a file's synonym labels, each noted once, at its first line."""

    def __init__(self) -> None:
        self.inferred: list[Inference] = []
        self._labels: set[str] = set()
        self._keys: set[str] = set()

    def note(self, label: str, role: Role, line: int) -> None:
        if label in self._labels:
            return  # the common case, a label seen before, costs one set lookup
        self._labels.add(label)
        key = label_key(label)
        if key in self._keys:
            return
        self._keys.add(key)
        if (found := synonym_inference(label, role, line)) is not None:
            self.inferred.append(found)
