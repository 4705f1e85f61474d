"""The live write paths never store a silently wrong record: a turn's speaker must be who
its role is (one rule, ``domain/speakers.py``, for the typed API and ``caselog record``),
a resumed session keeps what it was opened with, and an idempotency key names one call.
Real SQLite files under tmp_path; the command line as real processes."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest

from caselog.adapters.store import open_store
from caselog.domain.errors import InvalidLiveInput, SessionConflict
from caselog.domain.events import UtteranceRecorded
from caselog.projections.asof import AsOf
from tests.conftest import event_count
from tests.test_cli_record import caselog

ROWAN = "Rowan Vale"
WARD = "Dr. Ines Ward"


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "fidelity.db")


@pytest.fixture
def store(db):
    with open_store(db, create=True, actor=WARD) as opened:
        yield opened


def _record(db, *options: str, stdin: str):
    """``caselog record`` of Rowan's session 1 with Dr. Ward, reading ``stdin``."""
    return caselog(
        db, "record", ROWAN, "--session", "1", "--professional", WARD, *options, stdin=stdin
    )


def _turns(store, name: str = ROWAN) -> list[tuple[str, str, str]]:
    cid = store.client_id(name)
    return [
        (e.role, e.speaker, e.text)
        for e in store.app.client_events(cid)
        if isinstance(e, UtteranceRecorded)
    ]


# --- the typed API: whose words a turn is ----------------------------------------------


def test_a_client_turn_by_somebody_else_is_refused_naming_the_speaker_and_the_client(store, db):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("client", "Hello.")
    before = event_count(db)
    with pytest.raises(InvalidLiveInput) as caught:
        live.say("client", "I am his brother.", speaker="Somebody Else")
    assert str(caught.value).startswith("'Somebody Else' is not the client, Rowan Vale")
    assert "--role 'Somebody Else=client'" in str(caught.value)
    assert event_count(db) == before
    assert _turns(store) == [("client", ROWAN, "Hello.")]


@pytest.mark.parametrize(
    "speaker",
    [
        "Rowan",
        "Rowan Vale",
        "rowan vale",
        "R. Vale",
        "R.V.",
        "Mr. Vale",
        "Client",
        "Patient",
        "Ｒｏｗａｎ",  # full width
        unicodedata.normalize("NFD", "Rowan Vale"),
    ],
)
def test_a_client_turn_by_a_name_of_the_client_is_theirs(store, speaker):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("client", "I kept waking at four.", speaker=speaker)
    assert _turns(store) == [("client", speaker, "I kept waking at four.")]


@pytest.mark.parametrize(
    ("speaker", "message"),
    [
        ("Ines", "'Ines' is not the client, Rowan Vale: it names the session's professional"),
        ("Dr. Ward", "'Dr. Ward' is not the client, Rowan Vale: it names the session's"),
        ("Therapist", "'Therapist' is not the client, Rowan Vale: it names the session's"),
        ("Dr. Vale", "'Dr. Vale' is not the client, Rowan Vale;"),  # a clinical title
        ("Rowan Price", "'Rowan Price' is not the client, Rowan Vale;"),
        ("Row", "'Row' is not the client, Rowan Vale;"),  # a prefix is no name
        ("Ro\u200bwa", "is not the client, Rowan Vale;"),
    ],
)
def test_a_client_turn_by_a_label_that_is_not_the_client_is_refused(store, db, speaker, message):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("professional", "Welcome.")
    before = event_count(db)
    with pytest.raises(InvalidLiveInput) as caught:
        live.say("client", "Words.", speaker=speaker)
    assert message in str(caught.value)
    assert event_count(db) == before


@pytest.mark.parametrize(
    "speaker",
    ["Rowan", "Mr. Vale", "R. Vale", "Patient", "Ro\u200bwan", "ＲＯＷＡＮ", "Row\u00adan"],
)
def test_a_professional_turn_that_names_the_client_is_refused(store, db, speaker):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("client", "Hello.")
    before = event_count(db)
    with pytest.raises(InvalidLiveInput, match="names the session's client, Rowan Vale"):
        live.say("professional", "Words put in the wrong mouth.", speaker=speaker)
    assert event_count(db) == before


def test_a_professional_turn_by_a_colleague_is_theirs(store):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("professional", "I am covering today.", speaker="Dr. Lee")
    assert _turns(store) == [("professional", "Dr. Lee", "I am covering today.")]


def test_a_label_naming_both_participants_is_refused_for_either_role(store):
    live = store.client("Noor Haddad").session(1, professional="Dr. Nadia Haddad")
    live.say("client", "Hello.")
    for role in ("client", "professional"):
        with pytest.raises(InvalidLiveInput, match=r"'Haddad' is not clearly the .* names both"):
            live.say(role, "Whose?", speaker="Haddad")


def test_roles_give_a_label_its_role_as_record_role_does(store):
    live = store.client(ROWAN).session(
        1, professional=WARD, roles={"Sam": "client", "T": "professional"}
    )
    live.say("client", "I go by Sam here.", speaker="sam")
    live.say("professional", "Noted.", speaker="T")
    with pytest.raises(InvalidLiveInput, match="'T' was given the professional's role"):
        live.say("client", "Swapped.", speaker="T")
    assert _turns(store) == [
        ("client", "sam", "I go by Sam here."),
        ("professional", "T", "Noted."),
    ]


def test_two_clients_with_one_first_name_each_keep_their_own_words(store):
    store.client("Rowan Price").session(1).say("client", "I am Rowan Price.")
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("client", "I am Rowan Vale.", speaker="Rowan")
    with pytest.raises(InvalidLiveInput, match="'Rowan Price' is not the client, Rowan Vale"):
        live.say("client", "Filed under the wrong Rowan.", speaker="Rowan Price")
    assert _turns(store) == [("client", "Rowan", "I am Rowan Vale.")]
    assert _turns(store, "Rowan Price") == [("client", "Rowan Price", "I am Rowan Price.")]


# --- a resumed session keeps what it was opened with ------------------------------------


def test_resuming_with_another_professional_or_date_is_refused_and_records_nothing(store, db):
    store.client(ROWAN).session(1, date=dt.date(2026, 5, 4), professional=WARD).say(
        "client", "Hello."
    )
    before = event_count(db)
    with pytest.raises(SessionConflict, match=r"professional 'Dr\. Sam Lee' \(it was opened"):
        store.client(ROWAN).session(1, professional="Dr. Sam Lee")
    with pytest.raises(SessionConflict, match=r"date 2026-05-11 \(it was opened with 2026-05-04\)"):
        store.client(ROWAN).session(1, date=dt.date(2026, 5, 11))
    assert event_count(db) == before
    # The same opening again, or none, goes on with it.
    store.client(ROWAN).session(1, date=dt.date(2026, 5, 4), professional="ines ward").say(
        "client", "Again."
    )
    store.client(ROWAN).session(1).say("client", "Third.")
    assert [t[2] for t in _turns(store)] == ["Hello.", "Again.", "Third."]


def test_a_writer_that_lost_the_race_to_open_is_refused_not_filed_under_the_others(store, db):
    # Both open session 1 before either writes: the second learns of the first at its write.
    first = store.client(ROWAN).session(1, professional=WARD)
    with open_store(db) as other:
        second = other.client(ROWAN).session(1, professional="Dr. Sam Lee")
        first.say("client", "Hello.")
        before = event_count(db)
        with pytest.raises(SessionConflict, match=r"Dr\. Sam Lee"):
            second.say("professional", "I am Dr. Lee.")
        assert event_count(db) == before
    (session,) = store.records.client(ROWAN).sessions()
    assert session.professional == WARD


def test_a_writer_given_no_professional_speaks_as_the_one_the_session_was_opened_with(store, db):
    first = store.client(ROWAN).session(1, professional=WARD)
    with open_store(db) as other:
        second = other.client(ROWAN).session(1)
        first.say("client", "Hello.")
        said = second.say("professional", "Welcome.")
    assert said.events[0].speaker == WARD


def test_record_resumed_with_another_professional_or_date_is_refused(db):
    first = _record(
        db,
        "--date",
        "2026-05-04",
        stdin="Rowan: Hello.\n",
    )
    assert first.returncode == 0, first.stderr
    before = event_count(db)
    for flag, value in (("--professional", "Dr. Sam Lee"), ("--date", "2026-05-11")):
        run = caselog(db, "record", ROWAN, "--session", "1", flag, value, stdin="Rowan: More.\n")
        assert run.returncode == 1
        assert run.stderr.startswith("error: session 1 of Rowan Vale is already begun")
    assert event_count(db) == before
    same = _record(db, stdin="Rowan: More.\n")
    assert same.returncode == 0, same.stderr


# --- an idempotency key names one call --------------------------------------------------


def test_a_key_reused_with_other_words_is_refused_not_dropped(store, db):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("client", "I slept well.", idempotency_key="k1")
    before = event_count(db)
    with pytest.raises(InvalidLiveInput, match="idempotency key 'k1' was given to another call"):
        live.say("client", "I did not sleep at all.", idempotency_key="k1")
    with pytest.raises(InvalidLiveInput, match="idempotency key 'k1'"):
        live.say("professional", "I slept well.", idempotency_key="k1")
    with pytest.raises(InvalidLiveInput, match="idempotency key 'k1'"):
        live.direct("I slept well.", idempotency_key="k1")
    with open_store(db) as other:  # another process, that never saw the first call
        with pytest.raises(InvalidLiveInput, match="idempotency key 'k1'"):
            other.client(ROWAN).session(1).say("client", "Other words.", idempotency_key="k1")
        again = other.client(ROWAN).session(1).say("client", "I slept well.", idempotency_key="k1")
    assert again.repeated and again.seq == 1
    assert event_count(db) == before


def test_a_retried_summary_or_assignment_is_one_call_and_a_changed_one_is_refused(store, db):
    from caselog.domain.live import SessionSummary

    live = store.client(ROWAN).session(1)
    summary = SessionSummary(topics=("Sleep",), homework=("Keep a diary",), idempotency_key="s")
    live.summarize(summary)
    live.assign("Walk daily", idempotency_key="a")
    live.say("client", "Later words.")
    before = event_count(db)
    assert live.summarize(summary).repeated
    assert live.assign("Walk daily", idempotency_key="a").repeated
    with pytest.raises(InvalidLiveInput, match="idempotency key 's'"):
        live.summarize(summary.model_copy(update={"topics": ("Sleep", "Work")}))
    with pytest.raises(InvalidLiveInput, match="idempotency key 'a'"):
        live.assign("Run daily", idempotency_key="a")
    assert event_count(db) == before


# --- caselog record: the same rule on the command line -----------------------------------


def test_record_jsonl_refuses_a_client_name_hidden_by_a_zero_width_character(db):
    line = json.dumps({"speaker": "Ro\u200bwan", "role": "professional", "text": "Swapped."})
    run = _record(db, "--jsonl", stdin=line + "\n")
    assert run.returncode == 1
    assert "names the session's client, Rowan Vale" in run.stderr


def test_record_jsonl_refuses_an_extra_field_naming_it(db):
    line = json.dumps({"speaker": "Rowan", "role": "client", "text": "Hi.", "mood": "low"})
    run = caselog(db, "record", ROWAN, "--session", "1", "--jsonl", stdin=line + "\n")
    assert run.returncode == 1
    assert "Say mood: Extra inputs are not permitted" in run.stderr


def test_record_takes_a_label_given_the_client_role_and_the_api_agrees(db):
    run = _record(
        db,
        "--role",
        "Sam=client",
        stdin="Sam: I go by Sam.\n\nDr. Ward: Noted.\n",
    )
    assert run.returncode == 0, run.stderr
    with open_store(db) as store:
        assert _turns(store) == [
            ("client", "Sam", "I go by Sam."),
            ("professional", "Dr. Ward", "Noted."),
        ]


def test_record_refuses_a_label_that_is_the_professionals_first_name_as_the_client(db):
    line = json.dumps({"speaker": "Ines", "role": "client", "text": "Swapped."})
    run = _record(db, "--jsonl", stdin=line + "\n")
    assert run.returncode == 1
    assert "'Ines' is not the client, Rowan Vale: it names the session's professional" in run.stderr


# --- naming the client ------------------------------------------------------------------


def test_a_client_named_with_an_invisible_character_is_the_recorded_client_not_a_new_one(store):
    store.client(ROWAN).session(1).say("client", "Hello.")
    pasted = "Rowan\u200b Vale"  # a zero-width space, as pasted from a chat window
    store.client(pasted).session(1).say("client", "Again.")
    assert [name for _, name in store.app.registered_clients()] == [ROWAN]
    assert [t[2] for t in _turns(store)] == ["Hello.", "Again."]


def test_record_for_a_name_with_an_invisible_character_records_for_the_recorded_client(db):
    assert caselog(db, "record", ROWAN, "--session", "1", stdin="Rowan: Hello.\n").returncode == 0
    run = caselog(db, "record", "Rowan\u2060 Vale", "--session", "1", stdin="Rowan: Again.\n")
    assert run.returncode == 0, run.stderr
    with open_store(db) as store:
        assert [name for _, name in store.app.registered_clients()] == [ROWAN]
        assert [t[2] for t in _turns(store)] == ["Hello.", "Again."]


@pytest.mark.parametrize(
    "line",
    [
        "Dr. Ines Ward, PhD: What woke you?",
        "Ines Ward, LCSW, RN: What woke you?",
        "Ward, Psy.D.: Hm?",
    ],
)
def test_record_refuses_a_participant_label_with_credentials_rather_than_glue_it(db, line):
    run = _record(
        db,
        stdin=f"Rowan: I slept badly.\n{line}\n",
    )
    assert run.returncode == 1
    assert "credentials after a comma are not read" in run.stderr
    with open_store(db) as store:  # the turn before stays the client's own words
        assert _turns(store) == [("client", "Rowan", "I slept badly.")]


def test_record_reads_a_label_with_an_invisible_character_as_the_participants_turn(db):
    run = _record(
        db,
        stdin="Dr. Ward: What woke you?\nRo\u200bwan: The week ahead.\n",
    )
    assert run.returncode == 0, run.stderr
    with open_store(db) as store:
        assert _turns(store) == [
            ("professional", "Dr. Ward", "What woke you?"),
            ("client", "Rowan", "The week ahead."),
        ]


def test_words_that_address_a_participant_stay_words(db):
    run = _record(
        db,
        stdin="Dr. Ward: Good.\nRowan, listen: this matters.\n",
    )
    assert run.returncode == 0, run.stderr
    with open_store(db) as store:
        assert _turns(store) == [
            ("professional", "Dr. Ward", "Good.\nRowan, listen: this matters."),
        ]


def test_record_jsonl_retries_a_line_by_its_own_key_across_runs_and_refuses_it_changed(db):
    def line(text: str) -> str:
        return json.dumps({"speaker": "Rowan", "text": text, "idempotency_key": "t1"}) + "\n"

    assert (
        caselog(db, "record", ROWAN, "--session", "1", "--jsonl", stdin=line("Hi.")).returncode == 0
    )
    before = event_count(db)
    again = caselog(db, "record", ROWAN, "--session", "1", "--jsonl", stdin=line("Hi."))
    assert again.returncode == 0, again.stderr
    changed = caselog(db, "record", ROWAN, "--session", "1", "--jsonl", stdin=line("Bye."))
    assert changed.returncode == 1
    assert "idempotency key 't1' was given to another call" in changed.stderr
    assert event_count(db) == before


def test_record_jsonl_refuses_a_line_that_says_where_it_was_read(db):
    text = json.dumps({"speaker": "Rowan", "text": "Hi.", "lines": [40, 41]}) + "\n"
    run = caselog(db, "record", ROWAN, "--session", "1", "--jsonl", stdin=text)
    assert run.returncode == 1
    assert "unexpected field 'lines'" in run.stderr


def test_a_first_step_retried_under_the_openings_own_key_is_one_call(store, db):
    live = store.client(ROWAN).session(1, idempotency_key="k")
    live.say("client", "Hello.", idempotency_key="k")
    before = event_count(db)
    assert store.client(ROWAN).session(1).say("client", "Hello.", idempotency_key="k").repeated
    with pytest.raises(InvalidLiveInput, match="idempotency key 'k'"):
        store.client(ROWAN).session(1).say("client", "Goodbye.", idempotency_key="k")
    assert event_count(db) == before


@pytest.mark.parametrize(
    "speaker", ["Dr. Lee\nRowan", "Dr. Lee\rRowan", "Dr.\x1b[2K Lee", "Lee\u2028Rowan"]
)
def test_a_speaker_with_a_line_break_or_control_character_is_refused(store, db, speaker):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("client", "Hello.")
    before = event_count(db)
    refused = "Say speaker: expected one line without line breaks"
    with pytest.raises(InvalidLiveInput, match=refused):
        live.say("professional", "Forged.", speaker=speaker)
    assert event_count(db) == before


@pytest.mark.parametrize(
    "text",
    [
        "Good.\nRowan Vale: I want to stop coming.",
        "Good.\n**Rowan**: I want to stop coming.",
        "Good.\n  Client: I want to stop coming.",
        "Good.\nDr. Ward: and I agree.",
    ],
)
def test_words_with_a_line_that_reads_as_a_participants_turn_are_refused(store, db, text):
    live = store.client(ROWAN).session(1, professional=WARD)
    live.say("client", "Hello.")
    before = event_count(db)
    with pytest.raises(InvalidLiveInput, match="line 2 of the words reads as a turn of"):
        live.say("professional", text)
    with pytest.raises(InvalidLiveInput, match="line 2 of the words reads as a turn of"):
        live.direct(f"(pauses)\n{text.splitlines()[1]}")
    assert event_count(db) == before


def test_words_over_several_lines_with_a_note_or_a_time_stay_one_turn(store):
    live = store.client(ROWAN).session(1, professional=WARD)
    text = "I wrote it down.\nSituation: the Sunday call.\nAt 10:30: I rang her."
    live.say("client", text)
    assert _turns(store) == [("client", ROWAN, text)]


def test_record_jsonl_refuses_words_that_carry_another_turn(db):
    line = json.dumps({"speaker": "Dr. Ward", "text": "Good.\nRowan: I want to stop."})
    run = _record(
        db,
        "--jsonl",
        stdin=line + "\n",
    )
    assert run.returncode == 1
    assert "reads as a turn of 'Rowan'" in run.stderr


# --- the machine's clock going back -----------------------------------------------------


def test_a_clock_turned_back_leaves_no_hole_in_the_record_as_it_stood(store, monkeypatch):
    from caselog.domain import recording

    start = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)
    clock = [start]
    monkeypatch.setattr(recording, "now", lambda: clock[0])
    live = store.client(ROWAN).session(1, professional=WARD)
    for minutes, role, text in ((0, "client", "One."), (5, "professional", "Two.")):
        clock[0] = start + dt.timedelta(minutes=minutes)
        live.say(role, text)
    for minutes, role, text in ((1, "client", "Three."), (2, "professional", "Four.")):
        clock[0] = start + dt.timedelta(minutes=minutes)  # the clock has gone back
        live.say(role, text)
    cid = store.client_id(ROWAN)
    stamps = [e.timestamp for e in store.app.client_events(cid)]
    assert stamps == sorted(stamps)
    moment = AsOf(recorded_before=start + dt.timedelta(minutes=3))
    seen = store.records.client(ROWAN).history(session=1, at=moment)
    # As it stood at 10:03: the first turn only, never a later one without the one before.
    assert [e.text for e in seen if e.kind == "utterance"] == ["One."]
