"""The layers of docs/design.md, enforced: a module imports only from its own layer or a lower
one, and the two pure layers import nothing outside the standard library, pydantic and
eventsourcing. Imports are read from the source (every ``import`` statement, also those inside
functions and ``if TYPE_CHECKING:``), so a lazy import cannot slip past."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LAYERS = ["domain", "projections", "application", "adapters", "web", "cli"]
"""Lowest first; the ``caselog`` package on top re-exports the public API."""
PURE = {"domain", "projections"}
PURE_MAY_USE = {"pydantic", "eventsourcing", "typing_extensions"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, absolute, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ["caselog", *path.relative_to(ROOT).parent.parts]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "caselog" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return None


def _violations(layer: str) -> list[str]:
    rank = LAYERS.index(layer)
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, module in _imports(path):
            where = f"{path.relative_to(ROOT)}:{line} imports {module}"
            target = _layer_of(module)
            if module == "caselog" or (target is not None and LAYERS.index(target) > rank):
                bad.append(where)
            top = module.split(".")[0]
            if (
                layer in PURE
                and target is None
                and top not in sys.stdlib_module_names
                and top not in PURE_MAY_USE
            ):
                bad.append(f"{where} (outside stdlib, pydantic and eventsourcing)")
    return bad


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_a_higher_layer(layer):
    assert _violations(layer) == []


def test_the_check_catches_an_upward_import(tmp_path, monkeypatch):
    # The rule is only worth having if it fails: plant a domain module that reaches up.
    fake = tmp_path / "domain"
    fake.mkdir()
    (fake / "leak.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from caselog.adapters.store import Store\n"
        "def f():\n"
        "    from ..cli import app\n"
        "    import rich\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert _violations("domain") == [
        "domain/leak.py:3 imports caselog.adapters.store",
        "domain/leak.py:5 imports caselog.cli",
        "domain/leak.py:6 imports rich (outside stdlib, pydantic and eventsourcing)",
    ]


def test_every_layer_folder_exists_and_holds_modules():
    for layer in LAYERS:
        assert list((ROOT / layer).glob("*.py")), layer
