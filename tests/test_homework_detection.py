"""Dialogue homework measured against labelled professional turns.

``tests/fixtures/homework/tune.jsonl`` holds the turns the rules were tuned on;
``heldout.jsonl`` holds turns kept back while they were written, so its figures
say how the rules generalise. Each line is one professional turn:
``{"id", "text", "homework": [expected items, in order], "kind"}``.

How a detected item is matched to an expected one:

- both texts are normalised: quotes made straight (``plain``), casefolded,
  runs of whitespace made one space, trailing ``. ! ? ; :`` stripped, and a
  leading "to " stripped;
- a detected item matches an expected item of the same turn when the
  normalised texts are equal, or when their token sets (the normalised text
  split at spaces) overlap by ``|A ∩ B| / max(|A|, |B|) >= 0.8``;
- each expected item is matched at most once: the detected items are taken
  in order, each matching the first still unmatched expected item it can.

Precision is matched detected items / all detected items, and recall is
matched expected items / all expected items, both over the whole file.
Run ``pytest -s`` to see the figures printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from caselog.adapters.parsing.homework import dialogue_homework
from caselog.adapters.parsing.text import plain
from caselog.domain.transcript import LineSpan, StageDirection, Utterance

FIXTURES = Path(__file__).parent / "fixtures" / "homework"

TUNE_PRECISION, TUNE_RECALL = 0.95, 0.90
# What the rules reached on the held-out turns in their one run (precision 0.966,
# recall 0.757 of 74 items), rounded down to the tenth: a guard against
# regression, not a target to tune to.
HELDOUT_PRECISION, HELDOUT_RECALL = 0.9, 0.7


def _turn(text: str, role: str = "professional") -> Utterance:
    speaker = "Therapist" if role == "professional" else "Client"
    return Utterance(role=role, speaker=speaker, text=text, lines=LineSpan(first=1, last=1))


def _found(text: str) -> list[str]:
    return [h.text for h in dialogue_homework([_turn(text)])]


def _normal(text: str) -> str:
    text = re.sub(r"\s+", " ", plain(text).casefold()).strip().rstrip(".!?;:").strip()
    return text[3:] if text.startswith("to ") else text


def _matches(detected: str, expected: str) -> bool:
    a, b = _normal(detected), _normal(expected)
    if a == b:
        return True
    ta, tb = set(a.split()), set(b.split())
    return bool(ta and tb) and len(ta & tb) / max(len(ta), len(tb)) >= 0.8


def _score(name: str) -> tuple[float, float, int, list[str]]:
    """Precision, recall, the number of expected items, and a line per mistake."""
    detected = expected = matched = 0
    mistakes: list[str] = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        found = _found(row["text"])
        free = list(row["homework"])
        for item in found:
            hit = next((e for e in free if _matches(item, e)), None)
            if hit is None:
                mistakes.append(f"{row['id']} ({row['kind']}): wrong item {item!r}")
            else:
                free.remove(hit)
                matched += 1
        mistakes.extend(f"{row['id']} ({row['kind']}): missed {e!r}" for e in free)
        detected += len(found)
        expected += len(row["homework"])
    precision = matched / detected if detected else 1.0
    recall = matched / expected if expected else 1.0
    return precision, recall, expected, mistakes


def _report(label: str, name: str) -> tuple[float, float]:
    p, r, n, mistakes = _score(name)
    print(f"{label}: precision {p:.3f} recall {r:.3f} ({n} items)")
    for mistake in mistakes:
        print(f"  {mistake}")
    return p, r


def test_tune_set_precision_and_recall():
    p, r = _report("tune", "tune.jsonl")
    assert p >= TUNE_PRECISION and r >= TUNE_RECALL


def test_heldout_set_precision_and_recall():
    p, r = _report("heldout", "heldout.jsonl")
    assert p >= HELDOUT_PRECISION and r >= HELDOUT_RECALL


def test_the_matching_rule_normalises_quotes_case_and_a_leading_to():
    assert _matches("To write ‘one’ letter.", "write 'one' letter")
    assert _matches("walk for 15 minutes every single day", "walk for 15 minutes every day")
    assert not _matches("walk", "walk for 15 minutes a day")


# Behaviours


def test_a_quoted_request_is_not_homework():
    assert _found("Your sister said, ‘This week I'd like you to call Mum every day,’ right?") == []
    assert _found('Your coach texted, "For homework, please run five miles daily." Ouch.') == []
    # An item may still contain a quotation.
    assert _found("This week, I'd like you to notice each ‘should’ and write it down.") == [
        "notice each ‘should’ and write it down"
    ]


def test_someone_elses_reported_request_is_not_homework():
    text = "Your boss said she'd like you to finish the report this week. How did that feel?"
    assert _found(text) == []


def test_quantity_commas_stay_in_one_item():
    text = "Let's set a goal to walk for 15 minutes a day, five days out of seven, before we meet."
    assert _found(text) == ["walk for 15 minutes a day, five days out of seven, before we meet"]


def test_inline_action_items_split_at_semicolons_before_commas():
    text = "Action items: walk 15 minutes a day, five days out of seven; call your sponsor twice."
    assert _found(text) == [
        "walk 15 minutes a day, five days out of seven",
        "call your sponsor twice",
    ]


def test_a_question_about_last_weeks_homework_is_not_homework():
    assert _found("Were you able to keep the sleep diary I asked you to keep last week?") == []
    assert _found("Your homework last week was to track your mood. How did that go?") == []
    assert _found("Last week's homework was:\n1. Track your mood daily\n2. Walk twice") == []


def test_an_exercise_in_the_session_is_not_homework():
    assert _found("Let's try it now. I'd like you to close your eyes for a moment.") == []
    assert _found("Right now, I want you to picture the safe place each evening.") == []
    assert _found("Could you rate your anxiety right now, from 0 to 10?") == []


def test_try_after_a_cue_and_words_before_the_cue_are_dropped():
    assert _found("If the urge comes this week, I'd like you to try to wait ten minutes.") == [
        "wait ten minutes"
    ]


def test_a_request_without_a_time_frame_is_not_homework():
    assert _found("I'd like you to describe what happened on Saturday.") == []
    assert _found("I want you to know that none of this was your fault.") == []


def test_a_clients_turn_is_never_read():
    said = "For homework, I'd like you to write a letter to my sister before next session."
    assert dialogue_homework([_turn(said, role="client")]) == []
    entries = [
        _turn(said, role="client"),
        StageDirection(text="( nods )", lines=LineSpan(first=2, last=2)),
        _turn("Before our next session, I'd like you to list three wins."),
    ]
    assert [(h.text, h.utterance) for h in dialogue_homework(entries)] == [("list three wins", 3)]
