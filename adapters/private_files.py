"""Files only their owner may read: master keys, exports and their temporary files.

Every such file is created afresh (``O_EXCL``), never through a symbolic link
(``O_NOFOLLOW``), with mode 0600 from its first byte: a file someone placed at
the name beforehand — with looser permissions, or as a link to somewhere else —
is never reused. A whole file is written under a random temporary name and
renamed into place, so a reader never sees half of it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

from caselog.domain.errors import StoreError

T = TypeVar("T")

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def create_private(path: Path) -> BinaryIO:
    """A new file at ``path``, owner-only; refused if anything (file or link) is there."""
    try:
        fd = os.open(path, _CREATE, 0o600)
    except FileExistsError:
        raise StoreError(
            f"{path} already exists: caselog creates this file itself and never reuses one "
            "found in its place; check it, then move it away"
        ) from None
    except OSError as e:
        raise StoreError(f"{path}: cannot create ({e.strerror})") from None
    # A umask never widens 0600, but a file system may ignore the mode (some mounts do).
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


@contextmanager
def _fresh_beside(path: Path) -> Iterator[tuple[BinaryIO, Path]]:
    """A new owner-only file under a random name in ``path``'s folder; removed on failure."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as e:
        raise StoreError(f"{path}: cannot write ({e.strerror})") from None
    fresh = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f, fresh
    except BaseException:
        fresh.unlink(missing_ok=True)
        raise


def write_private(path: Path, write: Callable[[BinaryIO], T]) -> T:
    """Write ``path`` owner-only and whole: ``write`` fills a fresh temporary file,
    which replaces ``path`` (a link at ``path`` is replaced, its target untouched)."""
    if path.is_dir():
        raise StoreError(f"{path} is a directory: give a file name to write")
    with _fresh_beside(path) as (f, fresh):
        done = write(f)
        f.flush()
        os.fsync(f.fileno())
        try:
            fresh.replace(path)
        except OSError as e:
            raise StoreError(f"{path}: cannot write ({e.strerror})") from None
    return done


def read_private(path: Path) -> str:
    """The text of a secret file, refused (as ssh refuses a key) if others may read it."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise StoreError(f"{path} is not a regular file")
        if mode & 0o077:
            raise StoreError(
                f"{path} can be read by others (mode {stat.S_IMODE(mode):04o}): a key must be "
                f"readable by its owner only; run `chmod 600 {path}`"
            )
        return path.read_text()
    except OSError as e:
        raise StoreError(f"{path}: cannot read the key file ({e.strerror})") from None
