"""Reading a session from a stream as it arrives (``caselog record``): lines into steps.

Lines: ``Label: words`` opens a turn (an optional clock first: ``10:04 Ada: …`` or
``[10:04] Ada: …``); the lines after it, up to a blank line, are more of its words;
a line that is only a stage direction — ``(pauses)``, ``[laughs]`` — is one.

When a turn is complete: at the blank line after it, at the next turn or stage
direction, or at the end of the stream — never later, so a generator that ends each
turn with a blank line has it recorded at once. A paragraph that follows a complete
turn without a label is the same speaker going on: it is recorded as the next turn
of that speaker (a turn once recorded is never changed).

JSON lines (``--jsonl``): one turn a line, ``{"speaker", "role", "text", "clock"}``
(``role`` may be left out where the label says it, ``speaker`` where the role does).

A label is given its role by ``--role LABEL=ROLE``, by a role word ("Therapist",
"Client", …), or by naming the session's professional or the client. A line shaped
like a label that names nobody known is refused: it would otherwise be taken for
words of the turn before. So is a short label ("T:", "Q:", "R.V.:") that ``--role``
does not name, and a participant's label behind marks or an unread clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson

from caselog.adapters.parsing.labels import (
    NOT_SPEAKERS,
    ROLE_WORDS,
    is_speaker_shaped,
    label_key,
    read_label,
)
from caselog.adapters.parsing.turns import STAGE_DIRECTION
from caselog.domain.errors import InvalidLiveInput
from caselog.domain.identity import fold_name, may_be_client, names_person
from caselog.domain.live import Direction, LiveInput, Say, checked
from caselog.domain.transcript import Role

_CLOCK = re.compile(r"\[?(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\]?\s+(?=\S)")
_LEAD = re.compile(r"[\W\d_]+(?=[^\W\d_])")
"""What comes before a line's first letter: marks, digits, an unread clock."""
_SHORT = re.compile(r"(?:[^\W\d_]\.?){1,2}\d?|(?:[A-Z]\.?){3}")


@dataclass(frozen=True)
class Roles:
    """Who a label names: the roles given, then role words, then the session's people."""

    given: dict[str, Role]
    client: str
    professional: str | None = None

    def of(self, label: str) -> Role | None:
        key = fold_name(label)
        if key in self.given:
            return self.given[key]
        if key in ROLE_WORDS:
            return ROLE_WORDS[key]
        if self.professional and names_person(label, self.professional):
            return "professional"
        if may_be_client(label, self.client):
            return "client"
        return None


def roles(given: list[tuple[str, Role]], client: str, professional: str | None) -> Roles:
    return Roles({fold_name(label): role for label, role in given}, client, professional)


@dataclass
class _Turn:
    speaker: str
    role: Role
    clock: str | None
    first: int
    last: int
    lines: list[str] = field(default_factory=list)


@dataclass
class TurnReader:
    """Steps from lines fed one at a time; each step is given once it is complete."""

    roles: Roles
    run: str
    """Leads each step's idempotency key (with its first line): a step retried within
    the run — after an interruption — is recorded once."""
    source: str = "stdin"
    _turn: _Turn | None = None
    _last: tuple[str, Role] | None = None

    def feed(self, number: int, line: str) -> list[LiveInput]:
        """The steps line ``number`` completes (it may complete a turn and start one)."""
        text = line.rstrip("\r\n").rstrip()
        if not text.strip():
            return self.close()
        if STAGE_DIRECTION.fullmatch(text.strip()):
            direction = {"text": text.strip(), "lines": (number, number)}
            return [*self.close(), self._step(Direction, direction, number)]
        clock, words = _clocked(text)
        label = read_label(words)
        if label is not None and self._opens_turn(label[0]):
            name, said = label
            role = self.roles.of(name)
            if role is None:
                raise InvalidLiveInput(
                    f"{self.source}:{number}: who is {name!r}? expected the client, the "
                    f"session's professional or a role word; or give --role "
                    f"'{name}=client' or --role '{name}=professional'"
                )
            done = self.close()
            self._turn = _Turn(name, role, clock, number, number, [said] if said else [])
            return done
        self._refuse_hidden_turn(number, words)
        if self._turn is not None:
            self._turn.lines.append(text)
            self._turn.last = number
            return []
        if self._last is None:
            raise InvalidLiveInput(
                f"{self.source}:{number}: expected 'Label: words' to open the first turn"
            )
        self._turn = _Turn(*self._last, clock, number, number, [words])
        return []

    def _opens_turn(self, label: str) -> bool:
        """Whether a line's label opens a turn: one named by ``--role``, a person's or a
        role's, or a short one ("T", "C", "Q", "Pt"), which may be a speaker's
        initials and must never be taken for words of the turn before."""
        return self.roles.of(label) is not None or is_speaker_shaped(label) or _is_short(label)

    def _refuse_hidden_turn(self, number: int, words: str) -> None:
        """A line that would open a turn but for what comes before its label ("(10:04)
        Ada: …", "- Ada: …") is refused: as words of the turn before, it would put one
        speaker's words in another's mouth."""
        lead = _LEAD.match(words)
        if lead is None:
            return
        label = read_label(words[lead.end() :])
        if label is not None and self.roles.of(label[0]) is not None:
            raise InvalidLiveInput(
                f"{self.source}:{number}: {words[: lead.end()].strip()!r} before "
                f"{label[0]!r}: expected a turn as 'Label: words' or 'HH:MM Label: words'"
            )

    def close(self) -> list[LiveInput]:
        """The turn in hand, complete now (a blank line, or the end of the stream)."""
        turn, self._turn = self._turn, None
        if turn is None:
            return []
        self._last = (turn.speaker, turn.role)
        text = "\n".join(turn.lines).strip()
        if not text:
            raise InvalidLiveInput(f"{self.source}:{turn.first}: {turn.speaker} says nothing")
        values = {
            "role": turn.role,
            "speaker": turn.speaker,
            "text": text,
            "clock": turn.clock,
            "lines": (turn.first, turn.last),
        }
        return [self._step(Say, values, turn.first)]

    def json_line(self, number: int, line: str) -> list[LiveInput]:
        """One turn from a JSON line (``--jsonl``); a blank line is nothing."""
        if not line.strip():
            return []
        where = f"{self.source}:{number}"
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            raise InvalidLiveInput(f"{where}: expected a JSON object, not JSON ({e})") from None
        if not isinstance(value, dict):
            raise InvalidLiveInput(f"{where}: expected a JSON object with role and text")
        speaker, role = value.get("speaker"), value.get("role")
        if isinstance(speaker, str) and speaker.strip():
            known = self.roles.of(speaker)
            if role is None:
                if known is None:
                    raise InvalidLiveInput(f"{where}: who is {speaker!r}? give its role")
                value = {**value, "role": known}
            elif role == "client" and known != "client":
                # The client's words are the client's record: someone else's are refused.
                raise InvalidLiveInput(
                    f"{where}: {speaker!r} is not the client, {self.roles.client}; give "
                    f"--role '{speaker}=client' if they are"
                )
            elif role == "professional" and known == "client":
                raise InvalidLiveInput(
                    f"{where}: {speaker!r} is the client, {self.roles.client}, but the "
                    f"line's role is professional"
                )
        return [self._step(Say, {**value, "lines": (number, number)}, number)]

    def _step(
        self, model: type[Say] | type[Direction], values: Mapping[str, object], first: int
    ) -> LiveInput:
        key = {"idempotency_key": f"{self.run}:{first}"}
        return checked(model, {**key, **values}, f"{self.source}:{first}")


def _is_short(label: str) -> bool:
    """One or two letters, or three capitals, perhaps with dots or a digit: "T", "Pt",
    "R.V.", "P1", "RVW"."""
    return _SHORT.fullmatch(label) is not None and label_key(label) not in NOT_SPEAKERS


def _clocked(text: str) -> tuple[str | None, str]:
    m = _CLOCK.match(text)
    return (m.group("clock"), text[m.end() :]) if m else (None, text)
