"""Replacing the master key (``caselog rotate-key``) so that an interruption at any
step leaves a store that opens.

The steps, each durable before the next: (1) the new key is written beside the
key file as ``<key>.new``; (2) every data key is re-wrapped under it and the
store's key check replaced, in one transaction; (3) the key file is replaced by
the new key and ``<key>.new`` removed. Killed after (1), the store still opens
with the old key, and the next rotation discards the unused ``<key>.new``.
Killed after (2), the key file no longer fits the store, but ``<key>.new`` does:
the next open finishes the rotation (``finish_rotation``).
"""

from __future__ import annotations

import os
from pathlib import Path

from caselog.adapters.crypto import (
    encode_key,
    is_master_key,
    read_key_file,
    rewrap,
    write_key_file,
)
from caselog.adapters.database import Database
from caselog.adapters.private_files import create_private
from caselog.domain.errors import StoreError


def pending_key_file(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")


def _fits(key: bytes, check_hex: str | None) -> bool:
    return check_hex is None or is_master_key(key, bytes.fromhex(check_hex))


def _key_check(db: Database) -> str | None:
    with db.autocommit() as conn:
        row = conn.execute("SELECT value FROM caselog_meta WHERE key='key_check'").fetchone()
    return row[0] if row else None


def rotate_with_file(
    db: Database, key_file: Path, old: bytes, new: bytes, integrity_key: bytes | None = None
) -> int:
    """Rotate a store whose key lives in ``key_file``; returns the data keys re-wrapped."""
    pending = pending_key_file(key_file)
    if pending.exists() or pending.is_symlink():
        leftover = _pending_key(pending)
        if leftover is not None and leftover != old and _fits(leftover, _key_check(db)):
            raise StoreError(
                f"{pending} holds the store's current key: open the store once (any command) "
                "to finish the interrupted rotation, then rotate again"
            )
        # A rotation interrupted before its commit (this key was never used), or after the
        # key file was replaced (the key file holds it already).
        pending.unlink()
    with create_private(pending) as f:
        f.write(f"{encode_key(new)}\n".encode())
        f.flush()
        os.fsync(f.fileno())
    try:
        count = rewrap(db, old, new, integrity_key)
    except BaseException:
        if not _fits(new, _key_check_or_none(db)):
            pending.unlink(missing_ok=True)
        raise
    write_key_file(key_file, new)
    pending.unlink(missing_ok=True)
    return count


def finish_rotation(db: Database, key_file: Path, check_hex: str) -> bytes | None:
    """The new key of a rotation interrupted after its commit, now put in ``key_file``;
    None if there is no such rotation to finish."""
    pending = pending_key_file(key_file)
    if not pending.exists():
        return None
    key = _pending_key(pending)
    if key is None or not _fits(key, check_hex):
        return None
    write_key_file(key_file, key)
    pending.unlink(missing_ok=True)
    return key


def _pending_key(pending: Path) -> bytes | None:
    try:
        return read_key_file(pending)
    except StoreError:
        return None


def _key_check_or_none(db: Database) -> str | None:
    try:
        return _key_check(db)
    except StoreError:
        return None
