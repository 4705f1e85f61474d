"""Start-up cost: every ``caselog`` run imports the whole command table, so a command's own
dependencies must wait for that command. Each check runs a fresh interpreter: the test
process itself has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import Cli, seed

# Imported only by the commands (or backends) that use them.
LAZY = (
    "psycopg",  # PostgreSQL stores only
    "psycopg_pool",
    "caselog.adapters.postgres",
    "rich",  # tables and the ingest progress bar
    "caselog.application.ingest",  # ingest: the parsers and webvtt
    "caselog.adapters.parsing",
    "webvtt",
    "charset_normalizer",  # only to name the encoding of a file that is refused
    "caselog.adapters.export",  # export --format markdown|fhir
    "caselog.adapters.backup",  # export, import
    "caselog.adapters.readmodels",  # search, homework --all-clients, project
    "caselog.adapters.follow",
    "caselog.adapters.verify",
    "caselog.adapters.erasure",
    "caselog.web",  # serve: the web view and its stack
    "starlette",
    "jinja2",
    "uvicorn",
    "hypothesis",  # tests only
    "fhir",
)

_RUN = """
import json, sys
modules_file = sys.argv[1]
sys.argv = ["caselog", *sys.argv[2:]]
try:
    from caselog.cli.app import main
    if len(sys.argv) > 1:
        main()
finally:
    with open(modules_file, "w") as f:
        json.dump(sorted(sys.modules), f)
"""


def _fresh_process(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``caselog ARGS`` (none: only import the app) in a new interpreter; its modules."""
    modules_file = tmp_path / "modules.json"
    run = subprocess.run(
        [sys.executable, "-c", _RUN, str(modules_file), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run, set(json.loads(modules_file.read_text()))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_loading_the_cli_app_imports_no_command_specific_dependency(tmp_path):
    run, modules = _fresh_process(tmp_path)
    assert run.returncode == 0, run.stderr
    assert "caselog.cli.summaries" in modules  # the command table was really loaded
    assert _loaded(modules, LAZY) == []


def test_recap_on_a_sqlite_store_imports_no_postgresql_ingest_export_or_table_code(tmp_path):
    db = str(tmp_path / "store.db")
    assert Cli(db)("ingest", "--plaintext", str(seed("004"))).exit_code == 0
    run, modules = _fresh_process(tmp_path, "--db", db, "recap", "marcus")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Last time we talked about:")
    assert "caselog.adapters.store" in modules
    assert _loaded(modules, LAZY) == []


def test_ingesting_utf8_and_utf16_files_does_not_import_the_encoding_detector(tmp_path):
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(seed("000").read_text().encode("utf-16"))
    db = str(tmp_path / "store.db")
    run, modules = _fresh_process(
        tmp_path, "--db", db, "ingest", "--plaintext", str(seed("004")), str(utf16)
    )
    assert run.returncode == 0, run.stderr
    assert "caselog.adapters.parsing" in modules
    assert _loaded(modules, ("charset_normalizer",)) == []


_MODELS = """
import json, sys
sys.argv = ["caselog", *sys.argv[1:]]
from caselog.cli.app import main
try:
    main()
except SystemExit:
    pass
from pydantic import BaseModel
from pydantic.plugin import _loader

def models(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from models(sub)

built = sorted(
    {m.__qualname__ for m in models(BaseModel)
     if m.__module__.startswith("caselog.") and m.__pydantic_complete__}
)
json.dump({"built": built, "plugins_scanned": _loader._plugins is not None}, sys.stderr)
"""


def _models_after(*args: str) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", _MODELS, *args], capture_output=True, text=True, timeout=120
    )
    return json.loads(run.stderr.strip().splitlines()[-1])


def test_importing_caselog_reads_no_package_metadata(tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", "import sys, caselog; print('importlib.metadata' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.strip() == "False", run.stderr


def test_a_reading_command_builds_only_the_models_it_uses(tmp_path):
    db = str(tmp_path / "store.db")
    assert Cli(db)("ingest", "--plaintext", str(seed("004"))).exit_code == 0
    seen = _models_after("--db", db, "recap", "marcus")
    built = set(seen["built"])  # type: ignore[arg-type]
    assert "RecapView" in built  # the one it printed
    # The parser's models and the other commands' views wait for their commands.
    assert not built & {"ParsedSession", "Utterance", "SearchHit", "LogEntry", "Sidecar"}


def test_the_command_line_does_not_scan_installed_packages_for_pydantic_plugins(tmp_path):
    db = str(tmp_path / "store.db")
    assert Cli(db)("ingest", "--plaintext", str(seed("004"))).exit_code == 0
    assert _models_after("--db", db, "clients")["plugins_scanned"] is False
