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
        # HMAC (RFC 2104) from its two keyed SHA-256 states, made once and copied per
        # link: keying ``hmac`` afresh for each event, or feeding it piece by piece
        # through its Python wrapper, cost more than hashing the event.
        self._inner = self._outer = None
        if key is not None:
            block = hashlib.sha256().block_size
            padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
            self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
            self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        self._topics: dict[str, bytes] = {}

    def extend(self, topic: str, version: int, state: bytes) -> bytes:
        """The event's link, which becomes the head."""
        return self.extend_all([(topic, version, state)])[0]

    def extend_all(self, events: Iterable[tuple[str, int, bytes]]) -> list[bytes]:
        """Each event's link in turn (topic, version, state as stored); the last becomes
        the head. One loop over local names: a verified read runs it for every event."""
        topics, client, head = self._topics, self._client, self.head
        inner, outer, sha256 = self._inner, self._outer, hashlib.sha256
        made = []
        for topic, version, state in events:
            encoded = topics.get(topic)
            if encoded is None:
                encoded = topics[topic] = _field(topic.encode())
            number = b"%d" % version
            # The same bytes as ``link``, with the fields that repeat encoded once.
            message = b"".join(
                (
                    head,
                    encoded,
                    client,
                    len(number).to_bytes(8, "big"),
                    number,
                    len(state).to_bytes(8, "big"),
                    state,
                )
            )
            if inner is None or outer is None:
                head = sha256(message).digest()
            else:
                mac = inner.copy()
                mac.update(message)
                wrapped = outer.copy()
                wrapped.update(mac.digest())
                head = wrapped.digest()
            made.append(head)
        self.head = head
        return made


def event_fields(topic: str, originator_id: str, version: int, state: bytes) -> list[bytes]:
    """What an event's link commits to: its row as stored (state after encryption)."""
    return [topic.encode(), originator_id.encode(), str(version).encode(), state]
