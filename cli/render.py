"""Text a person wants to read: replay as a transcript, sessions and clients as tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from caselog.projections.corrections import originally
from caselog.projections.views import SessionView, TimelineEntry

_SUMMARY_TYPES = {
    "TopicNoted",
    "TechniqueIntroduced",
    "HelpfulNoted",
    "InsightRecorded",
    "OtherItemNoted",
}


def session_heading(s: SessionView, client: str) -> str:
    of = f" of {s.planned_total}" if s.planned_total else ""
    when = " ".join(x for x in (s.date, s.start_time) if x)
    return f"{client} — session {s.number}{of}" + (f" · {when}" if when else "")


def replay_text(client: str, sessions: list[SessionView], entries: list[TimelineEntry]) -> str:
    """The record rendered back as a transcript, session by session."""
    by_session: dict[int | None, list[TimelineEntry]] = {}
    for entry in entries:
        by_session.setdefault(entry.session, []).append(entry)
    blocks: list[str] = []
    for s in sessions:
        own = by_session.get(s.number, [])
        blocks.append("\n".join(_session_lines(client, s, own)))
    return "\n\n\n".join(blocks)


def _session_lines(client: str, s: SessionView, entries: list[TimelineEntry]) -> Iterator[str]:
    heading = session_heading(s, client)
    yield heading
    yield "═" * len(heading)
    if s.professional:
        title = f" ({s.professional_title})" if s.professional_title else ""
        yield f"Professional: {s.professional}{title}"
    for inference in s.inferred:
        yield f"Inferred: {inference.describe()}"
    yield (
        f"Source: {s.source.file} (format {s.source.format}, sha256 {s.source.sha256[:12]}…), "
        f"recorded {s.recorded_at[:19].replace('T', ' ')} by {s.recorded_by}"
    )
    if (moved := s.reassigned_from) is not None:
        yield (
            f"Reassigned: from client {moved.client_id[:8]} session {moved.session}, "
            f"{moved.at[:19].replace('T', ' ')} by {moved.actor}: {moved.reason}"
        )
    summary: list[TimelineEntry] = []
    previous_was_note = False
    for entry in entries:
        if entry.type in _SUMMARY_TYPES or (
            entry.type == "HomeworkAssigned" and entry.fields["source"] == "summary"
        ):
            summary.append(entry)
            continue
        text = _entry_text(entry.type, entry.fields)
        if text is None:
            continue
        # Notes about an entry (flags, homework, corrections) sit right under it, without a gap.
        if not text.startswith("  ") or not previous_was_note:
            yield ""
        previous_was_note = text.startswith("  ")
        yield text
        for note in _correction_notes(entry.fields):
            previous_was_note = True
            yield note
    if summary:
        yield ""
        yield from _summary_block(summary)


def _entry_text(kind: str, f: dict[str, Any]) -> str | None:
    clock = f"[{f['clock']}] " if f.get("clock") else ""
    if kind == "UtteranceRecorded":
        return f"{clock}{f['speaker']}: {_marked(f)}{f['text']}"
    if kind == "StageDirectionRecorded":
        return f"{clock}{_marked(f)}{f['text']}"
    if kind == "QualityFlagRaised":
        return f"  ⚑ {f['kind']} (entry {f['seq']}): {f['excerpt']}"
    if kind == "PriorSummaryQuoted":
        return _quoted(f)
    if kind == "HomeworkAssigned":
        return f"  ✎ homework {f['homework_id']} ({f['source']}): {_marked(f)}{f['text']}"
    if kind == "SessionEnded":
        detail = f": {f['detail']}" if f.get("detail") else ""
        return f"{clock}— session ended ({f['reason'].replace('_', ' ')}{detail})"
    return None


def _marked(f: dict[str, Any]) -> str:
    return "[retracted] " if f.get("retracted") else ""


def _correction_notes(f: dict[str, Any]) -> Iterator[str]:
    """One line per correction of an entry: what, when, who, why (and the first text)."""
    for c in f.get("corrections", ()):
        done = "amended" if c["type"] == "EntryAmended" else "retracted"
        when = c["recorded_at"][:19].replace("T", " ")
        yield f"  ✐ {done} {when} by {c['actor']}: {c['reason']}"
    yield from (f"    {line}" for line in originally(f))


def _quoted(f: dict[str, Any]) -> str:
    about = f" of session {f['about_session']}" if f.get("about_session") else ""
    items = sum(len(s["items"]) for s in f["sections"])
    if f.get("in_utterance"):
        return f"  ↳ entry {f['in_utterance']} quotes the summary{about} ({items} items)"
    lines = [f"Opening summary{about}, as quoted by this transcript:", "", "Session Summary:"]
    for section in f["sections"]:
        lines += ["", section["heading"], *(f"- {i['text']}" for i in section["items"])]
    return "\n".join(lines)


def _summary_block(entries: Iterable[TimelineEntry]) -> Iterator[str]:
    yield "Session Summary:"
    heading = None
    for entry in entries:
        if entry.fields["heading"] != heading:
            heading = entry.fields["heading"]
            yield ""
            yield str(heading)
        yield f"- {_marked(entry.fields)}{entry.fields['text']}"
        yield from _correction_notes(entry.fields)
