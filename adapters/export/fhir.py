"""A client's record, or one session of it, as a FHIR R4 ``collection`` Bundle (plain dicts).

Resources: a Patient (identified by the client id; named only when asked), per
session an Encounter, a DocumentReference for the transcript it was recorded
from and a Provenance naming who recorded it, and a Task per homework item.

Every id is a uuid5 of the client id and the resource's place in the record, and
nothing in the bundle depends on when it was exported, so the same record always
exports to the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from caselog.adapters.export import ClientExport
from caselog.adapters.export.fhir_entries import entry_key, entry_resource
from caselog.projections.entries import (
    AmendmentEntry,
    HomeworkAddedEntry,
    HomeworkStatusEntry,
    InsightAddedEntry,
    NoteEntry,
    RetractionEntry,
    SessionReceivedEntry,
)
from caselog.projections.views import HomeworkView, SessionView

# caselog homework status → FHIR R4 Task.status (the caselog status itself is kept
# in Task.businessStatus, so nothing is lost where two map to one).
TASK_STATUS: dict[str, str] = {
    "assigned": "ready",
    "in_progress": "in-progress",
    "partially_completed": "in-progress",  # still open: the client carries on with it
    "completed": "completed",
    "not_completed": "failed",
    "carried_forward": "cancelled",  # this item ends; a later one continues it
    "dropped": "cancelled",
    "retracted": "entered-in-error",
}

CLIENT_SYSTEM = "urn:caselog:client"
SESSION_SYSTEM = "urn:caselog:session"
HOMEWORK_SYSTEM = "urn:caselog:homework"
HOMEWORK_STATUS_SYSTEM = "urn:caselog:homework-status"
SHA256_SYSTEM = "urn:caselog:sha256"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:caselog:fhir")
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
_DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
_PROVENANCE_ROLE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
# Events whose actor recorded the session (corrections and status changes come later,
# by whoever made them: those are on the Tasks' notes and in `caselog log`).
# A clinician's entries are not the session's recording either: each has its own Provenance.
_NOT_RECORDING = (
    AmendmentEntry,
    RetractionEntry,
    HomeworkStatusEntry,
    SessionReceivedEntry,
    HomeworkAddedEntry,
    InsightAddedEntry,
    NoteEntry,
)


def bundle(
    export: ClientExport, *, include_name: bool = False, zone: dt.tzinfo | None = None
) -> dict[str, Any]:
    """The Bundle. ``zone`` is where the sessions' clock times were read: without it an
    Encounter's period holds only the date, as FHIR wants a time zone with any time."""
    ids = _Ids(export.client_id)
    patient = ids.ref("patient")
    resources: list[dict[str, Any]] = [_patient(export, ids, include_name)]
    encounters: dict[int, dict[str, str]] = {}
    for s in export.sessions:
        encounters[s.number] = ids.ref("encounter", s.number)
        resources.append(_encounter(export, s, ids, patient, zone))
        resources.append(_document(s, ids, patient, encounters[s.number]))
    for h in export.homework:
        resources.append(_task(export, h, ids, patient, encounters.get(h.session)))
    for s in export.sessions:
        resources.append(_session_provenance(export, s, ids))
        if s.reassigned_from is not None:
            resources.append(_reassignment_provenance(s, ids))
    resources += _entries(export, ids, patient, encounters)
    held = set(encounters)
    entered = _entered(export)
    # An item placed with no session in the bundle (assigned by hand to a session never
    # ingested) has no session Provenance to name it: it gets its own, from its assignment.
    for h in export.homework:
        if h.homework_id in entered:
            continue  # a clinician's entry: its Provenance is made with the others (_entries)
        if export.placed[h.homework_id] not in held and h.history:
            first = h.history[0]
            targets = [ids.ref("task", h.homework_id)]
            resources.append(
                _provenance(ids.of("provenance", h.homework_id), targets, first.at, [first.actor])
            )
    scope = "all" if export.session is None else export.session
    return {
        "resourceType": "Bundle",
        "id": ids.of("bundle", scope),
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


class _Ids:
    """Stable ids: the same client and place in the record always give the same id."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id

    def of(self, kind: str, *place: object) -> str:
        key = "/".join([self.client_id, kind, *map(str, place)])
        return str(uuid.uuid5(_NAMESPACE, key))

    def ref(self, kind: str, *place: object) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self.of(kind, *place)}"}


def _patient(export: ClientExport, ids: _Ids, include_name: bool) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": ids.of("patient"),
        "identifier": [{"system": CLIENT_SYSTEM, "value": export.client_id}],
    }
    if include_name:  # a name is identifying: it leaves the store only when asked for
        patient["name"] = [{"text": export.name}]
    return patient


def _encounter(
    export: ClientExport,
    s: SessionView,
    ids: _Ids,
    patient: dict[str, str],
    zone: dt.tzinfo | None,
) -> dict[str, Any]:
    incomplete = s.ended is None or s.ended.reason == "incomplete"
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": ids.of("encounter", s.number),
        "identifier": [{"system": SESSION_SYSTEM, "value": f"{export.client_id}/{s.number}"}],
        "status": "in-progress" if incomplete else "finished",
        "class": {"system": _ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "type": [{"text": "Psychotherapy session"}],
        "subject": patient,
    }
    if s.professional:
        title = f" ({s.professional_title})" if s.professional_title else ""
        encounter["participant"] = [
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": _PARTICIPATION,
                                "code": "PPRF",
                                "display": "primary performer",
                            }
                        ]
                    }
                ],
                "individual": {"display": s.professional + title},
            }
        ]
    period = _period(s, zone, incomplete)
    if period:
        encounter["period"] = period
    return encounter


def _period(s: SessionView, zone: dt.tzinfo | None, incomplete: bool) -> dict[str, str]:
    if s.date is None:
        return {}
    day = dt.date.fromisoformat(s.date)
    start = _clock(s.start_time)
    if zone is None or start is None:
        return {"start": day.isoformat()}
    began = dt.datetime.combine(day, start, zone)
    period = {"start": began.isoformat()}
    end = _clock(s.ended.clock if s.ended and not incomplete else None)
    # A clock without AM/PM that reads earlier than the start is ambiguous: leave the end out.
    if end is not None and end >= start:
        period["end"] = dt.datetime.combine(day, end, zone).isoformat()
    return period


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?")


def _clock(text: str | None) -> dt.time | None:
    """A clock time as transcripts write it: ``10:00 AM``, ``2:30 p.m.``, ``11:35``."""
    found = _CLOCK.fullmatch(text.strip()) if text else None
    if found is None:
        return None
    hour, minute, second = int(found[1]), int(found[2]), int(found[3] or 0)
    if found[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found[4] in "Pp" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute, second)


def _document(
    s: SessionView, ids: _Ids, patient: dict[str, str], encounter: dict[str, str]
) -> dict[str, Any]:
    # FHIR's Attachment.hash is a SHA-1; caselog knows the source's SHA-256, so it is
    # an identifier here (and in the description), not a hash the attachment claims.
    return {
        "resourceType": "DocumentReference",
        "id": ids.of("transcript", s.number),
        "identifier": [{"system": SHA256_SYSTEM, "value": s.source.sha256}],
        "status": "current",
        "type": {"text": "Session transcript"},
        "subject": patient,
        "date": s.recorded_at,
        "description": (
            f"Transcript of session {s.number}: {s.source.file} "
            f"(format {s.source.format}, sha256 {s.source.sha256})"
        ),
        "content": [{"attachment": {"contentType": "text/plain", "title": s.source.file}}],
        "context": {"encounter": [encounter]},
    }


def _task(
    export: ClientExport,
    h: HomeworkView,
    ids: _Ids,
    patient: dict[str, str],
    encounter: dict[str, str] | None,
) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": ids.of("task", h.homework_id),
        "identifier": [{"system": HOMEWORK_SYSTEM, "value": f"{export.client_id}/{h.homework_id}"}],
        "status": TASK_STATUS[h.status],
        "businessStatus": {
            "coding": [{"system": HOMEWORK_STATUS_SYSTEM, "code": h.status}],
            "text": h.status,
        },
        "intent": "plan",
        "description": h.text,
        "for": patient,
        "owner": patient,  # homework is the client's to do
    }
    if encounter is not None:
        task["encounter"] = encounter
    # Who changed it, when and why: its status changes (a retraction is one) and amendments.
    notes = [
        {
            "authorString": c.actor,
            "time": c.at,
            "text": c.status + (f": {c.note}" if c.note else ""),
        }
        for c in h.history
    ] + [
        {"authorString": c.actor, "time": c.recorded_at, "text": f"amended: {c.reason}"}
        for c in h.corrections
        if c.type == "EntryAmended"
    ]
    if h.history:
        task["authoredOn"] = h.history[0].at
        task["lastModified"] = max((n["time"] for n in notes), key=dt.datetime.fromisoformat)
        if h.history[-1].note:
            task["statusReason"] = {"text": h.history[-1].note}
    if h.amended and h.original_text is not None:
        notes.append({"text": f"originally: {h.original_text}"})
    if notes:
        task["note"] = notes
    return task


def _entered(export: ClientExport) -> set[str]:
    """The homework a clinician entered by hand (``homework-add``): each has its own
    Provenance, not the session's."""
    return {e.homework_id for e in export.history if isinstance(e, HomeworkAddedEntry)}


def _entries(
    export: ClientExport, ids: _Ids, patient: dict[str, str], encounters: dict[int, dict[str, str]]
) -> list[dict[str, Any]]:
    """A clinician's entries (``fhir_entries.py``), each with a Provenance giving its author,
    when, and why: an insight's Observation, a note's DocumentReference, a homework Task."""
    tasks = {h.homework_id for h in export.homework}
    found: list[dict[str, Any]] = []
    for e in export.history:
        if isinstance(e, HomeworkAddedEntry) and e.homework_id in tasks:
            target, key = ids.ref("task", e.homework_id), e.homework_id
        elif isinstance(e, InsightAddedEntry | NoteEntry):
            encounter = encounters.get(e.session) if e.session is not None else None
            found.append(entry_resource(export.client_id, e, ids, patient, encounter))
            target, key = ids.ref(*entry_key(e)), "/".join(entry_key(e))
        else:
            continue
        provenance = _provenance(ids.of("provenance", key), [target], e.recorded_at, [e.actor])
        provenance["reason"] = [{"text": e.reason}]
        found.append(provenance)
    return found


def _session_provenance(export: ClientExport, s: SessionView, ids: _Ids) -> dict[str, Any]:
    targets = [ids.ref("encounter", s.number), ids.ref("transcript", s.number)]
    entered = _entered(export)
    targets += [
        ids.ref("task", h.homework_id)
        for h in export.homework
        if export.placed[h.homework_id] == s.number and h.homework_id not in entered
    ]
    actors = [s.recorded_by]
    for e in export.history:
        if e.session == s.number and not isinstance(e, _NOT_RECORDING) and e.actor not in actors:
            actors.append(e.actor)
    source = {
        "identifier": {"system": SHA256_SYSTEM, "value": s.source.sha256},
        "display": s.source.file,
    }
    return _provenance(ids.of("provenance", s.number), targets, s.recorded_at, actors, source)


def _reassignment_provenance(s: SessionView, ids: _Ids) -> dict[str, Any]:
    """Who moved the session here from another client's record, when and why."""
    moved = s.reassigned_from
    assert moved is not None
    provenance = _provenance(
        ids.of("reassignment", s.number),
        [ids.ref("encounter", s.number), ids.ref("transcript", s.number)],
        moved.at,
        [moved.actor],
        activity=("UPDATE", "revise"),
    )
    provenance["reason"] = [{"text": moved.reason}]
    provenance["entity"] = [
        {
            "role": "derivation",
            "what": {
                "identifier": {
                    "system": SESSION_SYSTEM,
                    "value": f"{moved.client_id}/{moved.session}",
                },
                "display": f"session {moved.session} of client {moved.client_id}",
            },
        }
    ]
    return provenance


def _provenance(
    id_: str,
    targets: list[dict[str, str]],
    recorded: str,
    actors: list[str],
    source: dict[str, Any] | None = None,
    activity: tuple[str, str] = ("CREATE", "create"),
) -> dict[str, Any]:
    code, display = activity
    provenance: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": id_,
        "target": targets,
        "recorded": recorded,
        "activity": {"coding": [{"system": _DATA_OPERATION, "code": code, "display": display}]},
        "agent": [
            {
                "type": {
                    "coding": [
                        {"system": _PROVENANCE_ROLE, "code": "enterer", "display": "Enterer"}
                    ]
                },
                "who": {"display": actor},
            }
            for actor in actors
        ],
    }
    if source is not None:
        provenance["entity"] = [{"role": "source", "what": source}]
    return provenance
