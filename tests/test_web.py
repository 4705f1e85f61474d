"""The web view over HTTP (Starlette's test client): the token rule, every page, the
as-of parameters, escaping, and the access log, on both engines with encryption on."""

from __future__ import annotations

import re
from uuid import UUID

import pytest
from starlette.testclient import TestClient

from caselog.adapters.store import open_store
from caselog.projections.asof import AsOf
from caselog.web.app import create_app
from tests.conftest import Cli, raw
from tests.web import ACTOR, SAMPLES, TOKEN, viewing, with_samples

MARCUS = "Marcus Thompson"


@pytest.fixture
def samples(db: str) -> Cli:
    return with_samples(db)


def _ids(db: str) -> dict[str, str]:
    with open_store(db) as store:
        return {c.name: c.client_id for c in store.records.clients()}


def _pages(client_id: str) -> list[str]:
    base = f"/clients/{client_id}"
    return [
        "/",
        "/search?q=kindness",
        base,
        f"{base}/homework",
        f"{base}/recap",
        f"{base}/integrity",
    ]


def _log(db: str) -> list[tuple[str, str, str | None]]:
    with open_store(db) as store:
        return [(e.actor, e.command, e.client_id) for e in store.access_log.entries()]


def test_without_the_token_no_page_shows_record_data(samples):
    marcus = _ids(samples.db)[MARCUS]
    with open_store(samples.db, actor=ACTOR) as store:
        client = TestClient(create_app(store, TOKEN))
        before = len(list(store.access_log.entries()))
        for path in [*_pages(marcus), "/static/style.css"]:
            for given in ({}, {"token": "not-the-token"}):
                got = client.get(path, params=given, follow_redirects=False)
                assert got.status_code == 401, path
                assert "Marcus" not in got.text and "kindness" not in got.text
        client.cookies.set("caselog_session", "forged")
        assert client.get("/", follow_redirects=False).status_code == 401
        assert len(list(store.access_log.entries())) == before


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_url(samples):
    marcus = _ids(samples.db)[MARCUS]
    with open_store(samples.db, actor=ACTOR) as store:
        client = TestClient(create_app(store, TOKEN))
        got = client.get(
            f"/clients/{marcus}/homework?token={TOKEN}&at_session=7", follow_redirects=False
        )
        assert got.status_code == 303
        assert got.headers["location"] == f"/clients/{marcus}/homework?at_session=7"
        cookie = got.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert TOKEN not in cookie
        page = client.get(got.headers["location"])
        assert page.status_code == 200 and MARCUS in page.text


def test_every_response_forbids_inline_script_framing_and_referrers(samples):
    with viewing(samples.db) as (client, _):
        for got in (
            client.get("/"),
            client.get("/static/view.js"),
            TestClient(client.app).get("/"),
        ):
            csp = got.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert "frame-ancestors 'none'" in csp
            assert got.headers["x-content-type-options"] == "nosniff"
            assert got.headers["referrer-policy"] == "no-referrer"
        # The page itself holds no inline script for the policy to block.
        assert re.search(r"<script(?![^>]*\bsrc=)", client.get("/").text) is None


def test_every_page_answers_and_each_client_page_logs_one_read_with_actor_and_page(samples):
    marcus = _ids(samples.db)[MARCUS]
    with viewing(samples.db) as (client, _):
        for path, command in zip(
            _pages(marcus)[2:], ("timeline", "homework", "recap", "integrity"), strict=True
        ):
            before = _log(samples.db)
            got = client.get(path)
            assert got.status_code == 200, path
            assert MARCUS in got.text
            assert _log(samples.db)[len(before) :] == [(ACTOR, f"serve {command}", marcus)]


def test_the_client_list_is_a_logged_read_of_the_whole_store_with_counts_and_a_filter(samples):
    ids = _ids(samples.db)
    with open_store(samples.db) as store:
        expected = {
            name: (
                len(store.records.client(name).sessions()),
                sum(
                    h.status in ("assigned", "in_progress", "partially_completed")
                    for h in store.records.client(name).homework()
                ),
            )
            for name in ids
        }
    with viewing(samples.db) as (client, _):
        before = _log(samples.db)
        page = client.get("/").text
        assert _log(samples.db)[len(before) :] == [(ACTOR, "serve clients", None)]
        for name, (sessions, open_items) in expected.items():
            row = re.search(rf'{re.escape(ids[name])}">{name}</a>.*?</tr>', page, re.S)
            assert row is not None
            cells = re.findall(r"<td>([^<]*)", row.group(0))
            assert int(cells[0].strip()) == sessions and int(cells[2]) == open_items
        filtered = client.get("/", params={"q": "MARC"}).text
        assert MARCUS in filtered and "Alicia" not in filtered


def test_the_timeline_expands_each_session_to_its_transcript(samples):
    marcus = _ids(samples.db)[MARCUS]
    with open_store(samples.db) as store:
        record = store.records.client(MARCUS)
        sessions = record.sessions()
        first = next(e for e in record.history() if e.kind == "utterance")
        homework = record.homework()
    with viewing(samples.db) as (client, _):
        page = client.get(f"/clients/{marcus}").text
    for s in sessions:
        assert f'<details class="session" id="s-{s.number}">' in page
        assert s.ended is not None and f"ended: {s.ended.reason.replace('_', ' ')}" in page
    assert "in progress" not in page
    assert f'<b class="speaker">{first.speaker}</b>' in page
    assert "flagged <b>cut mid sentence</b>" in page
    for h in homework:
        assert f'id="hw-{h.homework_id}"' in page
        assert h.status.replace("_", " ") in page


def test_a_transcript_with_markup_renders_as_text(db, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "Session Number: 1\n\n"
        "Patient: Hi, I'm Robin Vale. <script>alert('x')</script> and <b>bold</b> & co.\n\n"
        "Therapist: Thank you, Robin. Take care, don't hesitate to reach out.\n"
    )
    done = Cli(db)("--quiet", "ingest", str(hostile))
    assert done.exit_code == 0, done.output
    robin = _ids(db)["Robin Vale"]
    with viewing(db) as (client, _):
        page = client.get(f"/clients/{robin}").text
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co." in page


def test_as_of_parameters_re_render_the_homework_and_carry_into_every_link(samples):
    marcus = _ids(samples.db)[MARCUS]
    assert samples("homework-set", "marcus", "S8.H2", "completed").exit_code == 0
    with open_store(samples.db) as store:
        then = {
            h.homework_id: h.status
            for h in store.records.client(MARCUS).homework(at=AsOf(session=8))
        }
    assert then["S8.H2"] == "assigned"
    with viewing(samples.db) as (client, _):
        now = client.get(f"/clients/{marcus}/homework").text
        past = client.get(f"/clients/{marcus}/homework", params={"at_session": "8"}).text
        early = client.get(f"/clients/{marcus}", params={"at_session": "7"}).text
    row = r'<tr id="hw-S8.H2">.*?<td><span class="status status-(\w+)">'
    assert re.search(row, now, re.S).group(1) == "completed"
    assert re.search(row, past, re.S).group(1) == then["S8.H2"]
    assert "once session 8 was recorded" in past
    assert f'href="/clients/{marcus}/recap?at_session=8"' in past
    assert 'id="s-8"' not in early and "S8.H2" not in early


def test_as_of_a_date_and_a_moment_with_its_zone(samples):
    marcus = _ids(samples.db)[MARCUS]
    with viewing(samples.db) as (client, _):
        before = client.get(
            f"/clients/{marcus}", params={"recorded_before": "2000-01-01T00:00:00+02:00"}
        )
        dated = client.get(f"/clients/{marcus}", params={"at_date": "2000-01-01"})
    assert before.status_code == 200 and dated.status_code == 200
    assert "as recorded before 1999-12-31T22:00:00+00:00" in before.text
    assert 'id="s-8"' not in before.text and 'id="s-8"' not in dated.text


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"at_session": "seven"}, "at_session"),
        ({"at_date": "29/05/2025"}, "at_date"),
        ({"recorded_before": "yesterday"}, "recorded_before"),
    ],
)
def test_a_bad_as_of_parameter_is_a_400_naming_it_and_reads_nothing(samples, params, named):
    marcus = _ids(samples.db)[MARCUS]
    with viewing(samples.db) as (client, _):
        before = _log(samples.db)
        got = client.get(f"/clients/{marcus}", params=params)
        assert got.status_code == 400
        assert f"{named}: expected" in got.text and MARCUS not in got.text
        assert _log(samples.db) == before


def test_an_unknown_client_is_a_404_and_logs_nothing(samples):
    with viewing(samples.db) as (client, _):
        before = _log(samples.db)
        got = client.get("/clients/00000000-0000-0000-0000-000000000000")
        assert got.status_code == 404 and "no client matches" in got.text
        assert _log(samples.db) == before


def test_recap_and_summary_of_any_session_with_a_copy_button(samples):
    alicia = _ids(samples.db)["Alicia Rodriguez"]
    with open_store(samples.db) as store:
        recap = store.records.client("alicia").recap(for_session=2)
        summary = store.records.client("alicia").summary(1)
    with viewing(samples.db) as (client, _):
        page = client.get(f"/clients/{alicia}/recap", params={"session": "1"}).text
    text = re.search(r'<pre id="recap-text"[^>]*>(.*?)</pre>', page, re.S).group(1)
    assert text.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&") == recap.text
    assert 'data-copy="recap-text"' in page
    assert f"<li>{summary.topics[0]}</li>".replace("'", "&#39;") in page


def test_search_explains_how_to_enable_read_models_on_an_encrypted_store(samples):
    with viewing(samples.db) as (client, store):
        assert store.settings.encrypted and not store.keeps_read_models
        page = client.get("/search", params={"q": "kindness"}).text
    assert "caselog project enable" in page and "<mark>" not in page


def test_search_ranks_snippets_and_logs_each_client_it_shows(samples):
    assert samples("project", "enable").exit_code == 0
    marcus = UUID(_ids(samples.db)[MARCUS])
    with open_store(samples.db) as store:
        hits = store.read_models("search").search("kindness meditation", limit=50)
    assert hits
    with viewing(samples.db) as (client, _):
        before = _log(samples.db)
        page = client.get("/search", params={"q": "kindness meditation"}).text
        logged = _log(samples.db)[len(before) :]
    links = re.findall(r'<li><a href="/clients/([0-9a-f-]+)#s-(\d+)">', page)
    assert links == [(str(h.client_id), str(h.session)) for h in hits]
    assert "<mark>kindness</mark>" in page.lower()
    assert logged == [(ACTOR, "serve search", str(marcus))]


def test_integrity_shows_verify_the_digest_and_the_clients_access_log(samples):
    marcus = _ids(samples.db)[MARCUS]
    digest = samples("verify", "--digest").output.strip()
    with viewing(samples.db) as (client, _):
        client.get(f"/clients/{marcus}")
        page = client.get(f"/clients/{marcus}/integrity").text
    assert digest.startswith("sha256:") and digest in page
    assert page.count('<strong class="ok">intact</strong>') == 4  # with the settings' seal
    assert "serve timeline" in page and "serve integrity" in page
    assert "serve clients" not in page  # another read than this client's


def test_a_correction_shows_the_new_text_with_the_original_and_who_made_it(samples):
    alicia = _ids(samples.db)["Alicia Rodriguez"]
    with open_store(samples.db) as store:
        turn = next(
            e for e in store.records.client("alicia").history(session=1) if e.kind == "utterance"
        )
    done = samples(
        "amend", "alicia", "--session", "1", "--seq", str(turn.seq),
        "--text", "I slept badly.", "--reason", "misheard", "--actor", "dr.fix",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    with viewing(samples.db) as (client, _):
        page = client.get(f"/clients/{alicia}").text
        before = client.get(f"/clients/{alicia}", params={"recorded_before": turn.recorded_at}).text
    section = page[page.index('id="corrections-h"') :]
    original = turn.text.replace("'", "&#39;").replace('"', "&#34;")
    assert f"<td><del>{original}</del></td>" in section
    assert "<td>I slept badly.</td>" in section and "by dr.fix: misheard" in section
    assert "I slept badly." in page[: page.index('id="corrections-h"')]
    assert "No entry has been corrected" in before


def test_the_view_is_read_only(samples):
    marcus = _ids(samples.db)[MARCUS]
    with viewing(samples.db) as (client, _):
        for path in _pages(marcus):
            assert client.post(path.split("?")[0]).status_code == 405


def test_an_erased_client_is_gone_from_the_list_and_its_page_says_only_that(samples):
    alex = _ids(samples.db)["Alex"]
    erased = samples("erase", "Alex", "--reason", "request of the client", "--yes")
    assert erased.exit_code == 0, erased.output
    with viewing(samples.db) as (client, _):
        listed = client.get("/").text
        got = client.get(f"/clients/{alex}")
    assert f"/clients/{alex}" not in listed and MARCUS in listed
    assert got.status_code == 410 and "erased on" in got.text
    assert "Product Designer" not in got.text


def test_the_view_shows_what_is_recorded_while_it_runs(db):
    samples = sorted(SAMPLES.glob("*.txt"))
    first = Cli(db)("--quiet", "ingest", str(samples[0]))
    assert first.exit_code == 0, first.output
    with viewing(db) as (client, _):
        before = client.get("/").text
        rest = Cli(db)("--quiet", "ingest", *map(str, samples[1:]))
        assert rest.exit_code == 0, rest.output
        after = client.get("/").text
    assert MARCUS not in before and MARCUS in after


def test_clinician_entries_show_on_the_timeline_and_in_the_summary(samples):
    marcus = _ids(samples.db)[MARCUS]
    noted = samples(
        "note", "marcus", "<i>Review</i> the letter first", "--session", "8",
        "--reason", "after the call", "--actor", "dr.note",
    )  # fmt: skip
    assert noted.exit_code == 0, noted.output
    with viewing(samples.db) as (client, _):
        timeline = client.get(f"/clients/{marcus}").text
        recap = client.get(f"/clients/{marcus}/recap", params={"session": "8"}).text
    line = re.search(r'<li class="note clinician">.*?</li>', timeline, re.S).group(0)
    assert "by dr.note (after the call)" in line
    assert "&lt;i&gt;Review&lt;/i&gt; the letter first" in line
    assert "<li>&lt;i&gt;Review&lt;/i&gt; the letter first</li>" in recap


def test_a_record_altered_in_the_database_is_refused_on_every_page_of_it(samples):
    """The attack: swap two of a client's event ciphertexts with the database's own tools."""
    marcus = _ids(samples.db)[MARCUS]
    eid = raw(samples.db).event_id(UUID(marcus).hex)
    with raw(samples.db).transaction() as conn:
        rows = conn.execute(
            "SELECT originator_version, state FROM stored_events "
            "WHERE originator_id=? AND originator_version IN (3, 4)",
            (eid,),
        ).fetchall()
        (v3, s3), (v4, s4) = sorted((int(r[0]), bytes(r[1])) for r in rows)
        for version, state in ((v3, s4), (v4, s3)):
            conn.execute(
                "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
                (state, eid, version),
            )
    base = f"/clients/{marcus}"
    with viewing(samples.db) as (client, _):
        for path in (base, f"{base}/recap"):
            got = client.get(path)
            assert got.status_code == 500, path
            main = got.text.split('<main id="main">')[1]
            assert "the record was altered; nothing was read from it" in main
            assert "<h1>Not shown</h1>" in main and 'class="session"' not in main
        integrity = client.get(f"{base}/integrity").text
    verdicts = re.findall(r'<strong class="bad">BROKEN</strong>', integrity)
    assert len(verdicts) == 2  # the client's record and the whole store
