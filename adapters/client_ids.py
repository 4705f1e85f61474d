"""A client id as caselog's tables hold it, and as people and exports read it.

caselog's own tables (chain, data keys, read models, summary index, access log)
hold a client id as its 32 hex digits; eventsourcing's hold a uuid on
PostgreSQL and the same hex text on SQLite. Output, exports and errors show the
UUID's canonical form.
"""

from __future__ import annotations

from uuid import UUID


def to_hex(value: object) -> str:
    """The id as the tables hold it, from a uuid, hex text, or (a damaged SQLite row)
    bytes, which are decoded leniently so they can still be named."""
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def to_uuid(value: UUID | str) -> UUID:
    """The id as a uuid, from what a recorder gives (a uuid already, or its text)."""
    return value if isinstance(value, UUID) else UUID(value)


def canonical(hex_id: str) -> str:
    """The id as people read it (``8-4-4-4-12``); text that is no UUID is shown as it is,
    so a damaged row can still be named."""
    try:
        return str(UUID(hex=hex_id))
    except ValueError:
        return hex_id
