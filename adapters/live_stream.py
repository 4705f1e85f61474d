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
(``role`` may be left out where the label says it, ``speaker`` where the role does), and
an ``idempotency_key`` of the caller's own: a line retried with it records once, in any
run; the same key with other content is refused.

A label is given its role by ``--role LABEL=ROLE``, by a role word ("Therapist",
"Client", …), or by naming the session's professional or the client. A line shaped
like a label that names nobody known is refused: it would otherwise be taken for
words of the turn before. So is a short label ("T:", "Q:", "R.V.:") that ``--role``
does not name, and a participant's label behind marks or an unread clock.
"""

from __future__ import annotations

import re
import unicodedata
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
from caselog.adapters.parsing.turns import is_direction
from caselog.domain.errors import InvalidLiveInput
from caselog.domain.identity import split_title
from caselog.domain.live import Direction, LiveInput, Say, checked
from caselog.domain.speakers import Speakers
from caselog.domain.transcript import Role

# A clock before a label as transcripts and generators write one: "10:04", "10:04:33",
# "[10:04]", "(10:04)", "[00:01:02.500]", "10:04 AM", "10.04"; a dash or a bar may follow.
# Fractions of a second are read and dropped: the record keeps clocks to the second.
_CLOCK = re.compile(
    r"(?P<open>[\[(])?(?P<h>\d{1,2})(?:[:.])(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:[.,]\d{1,3})?"
    r"(?:\s?(?P<half>[AaPp]\.?[Mm]\.?)(?![^\W\d_]))?"
    r"(?(open)[\])]\s*|\s+)(?:[-–—|]\s+)?(?=\S)"
)
_CLOCK_ASIDE = re.compile(r"(?P<label>.+?)\s*[\[(](?P<clock>\d{1,2}:\d{2}(?::\d{2})?)[\])]")
"""A clock after the name: "Therapist (10:04): …"."""
_LEAD = re.compile(r"[\W\d_]+(?=[^\W\d_])")
"""What comes before a line's first letter: marks, digits, an unread clock."""
_SHORT = re.compile(r"(?:[^\W\d_]\.?){1,2}\d?|(?:[A-Z]\.?){3}")
_WRAPPED = re.compile(
    r"(?P<open>\*{1,3}|_{1,3}|\[)(?P<label>[^\W\d_][^*_\[\]:：\n]{0,60}?)\s*"
    r"(?P<close>\*{1,3}|_{1,3}|\])?\s*[:：]\s*(?P<after>\*{1,3}|_{1,3})?\s*(?P<rest>.*)"
)
"""A label in Markdown emphasis or brackets: "__Client__:", "*Ines*:", "***Ines:***",
"[Therapist]:"."""
_SEPARATOR = re.compile(r"[*_\]>)]*\s*(?:$|[:：|]|[-–—=]+>?(?:\s|$)|[^\w\s.,;!?'’\"(\[])")
"""What may follow a name where a turn opens: nothing, a colon, a dash or an arrow, a
symbol ("Therapist 🙂:"); or closing marks then a space ("<Client> Hi", "**Ines** Hi")."""
_CLOSED = re.compile(r"[*_\]>)]+\s")
_SENTENCE_START = frozenset(
    (
        *("i", "i'm", "i’m", "my", "me", "we", "our", "you", "your", "he", "his", "him"),
        *("she", "her", "they", "their", "them", "it", "its", "the", "a", "an", "and"),
        *("but", "so", "then", "or", "if", "when", "because", "that", "this", "what"),
    )
)
"""First words of a sentence, not of a label: "My therapist said: rest."."""


def roles(given: list[tuple[str, Role]], client: str, professional: str | None) -> Speakers:
    """Who the labels of a session name (``Speakers``, the rule the live API applies)."""
    return Speakers.of_session(client, professional, dict(given))


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

    roles: Speakers
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
        if is_direction(text.strip()):
            direction = {"text": text.strip(), "lines": (number, number)}
            return [*self.close(), self._step(Direction, direction, number)]
        # Indentation is no part of a label: "  Therapist: …" opens a turn as well.
        clock, words = _clocked(_visible_label(text.strip()))
        label = _label(words)
        if label is not None and self._opens_turn(label[0]):
            name, said, aside_clock = label
            role = self.roles.of(name)
            if role is None:
                raise self._who(number, name)
            done = self.close()
            self._turn = _Turn(
                name, role, clock or aside_clock, number, number, [said] if said else []
            )
            return done
        self._refuse_hidden_turn(number, words)
        self._refuse_near_turn(number, words)
        if label is not None and self._names_someone(label[0]):
            raise self._who(number, label[0])
        self._refuse_narration(number, text.strip())
        if self._turn is not None:
            self._turn.lines.append(text)
            self._turn.last = number
            return []
        if self._last is None:
            raise InvalidLiveInput(
                f"{self.source}:{number}: expected 'Label: words' to open the first turn"
            )
        # A paragraph of the same speaker: a clock it opens with is its words
        # ("10:30 was when I called."), never taken out of them.
        self._turn = _Turn(*self._last, None, number, number, [text.strip()])
        return []

    def _who(self, number: int, name: str) -> InvalidLiveInput:
        return InvalidLiveInput(
            f"{self.source}:{number}: who is {name!r}? expected the client, the "
            f"session's professional or a role word; or give --role "
            f"'{name}=client' or --role '{name}=professional'"
        )

    def _opens_turn(self, label: str) -> bool:
        """Whether a line's label opens a turn: one named by ``--role``, a person's or a
        role's, or a short one ("T", "C", "Q", "Pt"), which may be a speaker's
        initials and must never be taken for words of the turn before."""
        return (
            self.roles.of(label) is not None
            or is_speaker_shaped(label)
            or _is_short(label)
            or _is_titled(label)
        )

    def _names_someone(self, label: str) -> bool:
        """Whether a label that is no participant's still names one: "Rowan's mother",
        "Mother of Rowan", "Client's partner", "Dr. Ward said" — someone speaking, or
        speech put in a participant's mouth. As words of the turn before it would
        be one person's words in another's turn, so it is refused. A sentence ("My
        therapist said: rest.", "And Ines said: fine.") is words."""
        words = label.split()
        if len(words) > 5 or words[0].casefold() in _SENTENCE_START or words[0][0].islower():
            return False
        bare = (re.sub(r"['’]s?$", "", w.strip(".,")) for w in words)
        return any(w and self.roles.of(w) is not None for w in bare)

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

    def _refuse_near_turn(self, number: int, words: str) -> None:
        """A line that opens with a participant's name or a role word in a shape that is
        not "Label: words" — "Therapist - …", "Client — …", "<Client> …", "### Ines",
        "Therapist 🙂: …" — is refused: it is most likely a turn, and as words it
        would be glued into the turn before."""
        lead = _LEAD.match(words)
        start = lead.end() if lead else 0
        rest = words[start:]
        names = rest.split(" ")
        for count in range(min(len(names), 5), 0, -1):
            name = " ".join(names[:count]).rstrip("*_]>), ")
            after = rest[len(name) :]
            if not name or self.roles.of(name) is None:
                continue
            credentials = _credentials(after)
            if credentials is not None:
                shown = words[: start + len(name) + credentials.end()].strip()
                raise InvalidLiveInput(
                    f"{self.source}:{number}: {shown!r} reads as a turn of {name!r}: "
                    f"expected 'Label: words' with the name alone ('{name}: …'); "
                    f"credentials after a comma are not read"
                )
            sep = (_CLOSED.match(after) if start > 0 else None) or _SEPARATOR.match(after)
            if sep is not None:
                shown = words[: start + len(name) + sep.end()].strip()
                raise InvalidLiveInput(
                    f"{self.source}:{number}: {shown!r} reads as a turn of {name!r}: "
                    f"expected 'Label: words', with a colon"
                )
            return

    def _refuse_narration(self, number: int, words: str) -> None:
        """A line that tells what a participant does — "Rowan looks away.", "The
        therapist nods.", "*Dr. Ward smiles.*" — is narration, not anyone's words:
        refused rather than recorded as said by the speaker before it."""
        bare = words.lstrip("*_ ")
        names = bare.split(" ")
        if names and names[0].casefold() == "the" and len(names) > 2:
            subject, verb = names[1], names[2]
            known = subject.casefold() in ROLE_WORDS
        else:
            for count in range(min(len(names) - 1, 4), 0, -1):
                subject, verb = " ".join(names[:count]), names[count]
                if self.roles.of(subject) is not None and subject[:1].isupper():
                    known = True
                    break
            else:
                return
        # A verb of the third person ("looks", "nods") or the past ("smiled"): "Will
        # you …" of a client named Will is a question.
        verb = verb.rstrip(".,;!?*_")
        acts = verb.endswith(("s", "ed")) and not verb.endswith("ss")
        if known and verb[:1].islower() and verb.isalpha() and acts:
            raise InvalidLiveInput(
                f"{self.source}:{number}: {' '.join(names[:4])!r}… reads as narration, "
                f"not words: expected 'Label: words', or a stage direction as '(…)'"
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
        if "lines" in value:
            # Where a line is read is this reader's to say; a line saying it would be
            # silently overridden.
            raise InvalidLiveInput(
                f"{where}: unexpected field 'lines': expected speaker, role, text, clock "
                f"and, to retry a line across runs, idempotency_key"
            )
        speaker, role = value.get("speaker"), value.get("role")
        if isinstance(speaker, str) and speaker.strip():
            if role is None:
                known = self.roles.of(speaker)
                if known is None:
                    raise InvalidLiveInput(f"{where}: who is {speaker!r}? give its role")
                value = {**value, "role": known}
            elif role in ("client", "professional"):
                # The client's words are the client's record: someone else's are refused.
                self.roles.check(role, speaker, where)
        return [self._step(Say, {**value, "lines": (number, number)}, number)]

    def _step(
        self, model: type[Say] | type[Direction], values: Mapping[str, object], first: int
    ) -> LiveInput:
        key = {"idempotency_key": f"{self.run}:{first}"}
        return checked(model, {**key, **values}, f"{self.source}:{first}")


_CREDENTIALS = re.compile(r",\s*(?P<letters>(?:[^\W\d_][\w.]{0,7},?\s*){1,3})[:：]")


def _credentials(after: str) -> re.Match[str] | None:
    """Letters after a name that are its credentials, then a colon: ", PhD:", ", LCSW, RN:",
    ", Psy.D.:" — each word with two capitals or more, so "Rowan, listen: …" is words."""
    m = _CREDENTIALS.match(after)
    if m is None:
        return None
    words = m.group("letters").replace(",", " ").split()
    return m if all(sum(c.isupper() for c in w) >= 2 for w in words) else None


def _visible_label(line: str) -> str:
    """The line with invisible characters (zero-width spaces and joiners, soft hyphens,
    direction marks) taken out of what comes before its first colon: hidden in a label,
    they would make a participant's turn read as words of the turn before."""
    colon = min((i for i in (line.find(":"), line.find("：")) if i >= 0), default=-1)
    if colon < 0 or colon > 120:
        return line
    # From the first letter on: marks before a label (an emoji's joiner) are shown as given.
    first = next((i for i, c in enumerate(line[:colon]) if c.isalpha()), colon)
    label = "".join(c for c in line[first:colon] if unicodedata.category(c) != "Cf")
    return line[:first] + label + line[colon:]


def _is_short(label: str) -> bool:
    """One or two letters, or three capitals, perhaps with dots or a digit: "T", "Pt",
    "R.V.", "P1", "RVW"."""
    key = label_key(label)
    # "10:04 pm: I slept" is a time said, not a speaker.
    return _SHORT.fullmatch(label) is not None and key not in NOT_SPEAKERS and key not in _HALVES


_HALVES = frozenset(("am", "pm", "a.m", "p.m", "a.m.", "p.m."))


def _is_titled(label: str) -> bool:
    """A title and a name ("Dr. van der Berg", "Mrs. de la Cruz"): a person, whoever."""
    title, bare = split_title(label)
    return title is not None and 0 < len(bare.split()) <= 4 and bare[:1].isalpha()


def _label(words: str) -> tuple[str, str, str | None] | None:
    """(label, words after it, a clock after the name) of a line that opens with a
    label: "Ada: …", "__Ada__: …", "[Ada]: …", "Ada (10:04): …"."""
    label = read_label(words)
    if label is None:
        m = _WRAPPED.fullmatch(words)
        if m is None or (m.group("close") or m.group("after") or "")[:1] not in (
            m.group("open")[:1].replace("[", "]"),
        ):
            return None
        label = (m.group("label").strip(), m.group("rest"))
    name, said = label
    aside = _CLOCK_ASIDE.fullmatch(name)
    if aside is not None:
        return aside.group("label"), said, aside.group("clock")
    return name, said, None


def _clocked(text: str) -> tuple[str | None, str]:
    """(the clock a line opens with, as HH:MM or HH:MM:SS on 24 hours, the rest)."""
    m = _CLOCK.match(text)
    if m is None:
        return None, text
    hour, half = int(m.group("h")), (m.group("half") or "").casefold()
    if half.startswith("p") and hour < 12:
        hour += 12
    elif half.startswith("a") and hour == 12:
        hour = 0
    seconds = f":{m.group('s')}" if m.group("s") else ""
    return f"{hour:02d}:{m.group('m')}{seconds}", text[m.end() :]
