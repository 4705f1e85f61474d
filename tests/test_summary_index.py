"""Matching a continuation through the summary index finds what reading every summary finds,
reads only the sessions it could be, and keeps no copy of an erased client."""

from __future__ import annotations

import random
import shutil

import pytest

from caselog.adapters.store import open_store
from caselog.adapters.summary_index import TABLE
from caselog.application.service import CaselogApplication
from caselog.domain.errors import ContinuationUnmatched
from caselog.domain.transcript import (
    SECTION_KEYS,
    HomeworkItem,
    QuotedSummary,
    Summary,
    SummaryItem,
    SummarySection,
)
from tests.conftest import FIXTURES, Cli, RowsRead, database_of
from tests.sessions import parsed

POOL = [f"item {n} of a small shared pool" for n in range(12)]


def _summary(items: dict[str, list[str]]) -> Summary:
    return Summary(
        sections=tuple(
            SummarySection(
                key=key,
                heading=f"{key}:",
                items=tuple(SummaryItem(text=t, line=i) for i, t in enumerate(items[key], 1)),
            )
            for key in SECTION_KEYS
        )
    )


def _drawn(rng: random.Random) -> dict[str, list[str]]:
    return {key: rng.sample(POOL, rng.randint(1, 3)) for key in SECTION_KEYS}


def _record(app: CaselogApplication, client: str, number: int, items: dict[str, list[str]]):
    session = parsed(client=client, session=number, file=f"{client}-{number}.txt", body=client)
    session = session.model_copy(
        update={
            "summary": _summary(items),
            "homework": tuple(HomeworkItem(text=t, source="summary") for t in items["homework"]),
        }
    )
    assert app.record_session(session, actor="t").status == "recorded"


def _continuation(items: dict[str, list[str]]):
    quoted = QuotedSummary(summary=_summary(items), in_utterance=None)
    return parsed(client=None, session=None, body="cont", fmt="D", quoted=quoted)


def _match(app: CaselogApplication, continuation) -> object:
    try:
        return app.find_continued_session(continuation)
    except ContinuationUnmatched as e:
        return str(e)


def test_matching_through_the_index_finds_what_reading_every_summary_finds(db):
    app = open_store(db, create=True).app
    rng = random.Random(7)
    recorded = []
    for c in range(5):
        for number in (1, 2, 3):
            items = _drawn(rng)
            _record(app, f"Client {c}", number, items)
            recorded.append(items)
    recorded.append(recorded[0])  # two sessions with one summary: a tie
    _record(app, "Client 9", 1, recorded[0])
    quotes = [*recorded]
    for items in recorded[:8]:  # near copies: one item reworded or dropped
        changed = {k: list(v) for k, v in items.items()}
        changed["topics"] = [*changed["topics"][:-1], "an item nobody recorded"]
        quotes.append(changed)
        quotes.append({**items, "insights": items["insights"][1:] or items["insights"]})
        # The same items, typed differently: they match as the items themselves.
        quotes.append(
            {k: [f"– {t.upper().replace(' ', '  ')}." for t in v] for k, v in items.items()}
        )
    quotes += [_drawn(rng) for _ in range(20)]  # unrelated draws from the same pool

    index = app.summary_candidates
    assert index is not None
    outcomes = []
    for items in quotes:
        app.summary_candidates = index
        indexed = _match(app, _continuation(items))
        app.summary_candidates = None
        scanned = _match(app, _continuation(items))
        assert indexed == scanned, items
        outcomes.append(type(scanned).__name__)
    # The comparison covered matches, ties and misses alike.
    assert {"tuple", "str", "NoneType"} <= set(outcomes)


def test_matching_reads_only_the_sessions_that_share_enough_items(sqlite_db):
    app = open_store(sqlite_db, create=True).app
    for c in range(12):
        _record(
            app,
            f"Other {c}",
            1,
            {k: [f"other {c} {k} {i}" for i in range(3)] for k in SECTION_KEYS},
        )
    wanted = {k: [f"wanted {k} {i}" for i in range(3)] for k in SECTION_KEYS}
    _record(app, "Wanted Client", 4, wanted)
    assert app.find_continued_session(_continuation(wanted)) is not None  # index caught up
    rows = RowsRead(app)
    found = app.find_continued_session(_continuation(wanted))
    assert found is not None and found[1:] == ("Wanted Client", 4)
    assert rows.clients() == {app.client_id_for("Wanted Client")}
    assert rows.count("events") < 30  # that one session's events, not the store's


def test_a_continuation_ingested_after_its_session_is_matched_by_the_cli(cli: Cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "002_79f15302b794e4fc.txt", folder)
    assert cli("ingest", str(folder)).exit_code == 0
    late = shutil.copy(FIXTURES / "003_74e5436fbbdef58e.txt", tmp_path)
    result = cli("ingest", str(late), "--json")
    assert result.exit_code == 0, result.output
    assert '"session": 2' in result.stdout and "Alicia" in result.stdout


@pytest.fixture
def erased_alicia(cli: Cli, tmp_path) -> Cli:
    shutil.copy(FIXTURES / "002_79f15302b794e4fc.txt", tmp_path)
    shutil.copy(FIXTURES / "003_74e5436fbbdef58e.txt", tmp_path)
    assert cli("ingest", str(tmp_path / "002_79f15302b794e4fc.txt")).exit_code == 0
    assert cli("ingest", str(tmp_path / "003_74e5436fbbdef58e.txt")).exit_code == 0
    assert _index_rows(cli.db) > 0
    result = cli("erase", "Alicia Rodriguez", "--reason", "request 3", "--yes")
    assert result.exit_code == 0, result.output
    return cli


def _index_rows(db: str) -> int:
    with database_of(open_store(db).app).autocommit() as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0])


def test_erasure_removes_the_clients_rows_from_the_index(erased_alicia: Cli):
    assert _index_rows(erased_alicia.db) == 0


def test_an_erased_clients_sessions_are_matched_no_more(erased_alicia: Cli, tmp_path):
    again = shutil.copy(FIXTURES / "003_74e5436fbbdef58e.txt", tmp_path / "again.txt")
    result = erased_alicia("ingest", str(again))
    assert result.exit_code == 1
    assert "matches no recorded session" in result.stderr


def test_a_restored_store_matches_continuations_against_its_own_index(cli: Cli, tmp_path):
    shutil.copy(FIXTURES / "002_79f15302b794e4fc.txt", tmp_path)
    assert cli("ingest", str(tmp_path / "002_79f15302b794e4fc.txt")).exit_code == 0
    # A continuation matched once: the source store's index has a position.
    probe = cli("ingest", str(FIXTURES / "003_74e5436fbbdef58e.txt"), "--dry-run")
    assert probe.exit_code == 0, probe.output
    export = tmp_path / "store.jsonl"
    assert cli("export", "--output", str(export)).exit_code == 0
    restored = Cli(str(tmp_path / "restored.db"))
    key_file = database_of(open_store(cli.db).app).default_key_file()
    result = restored("import", str(export), "--key-file", str(key_file))
    assert result.exit_code == 0, result.output
    matched = restored("ingest", str(FIXTURES / "003_74e5436fbbdef58e.txt"), "--json")
    assert matched.exit_code == 0, matched.output
    assert '"session": 2' in matched.stdout


def test_after_rotating_the_key_continuations_still_match(cli: Cli, tmp_path):
    """The index's digests are keyed by the master key: rotation starts them afresh."""
    shutil.copy(FIXTURES / "002_79f15302b794e4fc.txt", tmp_path)
    assert cli("ingest", str(tmp_path / "002_79f15302b794e4fc.txt")).exit_code == 0
    probe = cli("ingest", str(FIXTURES / "003_74e5436fbbdef58e.txt"), "--dry-run")
    assert probe.exit_code == 0 and _index_rows(cli.db) > 0  # indexed under the old key
    assert cli("rotate-key").exit_code == 0
    assert _index_rows(cli.db) == 0
    result = cli("ingest", str(FIXTURES / "003_74e5436fbbdef58e.txt"), "--json")
    assert result.exit_code == 0, result.output
    assert '"session": 2' in result.stdout and "Alicia" in result.stdout


def _first_lookup(url: str, barrier, outcomes) -> None:
    app = open_store(url).app
    barrier.wait()
    try:
        app.find_continued_session(_continuation({k: ["x"] for k in SECTION_KEYS}))
        outcomes.put("ok")
    except Exception as e:  # the outcome is what the test checks
        outcomes.put(f"{type(e).__name__}: {e}")


@pytest.mark.postgres
def test_first_lookups_in_several_processes_at_once_all_succeed():
    """Each process creates the index's tables on its first lookup, under one lock."""
    import multiprocessing

    from tests.conftest import postgres_store

    stores = postgres_store("race")
    url = next(stores)
    try:
        open_store(url, create=True, plaintext=True).app.close()
        spawn = multiprocessing.get_context("spawn")
        barrier, outcomes = spawn.Barrier(4), spawn.Queue()
        workers = [
            spawn.Process(target=_first_lookup, args=(url, barrier, outcomes)) for _ in range(4)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert [outcomes.get(timeout=5) for _ in workers] == ["ok"] * 4
    finally:
        stores.close()
