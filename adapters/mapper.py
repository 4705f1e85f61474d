"""One mapper between caselog's pydantic events and stored bytes, through orjson.

Pydantic turns an event (or a snapshot) into JSON-ready values and back; orjson
does the bytes.
Older stored states are upcast before validation (see ``caselog.domain.events``).
"""

from __future__ import annotations

import functools
from typing import Any, Protocol, cast
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Cipher, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from caselog.adapters.client_ids import to_uuid
from caselog.domain.errors import StoreError
from caselog.domain.events import DomainEvent, Persisted, upcast

_ID_FIELDS = {"originator_id", "originator_version"}


class ClientCipher(Protocol):
    """A cipher that keeps one key per client (see ``caselog.adapters.crypto``)."""

    def encrypt_for(
        self, client: UUID, plaintext: bytes, associated: bytes | None = None
    ) -> bytes: ...
    def decrypt_for(
        self, client: UUID, ciphertext: bytes, associated: bytes | None = None
    ) -> bytes: ...


def _per_client(cipher: Cipher) -> ClientCipher | None:
    # A plain attribute check: isinstance() against a runtime Protocol costs more than
    # the encryption itself, once per event.
    return cipher if hasattr(cipher, "encrypt_for") else None  # type: ignore[return-value]


def place(client: UUID, version: int, topic: str) -> bytes:
    """The associated data binding an event's ciphertext to its client, version and
    type: moved anywhere else, it does not decrypt."""
    return client.bytes + version.to_bytes(8, "big") + topic.encode()


def _encrypt(cipher: Cipher, client: UUID, version: int, topic: str, data: bytes) -> bytes:
    if keys := _per_client(cipher):
        return keys.encrypt_for(client, data, place(client, version, topic))
    return cipher.encrypt(data)


def _decrypt(cipher: Cipher, client: UUID, version: int, topic: str, data: bytes) -> bytes:
    try:
        if keys := _per_client(cipher):
            return keys.decrypt_for(client, data, place(client, version, topic))
        return cipher.decrypt(data)
    except ValueError:
        raise StoreError(
            f"a stored event of client {client} cannot be decrypted: it is damaged; "
            "run `caselog verify`"
        ) from None


class UnknownTopic(StoreError):
    """A stored event names a class that is not one of caselog's events or snapshots."""


@functools.cache
def known_topics() -> dict[str, type[Persisted]]:
    """caselog's own event and snapshot classes by topic: the only classes a stored
    topic may name. Resolving any other ``module:attribute`` would import that module."""
    import caselog.domain.client  # noqa: F401 - defines ClientSnapshot

    found: dict[str, type[Persisted]] = {}
    pending: list[type[Persisted]] = [Persisted]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("caselog.domain."):
            found[get_topic(cls)] = cls
    return found


_ALLOWED: dict[str, type[Persisted]] = {}


def allow_event_class(cls: type[Persisted]) -> None:
    """Let stored topics name ``cls`` too, an event class defined outside caselog.domain
    (by a program that embeds caselog, or a test): the allow-list grows only by code."""
    _ALLOWED[get_topic(cls)] = cls


def is_known_topic(topic: str) -> bool:
    return topic in known_topics() or topic in _ALLOWED


def event_class(topic: str, client: object, version: int) -> type[Persisted]:
    """The class ``topic`` names, if it is one of caselog's (``known_topics``)."""
    cls = known_topics().get(topic) or _ALLOWED.get(topic)
    if cls is None:
        raise UnknownTopic(
            f"client {client} version {version} has the topic {topic[:80]!r}, which is not "
            "one of caselog's events: the store was altered; run `caselog verify`"
        )
    return cls


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


class PydanticMapper(Mapper[Any]):
    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        event = cast(Persisted, domain_event)
        state = event.model_dump(mode="json", exclude=_ID_FIELDS)
        if state.get("idempotency_key", "") is None:
            # Most events carry none: their stored form stays as it was before keys existed.
            del state["idempotency_key"]
        if event.class_version > 1:
            state["class_version"] = event.class_version
        stored = self.transcoder.encode(state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        topic = get_topic(type(event))
        if self.cipher and not event.kept_in_clear:
            stored = _encrypt(
                self.cipher, event.originator_id, event.originator_version, topic, stored
            )
        return StoredEvent(
            originator_id=event.originator_id,
            originator_version=event.originator_version,
            topic=topic,
            state=stored,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        cls, state = self.to_state(stored_event)
        return cls.model_validate(state)

    def to_state(self, stored_event: StoredEvent) -> tuple[type[Persisted], dict[str, Any]]:
        """The stored event's class and its state, decrypted, decoded and upcast to the
        current class version, but not validated into an event: for readers of trusted
        stored data that need only some of its fields (validation is a third of decoding).

        The values are the JSON ones: a date is its ISO string, a nested model a dict.
        """
        data = stored_event.state
        cls = event_class(
            stored_event.topic, stored_event.originator_id, stored_event.originator_version
        )
        if self.cipher and not cls.kept_in_clear:
            data = _decrypt(
                self.cipher,
                to_uuid(stored_event.originator_id),
                stored_event.originator_version,
                stored_event.topic,
                data,
            )
        if self.compressor:
            data = self.compressor.decompress(data)
        state: dict[str, Any] = self.transcoder.decode(data)
        upcast(cls, state, state.pop("class_version", 1))
        if issubclass(cls, DomainEvent):
            state.setdefault("idempotency_key", None)  # stored only when given
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls, state
