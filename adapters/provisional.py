"""A store made by a command that may yet fail: taken back if nothing was recorded in it.

A command that creates its store (the first ``ingest``, ``project enable``) notes first
what was there, so that if it fails before recording anything it can remove exactly what
it made (the file, or the PostgreSQL schema or what it added to an existing one, and the
key file) and leave things as it found them. (``import`` undoes its own; see
``caselog.adapters.backup.restore``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from caselog.adapters.database import database
from caselog.adapters.store import records_held


@dataclass(frozen=True)
class NewStore:
    """What did not exist before the store was created, to be removed if it stays empty."""

    url: str
    key_file: Path | None
    """The key file the store would be given, if there was none yet."""
    container_existed: bool = False
    """The PostgreSQL schema was there already (a SQLite file never is: it is the store)."""
    objects_before: frozenset[tuple[str, str]] = frozenset()

    def made_key_file(self) -> Path | None:
        """The key file this store's creation wrote, if it wrote one."""
        return self.key_file if self.key_file is not None and self.key_file.exists() else None

    def take_back(self) -> bool:
        """Remove the store if it holds nothing; whether it was removed."""
        db = database(self.url)
        try:
            if records_held(db) is not None:
                return False
            with db.reported("remove the store the failed command made"):
                if not self.container_existed:
                    db.remove()
                else:
                    with db.transaction(lock="meta") as conn:
                        db.drop_objects(conn, db.objects(conn) - self.objects_before)
        finally:
            db.close()
        if (made := self.made_key_file()) is not None:
            made.unlink(missing_ok=True)
        return True


def before_creating(url: str) -> NewStore | None:
    """What is at ``url`` before a store is created there; None if a store is there already.

    Raises ``StoreError`` if no store could be created there (a missing directory).
    """
    db = database(url)
    try:
        if db.exists():
            return None
        db.check_can_create()
        key_file = db.default_key_file()
        key = None if key_file.exists() else key_file
        if not db.container_exists():
            return NewStore(url, key)
        with db.autocommit() as conn:
            objects = frozenset(db.objects(conn))
        return NewStore(url, key, container_existed=True, objects_before=objects)
    finally:
        db.close()
