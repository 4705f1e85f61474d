"""Homework: the status lifecycle and the carry-forward rule.

Lifecycle (DESIGN.md §3)::

    assigned ─→ in_progress ─→ completed | partially_completed | not_completed | dropped
        └──────────────────────→ (any of those) | carried_forward
    partially_completed ─→ completed | not_completed | carried_forward | dropped

``completed``, ``not_completed``, ``carried_forward`` and ``dropped`` are final.
A retracted item (see ``corrections.py``) is ``retracted``: final, never open,
and not a status anyone can set by hand.

Carry-forward rule: a new homework item *continues* an earlier open item
(assigned, in_progress or partially_completed, from an earlier session) when
its text leads with "Continue", "Keep" or "Resume" and at least
``MIN_SHARED`` of its content words — lower-cased, stop words and the lead
word dropped, a plural/-ing ending trimmed — appear in the earlier item, and
they make up at least ``MIN_OVERLAP`` of its content words. The earlier item
with the highest overlap wins; ties go to the latest session, then the lowest id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from caselog.domain.client import RETRACTED, Client
from caselog.domain.errors import HomeworkNotFound, InvalidStatusChange
from caselog.domain.events import HomeworkStatusChanged

STATUSES = (
    "assigned",
    "in_progress",
    "completed",
    "partially_completed",
    "not_completed",
    "carried_forward",
    "dropped",
)
OPEN = frozenset({"assigned", "in_progress", "partially_completed"})
_OUTCOMES = {"completed", "partially_completed", "not_completed", "carried_forward", "dropped"}
TRANSITIONS: dict[str, frozenset[str]] = {
    "assigned": frozenset({"in_progress", *_OUTCOMES}),
    "in_progress": frozenset(_OUTCOMES),
    "partially_completed": frozenset({"completed", "not_completed", "carried_forward", "dropped"}),
    "completed": frozenset(),
    "not_completed": frozenset(),
    "carried_forward": frozenset(),
    "dropped": frozenset(),
    RETRACTED: frozenset(),  # set only by a retraction (domain/corrections.py), never by hand
}

MIN_SHARED = 2
MIN_OVERLAP = 0.5
_LEADS = {"continue", "keep", "resume"}
_STOP = {
    "a", "an", "the", "and", "or", "of", "to", "for", "in", "on", "at", "with", "your", "you",
    "yourself", "my", "me", "i", "it", "is", "be", "this", "that", "each", "any", "before",
    "after", "from", "by", "as", "up", "about", "them", "their", "they", "minutes", "daily",
}  # fmt: skip


def can_change(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z][a-z'-]*", text.casefold())
    return {_stem(w) for w in words if w not in _STOP and w not in _LEADS}


def leads_with_continue(text: str) -> bool:
    first = re.match(r"\s*([A-Za-z]+)", text)
    return bool(first and first.group(1).casefold() in _LEADS)


@dataclass(frozen=True)
class OpenItem:
    homework_id: str
    session: int
    text: str


@dataclass(frozen=True)
class Continuation:
    earlier_id: str
    overlap: float


def continued_item(text: str, session: int, open_items: Iterable[OpenItem]) -> Continuation | None:
    """The earlier open item that ``text`` (assigned in ``session``) continues, if any."""
    if not leads_with_continue(text):
        return None
    words = content_words(text)
    if not words:
        return None
    best: tuple[float, int, str] | None = None
    for item in open_items:
        if item.session >= session:
            continue
        shared = words & content_words(item.text)
        overlap = len(shared) / len(words)
        if len(shared) < MIN_SHARED or overlap < MIN_OVERLAP:
            continue
        # Highest overlap, then latest session, then lowest id.
        key = (overlap, item.session, item.homework_id)
        if (
            best is None
            or (key[0], key[1]) > (best[0], best[1])
            or ((key[0], key[1]) == (best[0], best[1]) and key[2] < best[2])
        ):
            best = key
    return Continuation(best[2], round(best[0], 3)) if best else None


def change_status(
    client: Client, homework_id: str, status: str, *, note: str | None, actor: str,
    reviewed_in: int | None = None,
) -> HomeworkStatusChanged:  # fmt: skip
    """The event that moves one homework item to ``status``, if the lifecycle allows it."""
    if status not in STATUSES:
        raise InvalidStatusChange(
            f"unknown status {status!r}; expected one of: {', '.join(STATUSES[1:])}"
        )
    item = client.homework_item(homework_id)
    if item is None:
        known = ", ".join(h.homework_id for h in client.homework) or "none"
        raise HomeworkNotFound(f"{client.name} has no homework {homework_id!r} (known: {known})")
    if not can_change(item.status, status):
        allowed = sorted(TRANSITIONS[item.status])
        where = f"it can move to {', '.join(allowed)}" if allowed else "which is final"
        raise InvalidStatusChange(
            f"{homework_id} is {item.status}, {where}; it cannot move to {status}"
        )
    return HomeworkStatusChanged(
        originator_id=client.id,
        originator_version=client.version + 1,
        actor=actor,
        homework_id=homework_id,
        status=status,
        note=note,
        reviewed_in=reviewed_in,
    )
