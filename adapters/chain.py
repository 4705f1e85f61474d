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
    return _digest(previous + b"".join(_field(f) for f in fields), key)


def _digest(message: bytes, key: bytes | None) -> bytes:
    if key is None:
        return hashlib.sha256(message).digest()
    return hmac.digest(key, message, "sha256")


class EventChain:
    """One client's chain, extended event by event: ``link`` over ``event_fields``,
    with the fields that repeat (client id, topics) encoded once."""

    def __init__(self, originator_id: str, head: bytes, key: bytes | None) -> None:
        self.head = head
        self._client = _field(originator_id.encode())
        # The key's HMAC state made once and copied per link: keying HMAC afresh for
        # each event cost more than hashing the event.
        self._keyed = hmac.new(key, digestmod=hashlib.sha256) if key is not None else None
        self._topics: dict[str, bytes] = {}

    def extend(self, topic: str, version: int, state: bytes) -> bytes:
        """The event's link, which becomes the head."""
        encoded = self._topics.get(topic)
        if encoded is None:
            encoded = self._topics[topic] = _field(topic.encode())
        # Fed piece by piece: the same bytes as ``link``, without copying the state.
        mac = hashlib.sha256() if self._keyed is None else self._keyed.copy()
        mac.update(self.head)
        mac.update(encoded)
        mac.update(self._client)
        mac.update(_field(str(version).encode()))
        mac.update(len(state).to_bytes(8, "big"))
        mac.update(state)
        self.head = mac.digest()
        return self.head


def event_fields(topic: str, originator_id: str, version: int, state: bytes) -> list[bytes]:
    """What an event's link commits to: its row as stored (state after encryption)."""
    return [topic.encode(), originator_id.encode(), str(version).encode(), state]
