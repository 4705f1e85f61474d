"""Hash chains: tamper evidence over rows exactly as they are stored.

Each link commits to the link before it and to one stored row, so changing,
removing, inserting or reordering a row breaks the chain at that row. With an
integrity key the links are HMAC-SHA256 and cannot be recomputed by someone
who can write to the database but does not hold the key; without one they are
plain SHA-256, which anchoring the head digest outside the store completes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

GENESIS = bytes(32)


def _field(value: bytes) -> bytes:
    # Length-prefixed, so no two different rows can encode to the same bytes.
    return len(value).to_bytes(8, "big") + value


def link(previous: bytes, fields: Iterable[bytes], key: bytes | None) -> bytes:
    """The link after ``previous`` for a row made of ``fields``."""
    message = previous + b"".join(_field(f) for f in fields)
    if key is None:
        return hashlib.sha256(message).digest()
    return hmac.new(key, message, hashlib.sha256).digest()


def event_fields(topic: str, originator_id: str, version: int, state: bytes) -> list[bytes]:
    """What an event's link commits to: its row as stored (state after encryption)."""
    return [topic.encode(), originator_id.encode(), str(version).encode(), state]
