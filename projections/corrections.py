"""How a correction reads in the views: one ``CorrectionNote`` per amendment or retraction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from caselog.domain.client import HomeworkCorrection
from caselog.domain.corrections import Corrected
from caselog.domain.events import Correction, EntryAmended
from caselog.domain.instants import stamp
from caselog.projections.entries import Correctable, UtteranceEntry
from caselog.projections.views import CorrectionNote

_TYPES = {"amended": "EntryAmended", "retracted": "EntryRetracted"}


def note_of(correction: Correction) -> CorrectionNote:
    return CorrectionNote(
        type=type(correction).__name__,
        version=correction.originator_version,
        recorded_at=stamp(correction.timestamp),
        actor=correction.actor,
        reason=correction.reason,
        text=correction.text if isinstance(correction, EntryAmended) else None,
        speaker=correction.speaker if isinstance(correction, EntryAmended) else None,
        role=correction.role if isinstance(correction, EntryAmended) else None,
    )


def homework_note(step: HomeworkCorrection) -> CorrectionNote:
    return CorrectionNote(
        type=_TYPES.get(step.kind, step.kind),
        version=step.version,
        recorded_at=stamp(step.at),
        actor=step.actor,
        reason=step.reason,
        text=step.text,
    )


def corrected_fields(entry: Corrected) -> dict[str, Any]:
    """What a corrected entry adds to (or changes in) its replay fields; an utterance's
    also its current speaker and role, and those it had at first."""
    fields: dict[str, Any] = {
        "text": entry.text,
        "amended": entry.amended,
        "retracted": entry.retracted,
        "original_text": entry.original,
        "corrections": [note_of(c) for c in entry.corrections],
    }
    if entry.speaker is not None:
        fields.update(
            speaker=entry.speaker,
            role=entry.role,
            original_speaker=entry.original_speaker,
            original_role=entry.original_role,
        )
    return fields


def originally(entry: Correctable) -> Iterator[str]:
    """What an amended entry read at first: its text, and an utterance's speaker and role,
    each only where the amendment changed it."""
    if not entry.amended:
        return
    if entry.original_text != entry.text:
        yield f"originally: {entry.original_text}"
    if isinstance(entry, UtteranceEntry) and entry.original_speaker is not None:
        was = entry.original_speaker, entry.original_role
        if was != (entry.speaker, entry.role):
            yield f"originally spoken by: {was[0]} ({was[1]})"
