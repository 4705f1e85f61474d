"""Homework the professional assigns in the dialogue, for sessions without a summary.

Precision comes first: a wrong homework item is recorded as an assignment
and followed up in later sessions, while a missed one can be added by hand.
So only these cues count, and only in the professional's turns (typographic
quotes are made straight before matching):

1. ``action items:`` followed by a list on the same sentence — split at
   commas and semicolons (at `` and `` only when there are none), each part
   one item: "let's review your action items: continue practicing
   mindfulness daily, collect evidence …, and share at least one idea …";
   or followed by a bulleted/numbered list on the next lines.
2. ``for homework, I'd like you to:`` followed by a numbered or bulleted
   list: each list item is one item; without the colon, the rest of the
   sentence is one item.
3. ``before our next session, I'd like you to <X>.`` (also "until our next
   session", "between now and our next session", "for next time", "this
   week"): one item, X up to the end of the sentence.

Text after "possible response" is skipped: there a generator is drafting
what the professional might say, not assigning anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from caselog.domain.transcript import Entry, HomeworkItem, Utterance

from .text import plain

_ACTION_ITEMS = re.compile(r"\baction items\s*:[ \t]*", re.I)
_FOR_HOMEWORK = re.compile(
    r"\b(?:for|as) (?:your |some )?homework,?\s+I(?:'d| would) like you to(\s*:)?[ \t]*", re.I
)
_BEFORE_NEXT = re.compile(
    r"\b(?:(?:before|until|between now and) (?:our|the) next (?:session|appointment)|"
    r"for next (?:time|session)|this week),?\s+I(?:'d| would) like you to\s+([^.!?\n]+)",
    re.I,
)
_QUOTED_DRAFT = re.compile(r"\bpossible response\b", re.I)
_LIST_ITEM = re.compile(r"\s*(?:[-*•]|[0-9]{1,3}[.)])\s+(\S.*)")
_SENTENCE = re.compile(r"[^\n]*?(?:[.!?](?=\s|$)|$)", re.M)
_LEADING_JOINER = re.compile(r"^(?:and|or|then|also)\s+", re.I)


def dialogue_homework(entries: Sequence[Entry]) -> list[HomeworkItem]:
    found: list[HomeworkItem] = []
    seen: set[str] = set()
    for seq, entry in enumerate(entries, start=1):
        if not isinstance(entry, Utterance) or entry.role != "professional":
            continue
        for text in _cues(_own_words(entry.text)):
            if text.casefold() not in seen:
                seen.add(text.casefold())
                found.append(HomeworkItem(text=text, source="dialogue", utterance=seq))
    return found


def _own_words(text: str) -> str:
    text = plain(text)
    m = _QUOTED_DRAFT.search(text)
    return text[: m.start()] if m else text


# Words every cue contains (any case): a cheap test that most turns fail.
_CUE_WORDS = ("action items", "like you to")


def _cues(text: str) -> list[str]:
    lowered = text.lower()
    if not any(w in lowered for w in _CUE_WORDS):
        return []
    hits: list[tuple[int, list[str]]] = []
    for m in _ACTION_ITEMS.finditer(text):
        rest = text[m.end() :]
        listed = _list_after(rest)
        hits.append((m.start(), listed or _split_inline(_first_sentence(rest))))
    for m in _FOR_HOMEWORK.finditer(text):
        rest = text[m.end() :]
        hits.append(
            (m.start(), _list_after(rest) if m.group(1) else [_clean(_first_sentence(rest))])
        )
    for m in _BEFORE_NEXT.finditer(text):
        hits.append((m.start(), [_clean(m.group(1))]))
    return [item for _, items in sorted(hits, key=lambda h: h[0]) for item in items if item]


def _first_sentence(text: str) -> str:
    m = _SENTENCE.match(text)
    return m.group(0) if m else ""


def _list_after(text: str) -> list[str]:
    """The list items that start on the lines after a cue, blank lines between allowed."""
    lines = text.split("\n")
    if lines[0].strip():
        return []
    items: list[str] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        m = _LIST_ITEM.fullmatch(line.rstrip())
        if m is None:
            break
        items.append(m.group(1).strip())
    return items


def _split_inline(sentence: str) -> list[str]:
    sentence = sentence.strip().rstrip(".!?").strip()
    if not sentence:
        return []
    parts = re.split(r"\s*[,;]\s*", sentence)
    if len(parts) == 1:
        parts = re.split(r"\s+and\s+", sentence)
    return [_clean(p) for p in parts]


def _clean(item: str) -> str:
    return _LEADING_JOINER.sub("", item.strip()).rstrip(" .;:").strip()
