"""Deterministic client ids.

An id is a UUIDv5 of the normalised name under a random per-store namespace,
so the same name always finds the same client in one store, while an id seen
elsewhere cannot be turned back into a name by trying likely names.
"""

from __future__ import annotations

import uuid


def normalise_name(name: str) -> str:
    """Casefold and collapse whitespace: "  Marcus   THOMPSON " → "marcus thompson"."""
    return " ".join(name.split()).casefold()


def client_id(namespace: uuid.UUID, name: str) -> uuid.UUID:
    key = normalise_name(name)
    if not key:
        raise ValueError("a client name cannot be empty")
    return uuid.uuid5(namespace, key)
