"""A client's record, or one session of it, as a Markdown document a person can read.

Utterances and stage directions are written exactly as recorded — not escaped —
so the document holds every word of the transcript verbatim. The transcript is
``replay``'s own walk over the timeline in Markdown markup, so a correction is shown
as ``replay`` shows it (current text, then who changed it, when and why); the summary
and homework sections are the summary and homework views, as they read now.
"""

from __future__ import annotations

from collections.abc import Iterator

from caselog.adapters.export import ClientExport
from caselog.adapters.rendering.markup import MARKDOWN
from caselog.adapters.rendering.transcript import transcript
from caselog.domain.instants import shown
from caselog.domain.transcript import NAMED_SECTIONS
from caselog.projections.summary import CANONICAL_HEADINGS, heading_words
from caselog.projections.timeline import replayed_with
from caselog.projections.views import HomeworkView, SessionView, SummaryView


def markdown(export: ClientExport) -> str:
    """The document: one session's when ``export.session`` is set, else the whole record."""
    if export.session is not None:
        return _joined(_session(export, export.sessions[0], level=1))
    lines = [f"# {export.name}", "", *_client_facts(export)]
    for s in export.sessions:
        lines += ["", *_session(export, s, level=2)]
    held = {s.number for s in export.sessions}
    elsewhere = [h for h in export.homework if export.placed[h.homework_id] not in held]
    if elsewhere:  # e.g. an item of a session known only from a quote, placed with no session
        lines += ["", "## Other homework", "", *map(_homework_line, elsewhere)]
    return _joined(lines)


def _joined(lines: Iterator[str] | list[str]) -> str:
    return "\n".join(lines) + "\n"


def _client_facts(export: ClientExport) -> list[str]:
    who = export.name + (f" ({export.descriptor})" if export.descriptor else "")
    numbers = ", ".join(str(s.number) for s in export.sessions) or "none"
    return [
        f"- **Client:** {who}",
        f"- **Client id:** `{export.client_id}`",
        f"- **Sessions:** {numbers}",
    ]


def session_title(client: str, s: SessionView) -> str:
    of = f" of {s.planned_total}" if s.planned_total else ""
    return f"{client} — session {s.number}{of}"


def _session(export: ClientExport, s: SessionView, level: int) -> Iterator[str]:
    h = "#" * level
    yield f"{h} {session_title(export.name, s)}"
    yield ""
    if level == 1:
        yield from _client_facts(export)[:2]
    yield from _session_facts(s)
    yield ""
    yield f"{h}# Transcript"
    yield from transcript(replayed_with(export.history).get(s.number, []), MARKDOWN)
    summary = export.summaries.get(s.number)
    if summary is not None:
        yield ""
        yield from _summary(summary, f"{h}#")
    own = [h for h in export.homework if export.placed[h.homework_id] == s.number]
    if own:
        yield ""
        yield f"{h}# Homework"
        yield ""
        yield from (_homework_line(h, s.number) for h in own)


def _session_facts(s: SessionView) -> Iterator[str]:
    of = f" of {s.planned_total}" if s.planned_total else ""
    yield f"- **Session:** {s.number}{of}"
    when = " ".join(x for x in (s.date, s.start_time) if x)
    yield f"- **Date:** {when or 'not stated'}"
    if s.professional:
        title = f" ({s.professional_title})" if s.professional_title else ""
        yield f"- **Professional:** {s.professional}{title}"
    yield (
        f"- **Source:** `{s.source.file}` (format {s.source.format}, sha256 `{s.source.sha256}`),"
        f" recorded {shown(s.recorded_at)} by {s.recorded_by}"
    )
    if (moved := s.reassigned_from) is not None:
        yield (
            f"- **Reassigned:** from client `{moved.client_id}` session {moved.session},"
            f" {shown(moved.at)} by {moved.actor}: {moved.reason}"
        )
    if s.ended is None:
        yield "- **Status:** in progress (not ended yet)"
    else:
        at = f" at {s.ended.clock}" if s.ended.clock else ""
        detail = f" — `{s.ended.detail}`" if s.ended.detail else ""
        yield f"- **Ended:** {s.ended.reason.replace('_', ' ')}{at}{detail}"


def _summary(view: SummaryView, h: str) -> Iterator[str]:
    quoted = " (as quoted in a later session)" if view.source == "quoted" else ""
    yield f"{h} Session summary{quoted}"
    for key in NAMED_SECTIONS:
        items: list[str] = getattr(view, key)
        yield ""
        yield f"{h}# {CANONICAL_HEADINGS[key].rstrip(':')}"
        yield ""
        yield from (f"- {text}" for text in items) if items else ["- (none)"]
    for section in view.other:
        yield ""
        yield f"{h}# {heading_words(section.heading)}"
        yield ""
        yield from (f"- {text}" for text in section.items)


def _homework_line(h: HomeworkView, placed: int | None = None) -> str:
    """One item with its current status; ``placed``: the session whose list it is in."""
    of = "" if h.session == placed else f" (session {h.session}, {h.source})"
    line = f"- **{h.homework_id}**{of}: {h.text} — *{h.status.replace('_', ' ')}*"
    if h.carried_to:
        line += f" to {h.carried_to}"
    if h.carried_from:
        line += f", continues {h.carried_from}"
    if len(h.history) > 1:  # changed since it was assigned: when, by whom, why
        last = h.history[-1]
        note = f": {last.note}" if last.note else ""
        line += f" ({shown(last.at)} by {last.actor}{note})"
    if h.amended and h.original_text is not None:
        line += f"; originally: {h.original_text}"
    return line
