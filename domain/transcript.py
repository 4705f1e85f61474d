"""The parsed-session value: what a transcript says, independent of its format.

Parsers in ``caselog.adapters.parsing`` produce a ``ParsedSession``; the
application service turns it into events. Nothing here knows about files
beyond the source reference, and nothing here is mutable.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["client", "professional"]
SectionKey = Literal["topics", "techniques", "helpful", "homework", "insights", "other"]
NAMED_SECTIONS: tuple[SectionKey, ...] = ("topics", "techniques", "helpful", "homework", "insights")
"""The five sections a summary is expected to have, in their canonical order."""
SECTION_KEYS: tuple[SectionKey, ...] = (*NAMED_SECTIONS, "other")
"""Every section key: ``other`` holds the items of any extra section ("Risk assessment:"),
each section under its own heading."""
TranscriptFormat = Literal["A", "B", "C", "D", "vtt", "srt", "otter", "csv", "chat"]
"""A–D: the text formats with headers; the rest are imported recordings and tables."""

TEXT_FORMATS: tuple[TranscriptFormat, ...] = ("A", "B", "C", "D")
"""The formats of one session per file, with a header naming the client."""

LiveFormat = Literal["live"]
"""A session recorded as it happened (the write API, ``caselog record``): no file."""

EndReason = Literal["natural_end", "end_marker", "end_of_recording", "incomplete"]
"""``end_of_recording``: a recording, captions or table that just stops; such sources
mark no end of session, so their last words are taken as its end, not as a cut."""


class Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class SourceRef(Value):
    file: str
    """The file's name as given on the command line (no directories)."""
    sha256: str
    format: TranscriptFormat | LiveFormat


class LineSpan(Value):
    first: int
    last: int


class Utterance(Value):
    kind: Literal["utterance"] = "utterance"
    role: Role
    speaker: str
    """The speaker label exactly as written ("Dr. Torres", "Patient")."""
    text: str
    """Verbatim text; paragraphs joined by a blank line, line ends stripped of trailing spaces."""
    clock: str | None = None
    """Clock time ("10:03") when the source gives one."""
    lines: LineSpan


class StageDirection(Value):
    kind: Literal["stage_direction"] = "stage_direction"
    text: str
    """Verbatim, parentheses included: "( pauses briefly for the exercise )"."""
    clock: str | None = None
    lines: LineSpan


Entry = Utterance | StageDirection
"""An entry's ``seq`` is its 1-based position in ``ParsedSession.entries``."""


class SummaryItem(Value):
    text: str
    line: int


class SummarySection(Value):
    key: SectionKey
    heading: str
    """The heading as written ("Things that appeared helpful/important:"); for an ``other``
    section the only record of what the section is about ("Risk assessment:")."""
    items: tuple[SummaryItem, ...]


class Summary(Value):
    sections: tuple[SummarySection, ...]
    about_session: int | None = None
    """The session the summary describes, when the text states it ("Session 7")."""

    def items(self, key: SectionKey) -> tuple[str, ...]:
        return tuple(i.text for s in self.sections if s.key == key for i in s.items)

    def item_count(self) -> int:
        return sum(len(s.items) for s in self.sections)


class QuotedSummary(Value):
    summary: Summary
    in_utterance: int | None
    """Seq of the utterance quoting it; None when a continuation file opens with it."""


class HomeworkItem(Value):
    text: str
    source: Literal["summary", "dialogue"]
    utterance: int | None = None
    """Seq of the professional's utterance it came from (dialogue homework)."""


class QualityFlag(Value):
    seq: int
    kind: str
    """``generator_refusal``, ``cut_mid_sentence``, ``meta_commentary``, …"""
    excerpt: str


class Ending(Value):
    reason: EndReason
    detail: str = ""
    """The end phrase (natural_end), the marker as written (end_marker), or why incomplete."""
    clock: str | None = None
    line: int | None = None


InferredFact = Literal["client", "professional", "role", "date"]


class Inference(Value):
    """A fact the source did not state but the parser or the matcher worked out.

    ``value`` None records that it was looked for and not found (the
    professional nobody addressed clearly), with why in ``evidence``.
    """

    fact: InferredFact
    value: str | None
    source: str
    """How: ``self_introduction``, ``professional_introduction``, ``direct_address``,
    ``label_synonym``, ``summary_match``, ``weekday_line``, ``not_found``."""
    subject: str | None = None
    """What it is about, when not the session: the label a role was inferred for."""
    line: int | None = None
    evidence: str = ""
    """The words it rests on ("My name is Mr. Otis Grant"), or why nothing was found."""

    def describe(self) -> str:
        about = f"{self.subject} → " if self.subject else ""
        how = self.source.replace("_", " ")
        where = f", line {self.line}" if self.line else ""
        if self.value is None:
            return f"{self.fact} unknown ({self.evidence})"
        return f"{self.fact} {about}{self.value} ({how}{where})"


class ParsedSession(Value):
    source: SourceRef
    client_name: str | None = None
    client_title: str | None = None
    """An honorific the source gives the client ("Mrs."): kept, never part of the identity."""
    client_descriptor: str | None = None
    professional_name: str | None = None
    professional_title: str | None = None
    session_number: int | None = None
    planned_total: int | None = None
    date: dt.date | None = None
    date_source: str | None = None
    """How ``date`` was obtained: ``header_iso``, ``header_month_name``, ``option``, …"""
    start_time: str | None = None
    """24-hour ``HH:MM`` from a header's ``Time:`` line (as written in ``header``)."""
    header: tuple[tuple[str, str], ...] = ()
    """Header fields as written, in order, for anything format-specific."""
    entries: tuple[Entry, ...]
    summary: Summary | None = None
    quoted_summary: QuotedSummary | None = None
    homework: tuple[HomeworkItem, ...] = ()
    flags: tuple[QualityFlag, ...] = ()
    ending: Ending
    inferred: tuple[Inference, ...] = ()
    """Every fact above that was worked out rather than stated, and how."""

    def inferred_fact(self, fact: InferredFact) -> Inference | None:
        return next((i for i in self.inferred if i.fact == fact), None)

    @property
    def is_continuation(self) -> bool:
        return self.source.format == "D"

    @property
    def utterances(self) -> tuple[Utterance, ...]:
        return tuple(e for e in self.entries if isinstance(e, Utterance))
