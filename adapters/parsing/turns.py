"""From classified lines to entries: utterances, stage directions, an end marker.

Each format supplies a classifier that recognises the lines that mean
something on their own (a turn's label line, a ``**[10:10]**`` clock line,
``[11:35] End of session``); everything else is text. The classifier is told
whether a line opens a paragraph (the body's first line, or a line after a
blank line or a clock line), because that is where turns start. Text is then
read in paragraphs, because the rules that split a turn are paragraph rules:

- a stage direction is ``( … )``, ``[ … ]`` (not a clock) or ``*…*`` (one
  asterisk, lower-case first letter, as directions are written; ``*I*`` is
  emphasis), optionally followed by ``.``. It is its own entry when it is a
  whole paragraph, or when it opens or closes a turn ("Patient: (sighs) I
  don't know."); elsewhere in a turn it stays in the words. The text after a
  direction paragraph is a new utterance by the same speaker — it is what the
  speaker says after the pause, not before it;
- a paragraph that is only an end line ends the session, and so does the body's last
  line when it is one, blank line or not: ``End of session``,
  ``Session ended.``, ``END OF SESSION``, ``(Session ends)``, ``[End of
  session]`` and the like, in any case and brackets — unless a label says it:
  "Patient: Session over." is the patient's words;
- a label with no words (``Client:`` and then the next turn) is an empty
  utterance, flagged ``empty_turn``;
- anything else continues the current turn, and is an error before the
  first turn, since there is nobody to attribute it to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from caselog.domain.errors import TranscriptError
from caselog.domain.transcript import (
    Ending,
    Entry,
    LineSpan,
    QualityFlag,
    Role,
    StageDirection,
    Utterance,
)

from .text import Line, Paragraph, paragraphs, verbatim


@dataclass(frozen=True)
class TurnStart:
    line: int
    role: Role
    speaker: str
    rest: str
    """The text on the label line after the label (and clock)."""
    clock: str | None = None
    """The turn's own clock; None takes the clock of the block it is in."""


@dataclass(frozen=True)
class ClockMark:
    line: int
    clock: str


@dataclass(frozen=True)
class EndMark:
    line: int
    detail: str
    clock: str | None


@dataclass(frozen=True)
class DirectionMark:
    """A stage direction on a line of its own with its own clock: ``[17:09] (crying)``."""

    line: int
    text: str
    clock: str | None


Mark = TurnStart | ClockMark | EndMark | DirectionMark
Classifier = Callable[[int, str, bool], Mark | None]
"""(line number, text, whether the line opens a paragraph) → what the line means."""

_DIRECTION = (
    r"(?:\((?:[^()]|\([^()]*\))*\)"
    r"|\[(?![\s0-9:.APMapm]*\])[^\[\]\n]+\]"
    r"|\*(?=[a-z])[^*\n]+(?<=\S)\*(?!\*))\.?"
)
STAGE_DIRECTION = re.compile(_DIRECTION)
_ITALIC_LINE = re.compile(
    r"(?:\*(?!\*)(?P<star>[^*\n]+)(?<=\S)\*|_(?!_)(?P<bar>[^_\n]+)(?<=\S)_)\.?"
)
_SPEAKING = re.compile(
    r"\b(?:I|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll|me|my|mine|myself|we|us|our|you|your)\b",
    re.IGNORECASE,
)
_OPENING_DIRECTION = re.compile(rf"({_DIRECTION})\s+(?=\S)")
_CLOSING_DIRECTION = re.compile(rf"(?<=\S)\s+({_DIRECTION})\Z")
_DIRECTION_ENDS = (")", "]", "*", ").", "].", "*.")
END_MARKER = re.compile(
    r"[(\[*_—–-]*\s*(?:\*\*)?\s*"
    r"(?:end of (?:the )?(?:session|transcript)"
    r"|(?:the )?(?:session|transcript) (?:has )?(?:ended|ends|end|is over|over|concluded|closed))"
    r"\s*[.!]?\s*(?:\*\*)?\s*[)\]*_—–-]*\.?",
    re.IGNORECASE,
)


@dataclass
class Body:
    entries: list[Entry] = field(default_factory=list)
    ending: Ending | None = None
    flags: list[QualityFlag] = field(default_factory=list)


@dataclass
class _Speaker:
    role: Role
    label: str


@dataclass
class _Chunk:
    speaker: _Speaker | None
    clock: str | None
    start: int | None
    """The label line when the chunk opens a turn."""
    lines: list[Line] = field(default_factory=list)


def is_direction(text: str) -> bool:
    """Whether a whole line (or paragraph) is a stage direction: ``(pauses)``,
    ``[laughs]``, ``*sighs*``, or a line set in italics that speaks in no first or
    second person — "*The therapist nods slowly.*" is narration, which a script
    generator writes so, and as words it would be put in the speaker's mouth;
    "*What if I fail?*" stays the speaker's words."""
    if STAGE_DIRECTION.fullmatch(text):
        return True
    italic = _ITALIC_LINE.fullmatch(text)
    if italic is None:
        return False
    return _SPEAKING.search(italic.group("star") or italic.group("bar")) is None


def build(lines: Sequence[Line], classify: Classifier, name: str, hint: str) -> Body:
    """Entries of ``lines``; ``hint`` is what a speaker label looks like in this format."""
    body = Body()
    chunks: list[_Chunk] = []
    speaker: _Speaker | None = None
    block_clock: str | None = None
    chunk = _Chunk(None, None, None)
    opens = True
    last = next((n for n, t in reversed(lines) if t.strip()), None)
    for number, text in lines:
        mark = classify(number, text, opens)
        if mark is None and number == last and END_MARKER.fullmatch(text.strip()):
            # The transcript's last line, an end line with no blank line before it
            # ("Thanks, see you.\nEnd of session."), ends it: nobody says it.
            mark = EndMark(number, text.strip(), chunk.clock)
        opens = not text or text.isspace() or isinstance(mark, ClockMark)
        if mark is None:
            chunk.lines.append((number, text))
            continue
        chunks.append(chunk)
        if isinstance(mark, TurnStart):
            speaker = _Speaker(mark.role, mark.speaker)
            clock = mark.clock if mark.clock is not None else block_clock
            chunk = _Chunk(speaker, clock, number, [(number, mark.rest)])
        elif isinstance(mark, ClockMark):
            block_clock = mark.clock
            chunk = _Chunk(speaker, block_clock, None)
        elif isinstance(mark, DirectionMark):
            # Words after it are the same speaker's again, as after any direction.
            chunk = _Chunk(speaker, mark.clock, None, [(number, mark.text)])
        else:
            _end(
                body,
                Ending(reason="end_marker", detail=mark.detail, clock=mark.clock, line=mark.line),
            )
            # Words after the end marker belong to nobody unless a new label says so.
            speaker = None
            chunk = _Chunk(None, block_clock, None)
    chunks.append(chunk)
    for c in chunks:
        _read_chunk(c, body, name, hint)
    return body


def _end(body: Body, ending: Ending) -> None:
    # Chunks are read after all line marks are seen, so "last" means by line.
    if body.ending is None or (body.ending.line or 0) < (ending.line or 0):
        body.ending = ending


def _read_chunk(chunk: _Chunk, body: Body, name: str, hint: str) -> None:
    pending: list[Paragraph] = []
    speaker = chunk.speaker
    start = chunk.start
    produced = False

    def direction(text: str, first: int, last: int) -> None:
        body.entries.append(
            StageDirection(text=text, clock=chunk.clock, lines=LineSpan(first=first, last=last))
        )

    def flush(closing: bool) -> None:
        nonlocal start, produced
        if not pending:
            return
        if speaker is None:
            raise TranscriptError(name, pending[0].first, hint)
        first, last = pending[0].first, pending[-1].last
        # A chunk's lines are consecutive, so line numbers index it directly.
        base = chunk.lines[0][0]
        text = verbatim(chunk.lines[first - base : last - base + 1])
        opening = None
        if start is not None and text.startswith(("(", "[", "*")):
            opening = _OPENING_DIRECTION.match(text)
        if opening:
            direction(opening.group(1), first, first)
            text, start = text[opening.end() :], None
        closing_match = None
        if closing and text.endswith(_DIRECTION_ENDS):
            # Only a direction that ends the words, on their last line, closes the turn.
            closing_match = _CLOSING_DIRECTION.search(text, max(0, text.rfind("\n") + 1))
        if closing_match:
            text = text[: closing_match.start()]
        body.entries.append(
            Utterance(
                role=speaker.role,
                speaker=speaker.label,
                text=text,
                clock=chunk.clock,
                lines=LineSpan(first=start if start is not None else first, last=last),
            )
        )
        if closing_match:
            direction(closing_match.group(1), last, last)
        pending.clear()
        start = None
        produced = True

    for para in paragraphs(chunk.lines):
        words = para.text.strip()
        # Words after a label are the speaker's, an ending line too ("Patient: Session over.").
        said = chunk.start is not None and para.first == chunk.start
        if END_MARKER.fullmatch(words) and not said:
            flush(closing=True)
            _end(
                body, Ending(reason="end_marker", detail=words, clock=chunk.clock, line=para.first)
            )
            speaker = None
            produced, start = True, None
        elif is_direction(words):
            flush(closing=True)
            direction(para.text, para.first, para.last)
            # The label line now opens the direction, not the words after it.
            produced, start = True, None
        else:
            pending.append(para)
    flush(closing=True)
    if chunk.start is not None and not produced and chunk.speaker is not None:
        # A label with nothing after it: the turn was taken and left empty.
        line = LineSpan(first=chunk.start, last=chunk.start)
        body.entries.append(
            Utterance(
                role=chunk.speaker.role,
                speaker=chunk.speaker.label,
                text="",
                clock=chunk.clock,
                lines=line,
            )
        )
        body.flags.append(
            QualityFlag(seq=len(body.entries), kind="empty_turn", excerpt=f"{chunk.speaker.label}:")
        )
