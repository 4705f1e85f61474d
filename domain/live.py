"""What the live write API takes: typed, checked values, one per step of a session.

Each model is one call of ``LiveSession`` (``caselog.application.live``). A value that
does not fit is refused before anything is recorded, with ``checked`` naming the field
and what was expected. ``idempotency_key``: a caller that may retry a call gives it a
key; a call whose key the session already holds is not recorded again — if it is the same
call (``same_call``): the same key with other content is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from caselog.domain.errors import InvalidLiveInput
from caselog.domain.events import DomainEvent
from caselog.domain.transcript import EndReason, Role

Text = Annotated[str, Field(min_length=1)]
_CLOCK = r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
Clock = Annotated[str, Field(pattern=_CLOCK)]
"""A clock time as a transcript writes it: ``10:04`` or ``10:04:30``."""
Key = Annotated[str, Field(min_length=1, max_length=200)]
_ONE_LINE = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$"
Speaker = Annotated[str, Field(min_length=1, max_length=200, pattern=_ONE_LINE)]
"""A speaker's label: one line, no control characters — a line break in it would show as
a line of its own, a turn of someone else, wherever the record is printed."""


class LiveInput(BaseModel):
    # Surrounding whitespace is no part of what was said; an all-blank text is refused.
    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, defer_build=True
    )

    idempotency_key: Key | None = None


class Opening(LiveInput):
    """What a new session is opened with; a resumed session keeps what it was opened with."""

    date: dt.date | None = None
    professional: Text | None = None
    professional_title: Text | None = None
    start_time: Clock | None = None
    planned_total: Annotated[int, Field(ge=1)] | None = None


class Say(LiveInput):
    """One turn. ``speaker`` defaults to the client's name, or the session's professional."""

    role: Role
    text: Text
    speaker: Speaker | None = None
    clock: Clock | None = None
    lines: tuple[int, int] | None = None
    """Where the turn was read (``caselog record``: standard input's lines); else none."""


class Direction(LiveInput):
    """A stage direction ("pauses"); recorded in parentheses, as transcripts write it."""

    text: Text
    clock: Clock | None = None
    lines: tuple[int, int] | None = None


class Assignment(LiveInput):
    """Homework assigned in the session."""

    text: Text


class Insight(LiveInput):
    """An insight or realisation noted in the session: an item of its summary."""

    text: Text


class SessionSummary(LiveInput):
    """The session's summary, in the five sections; homework items are homework."""

    topics: tuple[Text, ...] = ()
    techniques: tuple[Text, ...] = ()
    helpful: tuple[Text, ...] = ()
    homework: tuple[Text, ...] = ()
    insights: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> SessionSummary:
        if not any((self.topics, self.techniques, self.helpful, self.homework, self.insights)):
            raise ValueError("a summary needs at least one item in one of its five sections")
        return self


class End(LiveInput):
    reason: EndReason = "natural_end"
    detail: str = ""
    clock: Clock | None = None


M = TypeVar("M", bound=LiveInput)

# What a pattern asks for, in words: the regular expression means nothing to a caller.
_PATTERN_WORDS = {
    _CLOCK: "expected a clock time such as 10:04 or 10:04:30",
    _ONE_LINE: "expected one line without line breaks or control characters",
}


def checked(model: type[M], values: dict[str, Any], where: str = "") -> M:
    """``values`` as a ``model``, or ``InvalidLiveInput`` naming the field and what it needs
    (``where`` leads the message: a file and line)."""
    try:
        return model.model_validate(values)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or model.__name__.lower()
        given = f" (got {first['input']!r})" if field != model.__name__.lower() else ""
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "string_pattern_mismatch":
            message = _PATTERN_WORDS.get(str(first.get("ctx", {}).get("pattern")), message)
        lead = f"{where}: " if where else ""
        raise InvalidLiveInput(f"{lead}{model.__name__} {field}: {message}{given}"[:300]) from None


_PLACE = frozenset(
    (
        *("originator_id", "originator_version", "timestamp", "actor", "idempotency_key"),
        *("seq", "item", "homework_id", "utterance", "lines"),
    )
)
"""Where and when an event was recorded, and by whom: not what the call said. A retry
decided later numbers its entry later; it is the same call if the rest is the same."""


def call_content(events: Sequence[DomainEvent]) -> list[tuple[str, dict[str, Any]]]:
    """What a call's events say, their places aside."""
    return [(type(e).__name__, e.model_dump(exclude=set(_PLACE))) for e in events]


def same_call(recorded: Sequence[DomainEvent], again: Sequence[DomainEvent]) -> bool:
    """Whether ``again`` (a call decided now) says what ``recorded`` (the call that first
    held its idempotency key) said."""
    return call_content(recorded) == call_content(again)


def describe_call(events: Sequence[DomainEvent]) -> str:
    """A call in a few words for a refusal: "a client's turn: 'Hello.'"."""
    if not events:
        return "nothing"
    first = call_content(events[:1])[0]
    kind, fields = first
    said = fields.get("text") or fields.get("reason") or ""
    who = f" by {fields['speaker']!r}" if "speaker" in fields else ""
    more = f" and {len(events) - 1} more" if len(events) > 1 else ""
    return f"{kind}{who} {str(said)[:60]!r}{more}"
