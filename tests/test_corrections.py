"""Corrections are events: amend and retract, through the CLI, on real SQLite files."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from caselog.adapters.parsing import parse_transcript
from caselog.application.records import Records
from caselog.domain.client import project_client
from caselog.domain.corrections import CorrectionRequest, decide_correction
from caselog.domain.errors import EntryNotFound, InvalidCorrection, SessionNotFound
from caselog.domain.events import EntryAmended, EntryRetracted
from caselog.domain.recording import Target, record_session
from caselog.projections.asof import AsOf
from tests.conftest import Cli, event_count, seed
from tests.sessions import parsed

# Alicia's session 1 (seed 002): entry 3 is her first answer, entry 4 the therapist's reply.
THIRD = "Thanks, Nova. It's been a tough few months"
FOURTH = "I'm so sorry to hear about the loss of your grandmother"


@pytest.fixture
def alicia(cli: Cli) -> Cli:
    assert cli("ingest", str(seed("002")), str(seed("003"))).exit_code == 0
    return cli


def _replay(cli: Cli, *args: str) -> list[dict]:
    result = cli("replay", "alicia", *args, "--json")
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _entry(lines: list[dict], session: int, seq: int) -> dict:
    (found,) = [
        e
        for e in lines
        if e["session"] == session
        and e.get("seq") == seq
        and e["type"] in ("UtteranceRecorded", "StageDirectionRecorded")
    ]
    return found


def _correct(cli: Cli, *args: str) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _search(cli: Cli, text: str) -> list[dict]:
    result = cli("search", text, "--client", "alicia", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _enable_search(cli: Cli) -> None:
    # An encrypted store keeps the (plaintext) read models only when asked to.
    assert cli("project", "enable").exit_code == 0


# --- amending ----------------------------------------------------------------------------


def test_an_amended_utterance_replays_its_new_text_marked_amended_with_the_original(alicia):
    original = _entry(_replay(alicia, "--session", "1"), 1, 3)["text"]
    done = _correct(
        alicia, "amend", "alicia", "--session", "1", "--seq", "3",
        "--text", "Thanks, Nova. It has been a hard year.", "--reason", "transcription error",
        "--actor", "dr-lee",
    )  # fmt: skip
    assert done["type"] == "EntryAmended" and done["actor"] == "dr-lee"
    assert (done["target"], done["session"], done["seq"]) == ("entry", 1, 3)

    entry = _entry(_replay(alicia, "--session", "1"), 1, 3)
    assert entry["text"] == "Thanks, Nova. It has been a hard year."
    assert entry["amended"] is True and entry["retracted"] is False
    assert entry["original_text"] == original
    (note,) = entry["corrections"]
    assert (note["actor"], note["reason"]) == ("dr-lee", "transcription error")

    text = alicia("replay", "alicia", "--session", "1").stdout
    assert "Patient: Thanks, Nova. It has been a hard year." in text
    assert "✐ amended" in text and "by dr-lee: transcription error" in text
    assert f"originally: {original}" in text


def test_recorded_before_the_amendment_shows_what_the_record_said_then(alicia):
    done = _correct(
        alicia, "amend", "alicia", "--session", "1", "--seq", "3",
        "--text", "Amended words.", "--reason", "typo",
    )  # fmt: skip
    then = _entry(_replay(alicia, "--session", "1", "--recorded-before", done["recorded_at"]), 1, 3)
    assert then["text"].startswith(THIRD)
    assert then["amended"] is False and then["corrections"] == []
    assert (
        "Amended words."
        not in alicia(
            "replay", "alicia", "--session", "1", "--recorded-before", done["recorded_at"]
        ).stdout
    )
    # --at-version before the amendment, too; --at-session and --at-date keep it.
    before = str(done["version"] - 1)
    assert _entry(_replay(alicia, "--at-version", before), 1, 3)["text"].startswith(THIRD)
    assert _entry(_replay(alicia, "--at-session", "1"), 1, 3)["text"] == "Amended words."
    day = done["recorded_at"][:10]
    assert _entry(_replay(alicia, "--at-date", day), 1, 3)["text"] == "Amended words."


def test_an_amended_summary_item_shows_in_summary_json_and_the_recap(alicia):
    _correct(
        alicia, "amend", "alicia", "--session", "1", "--summary", "topics:2",
        "--text", "Stress at work after a promotion", "--reason", "clinician's wording",
    )  # fmt: skip
    view = json.loads(alicia("summary", "alicia", "--session", "1", "--json").stdout)
    assert view["topics"][1] == "Stress at work after a promotion"
    assert len(view["topics"]) == 5
    (fix,) = view["corrections"]
    assert (fix["section"], fix["item"], fix["amended"], fix["retracted"]) == (
        "topics",
        2,
        True,
        False,
    )
    assert fix["original_text"] == "Work-related stress and perfectionism following promotion"
    recap = alicia("recap", "alicia", "--for-session", "2").stdout
    assert "- Stress at work after a promotion" in recap
    # Before the amendment, the summary said what the transcript said.
    old = alicia(
        "summary", "alicia", "--session", "1", "--json",
        "--recorded-before", fix["corrections"][0]["recorded_at"],
    )  # fmt: skip
    assert json.loads(old.stdout)["topics"][1].startswith("Work-related stress")


def test_amended_homework_text_shows_in_homework_the_summary_and_the_recap(alicia):
    _correct(
        alicia, "amend", "alicia", "--homework", "S1.H2",
        "--text", "Practise self-compassion daily", "--reason", "agreed wording",
    )  # fmt: skip
    views = {h["homework_id"]: h for h in json.loads(alicia("homework", "alicia", "--json").stdout)}
    item = views["S1.H2"]
    assert item["text"] == "Practise self-compassion daily"
    assert item["amended"] is True and item["status"] == "assigned"
    assert item["original_text"] == "Practice self-compassion when facing challenges"
    assert item["corrections"][0]["reason"] == "agreed wording"
    table = alicia("homework", "alicia", env={"COLUMNS": "250"}).stdout
    assert "Practise self-compassion daily" in table
    assert "(amended; originally: Practice self-compassion when facing challenges)" in table
    summary = json.loads(alicia("summary", "alicia", "--session", "1", "--json").stdout)
    assert summary["homework"][1] == "Practise self-compassion daily"
    recap = json.loads(alicia("recap", "alicia", "--for-session", "2", "--json").stdout)
    assert "Practise self-compassion daily" in [h["text"] for h in recap["open_homework"]]


def test_a_summary_homework_item_is_corrected_as_that_homework(alicia):
    done = _correct(
        alicia, "amend", "alicia", "--session", "1", "--summary", "homework:1",
        "--text", "Note three lessons from each mistake", "--reason", "shorter",
    )  # fmt: skip
    assert (done["target"], done["homework_id"]) == ("homework", "S1.H1")
    (item,) = json.loads(alicia("homework", "alicia", "--json").stdout)[:1]
    assert item["text"] == "Note three lessons from each mistake"


def test_an_amended_utterance_is_found_by_search_under_its_new_text_only(alicia):
    _enable_search(alicia)
    assert any(h["seq"] == 3 for h in _search(alicia, '"tough few months"'))
    _correct(
        alicia, "amend", "alicia", "--session", "1", "--seq", "3",
        "--text", "Thanks, Nova. A zephyrine season of grief.", "--reason", "typo",
    )  # fmt: skip
    assert not any(
        h["session"] == 1 and h["seq"] == 3 for h in _search(alicia, '"tough few months"')
    )
    (hit,) = _search(alicia, "zephyrine")
    assert (hit["session"], hit["seq"]) == (1, 3)


# --- retracting --------------------------------------------------------------------------


def test_a_retracted_utterance_is_marked_in_replay_and_search_no_longer_finds_it(alicia):
    _enable_search(alicia)
    assert any(h["session"] == 1 and h["seq"] == 4 for h in _search(alicia, f'"{FOURTH}"'))
    _correct(
        alicia, "retract", "alicia", "--session", "1", "--seq", "4",
        "--reason", "recorded in the wrong file", "--actor", "dr-lee",
    )  # fmt: skip
    entry = _entry(_replay(alicia, "--session", "1"), 1, 4)
    assert entry["retracted"] is True and FOURTH in entry["text"]
    text = alicia("replay", "alicia", "--session", "1").stdout
    assert f"Therapist: [retracted] Alicia, {FOURTH}" in text
    assert "✐ retracted" in text and "by dr-lee: recorded in the wrong file" in text
    assert not any(h["session"] == 1 and h["seq"] == 4 for h in _search(alicia, f'"{FOURTH}"'))
    # A rebuilt index says the same.
    assert alicia("project", "rebuild").exit_code == 0
    assert not any(h["session"] == 1 and h["seq"] == 4 for h in _search(alicia, f'"{FOURTH}"'))
    (session,) = [
        s for s in json.loads(alicia("sessions", "alicia", "--json").stdout) if s["number"] == 1
    ]
    assert (session["retracted"], session["amended"], session["utterances"]) == (1, 0, 12)


def test_a_retracted_summary_item_is_left_out_of_the_summary_and_listed_as_retracted(alicia):
    _correct(
        alicia, "retract", "alicia", "--session", "1", "--summary", "insights:1",
        "--reason", "not said in session",
    )  # fmt: skip
    view = json.loads(alicia("summary", "alicia", "--session", "1", "--json").stdout)
    assert len(view["insights"]) == 3
    assert not any(i.startswith("Recognition that perfectionism") for i in view["insights"])
    (fix,) = view["corrections"]
    assert (fix["section"], fix["item"], fix["retracted"]) == ("insights", 1, True)
    gone = "Recognition that perfectionism is causing"
    assert gone not in alicia("summary", "alicia", "--session", "1").stdout
    assert (
        "- [retracted] Recognition that perfectionism"
        in alicia("replay", "alicia", "--session", "1").stdout
    )


def test_retracted_homework_is_no_longer_open_and_its_status_is_final(alicia):
    _correct(alicia, "retract", "alicia", "--homework", "S1.H3", "--reason", "duplicate")
    views = {h["homework_id"]: h for h in json.loads(alicia("homework", "alicia", "--json").stdout)}
    item = views["S1.H3"]
    assert item["status"] == "retracted" and item["retracted"] is True
    assert item["history"][-1]["status"] == "retracted"
    assert item["history"][-1]["note"] == "duplicate"
    recap = json.loads(alicia("recap", "alicia", "--for-session", "3", "--json").stdout)
    assert "S1.H3" not in [h["homework_id"] for h in recap["open_homework"]]
    filtered = json.loads(alicia("homework", "alicia", "--status", "retracted", "--json").stdout)
    assert [h["homework_id"] for h in filtered] == ["S1.H3"]
    before = event_count(alicia.db)
    refused = alicia("homework-set", "alicia", "S1.H3", "completed")
    assert refused.exit_code == 1 and "retracted" in refused.stderr
    assert event_count(alicia.db) == before


def test_the_log_shows_each_correction_with_its_type_actor_and_reason(alicia):
    _correct(
        alicia, "amend", "alicia", "--session", "2", "--seq", "2",
        "--text", "Hi, Nova.", "--reason", "trimmed", "--actor", "dr-lee",
    )  # fmt: skip
    _correct(
        alicia, "retract", "alicia", "--session", "2", "--seq", "9",
        "--reason", "generator refusal", "--actor", "auditor",
    )  # fmt: skip
    lines = [
        json.loads(x) for x in alicia("log", "--client", "alicia", "--json").stdout.split("\n") if x
    ]
    fixes = [(e["type"], e["actor"], e["reason"]) for e in lines if e["reason"]]
    assert fixes == [
        ("EntryAmended", "dr-lee", "trimmed"),
        ("EntryRetracted", "auditor", "generator refusal"),
    ]
    assert all(e["reason"] is None for e in lines if not e["type"].startswith("Entry"))
    table = alicia("log", "--client", "alicia", env={"COLUMNS": "250"}).stdout
    assert "reason" in table and "auditor" in table


# --- refusals ----------------------------------------------------------------------------

REFUSED = [
    (("amend", "--session", "9", "--seq", "1", "--text", "x"), "has no session 9"),
    (("amend", "--session", "1", "--seq", "99", "--text", "x"), "has no entry 99 (entries 1–13)"),
    (("amend", "--session", "1", "--seq", "0", "--text", "x"), "has no entry 0"),
    (("amend", "--session", "1", "--summary", "topics:9", "--text", "x"), "no topics item 9"),
    (("amend", "--session", "1", "--summary", "homework:4", "--text", "x"), "no homework item 4"),
    (("amend", "--session", "1", "--summary", "moods:1", "--text", "x"), "unknown summary section"),
    (("amend", "--session", "1", "--summary", "topics", "--text", "x"), "SECTION:ITEM"),
    (("amend", "--homework", "S1.H9", "--text", "x"), "no homework 'S1.H9'"),
    (("amend", "--session", "2", "--homework", "S1.H1", "--text", "x"), "assigned in session 1"),
    (("amend", "--session", "1", "--seq", "3", "--text", ""), "non-empty --text"),
    (("amend", "--session", "1", "--seq", "3", "--text", "   "), "non-empty --text"),
    (("retract", "--session", "8", "--seq", "1"), "has no session 8"),
    (("retract", "--homework", "S4.H1"), "no homework 'S4.H1'"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_a_correction_of_nothing_is_refused_in_one_line_and_records_nothing(alicia, args, message):
    before = event_count(alicia.db)
    result = alicia(args[0], "alicia", *args[1:], "--reason", "why")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert event_count(alicia.db) == before


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_correction_without_a_reason_is_refused(alicia, reason):
    before = event_count(alicia.db)
    result = alicia("retract", "alicia", "--session", "1", "--seq", "2", "--reason", reason)
    assert result.exit_code == 1 and "needs a reason" in result.stderr
    assert event_count(alicia.db) == before


def test_a_retracted_entry_can_be_neither_amended_nor_retracted_again(alicia):
    _correct(alicia, "retract", "alicia", "--session", "1", "--seq", "4", "--reason", "wrong")
    before = event_count(alicia.db)
    amend = alicia(
        "amend", "alicia", "--session", "1", "--seq", "4", "--text", "x", "--reason", "r"
    )
    again = alicia("retract", "alicia", "--session", "1", "--seq", "4", "--reason", "r")
    for result in (amend, again):
        assert result.exit_code == 1 and "was retracted" in result.stderr
    assert event_count(alicia.db) == before


def test_an_amendment_to_the_same_text_is_refused(alicia):
    text = _entry(_replay(alicia, "--session", "1"), 1, 13)["text"]
    result = alicia(
        "amend", "alicia", "--session", "1", "--seq", "13", "--text", text, "--reason", "r"
    )
    assert result.exit_code == 1 and "already reads that text" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--session", "1", "--reason", "r"),  # no entry named
        ("--session", "1", "--seq", "2", "--homework", "S1.H1", "--reason", "r"),  # two
        ("--seq", "2", "--reason", "r"),  # no session for an entry
    ],
)
def test_a_correction_that_names_no_single_entry_is_bad_usage(alicia, args):
    assert alicia("retract", "alicia", *args).exit_code == 2


# --- the decision and the facade, without the CLI -----------------------------------------


def test_the_decision_is_pure_and_addresses_entries_as_documented():
    parsed = parse_transcript(seed("002").read_bytes(), seed("002").name)
    events = record_session(None, parsed, Target(uuid4(), "Alicia Rodriguez", 1), "t")
    client = project_client(None, events)
    assert client is not None

    def decide(**given: object):
        request = CorrectionRequest(**{"action": "amend", "text": "new", "reason": "r", **given})
        return decide_correction(client, events, request, actor="me")

    entry = decide(session=1, seq=13)
    assert isinstance(entry, EntryAmended) and entry.target == "entry"
    assert entry.originator_version == client.version + 1
    summary = decide(session=1, summary="Topics : 5")
    assert (summary.target, summary.section, summary.item) == ("summary", "topics", 5)
    homework = decide(homework_id="S1.H3")
    assert (homework.target, homework.session, homework.homework_id) == ("homework", 1, "S1.H3")
    retract = decide(action="retract", text=None, session=1, seq=1)
    assert isinstance(retract, EntryRetracted)
    with pytest.raises(SessionNotFound):
        decide(session=2, seq=1)
    with pytest.raises(EntryNotFound):
        decide(session=1, summary="techniques:5")
    with pytest.raises(InvalidCorrection):
        decide(session=1, seq=1, homework_id="S1.H1")
    # A retraction already recorded is seen in the session's events.
    later = project_client(client, [retract])
    assert later is not None
    request = CorrectionRequest("amend", session=1, seq=1, text="x", reason="r")
    with pytest.raises(InvalidCorrection, match="was retracted"):
        decide_correction(later, [*events, retract], request, actor="me")


def test_the_facade_keeps_corrections_as_of_a_session_and_reads_them_bounded(alicia, app):
    _correct(
        alicia, "amend", "alicia", "--session", "1", "--summary", "topics:1",
        "--text", "Grief", "--reason", "short",
    )  # fmt: skip
    record = Records(app).client("alicia")
    assert record.summary(1, at=AsOf(session=1)).topics[0] == "Grief"
    assert record.summary(1).topics[0] == "Grief"
    spans = app.get_client(record.id).spans
    assert spans[-1].kind == "correction" and spans[-1].session == 1
    assert record.summary(1, at=AsOf(version=spans[-1].first - 1)).topics[0].startswith("Recent")


def test_carry_forward_compares_a_later_item_with_the_amended_text(app):
    app.record_session(parsed(session=1, homework=("Walk outside after lunch",)), actor="t")
    cid = app.client_id_for("Jo Example")
    amend = CorrectionRequest(
        "amend", homework_id="S1.H1", text="Practice breathing exercises nightly", reason="r"
    )
    app.record_correction(cid, amend, actor="t")
    later = parsed(session=2, body="second", homework=("Continue practicing breathing exercises",))
    app.record_session(later, actor="t")
    views = {v.homework_id: v for v in Records(app).client("jo").homework()}
    assert views["S1.H1"].status == "carried_forward" and views["S1.H1"].carried_to == "S2.H1"
    assert views["S1.H1"].original_text == "Walk outside after lunch"


# --- fuzz ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Cli:
    cli = Cli(str(tmp_path_factory.mktemp("corrections") / "fuzz.db"))
    assert cli("ingest", str(seed("002")), str(seed("004"))).exit_code == 0
    return cli


numbers = st.one_of(
    st.integers(-3, 30), st.integers(), st.integers(min_value=2**62), st.just(2**64)
).map(str)
sections = st.one_of(
    st.tuples(
        st.sampled_from(["topics", "techniques", "helpful", "homework", "insights", "Moods", ""]),
        st.integers(-2, 12),
    ).map(lambda t: f"{t[0]}:{t[1]}"),
    st.text(max_size=30),
)
homework_ids = st.one_of(
    st.sampled_from(["S1.H1", "S1.H3", "S7.H1", "S8.H2", "S9.H1", "s1.h1", "S1.H", ""]),
    st.text(max_size=30),
)
texts = st.one_of(
    st.just("Corrected words"),
    st.text(max_size=50),
    st.sampled_from(["", " ", "\n", "é ✐ 中文 🙂", "\x00", "-x", "--help"]),
    st.integers(1000, 200_000).map(lambda n: "word " * n),
)
# (client, session): mostly sessions the record holds, so some corrections are recorded.
whose = st.one_of(
    st.sampled_from([("alicia", "1"), ("marcus", "8"), ("marcus", "7")]),
    st.tuples(st.sampled_from(["alicia", "marcus"]), numbers),
)
reasons = st.one_of(st.just("why"), texts)
targets = st.one_of(
    st.tuples(st.just("--seq"), st.one_of(st.integers(0, 14).map(str), numbers)),
    st.tuples(st.just("--summary"), sections),
    st.tuples(st.just("--homework"), homework_ids),
)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    action=st.sampled_from(["amend", "retract"]),
    whose=whose,
    target=targets,
    text=texts,
    reason=reasons,
    as_json=st.booleans(),
)
@example(
    action="amend", whose=("alicia", "1"), target=("--seq", "3"),
    text="word " * 100_000, reason="long", as_json=False,
)  # fmt: skip
@example(
    action="retract", whose=("marcus", "7"), target=("--homework", "S7.H1"),
    text="", reason="quoted only", as_json=True,
)  # fmt: skip
def test_any_correction_arguments_are_answered_with_0_or_1_and_never_a_traceback(
    fuzzed, action, whose, target, text, reason, as_json
):
    client, session = whose
    args = [action, client, "--session", session, *target, "--reason", reason]
    if action == "amend":
        args += ["--text", text]
    if as_json:
        args.append("--json")
    before = event_count(fuzzed.db)
    result = fuzzed(*args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    event(f"exit {result.exit_code}")
    if result.exit_code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert event_count(fuzzed.db) == before
    else:
        assert event_count(fuzzed.db) == before + 1
