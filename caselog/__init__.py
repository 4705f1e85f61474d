"""caselog: an event-sourced, auditable record store for psychotherapy sessions.

The Python entry point is one store object, the same one the command line uses::

    import caselog

    with caselog.open_store("caselog.db", actor="dr.ward") as store:
        print(store.records.client("alicia").recap(for_session=4).text)

Attributes load on first use, so ``import caselog`` stays cheap for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caselog.adapters.store import Store, open_store

__all__ = ["Store", "__version__", "open_store"]


def __getattr__(name: str) -> Any:
    if name in ("Store", "open_store"):
        from caselog.adapters import store

        return getattr(store, name)
    if name == "__version__":
        from importlib import metadata

        return metadata.version("caselog")
    raise AttributeError(f"module 'caselog' has no attribute {name!r}")
