"""Encryption at rest: one AES-GCM data key per client, wrapped by a master key.

Each client's events and snapshots are encrypted with that client's own data
key (eventsourcing's ``AESCipher``, on the ``cryptography`` package). Data keys
are stored wrapped (RFC 3394 AES key wrap) by the master key, which never
enters the database. Destroying one client's data key makes every byte of its
record unreadable without touching anything else: erasure by crypto-shredding.
"""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher

from caselog.adapters.database import Database
from caselog.adapters.private_files import read_private, write_private
from caselog.adapters.settings_seal import NAMESPACE_WRAPPED, reseal_in
from caselog.adapters.summary_index import forget_all
from caselog.domain.errors import ClientUnreadable, RecordErased, StoreError

KEY_BYTES = 32
KEYS_TABLE = (
    "CREATE TABLE IF NOT EXISTS caselog_keys ("
    "client_id TEXT PRIMARY KEY, wrapped BLOB, erased_at TEXT)"
)


def new_master_key() -> bytes:
    return os.urandom(KEY_BYTES)


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


def decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreError(f"{where}: expected a base64-encoded 32-byte key")
    return key


def key_check(master: bytes) -> bytes:
    """A value that unwraps only under the right master key; kept in the store."""
    return aes_key_wrap(master, os.urandom(KEY_BYTES))


def is_master_key(master: bytes, check: bytes) -> bool:
    try:
        aes_key_unwrap(master, check)
    except InvalidUnwrap:
        return False
    return True


def wrap_namespace(master: bytes, namespace: UUID) -> str:
    """The namespace as an encrypted store keeps it: only the master key unwraps it, so
    ``uuid5(namespace, name)`` is a keyed function of the name there."""
    return aes_key_wrap(master, namespace.bytes).hex()


def unwrap_namespace(master: bytes, wrapped: str, where: str) -> UUID:
    try:
        return UUID(bytes=aes_key_unwrap(master, bytes.fromhex(wrapped)))
    except (InvalidUnwrap, ValueError):
        raise StoreError(
            f"{where}: its client-id namespace does not unwrap under its master key: the "
            "settings were altered; the store is not opened"
        ) from None


def write_key_file(path: Path, key: bytes) -> None:
    """Write a key readable by its owner only, replacing any file atomically."""
    write_private(path, lambda f: f.write((encode_key(key) + "\n").encode()))


def read_key_file(path: Path) -> bytes:
    """The key in ``path``, refused if the file is readable by anyone but its owner."""
    return decode_key(read_private(path), str(path))


BOUND = b"\x02"
"""The first byte of a ciphertext bound to its place (associated data); one without it
is from before binding (nonce, tag, ciphertext) and is read as it was written."""


class DataKeyCipher(AESCipher):
    """eventsourcing's ``AESCipher`` (nonce, tag, ciphertext), with the AES key schedule
    made once per client instead of once per event — at ingest rates it cost more than
    the encryption itself — and the ciphertext bound to its place by associated data."""

    def __init__(self, key: bytes) -> None:
        AESCipher.check_key_size(len(key))
        self.key = key
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes, associated: bytes | None = None) -> bytes:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext, associated)
        if associated is None:
            return nonce + sealed[-16:] + sealed[:-16]
        return b"".join((BOUND, nonce, sealed[-16:], sealed[:-16]))

    def decrypt(self, ciphertext: bytes, associated: bytes | None = None) -> bytes:
        if associated is not None and ciphertext[:1] == BOUND:
            try:
                return self._open(ciphertext[1:], associated)
            except ValueError:
                pass  # one written before binding may start with the same byte
        return self._open(ciphertext, None)

    def _open(self, ciphertext: bytes, associated: bytes | None) -> bytes:
        if len(ciphertext) < 28:
            raise ValueError("Damaged cipher text: too short for its nonce and tag")
        try:
            return self._aead.decrypt(
                ciphertext[:12], ciphertext[28:] + ciphertext[12:28], associated
            )
        except InvalidTag:
            raise ValueError("Invalid cipher tag") from None


class ClientKeys(Cipher):
    """The mapper's cipher: encrypts and decrypts per client, keyed by the event's client."""

    def __init__(self, db: Database, master: bytes) -> None:
        self.db = db
        self.master = master
        self._ciphers: dict[UUID, DataKeyCipher] = {}

    def encrypt(self, plaintext: bytes) -> bytes:
        raise TypeError("caselog encrypts per client: use encrypt_for")

    def decrypt(self, ciphertext: bytes) -> bytes:
        raise TypeError("caselog decrypts per client: use decrypt_for")

    def encrypt_for(self, client: UUID, plaintext: bytes, associated: bytes | None = None) -> bytes:
        return self._cipher(client, create=True).encrypt(plaintext, associated)

    def decrypt_for(
        self, client: UUID, ciphertext: bytes, associated: bytes | None = None
    ) -> bytes:
        return self._cipher(client, create=False).decrypt(ciphertext, associated)

    def _cipher(self, client: UUID, *, create: bool) -> DataKeyCipher:
        cipher = self._ciphers.get(client)
        if cipher is None:
            cipher = self._ciphers[client] = DataKeyCipher(self._data_key(client, create=create))
        return cipher

    def _data_key(self, client: UUID, *, create: bool) -> bytes:
        select = "SELECT wrapped, erased_at FROM caselog_keys WHERE client_id=?"
        with self.db.autocommit() as conn:
            row = conn.execute(select, (client.hex,)).fetchone()
        if row is None and create:
            # Under the writers' lock, so a read never has to turn into a write mid-way.
            with self.db.transaction(lock="keys") as conn:
                wrapped = aes_key_wrap(self.master, os.urandom(KEY_BYTES))
                conn.execute(
                    "INSERT INTO caselog_keys VALUES (?, ?, NULL) ON CONFLICT DO NOTHING",
                    (client.hex, wrapped),
                )
                row = conn.execute(select, (client.hex,)).fetchone()
        if row is None:
            # An erasure leaves a tombstone; a missing row was removed behind caselog's back.
            raise ClientUnreadable(client, "it has no data key (its key row was deleted)")
        wrapped, erased_at = row
        if wrapped is None:
            raise RecordErased(client, erased_at)
        try:
            return aes_key_unwrap(self.master, bytes(wrapped))
        except (InvalidUnwrap, ValueError):
            raise ClientUnreadable(client, "its data key is damaged") from None

    def forget(self, client: UUID) -> None:
        self._ciphers.pop(client, None)


def shred(db: Database, client: UUID, when: str) -> None:
    """Destroy a client's data key, leaving a tombstone so the key is never made again.

    The old row's bytes are overwritten when ``db.reclaim`` runs after the purge.
    """
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO caselog_keys VALUES (?, NULL, ?) ON CONFLICT (client_id) "
            "DO UPDATE SET wrapped=NULL, erased_at=excluded.erased_at",
            (client.hex, when),
        )


def rewrap(db: Database, old: bytes, new: bytes, integrity: bytes | None) -> int:
    """Re-wrap every data key (and the client-id namespace) under a new master key, in
    one transaction, and seal the settings under it (``integrity``: the store's integrity
    key); returns the count of data keys."""
    with db.transaction(lock="keys") as conn:
        rows = conn.execute(
            "SELECT client_id, wrapped FROM caselog_keys WHERE wrapped IS NOT NULL"
        ).fetchall()
        conn.executemany(
            "UPDATE caselog_keys SET wrapped=? WHERE client_id=?",
            [(aes_key_wrap(new, aes_key_unwrap(old, bytes(w))), cid) for cid, w in rows],
        )
        conn.execute(
            "UPDATE caselog_meta SET value=? WHERE key='key_check'", (key_check(new).hex(),)
        )
        row = conn.execute(
            "SELECT value FROM caselog_meta WHERE key=?", (NAMESPACE_WRAPPED,)
        ).fetchone()
        if row is not None:
            namespace = unwrap_namespace(old, row[0], db.where)
            conn.execute(
                "UPDATE caselog_meta SET value=? WHERE key=?",
                (wrap_namespace(new, namespace), NAMESPACE_WRAPPED),
            )
        reseal_in(conn, new, integrity)
        # The summary index is keyed by the master key too.
        forget_all(conn, db)
    return len(rows)
