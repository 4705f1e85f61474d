"""Text a person wants to read: replay as a transcript, sessions and clients as tables."""

from __future__ import annotations

from collections.abc import Iterator

from caselog.adapters.rendering.markup import TEXT
from caselog.adapters.rendering.transcript import session_body
from caselog.domain.instants import shown
from caselog.projections.entries import TimelineEntry
from caselog.projections.timeline import replayed_with
from caselog.projections.views import SessionView


def session_heading(s: SessionView, client: str) -> str:
    of = f" of {s.planned_total}" if s.planned_total else ""
    when = " ".join(x for x in (s.date, s.start_time) if x)
    return f"{client} — session {s.number}{of}" + (f" · {when}" if when else "")


def replay_text(client: str, sessions: list[SessionView], entries: list[TimelineEntry]) -> str:
    """The record rendered back as a transcript, session by session."""
    by_session = replayed_with(entries)
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
        f"recorded {shown(s.recorded_at)} by {s.recorded_by}"
    )
    if (moved := s.reassigned_from) is not None:
        yield (
            f"Reassigned: from client {moved.client_id[:8]} session {moved.session}, "
            f"{shown(moved.at)} by {moved.actor}: {moved.reason}"
        )
    yield from session_body(entries, TEXT)
    if s.status == "in_progress":
        yield ""
        yield "— session in progress (not ended yet)"
