"""Ingest holds at most a budget of parsed files: beyond it, files are parsed again in turn."""

from __future__ import annotations

import pytest

from caselog.adapters.store import open_store
from caselog.adapters.transcript_files import IngestOptions, expand
from caselog.application import ingest as ingest_module
from tests.conftest import ingest
from tests.transcripts import CLIENTS, write_transcript


def _folder(tmp_path):
    folder = tmp_path / "in"
    for client in CLIENTS[:3]:
        for session in (3, 1, 2):  # written out of order on purpose
            write_transcript(folder, client, session)
    return folder


def _record(db: str) -> dict[str, list[tuple[int, str]]]:
    app = open_store(db).app
    return {
        name: [(e.originator_version, type(e).__name__) for e in app.client_events(cid)]
        for cid, name in app.registered_clients()
    }


def test_a_folder_over_the_budget_gives_the_same_record_as_one_under_it(tmp_path, db, monkeypatch):
    folder = _folder(tmp_path)
    files = expand([str(folder)])
    reference = str(tmp_path / "reference.db")
    list(ingest(open_store(reference, create=True).app, files, IngestOptions(actor="t")))

    monkeypatch.setattr(ingest_module, "KEEP", 1)
    results = list(ingest(open_store(db, create=True).app, files, IngestOptions(actor="t")))
    assert [r.status for r in results] == ["recorded"] * len(files)
    assert [(r.client, r.session) for r in results] == sorted(
        (r.client, r.session) for r in results
    )
    assert _record(db) == _record(reference)


def test_a_file_removed_before_its_turn_is_reported_and_the_rest_recorded(
    tmp_path, sqlite_db, monkeypatch
):
    monkeypatch.setattr(ingest_module, "KEEP", 0)
    files = expand([str(_folder(tmp_path))])
    results = ingest(open_store(sqlite_db, create=True).app, files, IngestOptions(actor="t"))
    first = next(results)  # every file has been looked at, and none is held
    assert first.status == "recorded"
    gone = next(f for f in files if f != first.file)
    (tmp_path / "in" / gone.rsplit("/", 1)[-1]).unlink()
    rest = list(results)
    errors = [r for r in rest if r.status == "error"]
    assert [r.file for r in errors] == [gone]
    assert errors[0].error is not None and "cannot read the file" in errors[0].error
    assert len([r for r in rest if r.status == "recorded"]) == len(files) - 2


@pytest.mark.parametrize("keep", [0, 256])
def test_the_budget_does_not_change_what_ingest_reports(tmp_path, sqlite_db, monkeypatch, keep):
    monkeypatch.setattr(ingest_module, "KEEP", keep)
    files = expand([str(_folder(tmp_path))])
    results = list(ingest(open_store(sqlite_db, create=True).app, files, IngestOptions(actor="t")))
    assert len(results) == len(files) and {r.status for r in results} == {"recorded"}
