"""FHIR R4 resources for a clinician's entries (``caselog insight-add`` and ``note``).

Homework entered by hand is a Task like all homework (``fhir.py``). An insight is an
Observation whose ``valueString`` is its text; a progress note is a DocumentReference
of LOINC type 11506-3 "Progress note" whose attachment holds its text. Each refers to
its session's Encounter, names its author, and says in its status whether it was
amended or retracted (``entered-in-error``). ``fhir.py`` adds a Provenance for each,
with the entry's reason.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from caselog.projections.corrections import originally
from caselog.projections.entries import InsightAddedEntry, NoteEntry

ENTRY_SYSTEM = "urn:caselog:entry"
_LOINC = "http://loinc.org"
_PROGRESS_NOTE = {"system": _LOINC, "code": "11506-3", "display": "Progress note"}


class Ids(Protocol):
    def of(self, kind: str, *place: object) -> str: ...


def entry_key(entry: InsightAddedEntry | NoteEntry) -> tuple[str, str]:
    """The entry's kind of resource id, and its place in the record."""
    if isinstance(entry, InsightAddedEntry):
        return "insight", f"{entry.session}/insights:{entry.item}"
    return "note", entry.note_id


def entry_resource(
    client_id: str,
    entry: InsightAddedEntry | NoteEntry,
    ids: Ids,
    patient: dict[str, str],
    encounter: dict[str, str] | None,
) -> dict[str, Any]:
    kind, place = entry_key(entry)
    common: dict[str, Any] = {
        "id": ids.of(kind, place),
        "identifier": [{"system": ENTRY_SYSTEM, "value": f"{client_id}/{place}"}],
        "subject": patient,
    }
    notes = _notes(entry)
    if isinstance(entry, InsightAddedEntry):
        status = "entered-in-error" if entry.retracted else "amended" if entry.amended else "final"
        resource = {
            "resourceType": "Observation",
            **common,
            "status": status,
            "code": {"text": "Insight/realization"},
            "issued": entry.recorded_at,
            "performer": [{"display": entry.actor}],
            "valueString": entry.text,
        }
        if encounter is not None:
            resource["encounter"] = encounter
        resource["note"] = notes
        return resource
    resource = {
        "resourceType": "DocumentReference",
        **common,
        "status": "entered-in-error" if entry.retracted else "current",
        "docStatus": "amended" if entry.amended else "final",
        "type": {"coding": [_PROGRESS_NOTE], "text": "Progress note"},
        "date": entry.recorded_at,
        "author": [{"display": entry.actor}],
        "description": f"Progress note {entry.note_id}: {entry.reason}",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(entry.text.encode()).decode("ascii"),
                    "title": entry.note_id,
                }
            }
        ],
    }
    if encounter is not None:
        resource["context"] = {"encounter": [encounter]}
    return resource


def _notes(entry: InsightAddedEntry | NoteEntry) -> list[dict[str, str]]:
    """Why it was entered, then each correction of it, then what it first read."""
    notes = [{"authorString": entry.actor, "time": entry.recorded_at, "text": entry.reason}]
    for c in entry.corrections:
        done = "amended" if c.type == "EntryAmended" else "retracted"
        notes.append(
            {"authorString": c.actor, "time": c.recorded_at, "text": f"{done}: {c.reason}"}
        )
    notes += [{"text": said} for said in originally(entry)]
    return notes
