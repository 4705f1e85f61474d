"""Seals over a store's settings: HMACs that only the holders of its keys can make.

The settings (``caselog_meta``) say how the record is kept: its namespace, whether it
is encrypted, whether its chain is keyed, whether plaintext read models are kept.
Someone who can write the database could otherwise switch a keyed chain to plain
SHA-256 and re-chain an edited record, or switch encryption off. Each key the store
uses seals every setting: ``seal_integrity`` under the integrity key, ``seal_master``
under the master key. A store is opened only when the seals for the keys at hand
hold; a seal that is missing counts as broken.
"""

from __future__ import annotations

import hashlib
import hmac

from caselog.adapters.database import Sql
from caselog.domain.errors import StoreError

SEAL_MASTER = "seal_master"
SEAL_INTEGRITY = "seal_integrity"
SEALS = (SEAL_MASTER, SEAL_INTEGRITY)
NAMESPACE_WRAPPED = "namespace_wrapped"
"""The setting that holds an encrypted store's client-id namespace, wrapped by its master
key (a plaintext store keeps it in the clear, as ``namespace``)."""
IDENTITY = ("namespace", "encryption", "integrity", "integrity_check")
"""The settings that never change once a store is made: the head digest covers them,
so that an anchored digest catches a settings edit even on a store without keys."""


class SettingsTampered(StoreError):
    """The store's settings are missing, or fail their seal: it is not opened."""


def _field(value: str) -> bytes:
    data = value.encode()
    return len(data).to_bytes(8, "big") + data


def _message(meta: dict[str, str], names: tuple[str, ...] | None = None) -> bytes:
    """Every setting but the seals (or only ``names``), in an encoding no two different
    sets of settings share."""
    items = sorted(
        (k, v) for k, v in meta.items() if k not in SEALS and (names is None or k in names)
    )
    return b"".join(_field(k) + _field(v) for k, v in items)


def _seal_key(secret: bytes) -> bytes:
    # Its own key, so a seal can never be mistaken for a chain link or a key check.
    return hmac.digest(secret, b"caselog settings seal v1", "sha256")


def seal(meta: dict[str, str], secret: bytes) -> str:
    return hmac.digest(_seal_key(secret), _message(meta), "sha256").hex()


def seals(meta: dict[str, str], master: bytes | None, integrity: bytes | None) -> dict[str, str]:
    """The seal rows for ``meta`` under the keys given."""
    made = {}
    if master is not None:
        made[SEAL_MASTER] = seal(meta, master)
    if integrity is not None:
        made[SEAL_INTEGRITY] = seal(meta, integrity)
    return made


def unsealed(meta: dict[str, str]) -> bool:
    """Whether the store carries no seal at all: made before seals, or stripped of them."""
    return not any(name in meta for name in SEALS)


def check(meta: dict[str, str], where: str, master: bytes | None, integrity: bytes | None) -> None:
    """Refuse settings whose seal under a key at hand is missing or wrong."""
    for name, secret, key in (
        (SEAL_MASTER, master, "master key"),
        (SEAL_INTEGRITY, integrity, "integrity key"),
    ):
        if secret is None:
            continue
        found = meta.get(name)
        if found is None:
            raise SettingsTampered(
                f"{where}: its settings carry no seal under the {key}: they were altered "
                "(or the store predates sealed settings: check it with `caselog verify "
                "--seal-settings`)"
            )
        if not hmac.compare_digest(found, seal(meta, secret)):
            raise SettingsTampered(
                f"{where}: its settings fail their seal under the {key}: someone without "
                "the key changed them; the store is not opened"
            )


def identity_digest(meta: dict[str, str]) -> str:
    """A digest of the settings that never change (see ``IDENTITY``)."""
    return hashlib.sha256(_message(meta, IDENTITY)).hexdigest()


def reseal_in(conn: Sql, master: bytes | None, integrity: bytes | None) -> None:
    """Seal the settings as they stand in ``conn``'s transaction, under the keys given."""
    meta = dict(conn.execute("SELECT key, value FROM caselog_meta").fetchall())
    if meta.get("encryption", "off") != "off" and master is None:
        raise StoreError("changing an encrypted store's settings needs its master key")
    conn.execute("DELETE FROM caselog_meta WHERE key IN (?, ?)", SEALS)
    conn.executemany(
        "INSERT INTO caselog_meta VALUES (?, ?)", list(seals(meta, master, integrity).items())
    )


# --- an export's data keys and erasure tombstones -------------------------------------------


KeyRow = tuple[str, "bytes | None", "str | None"]
"""A data key as exported: client id (hex), wrapped key (None once erased), when erased."""


def _keys_message(keys: list[KeyRow]) -> bytes:
    return b"".join(
        _field(client) + _bytes(wrapped) + _field(erased_at or "")
        for client, wrapped, erased_at in sorted(keys, key=lambda k: k[0])
    )


def _bytes(value: bytes | None) -> bytes:
    # None and empty differ: a tombstone is not an empty key.
    if value is None:
        return b"\x00"
    return b"\x01" + len(value).to_bytes(8, "big") + value


def _keys_seal(keys: list[KeyRow], secret: bytes) -> str:
    key = hmac.digest(_seal_key(secret), b"export keys", "sha256")
    return hmac.digest(key, _keys_message(keys), "sha256").hex()


def seal_keys(keys: list[KeyRow], master: bytes | None, integrity: bytes | None) -> dict[str, str]:
    """An export's seals over its wrapped keys and tombstones (the events' own chain
    does not cover them), under each key at hand."""
    made = {}
    if master is not None:
        made["master"] = _keys_seal(keys, master)
    if integrity is not None:
        made["integrity"] = _keys_seal(keys, integrity)
    return made


def check_keys(
    name: str,
    keys: list[KeyRow],
    sealed: dict[str, str],
    master: bytes | None,
    integrity: bytes | None,
) -> None:
    """Refuse an export whose keys or tombstones fail a seal under a key at hand, or
    carry none that can be checked (an export made with neither key cannot be trusted
    with them)."""
    if not keys:
        return
    checked = False
    for which, secret in (("master", master), ("integrity", integrity)):
        given = sealed.get(which)
        if secret is None or given is None:
            continue
        if not hmac.compare_digest(given, _keys_seal(keys, secret)):
            raise StoreError(
                f"{name}:1: its data keys or erasure records fail their seal under the "
                f"{which} key: the export was altered; nothing was imported"
            )
        checked = True
    if not checked:
        raise StoreError(
            f"{name}:1: its data keys and erasure records carry no seal under a key at hand: "
            "export again with the store's master key available; nothing was imported"
        )
