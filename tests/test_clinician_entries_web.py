"""The web view shows each clinician entry in its session's transcript, with who entered
it, when and why, escaped like everything else."""

from __future__ import annotations

from caselog.adapters.store import open_store
from tests.conftest import Cli
from tests.web import viewing, with_samples


def test_the_timeline_shows_each_entry_with_its_author_and_reason(db):
    samples: Cli = with_samples(db)
    with open_store(db, actor="dr.ward") as store:
        store.add_homework("marcus", "Walk <after> lunch", reason="by phone")
        store.add_insight("marcus", "Mornings are hardest")
        store.add_note("marcus", "Engaged & open")
        marcus = store.records.client("marcus").id
    assert (
        samples("retract", "marcus", "--note", "S8.N1", "--reason", "wrong client").exit_code == 0
    )
    with viewing(db) as (client, _):
        page = client.get(f"/clients/{marcus}").text
    assert 'homework <a href="#hw-S8.H6">S8.H6</a> added' in page
    assert "by dr.ward (by phone): Walk &lt;after&gt; lunch" in page
    assert "insight insights:5 added" in page and "Mornings are hardest" in page
    assert (
        "note S8.N1 added" in page
        and '<span class="badge">retracted</span> Engaged &amp; open' in page
    )
    assert "retracted" in page and "wrong client" in page


def test_search_names_an_entry_by_its_kind_and_id(db):
    samples: Cli = with_samples(db)
    assert samples("project", "enable").exit_code == 0
    with open_store(db, actor="dr.ward") as store:
        store.add_note("marcus", "Review the allotment diary first")
    with viewing(db) as (client, _):
        page = client.get("/search", params={"q": "allotment diary"}).text
    assert "Marcus Thompson, session 8, note S8.N1</a>" in page and "dr.ward" in page
