"""Decisions about inferred facts: a name given by the caller, and ``--strict``.

A parser records each fact it worked out as an ``Inference`` on the parsed
session (see ``caselog.domain.transcript``); the session's ``SessionOpened``
event keeps them, so the record says which of its facts were guesses and
what they rest on.
"""

from __future__ import annotations

from caselog.domain.errors import TranscriptError
from caselog.domain.recording import Target
from caselog.domain.transcript import ParsedSession

_WHO = {"client": "--client NAME", "professional": "--professional NAME"}


def stated_professional(parsed: ParsedSession, name: str) -> ParsedSession:
    """``parsed`` with the professional the caller named: stated, so no longer inferred."""
    kept = tuple(i for i in parsed.inferred if i.fact != "professional")
    return parsed.model_copy(update={"professional_name": name, "inferred": kept})


def refuse_inferred(parsed: ParsedSession, target: Target) -> None:
    """Under ``--strict``: refuse a session whose client or professional was inferred."""
    for inference in target.inferred:
        if inference.fact in _WHO and inference.value is not None:
            raise TranscriptError(
                parsed.source.file,
                inference.line or 1,
                f"--strict: the {inference.fact} '{inference.value}' was inferred "
                f"({inference.source.replace('_', ' ')}: {inference.evidence}); "
                f"give {_WHO[inference.fact]} to state it",
            )
