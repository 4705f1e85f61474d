"""caselog's own errors: every failure a user can cause is one of these.

The CLI turns any ``CaselogError`` into a one-line message and exit status 1,
so each message must stand on its own without a traceback.
"""

from __future__ import annotations

from uuid import UUID


class CaselogError(Exception):
    """Base class for every error caselog reports to a user."""


class TranscriptError(CaselogError):
    """A file could not be read as a session transcript."""

    def __init__(self, file: str, line: int, expected: str) -> None:
        self.file = file
        self.line = line
        self.expected = expected
        super().__init__(f"{file}:{line}: {expected}")


class ClientNotFound(CaselogError):
    """No client matches the name or id prefix given."""


class AmbiguousClient(CaselogError):
    """More than one client matches the name or id prefix given."""


class SessionNotFound(CaselogError):
    """The client has no such session recorded."""


class SessionConflict(CaselogError):
    """A different source was offered for a session that is already recorded."""


class ContinuationUnmatched(CaselogError):
    """A continuation transcript could not be matched to a client and session."""


class ConcurrentChange(CaselogError):
    """Another writer recorded events for the same client first."""


class HomeworkNotFound(CaselogError):
    """The client has no homework with that id."""


class InvalidStatusChange(CaselogError):
    """The status is unknown, or the homework cannot move to it from where it is."""


class EntryNotFound(CaselogError):
    """The session has no entry, summary item or homework item at that address."""


class InvalidCorrection(CaselogError):
    """A correction that cannot be recorded: no reason, no text, or a retracted entry."""


class InvalidReassignment(CaselogError):
    """A reassignment that cannot be recorded: no reason, the same client, a number taken,
    or an erased client."""


class ClientWasErased(CaselogError):
    """The record asked for was erased; this is the answer, not a failure."""


class InvalidErasure(CaselogError):
    """The erasure was asked for without what it needs."""


class StoreError(CaselogError):
    """The store could not be opened or read."""


class ClientUnreadable(CaselogError):
    """The client's data key is damaged or missing (not erased: no tombstone says so)."""

    def __init__(self, client_id: UUID, problem: str) -> None:
        self.client_id = client_id
        super().__init__(
            f"client {client_id}: {problem}; its record cannot be read (restore the store's "
            "caselog_keys from a backup); other clients are not affected"
        )


class RecordErased(CaselogError):
    """The client's record was erased: its data key is destroyed, its events unreadable."""

    def __init__(self, client_id: UUID, erased_at: str | None) -> None:
        self.client_id = client_id
        self.erased_at = erased_at
        when = f" on {erased_at}" if erased_at else ""
        super().__init__(f"the record of client {client_id} was erased{when}")


class SessionClosed(CaselogError):
    """The session has ended: nothing more can be appended to it."""


class InvalidLiveInput(CaselogError):
    """A value given to the live write API is not what it expects."""


class InvalidEntry(CaselogError):
    """A clinician entry that cannot be recorded: its text is empty."""
