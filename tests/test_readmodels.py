"""Read models on real stores (SQLite and PostgreSQL): search, open homework, sessions,
catch-up, exactly-once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from caselog.adapters.erasure import erase_client
from caselog.adapters.readmodels import ReadModels
from caselog.adapters.readmodels_batch import Changes
from caselog.adapters.readmodels_search import fts_query
from caselog.adapters.readmodels_sql import TABLES, State
from caselog.adapters.store import open_store, set_read_models, store_settings
from caselog.adapters.transcript_files import IngestOptions
from caselog.application.service import CaselogApplication
from caselog.cli.project import project_app, search_command
from caselog.domain.events import DomainEvent, UtteranceRecorded
from caselog.projections.homework import fold_homework, open_homework
from caselog.projections.sessions import fold_sessions
from tests.conftest import SEEDS, database_of, ingest, raw, read_models_of, sibling
from tests.sessions import parsed

MARCUS = "Marcus Thompson"


def _ingest(app: CaselogApplication, files=SEEDS) -> None:
    results = list(ingest(app, [str(f) for f in files], IngestOptions(actor="test")))
    assert all(r.status == "recorded" for r in results), results


@pytest.fixture
def app(db: str) -> CaselogApplication:
    """A plaintext store keeps its read models by default (an encrypted one opts in)."""
    return open_store(db, create=True, plaintext=True).app


@pytest.fixture
def seeded(app: CaselogApplication) -> CaselogApplication:
    _ingest(app)
    return app


def _cli_app() -> typer.Typer:
    """The commands as cli/app.py registers them."""
    cli = typer.Typer()
    cli.add_typer(project_app, name="project")
    cli.command("search")(search_command)
    return cli


def _run(db: str, *args: str):
    return CliRunner().invoke(_cli_app(), [*args, "--db", db])


COLUMNS = {
    "readmodel_clients": "client_id, name",
    "readmodel_homework": "client_id, homework_id, session, number, text, status",
    "readmodel_sessions": "client_id, session, date, professional, utterances, ended_reason,"
    " source_file",
    "readmodel_utterances": "client_id, session, seq, speaker, role, text, amended",
}
# The digests are of these tables' rows (readmodels_digest.py), so not compared here.
assert {*COLUMNS, "readmodel_digests"} == set(TABLES)


def _snapshot(db: str) -> dict[str, list[tuple]]:
    """Every read-model table's rows, in a stable order (read behind caselog's back)."""
    store = raw(db)
    with store.autocommit() as conn:
        return {
            t: sorted((tuple(r) for r in conn.execute(f"SELECT {c} FROM {t}")), key=repr)
            for t, c in COLUMNS.items()
        }


# --- search -------------------------------------------------------------------------


def test_search_finds_marcus_utterances_with_session_seq_and_marked_snippet(seeded):
    hits = read_models_of(seeded).search("kindness meditation")
    assert hits and {h.client for h in hits} == {MARCUS}
    assert {h.session for h in hits} == {8}
    assert all("[kindness]" in h.snippet.lower() for h in hits)
    assert len({h.seq for h in hits}) == len(hits)
    assert [h.rank for h in hits] == sorted(h.rank for h in hits)


def test_search_limited_to_another_client_excludes_marcus(seeded):
    alicia = seeded.client_id_for("Alicia Rodriguez")
    hits = read_models_of(seeded).search("kindness meditation", client_id=alicia)
    assert all(h.client_id == alicia for h in hits)
    assert MARCUS not in {h.client for h in hits}


@pytest.mark.parametrize("query", ['"don\'t"', "a-b", "NOT", "self-compassion AND", '"', "*", ""])
def test_search_treats_fts_syntax_in_user_text_as_words(seeded, query):
    read_models_of(seeded).search(query)  # must not raise an FTS5 syntax error


def test_search_quotes_each_token_and_keeps_quoted_phrases_together():
    assert fts_query('kindness "self compassion" a"b') == '"kindness" "self compassion" "a""b"'


def test_search_through_the_cli_prints_json_hits_and_filters_by_client(seeded, db):
    result = _run(db, "search", "kindness meditation", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits and {h["client"] for h in hits} == {MARCUS}
    assert set(hits[0]) == {
        "client_id", "client", "session", "seq", "speaker", "role", "amended", "snippet", "rank",
        "entry",
    }  # fmt: skip
    only_alicia = json.loads(
        _run(db, "search", "kindness meditation", "--client", "alicia", "--json").stdout
    )
    assert MARCUS not in {h["client"] for h in only_alicia}


def test_search_table_prints_snippet_brackets_literally(seeded, db):
    result = _run(db, "search", "kindness", "--client", "marcus", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert "[kindness]" in result.stdout.lower()


def test_search_for_an_unknown_client_is_one_line_error(seeded, db):
    result = _run(db, "search", "kindness", "--client", "nobody")
    assert result.exit_code == 1
    assert "no client matches" in result.output


# --- open homework and sessions -----------------------------------------------------


def test_open_homework_across_clients_equals_each_clients_fold(seeded):
    rows = read_models_of(seeded).open_homework()
    for cid, _name in seeded.registered_clients():
        expected = open_homework(fold_homework(seeded.client_events(cid)))
        mine = [r for r in rows if r.client_id == cid]
        assert [(r.homework_id, r.status, r.text) for r in mine] == [
            (v.homework_id, v.status, v.text) for v in expected
        ]
    marcus = {r.homework_id for r in rows if r.client == MARCUS}
    assert "S7.H1" not in marcus and "S8.H1" in marcus  # S7.H1 was carried forward


def test_open_homework_drops_an_item_once_it_is_completed(seeded):
    models = read_models_of(seeded)
    marcus = seeded.client_id_for(MARCUS)
    seeded.change_homework_status(marcus, "S8.H2", "completed", actor="test")
    assert "S8.H2" not in {r.homework_id for r in models.open_homework(marcus)}
    seeded.change_homework_status(marcus, "S8.H3", "in_progress", actor="test")
    assert ("S8.H3", "in_progress") in {(r.homework_id, r.status) for r in models.open_homework()}


def test_sessions_by_date_match_each_clients_fold_and_sort_undated_last(seeded):
    rows = read_models_of(seeded).sessions_by_date()
    for cid, _name in seeded.registered_clients():
        folded = fold_sessions(seeded.client_events(cid))
        mine = sorted((r for r in rows if r.client_id == cid), key=lambda r: r.session)
        assert [(r.session, r.date, r.utterances, r.professional, r.source_file) for r in mine] == [
            (v.number, v.date, v.utterances, v.professional, v.source.file) for v in folded
        ]
        assert [r.ended_reason for r in mine] == [
            v.ended.reason if v.ended else None for v in folded
        ]
    dates = [r.date for r in rows]
    dated = [d for d in dates if d is not None]
    assert dates == dated + [None] * (len(dates) - len(dated)) and dated == sorted(dated)


# --- catching up --------------------------------------------------------------------


def test_catch_up_applies_only_new_events_and_leaves_no_lag(app, db):
    models = read_models_of(app)
    _ingest(app, SEEDS[:2])
    first = models.catch_up()
    assert first == models.status().position == app.recorder.max_notification_id()
    assert models.catch_up() == 0
    _ingest(app, SEEDS[2:])
    head = app.recorder.max_notification_id()
    assert models.status().lag == head - first
    assert models.catch_up() == head - first
    assert models.status().model_dump() == {
        "name": "readmodels", "position": head, "head": head, "lag": 0, "altered": None
    }  # fmt: skip


def test_rebuild_yields_identical_tables(seeded, db):
    models = read_models_of(seeded)
    models.catch_up()
    before = _snapshot(db)
    assert models.rebuild() == seeded.recorder.max_notification_id()
    assert _snapshot(db) == before


@pytest.mark.parametrize("batch", [1, 7, 200])
def test_a_rebuild_in_batches_of_any_size_yields_identical_tables(seeded, db, monkeypatch, batch):
    from caselog.adapters import readmodels

    models = read_models_of(seeded)
    models.catch_up()
    before = _snapshot(db)
    monkeypatch.setattr(readmodels, "REBUILD_BATCH", batch)
    assert models.rebuild() == seeded.recorder.max_notification_id()
    assert _snapshot(db) == before


def test_status_and_rebuild_through_the_cli(seeded, db):
    head = seeded.recorder.max_notification_id()
    status = json.loads(_run(db, "project", "status", "--json").stdout)
    expected = {"name": "readmodels", "position": 0, "head": head, "lag": head, "altered": None}
    assert status == expected
    rebuilt = json.loads(_run(db, "project", "rebuild", "--json").stdout)
    assert rebuilt["applied"] == head and rebuilt["lag"] == 0
    assert "lag" in _run(db, "project", "status").stdout


def test_every_read_model_command_help_shows_an_example():
    for args in (["project", "status"], ["project", "rebuild"], ["project", "follow"], ["search"]):
        out = CliRunner().invoke(_cli_app(), [*args, "--help"]).stdout
        assert "Example:" in out and f"caselog {' '.join(args)}" in out


# --- exactly once -------------------------------------------------------------------


class _Crash(Exception):
    pass


class _FailingReadModels(ReadModels):
    """Dies on the n-th utterance, inside the batch transaction."""

    def __init__(self, app: CaselogApplication, fail_at: int) -> None:
        super().__init__(app, database_of(app))
        self.fail_at = fail_at
        self.seen = 0

    def apply_event(self, cls: type, state: State, changes: Changes) -> None:
        super().apply_event(cls, state, changes)
        if cls is UtteranceRecorded:
            self.seen += 1
            if self.seen == self.fail_at:
                raise _Crash


def test_a_batch_that_fails_mid_way_changes_neither_position_nor_views(app, db):
    _ingest(app, SEEDS[:1])
    models = read_models_of(app)
    models.catch_up()
    before_status, before = models.status(), _snapshot(db)
    _ingest(app, SEEDS[1:])
    with pytest.raises(_Crash):
        _FailingReadModels(app, fail_at=5).catch_up()
    assert models.status().position == before_status.position
    assert _snapshot(db) == before
    models.catch_up()
    clean_db = sibling(db, "clean")
    clean = open_store(clean_db, create=True, plaintext=True).app
    _ingest(clean, SEEDS)
    read_models_of(clean).catch_up()
    assert _without_ids(_snapshot(db)) == _without_ids(_snapshot(clean_db))


def _without_ids(snapshot: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Client ids differ between stores (each has its own namespace): compare the rest."""
    return {t: sorted((row[1:] for row in rows), key=repr) for t, rows in snapshot.items()}


def test_an_unknown_event_type_raises_instead_of_being_skipped(app):
    from caselog.adapters.readmodels_sql import apply

    class Invented(DomainEvent):
        pass

    state = {"originator_id": app.client_id_for("x"), "originator_version": 1, "actor": "t"}
    with pytest.raises(TypeError, match="Invented"):
        apply(Invented, state, Changes())


def test_the_same_source_recorded_twice_is_applied_once(app):
    models = read_models_of(app)
    app.record_session(parsed(body="once"), actor="t")
    app.record_session(parsed(body="once"), actor="t")  # unchanged: no new events
    models.catch_up()
    assert [r.utterances for r in models.sessions_by_date()] == [2]


# --- erasure while the read models lag ----------------------------------------------------


def _store_bytes(db: str) -> bytes:
    """Everything the store holds: every table's rows on either engine, and on SQLite
    every byte of its files (freed pages and the write-ahead log included)."""
    store = raw(db)
    with store.autocommit() as conn:
        held = repr(
            [conn.execute(f"SELECT * FROM {t}").fetchall() for t in sorted(store.tables(conn))]
        ).encode()
    if store.kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            path = Path(db + suffix)
            if path.exists():
                held += path.read_bytes()
    return held


def test_an_erasure_the_read_models_had_not_applied_yet_leaves_no_plaintext(db):
    """A long-lived runner still holding a client's key decodes the client's events after the
    erasure was purged; applying the erasure then deletes and reclaims what it wrote."""
    writer = open_store(db, create=True).app  # encrypted; this process keeps the client's key
    settings = store_settings(db)
    set_read_models(settings, True)
    writer.record_session(parsed(body="zebracorn"), actor="t")
    client = writer.client_id_for("Jo Example")
    lagging = read_models_of(writer)  # has applied nothing yet

    eraser = open_store(db).app
    erase_client(eraser, settings, client, actor="dpo", reason="request 17")
    assert b"zebracorn" not in _store_bytes(db)

    assert lagging.catch_up() == writer.recorder.max_notification_id()
    assert lagging.search("zebracorn") == [] and lagging.sessions_by_date() == []
    assert b"zebracorn" not in _store_bytes(db)
