"""Homework the professional assigns in the dialogue, for sessions without a summary.

Precision comes first: a wrong homework item is recorded as an assignment
and followed up in later sessions, while a missed one can be added by hand.
So only the professional's turns are read, a task counts only when a cue
assigns it and the sentence places it between sessions, and anything that
looks like the room, the past or someone else's words is left out. Cues are
read with quotes made straight and case ignored; items are taken from the
turn as written (typographic quotes and capitals kept).

What is set aside first:

- text after "possible response" (a generator drafting what the professional
  might say, not saying it);
- quotations — ‘…’, “…”, '…', "…", an apostrophe inside a word being no
  quote — are masked, so that a cue inside one never fires ("Your boss said,
  ‘Before our next meeting, I'd like you to finish the report,’"); an item may
  still contain one ("catch yourself ‘mind reading’ in meetings");
- a clause offering contact ("…, and don't hesitate to reach out before our
  next session", "feel free to …"): its time frame frames nothing.

Lists. A run of bulleted or numbered lines (blank lines between allowed)
gives one item per line, as written, when the sentence just before it
assigns: it names homework, an assignment, action items, next steps or
practice ("So to sum up your homework:", "Next steps:", "Your practice for
the week:"), asks something of the client ("I'd like you to focus on
these:", "Here's what I'm asking of you both this week:"), or sets a time
frame ahead ("Here's the plan until our next session:", "Okay, so before
next week:") — and neither looks back nor speaks of "us"/"we" ("Last week's
homework was:", "Today I'd like us to cover a few things:", "We covered:").
List lines, and the header of a list of homework, are never read as
sentences.

Sentences (ended by . ! ? or a line end; "2 p.m. each day" and "St. Luke's"
end none). Each gives at most one item, from its first cue that counts, up
to the end of the sentence with inner commas, "and", colons and dashes kept
("walk for 15 minutes a day, five days out of seven, before we meet again"
is one item). What comes before the cue is dropped ("This week,", "If the
panic starts on the train,"), and so are "try (to)" right after a cue and an
announcing "do one thing this week:". The cues:

- a request: "I'd (really/also) like you (both) to", "I want you to", "I'd
  encourage you to", "I'm going to ask you to", "I'd suggest you",
  "please …", "don't forget to", "remember to", "make sure to";
- a request question opening the sentence or a clause and ending it with a
  question mark: "Could you …?", "Can you …?", "Would you be willing/open
  to …?", "Are you willing to …?";
- a joint goal: "let's make it a goal that you", "let's agree (that)
  you'll", "can we agree you'll", "let's set a goal for you to / to / of",
  "let's make a plan for you to", "how about you …";
- homework by name: "your homework (this week) is to", "the assignment for
  this week is to", "your task this week is to", "Homework for this week:
  …", and "action items:" / "next steps:" followed by an inline list — the
  one inline list that is split: at semicolons if any, else at commas,
  else at " and ";
- an imperative opening the sentence, or following a colon, after "So,",
  "And" or a time or condition clause with its comma ("Keep practicing …",
  "When you get home, make a list …", "Try to eat …");
- "First, …", "Second, …", "Finally, …" after a sentence announcing the
  things to do ("Two things for this week.", "So there are two things I'd
  like you to do before next session."); such an announcement, like
  "Here's what I want you to do this week:", gives no item itself (the
  text after its colon is the item).

A cue counts when the sentence places the task between sessions: a time
frame ahead ("this week", "before we meet again", "each morning", "three
times a day", "next time", "until our next appointment", "for the next two
weeks", "by Friday", "on Sunday" unless the sentence tells of the past) or
the word homework; for a request, question or goal also an occasion ahead
("whenever", "any time"), and for a bare imperative nothing less than a time
frame ("Whenever you feel stressed, take a deep breath" is advice). A cue
counts without a time frame when the task carries on a practice ("keep
using the urge log", "continue the …"), when a goal names "you" ("let's
agree that you'll call your sponsor …"), when the sentence follows on an item
of the same turn ("Also, I'd like you to …", "And could you …?", "I'd also
like you to …"), or when the sentence just before announced homework
without assigning it ("I want to leave you with a homework assignment.",
"I'd like to give you a small exercise to try before our next session.").

A cue never counts when the sentence works in the room ("right now", "for a
moment", "before we move on", "in this room", "close your eyes"), when it
makes an offer to take up or not ("if you like", "no pressure"), when
someone other than I/we/you is reported before it ("your coach said …"),
or when its task is to talk to the professional or to take something in
("tell me", "ask me", "let me know", "know", "hear", "imagine", "picture",
"feel", "hold onto", "keep in mind"), is a kind word ("take care", "go
gently", "rest"), forbids ("don't …"), or only names what is to come ("an
experiment this week"). Homework named in the past ("Your homework this
past week was to …", "Last week's action items were: …") assigns nothing.
Requests in the past ("I asked you to", "you were going to"), negated ones
("I don't want you to …"), offers, hypotheticals, psychoeducation,
scheduling and the professional's own tasks have no cue at all.

Cost: a turn with no word of a request, reminder, homework or goal and no
word of a time frame ahead (both looked up as plain substrings or words)
is done at once; so is one whose only such words are a time frame without
a question, an announcement, a list or a sentence opening with an
imperative. Only the other turns are split into sentences.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Literal

from caselog.domain.transcript import Entry, HomeworkItem, Utterance

from .text import plain


def dialogue_homework(entries: Sequence[Entry]) -> list[HomeworkItem]:
    found: list[HomeworkItem] = []
    seen: set[str] = set()
    for seq, entry in enumerate(entries, start=1):
        if not isinstance(entry, Utterance) or entry.role != "professional":
            continue
        for text in turn_homework(entry.text):
            if text.casefold() not in seen:
                seen.add(text.casefold())
                found.append(HomeworkItem(text=text, source="dialogue", utterance=seq))
    return found


def turn_homework(raw: str) -> list[str]:
    """The homework items of one professional turn, in the order they are said."""
    lowered = _lower(raw)
    if "possible response" in lowered:
        m = _QUOTED_DRAFT.search(lowered)
        if m is not None:
            raw, lowered = raw[: m.start()], lowered[: m.start()]
    cues = _Cues(lowered)
    if not cues.any:
        return []
    # Cues are read in ``masked`` (quotes straight, quotations masked); items are
    # taken from ``raw`` at the same offsets, with their typographic quotes.
    masked = _mask_quotes(raw, plain(raw))
    hits: list[tuple[int, str]] = []
    if "\n" in raw:
        masked = _lists(raw, masked, hits)
    _sentences_items(raw, masked, cues, hits)
    hits.sort(key=lambda h: h[0])
    return [item for _, item in hits]


_QUOTED_DRAFT = re.compile(r"\bpossible response\b")


def _lower(text: str) -> str:
    """``text`` lower-cased letter for letter, so that offsets hold in both."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --- The cheap test ---------------------------------------------------------

_REQUEST_WORDS = ("you to", "you both to", "you two to", "you all to", "please", "suggest",
                  "recommend")  # fmt: skip
_REMIND_WORDS = ("forget", "remember", "make sure", "be sure")
_LABEL_WORDS = ("homework", "assignment", "action item", "next step")
# Other names of homework, counted only in "your task … is to …".
_TASK_WORDS = ("task", "challenge", "experiment")
_TASK_IS = ("is to ", "be to ", "is that you")
_GOAL_WORDS = ("goal", "agree", "how about", "plan for you", "plan that you", "aim for you",
               "aim that you")  # fmt: skip
_STRONG_WORDS = _REQUEST_WORDS + _REMIND_WORDS + _LABEL_WORDS + _GOAL_WORDS
_QUESTION_WORDS = ("could you", "can you", "would you", "will you", "might you", "are you")
# Words of an announcement ("Two things for this week.") or of a sentence
# announcing homework ("I'd like to give you a small exercise to try before …").
_ANNOUNCE_WORDS = ("thing", "task", "step", "exercise", "homework", "assign", "challenge",
                   "experiment", "practice", "to do", "to try")  # fmt: skip
# Words of a time frame ahead: without a cue word above, a cue needs one.
_FRAME_WORDS = frozenset((
    "week", "weeks", "weekend", "weekends", "weeknight", "weeknights", "weekday", "weekdays",
    "day", "days", "daily", "night", "nights", "nightly", "weekly", "morning", "mornings",
    "evening", "evenings", "afternoon", "afternoons", "next", "before", "until", "till",
    "between", "twice", "tonight", "tomorrow", "bed", "bedtime", "home", "coming", "whenever",
    "anytime", "forward", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays",
    "sundays",
))  # fmt: skip
# The same followed by punctuation, for a test on ``str.split()``.
_FRAME_TOKENS = frozenset(w + p for w in _FRAME_WORDS for p in ("", ".", ",", "?", "!", ";", ":"))


class _Cues:
    """Which kinds of cue one turn (lower-cased) may hold, by its words alone."""

    __slots__ = ("announce", "any", "goal", "label", "question", "remind", "request")

    def __init__(self, lowered: str) -> None:
        task_is = any(w in lowered for w in _TASK_IS)
        strong = any(w in lowered for w in _STRONG_WORDS) or (
            task_is and any(w in lowered for w in _TASK_WORDS)
        )
        self.question = "?" in lowered and any(w in lowered for w in _QUESTION_WORDS)
        # Without a word of a request, a reminder, homework or a goal, a cue needs a
        # time frame, and then a question, an announcement, a list or an imperative
        # opening a sentence.
        self.any = strong or (
            not _FRAME_TOKENS.isdisjoint(lowered.split())
            and (
                self.question
                or any(w in lowered for w in _ANNOUNCE_WORDS)
                or "\n" in lowered
                or _opens_imperative(lowered)
            )
        )
        if not self.any:
            return  # the turn is done; nothing reads the kinds below
        self.request = _Words(lowered, _REQUEST_WORDS)
        self.remind = _Words(lowered, _REMIND_WORDS)
        self.label = _Words(lowered, _LABEL_WORDS + _TASK_WORDS if task_is else _LABEL_WORDS)
        self.goal = _Words(lowered, _GOAL_WORDS)
        self.announce = _Words(lowered, _ANNOUNCE_WORDS)


class _Words:
    """Whether words of one kind are in a turn, and where they start (found when asked)."""

    __slots__ = ("lowered", "present", "starts", "words")

    def __init__(self, lowered: str, words: tuple[str, ...]) -> None:
        self.lowered = lowered
        self.words = words
        self.present = any(w in lowered for w in words)
        self.starts: list[int] | None = None

    def __bool__(self) -> bool:
        return self.present

    def within(self, start: int, stop: int) -> bool:
        """Whether one of the words starts in ``[start, stop)`` (offsets in the turn)."""
        if not self.present:
            return False
        if self.starts is None:
            starts: list[int] = []
            for w in self.words:
                i = self.lowered.find(w)
                while i >= 0:
                    starts.append(i)
                    i = self.lowered.find(w, i + 1)
            starts.sort()
            self.starts = starts
        i = bisect_left(self.starts, start)
        return i < len(self.starts) and self.starts[i] < stop


_EVERYWHERE = (0, 1 << 62)
_EVERY_CUE = _Cues("you to remember homework goal could you? thing")


def _opens_imperative(lowered: str) -> bool:
    """Whether a sentence or clause of the turn may open with an imperative."""
    if _IMPERATIVE.match(lowered, len(lowered) - len(lowered.lstrip())) is not None:
        return True
    return any(_IMPERATIVE.match(lowered, m.end()) for m in _AFTER_STOP.finditer(lowered))


_AFTER_STOP = re.compile(r"[.!?:;\n]\s*")


# --- Quotes -----------------------------------------------------------------

_PARAGRAPH_BREAK = re.compile(r"(?=\n\n)")
_QUOTE_MARK = re.compile("[\"'\u2018\u2019\u201c\u201d]")
_OPENING = "\u2018\u201c"  # typographic opening quotes: never an apostrophe
_DOUBLE = '"\u201c\u201d'
# No quotation opens without one of these (an apostrophe inside a word opens none).
_OPENERS = ('"', "\u2018", "\u201c", " '", "\n'", "('", "\u2014'", "-'")


def _mask_quotes(raw: str, text: str) -> str:
    """``text`` with each quotation, marks included, overwritten by ``_``.

    ``raw`` is the same text before quotes were made straight (same length):
    there an opening typographic quote is always an opening quote. A quotation
    ending a sentence keeps its full stop, so that the sentence still ends.
    """
    if not any(q in raw for q in _OPENERS) and not raw.startswith("'"):
        return text
    marks = [m.start() for m in _QUOTE_MARK.finditer(raw)]
    # For each mark, the index of the first mark from there on that can close a double
    # or a single quotation, and where paragraphs end: looked up, never rescanned.
    closing: dict[bool, list[int]] = {True: [0] * (len(marks) + 1), False: [0] * (len(marks) + 1)}
    for double, nxt in closing.items():
        nxt[len(marks)] = len(marks)
        for k in range(len(marks) - 1, -1, -1):
            j = marks[k]
            nxt[k] = k if (raw[j] in _DOUBLE) == double and _closes(raw, j) else nxt[k + 1]
    breaks = [m.start() for m in _PARAGRAPH_BREAK.finditer(raw)]
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(marks):
        i = marks[k]
        k += 1
        if not _opens(raw, i):
            continue
        double = raw[i] in _DOUBLE
        close = None
        b = bisect_left(breaks, i)
        limit = breaks[b] if b < len(breaks) else len(raw)
        c = closing[double][k]
        if c < len(marks) and marks[c] < limit:
            close, k = marks[c], c + 1
        if close is None:
            if not double and raw[i] not in _OPENING:
                k = _after(marks, i)  # a leading apostrophe ('cause, '90s)
                continue
            close = limit - 1  # an unclosed quotation runs to the end of its paragraph
            k = _after(marks, close)
        spans.append((i, close + 1))
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, stop in spans:
        out.append(text[last:start])
        quoted = re.sub(r"[^\n]", "_", text[start:stop])
        if stop - start > 2 and text[stop - 2] in ".!?":
            quoted = quoted[:-2] + text[stop - 2] + "_"
        out.append(quoted)
        last = stop
    out.append(text[last:])
    return "".join(out)


def _after(marks: list[int], i: int) -> int:
    return bisect_right(marks, i)


def _opens(raw: str, i: int) -> bool:
    """Whether the quote mark at ``i`` can open a quotation: not inside or after a word."""
    if raw[i] in _OPENING:
        return True
    if raw[i] in "\u201d\u2019":
        return False
    before = raw[i - 1] if i else " "
    after = raw[i + 1] if i + 1 < len(raw) else " "
    return not before.isalnum() and not after.isspace()


def _closes(raw: str, j: int) -> bool:
    """Whether the quote mark at ``j`` can close a quotation: not inside or before a word."""
    if raw[j] in _OPENING:
        return False
    after = raw[j + 1] if j + 1 < len(raw) else " "
    return not after.isalnum() and not raw[j - 1].isspace()


# --- Lists ------------------------------------------------------------------

_LIST_ITEM = re.compile(r"[ \t]*(?:[-*•·◦\u2013]|[0-9]{1,3}[.)]|[a-z]\))[ \t]+(\S.*)")


def _lists(text: str, masked: str, hits: list[tuple[int, str]]) -> str:
    """Items of the lists under an assigning header; ``masked`` with every list line, and
    every such header, blanked."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    blanked: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    ends: list[int] | None = None
    i = 0
    while i < len(lines):
        if _LIST_ITEM.fullmatch(lines[i].rstrip()) is None:
            i += 1
            continue
        run: list[tuple[int, str]] = []
        j = i
        while j < len(lines):
            item = _LIST_ITEM.fullmatch(lines[j].rstrip())
            if item is not None:
                run.append((offsets[j], item.group(1).strip()))
            elif lines[j].strip():
                break
            j += 1
        start, stop = offsets[i], offsets[j] - 1
        if ends is None:
            sentences = _sentence_spans(masked)
            ends = [end for _, end in sentences]
        # The sentence just before the list: a line end ends a sentence, so it is the
        # last one of the whole text to end by the list's first line.
        k = bisect_right(ends, start) - 1
        if k >= 0 and _assigns_list(_lower(masked[sentences[k][0] : sentences[k][1]])):
            hits.extend(run)
            start = sentences[k][0]  # the header gives no item of its own
        blanked.append((start, stop))
        i = j
    out: list[str] = []
    last = 0
    for start, stop in blanked:
        out += (masked[last:start], re.sub(r"[^\n]", " ", masked[start:stop]))
        last = stop
    out.append(masked[last:])
    return "".join(out)


_HEADER_CUE = re.compile(
    r"\b(?:homework|assignments?|action items?|next steps?|practice|to-?do)\b"
    r"|\b(?:like|want|need|ask|asking|encourage)\s+(?:(?:of|for)\s+)?you\b"
)
_LOOKS_BACK = re.compile(
    r"\b(?:was|were|did|last|past|previous|earlier|so far|covered|talked|discussed|noticed"
    r"|went|had|has|included|us|we|we'll|we're|i'll|i'm going to)\b"
)


def _assigns_list(header: str) -> bool:
    """Whether a sentence (lower-cased) introduces a list of homework."""
    if _LOOKS_BACK.search(header):
        return False
    return bool(_HEADER_CUE.search(header) or _has_period(header))


# --- Sentences --------------------------------------------------------------

# A sentence ends at a line end, or at . ! ? (then a closing bracket or a
# masked quote) before the end or before a space and something other than a
# lower-case letter ("2 p.m. each day" goes on), unless a title ends there.
_BOUNDARY = re.compile(
    r"[.!?](?<!\bDr\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bMx\.)(?<!\bSt\.)(?<!\bProf\.)"
    r"(?<!\bMt\.)[.!?]*[_)\]]*(?:[ \t]*$|[ \t]+(?=[^a-z\s]))|\n",
    re.M,
)


def _sentence_spans(masked: str) -> list[tuple[int, int]]:
    """(start, stop) of each sentence of ``masked``, without surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(masked):
        _add_span(masked, start, m.end(), spans)
        start = m.end()
    _add_span(masked, start, len(masked), spans)
    return spans


def _add_span(masked: str, start: int, stop: int, spans: list[tuple[int, int]]) -> None:
    chunk = masked[start:stop]
    stripped = chunk.strip()
    if stripped:
        lead = len(chunk) - len(chunk.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


_Found = list[tuple[int, str]] | Literal["announces", "primes"]


def _sentences_items(text: str, masked: str, cues: _Cues, hits: list[tuple[int, str]]) -> None:
    lowered = _lower(masked)
    given = False  # an earlier sentence of this turn gave an item
    announced = False  # an earlier sentence announced the things to do ("Two things …")
    primed = False  # the sentence just before announced homework ("… a homework assignment.")
    for start, stop in _sentence_spans(masked):
        low, own = _without_offers(lowered[start:stop], text[start:stop])
        if low.endswith(":"):
            # A header: its list, if any, was read already; else it primes what follows.
            primed = _assigns_list(low)
            continue
        span = (start, start + len(low))
        found = _sentence(low, own, cues, span, given=given, announced=announced, primed=primed)
        primed = found == "primes"
        if found == "announces":
            announced = True
        elif found != "primes":
            hits.extend((start + offset, item) for offset, item in found)
            given = given or bool(found)


# A clause offering contact is no task, and its time frame frames nothing:
# "Keep practicing these skills, and don't hesitate to reach out … before our next session".
_OFFER = re.compile(
    r"(?:,?\s*(?:\b(?:and|but|or)\s+|[\u2014-]\s*)?)(?:please\s+)?(?:(?:don't|do not)\s+hesitate"
    r"|feel free)\b.*",
    re.S,
)


def _without_offers(low: str, text: str) -> tuple[str, str]:
    if "hesitate" not in low and "feel free" not in low:
        return low, text
    m = _OFFER.search(low)
    if m is None:
        return low, text
    return low[: m.start()].rstrip(), text[: m.start()].rstrip()


# The patterns below match lower-cased text.

_WEEKDAYS = r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?"
# Points and periods ahead that put a task between sessions.
_PERIOD = re.compile(
    r"\b(?:"
    r"(?:this|next|coming|following)\s+(?:week|weekend)\b"
    r"|(?:next|coming|following)\s+(?:session|appointment|visit|time)\b"
    r"|(?:next|coming|few|couple of|two|three|four|\d+)\s+(?:days|weeks)\b(?!\s+ago)"
    r"|for the (?:week|weekend)\b"
    r"|(?:each|every|a|per)\s+(?:single\s+)?(?:day|morning|evening|night|afternoon|week"
    r"|weekday|weeknight)\b"
    r"|any\s+(?:day|morning|evening|night|afternoon)\b"
    r"|daily|nightly|weekly|twice|tonight|tomorrow|weekends?|weeknights?"
    r"|at night|before bed|at bedtime|from now on|going forward"
    r"|(?:before|until|till|by)\s+(?:we\s+(?:meet|talk|see each other|speak|come back)"
    r"|(?:our|the)\s+next|next|then|the end of|tomorrow|tonight|bed|you go to (?:bed|sleep))"
    r"|until we|between (?:now|today|this|sessions|our sessions|appointments)"
    r"|when you get home|over the (?:next|coming)|in the coming"
    r"|(?:by|this|next|every)\s+" + _WEEKDAYS + r")"
)
_ON_WEEKDAY = re.compile(r"\bon\s+" + _WEEKDAYS + r"\b")
_PAST_EVENT = re.compile(r"\b(?:happened|was|were|did|went|had|felt|said|told)\b")
# Occasions ahead: enough for a request ("I'd like you to use it whenever …"),
# not for a bare imperative ("Whenever you feel stressed, take a breath" is advice).
_OCCASION = re.compile(r"\b(?:whenever|any\s*time)\b")
_HOMEWORK_WORD = re.compile(r"\b(?:homework|assignments?)\b")
_ASSIGNING_WORD = re.compile(
    r"\b(?:homework|assignments?|assign|exercises?|tasks?|challenge|experiment|practice"
    r"|something (?:for you )?to (?:do|try))\b"
)
_PAST = re.compile(r"\b(?:last|past|previous|was|were|did|had)\b")
_NEGATED = re.compile(r"\b(?:no|not|don't|won't|without|skip)\b")

# Sentences working in the room, not between sessions.
_IN_SESSION = re.compile(
    r"\b(?:right now|for a (?:moment|minute|second|few (?:moments|minutes|seconds))"
    r"|in this room|here with me|here together|with me now|next few minutes|in session"
    r"|before we (?:move on|go on)|as we sit|close your eyes)\b"
)
# Tasks that are to talk to the professional, to take something in, or not to do.
_NOT_A_TASK = re.compile(
    r"(?:(?:really|just|simply|actually)\s+)?(?:(?:tell|show|ask|give|let|call|text|email|send"
    r"|remind|walk|describe to|explain to)\s+me|know|hear|understand|reali[sz]e|recogni[sz]e"
    r"|remember that|see that|feel\b|imagine|picture|close your|take a (?:deep )?breath|don't"
    r"|do not|never|not|feel free|take care|have (?:a (?:good|great|nice|lovely|restful|safe)\b"
    r"|fun)|enjoy|be (?:kind|gentle|patient)\s+(?:to|with)\s+yourself|go (?:gently|easy)"
    r"|take it easy|look after yourself|rest|hold on(?:to)?|keep in mind|bear in mind"
    r")\b"
)
# A task that only names what is to come: "Would you be open to an experiment this week?";
# ``_only_announced`` says whether it is all of the task.
_ANNOUNCED = re.compile(
    r"(?:(?:really|just|simply|actually)\s+)?(?:an?|one|some|a little|a small)\s+(?:\w+\s+)?"
    r"(?:experiment|exercise|challenge|task|idea|suggestion|assignment)s?"
    r"(?:\s+(?P<when>this|next|for|before|between|over|until)\b)?"
)
# An offer to take up or not is no assignment: "Bring it next week if you like".
_OPTIONAL = re.compile(
    r"\b(?:if you (?:like|want|wish|'d like|feel like it|feel up to it|fancy)|no pressure"
    r"|only if you|up to you)\b"
)
# Someone else's words reported before a cue: "your coach said …" (not "as I said",
# "you told me").
_REPORTED = re.compile(
    r"\b(\w+)\s+(?:said|says|saying|told|tells|telling|asked|asks|wrote|writes|texted"
    r"|texts|emailed|keeps saying)\b"
)
_OWN_SPEECH = ("i", "we", "you")

# Openers dropped with what comes before a cue.
_DISCOURSE = (
    r"(?:(?:so|okay|ok|alright|all right|and|also|now|then|well|great|good|plus|but)\b[,\s]*)*"
)
_LEAD_CLAUSE = (
    r"(?:(?:this|next|over|before|until|till|between|for|in the|when|whenever|if|any ?time"
    r"|each|every|once|as|at|by|later|tonight|tomorrow|starting|from now|on|during|after)\b"
    r"[^,;:.!?]*,\s*){0,2}"
)
_CLAUSE_START = r"(?:^|[,;:\u2014-]\s*)"
_BOTH = r"(?:\s+(?:both|two|all))?"

_REQUEST = re.compile(
    r"\bi(?:'d|'ll| would| will)?(?:\s+(?:really|also|just|actually|strongly|honestly))*"
    r"\s+(?:like|want|encourage|invite|challenge|need|love)\s+(?:for\s+)?you" + _BOTH + r"\s+to\s+"
    r"|\bi(?:'m| am)\s+(?:also\s+)?(?:going to\s+|gonna\s+)?(?:ask|encourage|invite|challenge)"
    r"(?:ing)?\s+you" + _BOTH + r"\s+to\s+"
    r"|\bi(?:'d| would)\s+(?:also\s+)?(?:ask|suggest|recommend)\s+(?:that\s+)?you"
    + _BOTH
    + r"(?:\s+to)?\s+"
    r"|\bplease\s+(?!don't\b|do not\b)"
)
_REMIND = re.compile(
    _CLAUSE_START + _DISCOURSE + r"(?:just\s+)?(?:don't forget|do not forget|remember"
    r"|make sure|be sure)\s+(?:to|that you|you)\s+"
)
_QUESTION = re.compile(
    _CLAUSE_START
    + _DISCOURSE
    + r"(?:(?:could|can|would|will|might)\s+you"
    + _BOTH
    + r"(?:\s+please)?(?:\s+be\s+(?:willing|open|able|up for)(?:\s+to)?)?"
    r"|are\s+you" + _BOTH + r"\s+(?:willing|open|up for)(?:\s+to)?)"
    r"\s+(?!like\b|mind\b|want\b|say\b|think\b|remember\b|recall\b|describe\b|explain\b"
    r"|see\b|help\b|talk\b|tell\b|show\b|walk me\b|give me\b)"
)
_GOAL = re.compile(
    r"\blet(?:'s| us)\s+(?:make it (?:a|your) goal|set (?:a|the|your) goal|agree|commit)"
    r"(?:\s+for (?:this|the) week)?\s+(?:(?:that\s+|for\s+)?you(?:'ll| will| to)?\s+|to\s+|of\s+)"
    r"|\blet(?:'s| us)\s+(?:aim|plan|make (?:it )?a plan)\s+"
    r"(?:for\s+you\s+to|that\s+you(?:'ll| will)?)\s+"
    r"|\b(?:can|could) we (?:agree|plan|make a plan|set a goal)\s+"
    r"(?:(?:that\s+)?you(?:'ll| will)?|for you to)\s+"
    r"|\bhow about (?:if )?you\s+"
)
_NAMES_YOU = re.compile(r"\byou(?:'ll| will| to)?\s*$")
# "Your homework (this week) is to …": a name of homework, then in the same clause "is to".
_HOMEWORK_NAMED = re.compile(
    r"\b(?:homework|assignment|your\s+(?:\w+\s+)?(?:task|challenge|experiment))\b"
)
_IS_TO = re.compile(r"\b(?:is|will be)\s+(?:to|that you(?:'ll)?)\s+")
_CLAUSE_STOP = re.compile(r"[.?!:]")
_LABEL = re.compile(
    r"\b(?:(action items?|next steps?)|homework|assignment)\b[^.?!:]{0,40}?:\s*(?=\S)"
)
_ANNOUNCE = re.compile(
    r"\b(?:two|three|four|five|a few|a couple of|some|several|\d+)\s+(?:things|tasks|steps"
    r"|exercises)\b"
)
_ORDINAL = re.compile(
    _DISCOURSE + r"(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|fourth|next|then|also"
    r"|finally|lastly|last of all)\b[,:]?\s+"
)
_RELATIVE_WORD = re.compile(r"\b(?:things?|what|something|stuff|which)\Z")
_TOLD = re.compile(r"\s(?:is|would be)\s+(?:to\s+|that you\s+)?")
_JOINED = re.compile(r"(?:and|also|plus|then)\b")
_ALSO = re.compile(r"\balso\b")
_IMPERATIVE = re.compile(
    _DISCOURSE + _LEAD_CLAUSE + r"(?:just\s+)?(?:try(?:\s+to)?\s+)?"
    r"(?:keep|practi[cs]e|write|track|notice|pay|make|fill|read|call|go|take|bring|use|spend"
    r"|schedule|complete|record|log|list|continue|jot|listen|walk|start|plan|set|stick|check"
    r"|rate|text|email|reach|pick|choose|add|put|sit|talk|eat|sleep|get|stay|avoid|limit"
    r"|book|finish|watch|review|send|visit|attend|join|identify|note|catch|carry|share"
    r"|experiment|journal|meditate|stretch|exercise|do|draw|prepare|focus|reflect|look|find"
    r"|collect|tell|ask|give|cut|drink|leave|work)\b"
)
_VERB = re.compile(r"(?:(?:just\s+)?try(?:\s+to)?\s+)?\w+$")
_ONGOING = re.compile(
    r"(?:(?:keep|continue|carry on)\s+(?:up\s+)?(?!going\b|talking\b|breathing\b|holding\b"
    r"|looking\b|thinking\b|sitting\b|telling\b|noticing\b|listening\b)\w+ing\b"
    r"|(?:continue|stick)\s+(?:with\s+|to\s+)?(?:the|your)\b"
    r"|keep\s+(?:up\s+)?(?:the|your)\s+(?:[\w-]+\s+){0,2}(?:log|diary|journal|record|practice"
    r"|routine|chart|card|tracker|plan|schedule|exercises?|notes?)\b)"
)
# Item clean-up; these match the item as written.
_TRY = re.compile(r"(?:just\s+)?try(?:\s+(?:to|and))?\s+(?!out\b|it\b|this\b|that\b)", re.I)
# "do one thing this week: call …" announces the task after its colon.
_DO_THIS = re.compile(
    r"(?:do|try|work on|focus on)\s+(?:(?:one|two|three|a few|a couple of|these|the following"
    r"|one more|a)\s+(?:small\s+|little\s+|simple\s+)?things?|something|this|the following)\b"
    r"[^:.!?]{0,60}:\s+(?=\S)",
    re.I,
)
_TAG = re.compile(r",\s*(?:okay|ok|alright|all right|right|yeah)$", re.I)  # "…, okay?"
_END_PUNCTUATION = " \t\n.!?;:,"
_LEADING_JOINER = re.compile(r"(?:and|or|then|also)\s+", re.I)


def _sentence(
    low: str,
    text: str,
    cues: _Cues,
    span: tuple[int, int],
    *,
    given: bool,
    announced: bool,
    primed: bool,
) -> _Found:
    """The items of one sentence: ``low`` lower-cased and masked, ``text`` as written,
    ``span`` where it is in the turn."""
    if cues.label.within(*span):
        named = _homework_named(low, text)
        if named is not None:
            return named
    if announced:
        ordinal = _ORDINAL.match(low)
        if ordinal is not None:
            end = ordinal.end()
            inner = _cue_item(low[end:], text[end:], _Frame(framed=True))
            if inner is not None:
                return [(end + inner[0], inner[1])] if inner[1] else []
            task = _after_cue(text[end:])
            return [(end, task)] if _is_task(task) else []
    period: bool | None = None
    candidates = _candidates(low, cues, span)
    if candidates:
        period = _has_period(low)
        frame = _Frame(
            framed=primed or period or _OCCASION.search(low) is not None,
            imperative=primed or period,
            joined=given and _JOINED.match(low) is not None,
            given=given,
        )
        found = _choose(candidates, low, text, frame)
        if found is not None:
            return [found] if found[1] else "announces"
    if (
        low.endswith("?")
        or not cues.announce.within(*span)
        or not (_has_period(low) if period is None else period)
        or _PAST.search(low)
    ):
        return []
    if _ANNOUNCE.search(low):
        return "announces"
    if _ASSIGNING_WORD.search(low) and not _NEGATED.search(low):
        return "primes"
    return []


def _has_period(low: str) -> bool:
    """Whether the sentence names a time frame ahead, or homework."""
    if (
        _FRAME_TOKENS.isdisjoint(low.split())
        and "now on" not in low
        and "by " not in low
        and "homework" not in low
        and "assignment" not in low
    ):
        return False
    if _PERIOD.search(low) or _HOMEWORK_WORD.search(low):
        return True
    # "on Sunday" is ahead unless the sentence tells of the past ("what happened on Sunday").
    return _ON_WEEKDAY.search(low) is not None and _PAST_EVENT.search(low) is None


def _homework_named(low: str, text: str) -> list[tuple[int, str]] | None:
    """Items after "action items:", "next steps:", "homework …:" or "your homework is to"."""
    label = _LABEL.search(low)
    if label is not None and _PAST.search(low, 0, label.end()):
        return []  # "Last week's action items were: …"
    if label is not None:
        end = label.end()
        if label.group(1):
            return _split_inline(end, text[end:])
        inner = _cue_item(low[end:], text[end:], _Frame(framed=True))
        if inner is not None:
            return [(end + inner[0], inner[1])] if inner[1] else []
        task = _after_cue(text[end:])
        return [(end, task)] if _is_task(task) else []
    homework = _homework_is(low)
    if (
        homework is not None
        and not _PAST.search(low, 0, homework[0])
        and not _IN_SESSION.search(low)
    ):
        task = _after_cue(text[homework[1] :])
        return [(_skip_space(text, homework[1]), task)] if _is_task(task) else []
    return None


def _homework_is(low: str) -> tuple[int, int] | None:
    """(start, end) of the first "homework … is to " with no . ? ! or : between the two.

    Each name of homework is paired with the first "is to" after it by bisection; a
    pattern that scanned on from each name to the clause's end would take time in the
    square of a long sentence's length.
    """
    tails = [(m.start(), m.end()) for m in _IS_TO.finditer(low)]
    if not tails:
        return None
    tail_starts = [start for start, _ in tails]
    stops = [m.start() for m in _CLAUSE_STOP.finditer(low)]
    for named in _HOMEWORK_NAMED.finditer(low):
        k = bisect_left(tail_starts, named.end())
        if k == len(tails):
            return None  # no "is to" after this name, nor after any later one
        j = bisect_left(stops, named.end())
        if j == len(stops) or stops[j] >= tail_starts[k]:
            return (named.start(), tails[k][1])
    return None


class _Frame:
    """What places the tasks of one sentence between sessions."""

    __slots__ = ("framed", "given", "imperative", "joined")

    def __init__(
        self,
        *,
        framed: bool,
        imperative: bool | None = None,
        joined: bool = False,
        given: bool = False,
    ) -> None:
        self.framed = framed  # a time frame, an occasion ahead, or the word homework
        self.imperative = framed if imperative is None else imperative  # enough for a bare verb
        self.joined = joined  # "And …", "Also, …" after an item of this turn
        self.given = given  # an earlier sentence of this turn gave an item


_Candidate = tuple[int, int, str]


def _cue_item(low: str, text: str, frame: _Frame) -> tuple[int, str] | None:
    """The first cue that counts in a part of a sentence (any kind of cue is looked for)."""
    candidates = _candidates(low, _EVERY_CUE, _EVERYWHERE)
    return _choose(candidates, low, text, frame) if candidates else None


def _candidates(low: str, cues: _Cues, span: tuple[int, int]) -> list[_Candidate]:
    """(start, end, kind) of every cue in the sentence at ``span`` of the turn, in order."""
    found: list[_Candidate] = []
    if cues.request.within(*span):
        found.extend((m.start(), m.end(), "request") for m in _REQUEST.finditer(low))
    if cues.remind.within(*span):
        found.extend((m.start(), m.end(), "request") for m in _REMIND.finditer(low))
    if cues.goal.within(*span):
        found.extend((m.start(), m.end(), "goal") for m in _GOAL.finditer(low))
    if cues.question and low.endswith("?") and "you" in low:
        found.extend((m.start(), m.end(), "question") for m in _QUESTION.finditer(low))
    # An imperative opens the sentence, or follows a colon ("Let's add one: each morning, …").
    colon = low.find(": ")
    after_colon = colon > 0 and _PAST.search(low, 0, colon) is None
    for at in (0, colon + 2) if after_colon else (0,):
        m = _IMPERATIVE.match(low, at)
        if m is not None:
            verb = _VERB.search(low, at, m.end())
            start = verb.start() if verb is not None else at
            found.append((start, start, "imperative"))
    found.sort()
    return found


def _choose(
    candidates: list[_Candidate], low: str, text: str, frame: _Frame
) -> tuple[int, str] | None:
    """(offset, item) of the first cue that counts, (offset, "") for an announcement, or None."""
    if _IN_SESSION.search(low) or _OPTIONAL.search(low):
        return None
    after = _After(low, text)
    for start, end, kind in candidates:
        if after.reported_before(start):
            continue
        task = after.task(end)
        if task is None:
            continue
        follow_on = frame.joined or (frame.given and after.also_before(end))
        if kind == "request" and after.relative_before(start):
            # "two things I'd like you to do …": an announcement, or a header before a colon.
            # "What I'd like you to do this week is (to) …" gives what follows "is".
            colon = low.find(":", end)
            told = _TOLD.search(low, end) if colon < 0 else None
            if colon < 0 and told is None:
                return (start, "") if frame.framed or _ANNOUNCE.search(low) else None
            at = colon + 1 if told is None else told.end()
            item = _after_cue(text[at:])
            if (frame.framed or follow_on) and _is_task(item):
                return (_skip_space(text, at), item)
            return None
        if kind == "imperative":
            counts = frame.imperative or follow_on
        else:
            names_you = kind == "goal" and _NAMES_YOU.search(low, start, end) is not None
            ongoing = kind == "request" and _ONGOING.match(after.plain, *task) is not None
            counts = frame.framed or follow_on or names_you or ongoing
        if counts:
            return (_skip_space(text, end), text[task[0] : task[1]])
    return None


class _After:
    """What one sentence says after and before each of its cues, each question answered
    without copying or rescanning the sentence, so that a sentence of many cues that do
    not count costs time in proportion to its length."""

    def __init__(self, low: str, text: str) -> None:
        self.low = low
        self.text = text
        # Tasks are judged with quotes straight but not masked: "catch yourself ‘mind reading’".
        self.plain = _lower(plain(text))
        self._stripped = len(text.rstrip())
        self._end = len(text[: self._stripped].rstrip(_END_PUNCTUATION))
        self._breaks = [m.start() for m in _BREAK.finditer(self.plain)]
        b = bisect_left(self._breaks, self._end) - 1
        self._last_break = self._breaks[b] if b >= 0 else -1
        reports = (m.end() for m in _REPORTED.finditer(low) if m.group(1) not in _OWN_SPEECH)
        self._reported = next(reports, len(low) + 1)
        also = _ALSO.search(low)
        self._also = also.end() if also is not None else len(low) + 1

    def reported_before(self, at: int) -> bool:
        """Someone other than I, we or you is reported before ``at`` ("your coach said")."""
        return self._reported <= at

    def also_before(self, at: int) -> bool:
        return self._also <= at

    def relative_before(self, at: int) -> bool:
        """The cue at ``at`` follows "things", "what" …: "two things I'd like you to …"."""
        k = at
        while k > 0 and self.low[k - 1].isspace():
            k -= 1
        return _RELATIVE_WORD.search(self.low, max(0, k - 9), k) is not None

    def task(self, at: int) -> tuple[int, int] | None:
        """Where the task after a cue ending at ``at`` is (as ``_after_cue`` reads it), if
        it is a task (as ``_is_task`` judges it)."""
        text, stop = self.text, self._stripped
        start = _skip_space(text, at)
        for dropped in (_TRY, _DO_THIS):
            m = dropped.match(text, start, stop)
            if m is not None:
                start = m.end()
        start = _skip_space(text, start)
        end = self._end
        tag = _TAG.search(text, max(end - 16, start), end)
        if tag is not None:
            end = len(text[start : tag.start()].rstrip(_END_PUNCTUATION)) + start
        if start >= end:
            return None
        # Judging the words at the start only, up to the first break, keeps this bounded.
        b = bisect_left(self._breaks, start)
        first_break = self._breaks[b] if b < len(self._breaks) else end
        if _NOT_A_TASK.match(self.plain, start, min(first_break, end)) is not None:
            return None
        if _only_announced(self.plain, start, end, self._last_break):
            return None
        return (start, end)


_BREAK = re.compile(r"[,;:]")


def _only_announced(low: str, start: int, end: int, last_break: int) -> bool:
    """Whether the task from ``start`` to ``end`` only announces ("an experiment this
    week"): what follows a time word must hold no comma, colon or semicolon, the last
    of which in the sentence is at ``last_break``."""
    m = _ANNOUNCED.match(low, start, end)
    if m is None or not (low[end - 1].isalnum() or low[end - 1] == "_"):
        return False
    return m.end() == end or (m.group("when") is not None and last_break < m.end())


def _is_task(task: str) -> bool:
    low = plain(task).lower()
    last_break = max(low.rfind(c) for c in ",;:")
    return (
        bool(task)
        and _NOT_A_TASK.match(low) is None
        and not _only_announced(low, 0, len(low), last_break)
    )


def _skip_space(text: str, i: int) -> int:
    m = _SPACES.match(text, i)
    return m.end() if m is not None else i


_SPACES = re.compile(r"\s*")


def _after_cue(rest: str) -> str:
    """The task after a cue, with "try (to)" and "do one thing …:" dropped."""
    rest = rest.strip()
    m = _TRY.match(rest)
    if m is not None:
        rest = rest[m.end() :]
    m = _DO_THIS.match(rest)
    if m is not None:
        rest = rest[m.end() :]
    return _task(rest)


def _task(rest: str) -> str:
    """The task as written, without end punctuation or a tag question."""
    task = rest.strip().rstrip(_END_PUNCTUATION)
    tag = _TAG.search(task, max(len(task) - 16, 0))
    return task[: tag.start()].rstrip(_END_PUNCTUATION) if tag else task


def _split_inline(offset: int, sentence: str) -> list[tuple[int, str]]:
    """An inline list: parts at semicolons if any, else at commas, else at " and "."""
    body = _task(sentence)
    if not body:
        return []
    parts = re.split(r"\s*;\s*", body)
    if len(parts) == 1:
        parts = re.split(r"\s*,\s*", body)
    if len(parts) == 1:
        parts = re.split(r"\s+and\s+", body)
    out: list[tuple[int, str]] = []
    for i, part in enumerate(parts):
        m = _LEADING_JOINER.match(part.strip())
        item = (part.strip()[m.end() :] if m else part.strip()).rstrip(" .;:").strip()
        if item:
            out.append((offset + i, item))
    return out
