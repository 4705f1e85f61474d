"""Names found in the dialogue (the header's names and labels are in ``speakers.py``).

Formats C and D label turns by role only, so names are read from the
dialogue — and only from where a person says a name *for* someone:

- the client's name from their own introduction in their first turns: "My
  name is …", "call me …", "I go by …" say so outright; "I'm …", "I am …"
  and "this is …" count only at the start of a sentence or after a greeting,
  and then only for a full name or a name the professional also uses — "I'm
  Belgian" is not an introduction;
- the professional's name from the professional's own introduction, or from
  the client addressing them: a name right after a greeting or thanks ("Hi
  Nova,", "Thanks, Dr. Okafor."). A name after a comma elsewhere is not
  address ("my manager, Greg."). The most-addressed name is taken only with a
  margin: at least twice as often as any other; otherwise it stays unknown.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from caselog.domain.identity import is_honorific, split_title

from .labels import is_name_word, is_particle
from .text import collapse, plain

Said = tuple[str, int]
"""A turn's words and the line it starts on."""


def is_bare_name(text: str) -> bool:
    """``Dr. Mara Levin``: words that only name someone, as a header's value does, not a
    sentence anyone says."""
    title, bare = split_title(text.strip())
    words = bare.split()
    if not words or len(words) > 5 or bare[-1:] in ".!?…" or (len(words) < 2 and not title):
        return False
    if bare.isupper():
        return False  # words in capitals are said loudly ("NO MORE EXCUSES"), not a name field
    return all(is_name_word(w) or is_particle(w) for w in words)


# --- names in the dialogue --------------------------------------------------------

_OUTRIGHT = (
    r"my (?:real |full )?name(?:'s| is)(?: actually| really| officially| legally)?"
    r"|(?:please |you can |just )?call me|I go by"
)
_IF_PLACED = r"I'm|I am|this is"
_INTRODUCTION = re.compile(rf"\b(?:(?P<outright>{_OUTRIGHT})|(?P<placed>{_IF_PLACED}))\s+", re.I)
# Every phrase of ``_INTRODUCTION`` holds one of these: a cheap test most turns fail.
_INTRODUCTION_HINTS = ("i'm", "i’m", "i am", "name", "call me", "go by", "this is")
_GREETINGS = (
    r"hi|hello|hey|hiya|greetings|good (?:morning|afternoon|evening|day)|morning|evening|"
    r"thanks|thank you|nice to (?:see|meet) you|good to (?:see|meet) you|"
    r"great to (?:see|meet) you|see you|bye|goodbye|take care|"
    r"obrigad[oa]|gracias|merci|danke|grazie|hola|bonjour|ciao|hallo|salaam|namaste"
)
# What may open a sentence before "I'm …": a greeting, which may address someone first
# ("Hi Nova, I'm …", "Hello there, I'm …"), or an interjection ("so", "um", "yes") alone,
# any number of them, with spaces and punctuation between. ``_lead_in`` reads it.
_GREETING_AT = re.compile(rf"(?:{_GREETINGS})\b", re.I)
_INTERJECTION_AT = re.compile(r"(?:yes|yeah|okay|ok|so|um+|uh+|oh|well|right|sure|and|but)\b", re.I)
_GAP = re.compile(r"[\s,.!—–-]")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\s,.!?]+")
WORDS_AFTER_GREETING = 3
_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s+|\n\s*)$")
_TOKEN = re.compile(r"\S+")
_TRAILING = ",.;:!?…)\"'”’—–،؛؟。、，！？"
_NOT_NAMES = frozenset(
    (
        *("Sorry", "Not", "Just", "So", "Really", "Here", "Glad", "Fine", "Good", "Okay"),
        *("OK", "Back", "Still", "The", "A", "An", "Feeling", "Doing", "Going", "Trying"),
        *("Afraid", "Happy", "Tired", "Nervous", "Ready", "Also", "Always", "Never"),
    )
)
MAX_NAME_WORDS = 8
_VOCATIVES = frozenset(
    (
        *("doc", "doctor", "sir", "madam", "ma'am", "miss", "coach", "mate", "man", "dude"),
        *("buddy", "boss", "everyone", "everybody", "guys", "folks", "love", "dear", "honey"),
    )
)
"""Words said in address that are not a name ("Hi Doc", "Thanks, mate")."""


@dataclass(frozen=True)
class FoundName:
    name: str
    title: str | None
    line: int
    evidence: str
    """The words that gave the name ("My name is Mr. Otis Grant")."""
    outright: bool = True
    """Said outright ("My name is …"), not read from "I'm …"."""
    another_name: bool = False
    """Given as what to be called ("call me …", "I go by …"): a second name of the same
    person, perhaps."""


def introduced_name(said: Sequence[Said], corroborating: Iterable[str] = ()) -> FoundName | None:
    """The name a speaker gives for themselves, by the rules in the module docstring.

    ``corroborating`` are the other speaker's words, which some phrasings need
    (see ``_introduces``). "My name is …" anywhere in ``said`` wins over "I'm …"
    ("I'm Irish Catholic … My name's Brendan Foley" is Brendan Foley), and both
    win over "call me …" ("I'm Siddharth Rao, but please call me Sid").
    """
    found = introductions(said, corroborating)
    # "My name is" states the name; "I'm" gives it; "call me" may give a shorter one.
    ranked = sorted(found, key=lambda f: (f.another_name, not f.outright))
    return ranked[0] if ranked else None


def introductions(said: Sequence[Said], corroborating: Iterable[str] = ()) -> list[FoundName]:
    """Every self-introduction in ``said``, in order."""
    other = " ".join(unicodedata.normalize("NFC", t) for t in corroborating)
    found: list[FoundName] = []
    for text, line in said:
        lowered = text.lower()
        if not any(hint in lowered for hint in _INTRODUCTION_HINTS):
            continue
        # plain() swaps characters one for one, so offsets found in it hold in the text.
        text = unicodedata.normalize("NFC", text)
        flat = plain(text)
        for m in _INTRODUCTION.finditer(flat):
            if flat.count('"', 0, m.start()) % 2:
                continue  # inside a quotation: someone else's words ('she said, "My name is …"')
            named = _name_at(text, m.end())
            if named is None:
                continue
            title, words = named
            if m.group("placed") and not _introduces(text, m, words, other):
                continue
            name = " ".join(words)
            evidence = collapse(flat[m.start() : m.end()] + (f"{title} " if title else "") + name)
            outright = m.group("outright")
            # "My (full|real) name is …" states the name; "call me", "I go by" give another.
            called = outright is not None and not outright.casefold().startswith("my ")
            found.append(FoundName(name, title, line, evidence, outright is not None, called))
    return found


def _introduces(text: str, m: re.Match[str], words: list[str], other: str) -> bool:
    """Whether "I'm …", "I am …" or "this is …" before ``words`` is an introduction.

    The name must end the phrase ("I'm New Zealand born" does not) and hold no word
    of nationality, language or faith ("I'm Irish Catholic"). A name of two or more
    words is then one wherever it stands ("…, so just to say, I'm Zoë
    Brontë-Hale"); a one-word name only at a sentence's start or after a greeting,
    and only when the other speaker uses it too ("I'm Belgian" is not one).
    """
    after = text[m.end() :]
    end = after.find(words[-1]) + len(words[-1])
    following = after[end:].lstrip()
    if following and following[0].isalnum() and following.split()[0] not in _FOLLOWERS:
        return False
    if any(w.casefold() in _BELONGING for w in words):
        return False
    if len(words) >= 2:
        return True
    return _placed(plain(text[: m.start()])) and _used(words[0], other)


_BELONGING = frozenset(
    (
        *("american", "british", "scottish", "welsh", "irish", "canadian"),
        *("australian", "mexican", "brazilian", "argentinian", "chilean", "colombian"),
        *("peruvian", "cuban", "dutch", "belgian", "swiss", "austrian"),
        *("italian", "spanish", "portuguese", "greek", "turkish", "polish", "czech"),
        *("slovak", "hungarian", "romanian", "bulgarian", "serbian", "croatian", "bosnian"),
        *("ukrainian", "russian", "belarusian", "lithuanian", "latvian", "estonian"),
        *("finnish", "swedish", "norwegian", "danish", "icelandic", "chinese", "japanese"),
        *("korean", "vietnamese", "thai", "filipino", "filipina", "indonesian", "malaysian"),
        *("indian", "pakistani", "bangladeshi", "nepali", "lankan", "afghan"),
        *("iranian", "persian", "iraqi", "syrian", "lebanese", "jordanian", "palestinian"),
        *("israeli", "egyptian", "moroccan", "algerian", "tunisian", "nigerian"),
        *("ghanaian", "kenyan", "ethiopian", "somali", "eritrean", "sudanese", "ugandan"),
        *("african", "asian", "european", "latino", "latina", "latinx", "hispanic"),
        *("caribbean", "jamaican", "haitian", "arab", "kurdish"),
        *("catholic", "protestant", "jewish", "muslim", "hindu", "sikh"),
        *("buddhist", "mormon", "orthodox", "evangelical", "baptist", "atheist"),
        *("agnostic", "quaker", "anglican", "methodist", "lutheran", "pentecostal"),
    )
)
"""Words of nationality, language or faith, which "I'm …" is followed by as often as by
a name ("I'm Irish Catholic"): a candidate holding one is not a name. Words that are
also common names or surnames (Christian, German, English, White) are left out."""

_FOLLOWERS = frozenset(("and", "but", "by", "from", "here", "so", "now", "again", "I", "I'm"))


def _placed(before: str) -> bool:
    """True when only a greeting or an interjection precedes, in its sentence."""
    sentence = re.split(r"[.!?…]\s+|\n", before)[-1]
    return _lead_in(sentence.strip()) or bool(_SENTENCE_START.search(before))


def _lead_in(sentence: str) -> bool:
    """Whether ``sentence`` is all greetings and interjections (see ``_GREETING_AT``).

    Read left to right, marking each offset where a greeting or interjection could
    start, so each offset is looked at a bounded number of times: linear in the
    sentence, where a backtracking pattern for the same words takes exponential time
    on a long run of greetings and words ("hello there hello there …").
    """
    n = len(sentence)
    reached = bytearray(n + 1)

    def reach(i: int) -> None:
        # An offset reached is reached with the spaces and punctuation after it.
        while not reached[i]:
            reached[i] = 1
            if i == n or _GAP.match(sentence, i) is None:
                return
            i += 1

    reached[0] = 1  # without the gap after it: a sentence opens with a word
    for at in range(n):
        if not reached[at]:
            continue
        if (m := _INTERJECTION_AT.match(sentence, at)) is not None:
            reach(m.end())
        if (m := _GREETING_AT.match(sentence, at)) is None:
            continue
        end = m.end()
        reach(end)
        for _ in range(WORDS_AFTER_GREETING):  # the words it may address: "Hi there Nova"
            space = _SPACE.match(sentence, end)
            word = _WORD.match(sentence, space.end()) if space is not None else None
            if word is None:
                break
            for i in range(word.start() + 1, word.end() + 1):
                reach(i)
            end = word.end()
    return bool(reached[n])


def _used(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w']){re.escape(word)}(?![\w'])", text) is not None


def _name_at(text: str, start: int) -> tuple[str | None, list[str]] | None:
    """The (title, name words) that start at ``start``, or None if no name does."""
    title: str | None = None
    words: list[str] = []
    tokens = [m.group(0) for m in islice(_TOKEN.finditer(text, start), MAX_NAME_WORDS + 2)]
    for i, token in enumerate(tokens):
        core = token.rstrip(_TRAILING)
        if token.endswith(".") and _is_initial(core + "."):
            core, ended = core + ".", False
        else:
            ended = core != token
        if not words and title is None and is_honorific(core):
            if token.rstrip(".") != core:
                return None  # "I'm Dr, …": a title that ends the phrase names nobody
            title = token  # as written, with its period if it has one
            continue
        if core.endswith(("'s", "’s")):
            return None  # a possessive: "I'm Marcus's sister" introduces nobody
        if (is_name_word(core) and core not in _NOT_NAMES) or (
            words and not ended and is_particle(core) and _particles_then_name(tokens[i + 1 :])
        ):
            words.append(core)
        else:
            break
        if ended or len(words) == MAX_NAME_WORDS:
            break
    while words and (is_particle(words[-1]) or _is_initial(words[-1])):
        words.pop()
    return (title, words) if words else None


def _particles_then_name(tokens: list[str]) -> bool:
    """True when ``tokens`` go on with more particles and then a name word ("der Berg")."""
    for token in tokens:
        core = token.rstrip(_TRAILING)
        if is_particle(core) and core == token:
            continue
        return is_name_word(core)
    return False


def _is_initial(word: str) -> bool:
    return len(word) == 2 and word[1] == "." and word[0].isupper()


_GREETING_WORDS = (
    *("hi", "hello", "hey", "hiya", "greetings", "morning", "evening", "thanks", "thank you"),
    *("good morning", "good afternoon", "good evening", "good day", "nice to see you"),
    *("nice to meet you", "good to see you", "good to meet you", "great to see you"),
    *("great to meet you", "see you", "bye", "goodbye", "take care", "obrigado", "obrigada"),
    *("gracias", "merci", "danke", "grazie", "hola", "bonjour", "ciao", "hallo", "salaam"),
    "namaste",
)
"""The greetings and thanks that address someone, as ``_GREETINGS`` lists them."""
_BEFORE_GREETING = frozenset(" \t\n,.!?")
# What may come between the greeting and the name: "Thanks so much, Nova", "Thank you for
# listening, Dr. Lee". The name itself is looked at, not taken, so that "Thanks, Doc. And
# thank you, Dr. Brooks" is read for both.
_AFTER_GREETING = re.compile(r"(?:,|\s+so much,?|\s+again,?|\s+for [^.,!?\n]{1,40},)?\s+(?=\S)")


ADDRESS_REACH = 240
"""Characters at each end of a client's turn searched for address: people greet and thank
as a turn opens or closes ("Thanks, Nova. …", "… See you, Nova.")."""


def _addressed_at(lowered: str) -> list[tuple[int, int]]:
    """(greeting start, name start) of each greeting in ``lowered`` that is followed by words.

    Found with ``str.find``: a regex alternation of the greetings, tried at every
    position, costs several times more on long turns.
    """
    found: dict[int, int] = {}
    for greeting in _GREETING_WORDS:
        start = lowered.find(greeting)
        while start >= 0:
            end = start + len(greeting)
            bounded = (start == 0 or lowered[start - 1] in _BEFORE_GREETING) and not (
                end < len(lowered) and lowered[end].isalpha()
            )
            m = _AFTER_GREETING.match(lowered, end) if bounded else None
            if m is not None:
                found.setdefault(m.end(), start)  # "good to see you" and "see you": one
            start = lowered.find(greeting, end)
    return sorted((start, who) for who, start in found.items())


@dataclass(frozen=True)
class Addressed:
    name: str | None
    line: int | None
    count: int
    evidence: str
    why_not: str | None = None
    """When ``name`` is None: why (no address, or no margin over another name)."""
    source: str = "direct_address"


def professional_name(
    professional_said: Sequence[Said], client_said: Sequence[Said], exclude: Iterable[str] = ()
) -> Addressed:
    """The professional's name: their own introduction, else clear address with a margin."""
    # A professional introduces themselves as the session opens, if at all.
    own = introduced_name(professional_said[:3], corroborating=(t for t, _ in client_said))
    if own is not None:
        name = f"{own.title} {own.name}" if own.title else own.name
        return Addressed(name, own.line, 1, own.evidence, source="professional_introduction")
    excluded = {w.casefold() for e in exclude for w in e.split()}
    counts: Counter[str] = Counter()
    first_seen: dict[str, tuple[str, int, str]] = {}
    for text, line in client_said:
        if len(text) > 2 * ADDRESS_REACH:
            text = f"{text[:ADDRESS_REACH]} … {text[-ADDRESS_REACH:]}"
        flat = plain(unicodedata.normalize("NFC", text))
        lowered = flat.lower()
        if len(lowered) != len(flat):  # a letter whose lower case is longer: keep offsets
            lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in flat)
        for start, who in _addressed_at(lowered):
            found = _name_at(flat, who)
            if found is None:
                continue
            title, words = found
            if len(words) > 2 or any(w.casefold() in excluded for w in words):
                continue
            if words[0].casefold() in _VOCATIVES:
                continue
            # "Hi Nova," or "Thanks, Dr. Lee." — the name must end its phrase.
            end = flat.index(words[-1], who) + len(words[-1])
            if flat[end : end + 1] not in (",", ".", "!", "?", ""):
                continue
            key = " ".join(words)
            counts[key] += 1
            shown = f"{title} {key}" if title else key
            if key not in first_seen or (title and first_seen[key][0] == key):
                first_seen[key] = (shown, line, collapse(flat[start:end]))
    return _with_margin(counts, first_seen)


def addresses(text: str, name: str) -> bool:
    """Whether ``text`` greets or thanks ``name`` by one of its words ("Thanks, Nova")."""
    bare = split_title(name)[1].split()
    text = unicodedata.normalize("NFC", text)
    if not any(w in text for w in bare):
        return False  # the common case: the name is not in the turn at all
    words = {w.casefold() for w in bare}
    flat = plain(text)
    for _, who in _addressed_at(flat.lower()):
        found = _name_at(flat, who)
        if found is not None and found[1][0].casefold() in words:
            return True
    return False


def _with_margin(counts: Counter[str], first_seen: dict[str, tuple[str, int, str]]) -> Addressed:
    if not counts:
        return Addressed(None, None, 0, "", "the client never addresses the professional by name")
    ranked = counts.most_common()
    top, n = ranked[0]
    if len(ranked) > 1 and n < 2 * ranked[1][1]:
        listed = ", ".join(f"{k} ({c}×)" for k, c in ranked[:3])
        return Addressed(
            None, None, 0, "", f"no name is addressed clearly more often than another: {listed}"
        )
    shown, line, evidence = first_seen[top]
    return Addressed(shown, line, n, evidence)
