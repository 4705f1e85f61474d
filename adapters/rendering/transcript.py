"""The walk over one session's timeline entries, written once for every markup.

``transcript`` gives what was said and done, in order: utterances, stage directions,
quoted summaries, flags and homework as notes under the entry they are about, the
session's end; each corrected entry with who corrected it, when and why, and what it
read at first. ``recorded_summary`` gives the session's own summary block as recorded,
retracted items marked. The other kinds of entry are shown elsewhere (see ``_block``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeGuard, assert_never

from caselog.adapters.rendering.markup import Block, Markup
from caselog.domain.instants import shown
from caselog.projections.corrections import originally
from caselog.projections.entries import (
    AmendmentEntry,
    CarryForwardEntry,
    Correctable,
    ErasureEntry,
    HomeworkAddedEntry,
    HomeworkEntry,
    HomeworkStatusEntry,
    InsightAddedEntry,
    NoteEntry,
    QualityFlagEntry,
    QuotedSummaryEntry,
    RegistrationEntry,
    RetractionEntry,
    SessionEndEntry,
    SessionReceivedEntry,
    SessionStartEntry,
    StageDirectionEntry,
    SummaryItemEntry,
    TimelineEntry,
    UtteranceEntry,
)


def session_body(entries: Iterable[TimelineEntry], markup: Markup) -> Iterator[str]:
    """The transcript, then the summary as recorded (if the session has one)."""
    entries = list(entries)
    yield from transcript(entries, markup)
    summary = list(recorded_summary(entries, markup))
    if summary:
        yield ""
        yield from summary


def transcript(entries: Iterable[TimelineEntry], markup: Markup) -> Iterator[str]:
    blocks = [b for e in entries if (b := _block(e, markup)) is not None]
    yield from markup.joined(blocks)


def recorded_summary(entries: Iterable[TimelineEntry], markup: Markup) -> Iterator[str]:
    """The session's own summary block: its items under their headings as written,
    its homework items among them, in the order recorded."""
    items = [e for e in entries if _in_summary(e)]
    if not items:
        return
    yield markup.strong("Session Summary:")
    heading = None
    for item in items:
        if item.heading != heading:
            heading = item.heading
            yield ""
            yield str(heading)
            yield from markup.list_start()
        yield f"- {_marked(item)}{item.text}"
        yield from correction_notes(item, markup, nested=True)


def _in_summary(entry: TimelineEntry) -> TypeGuard[SummaryItemEntry | HomeworkEntry]:
    return isinstance(entry, SummaryItemEntry) or (
        isinstance(entry, HomeworkEntry) and entry.source == "summary"
    )


def _block(entry: TimelineEntry, markup: Markup) -> Block | None:
    """The entry as the transcript shows it, or None for an entry shown elsewhere."""
    match entry:
        case UtteranceEntry():
            label = markup.strong(f"{_clock(entry.clock)}{entry.speaker}:")
            return _entry(f"{label} {_marked(entry)}{entry.text}", entry, markup)
        case StageDirectionEntry():
            text = markup.emphasis(f"{_marked(entry)}{entry.text}")
            return _entry(f"{_clock(entry.clock)}{text}", entry, markup)
        case SessionEndEntry():
            detail = f": {entry.detail}" if entry.detail else ""
            ended = f"— session ended ({entry.reason.replace('_', ' ')}{detail})"
            return Block([f"{_clock(entry.clock)}{markup.emphasis(ended)}"], False, False)
        case QuotedSummaryEntry():
            return _quoted(entry, markup)
        case QualityFlagEntry():
            flag = f"⚑ flagged {entry.flag} (entry {entry.seq}): {entry.excerpt}"
            return Block(markup.note(flag), True, True)
        case HomeworkEntry():
            if entry.source == "summary":
                return None  # an item of the summary block (``recorded_summary``)
            said = f"✎ homework {entry.homework_id} ({entry.source}): {_marked(entry)}{entry.text}"
            lines = [*markup.note(said), *correction_notes(entry, markup)]
            return Block(lines, True, True)
        case SummaryItemEntry():
            return None  # in the summary block (``recorded_summary``)
        case AmendmentEntry() | RetractionEntry():
            return None  # under the entry it corrects (``correction_notes``)
        case SessionStartEntry() | SessionReceivedEntry() | RegistrationEntry():
            return None  # in the session's or the record's heading
        case HomeworkStatusEntry() | CarryForwardEntry():
            return None  # in the homework list, with its current status
        case ErasureEntry():
            return None  # an erased record is not read at all
        case HomeworkAddedEntry() | InsightAddedEntry() | NoteEntry():
            return _clinician_entry(entry, markup)
        case _:
            assert_never(entry)


def _clinician_entry(
    entry: HomeworkAddedEntry | InsightAddedEntry | NoteEntry, markup: Markup
) -> Block:
    """An entry a clinician made by hand: what, by whom, when and why."""
    match entry:
        case HomeworkAddedEntry():
            what = f"homework {entry.homework_id}"
        case InsightAddedEntry():
            what = f"insight insights:{entry.item}"
        case NoteEntry():
            what = f"note {entry.note_id}"
    said = (
        f"✎ {what} added {moment(entry.recorded_at)} by {entry.actor} ({entry.reason}): "
        f"{_marked(entry)}{entry.text}"
    )
    return Block([*markup.note(said), *correction_notes(entry, markup)], True, True)


def _entry(text: str, entry: Correctable, markup: Markup) -> Block:
    notes = list(correction_notes(entry, markup))
    return Block([text, *notes], False, bool(notes))


def correction_notes(entry: Correctable, markup: Markup, nested: bool = False) -> Iterator[str]:
    """One note per correction of an entry: what, when, who, why; then what it first read."""
    for c in entry.corrections:
        done = "amended" if c.type == "EntryAmended" else "retracted"
        yield from markup.note(f"✐ {done} {moment(c.recorded_at)} by {c.actor}: {c.reason}", nested)
    for said in originally(entry):
        yield from markup.quote(said, nested)


def _quoted(entry: QuotedSummaryEntry, markup: Markup) -> Block:
    about = f" of session {entry.about_session}" if entry.about_session else ""
    if entry.in_utterance:
        items = sum(len(s.items) for s in entry.sections)
        said = f"↳ entry {entry.in_utterance} quotes the summary{about} ({items} items)"
        return Block(markup.note(said), True, True)
    lines = [markup.strong(f"Opening summary{about}, as quoted by this transcript:")]
    for section in entry.sections:
        lines += ["", section.heading, *markup.list_start()]
        lines += (f"- {i.text}" for i in section.items)
    return Block(lines, False, False)


def _clock(clock: str | None) -> str:
    return f"[{clock}] " if clock else ""


def _marked(entry: Correctable) -> str:
    return "[retracted] " if entry.retracted else ""


def moment(iso: str) -> str:
    """A recorded time as a person reads it: UTC to the second, with its offset."""
    return shown(iso)
