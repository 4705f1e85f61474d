"""Flags for text that a transcript generator, not a participant, produced.

The text stays in the record verbatim; a flag only marks it, so that readers
and corpus users can leave it out. Kinds:

- ``generator_refusal``: a turn in which the model declines ("I cannot provide a
  complete conversation…"), one flag per turn; in a client's turn only when it
  names what it declines ("this conversation", "this request"), since a client
  may well say "I can't continue like this";
- ``meta_commentary``: narration about the transcript rather than speech in
  it ("Here's a possible response from Nova", "This response aims to help",
  "This conversation has been a CBT session between…", "in character as",
  "how Nova might respond"), one flag per turn, in turns of either role
  that carry no refusal flag already;
- ``cut_mid_sentence``: a client's turn that stops without terminal
  punctuation although another turn follows — the generator was cut off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from caselog.domain.transcript import Entry, QualityFlag, Utterance

from .text import plain

EXCERPT = 120

_REFUSAL = re.compile(
    r"\bI(?:\s+cannot|\s+can't|\s+can not|\s+am unable to|'m unable to|\s+am not able to|"
    r"\s+won't be able to)\s+(?:provide|continue|generate|write|create|complete|produce)\b"
    r"[^.!?\n]*",
    re.I,
)
# One alternation, not one search per pattern: the leftmost match wins, and at one
# position the earlier alternative, as a search per pattern taking the first would.
_META = re.compile(
    "|".join(
        (
            r"(?i:\bHere(?:'s| is) (?:a|one|another) possible (?:response|reply)\b[^\n]*)",
            r"(?i:\bThis (?:response|reply) aims to\b[^\n]*)",
            r"\bThis conversation has been an? [\w-]+(?: [\w-]+)? session between\b[^.\n]*",
            r"\bAs an AI(?: language model)?\b[^.\n]*",
            r"(?i:\bin character as\b[^.\n]*)",
            r"\bhow [A-Z]\w* might respond\b[^.\n]*",
        )
    )
)
# Words every match of each contains (any case): a cheap test that most turns fail,
# so the patterns, slow to search without a literal prefix, run on few turns.
_REFUSAL_WORDS = ("cannot", "can't", "can not", "unable to", "not able to", "won't be able to")
_META_WORDS = (
    "possible",
    "aims to",
    "session between",
    "as an ai",
    "in character as",
    "might respond",
)
_CLOSERS = "\"'”’)]»"


_ABOUT_GENERATION = re.compile(
    r"\b(?:conversation|request|role-?play|scenario|transcript|dialogue|content|assist)\b", re.I
)


def quality_flags(entries: Sequence[Entry]) -> list[QualityFlag]:
    flags: list[QualityFlag] = []
    last_utterance = max((i for i, e in enumerate(entries) if isinstance(e, Utterance)), default=-1)
    for index, entry in enumerate(entries):
        if not isinstance(entry, Utterance):
            continue
        seq = index + 1
        text = plain(entry.text)
        lowered = text.lower()
        refusal = None
        if any(w in lowered for w in _REFUSAL_WORDS):
            refusal = _REFUSAL.search(text)
            # A client may say "I can't continue like this"; a model's refusal landing in
            # a client's turn names what it refuses ("this conversation", "this request").
            if refusal and entry.role == "client" and not _ABOUT_GENERATION.search(refusal[0]):
                refusal = None
        if refusal:
            flags.append(
                QualityFlag(seq=seq, kind="generator_refusal", excerpt=_cut(entry.text, refusal))
            )
        else:
            meta = _META.search(text) if any(w in lowered for w in _META_WORDS) else None
            if meta:
                flags.append(
                    QualityFlag(seq=seq, kind="meta_commentary", excerpt=_cut(entry.text, meta))
                )
        if entry.role == "client" and index < last_utterance and _stops_short(entry.text):
            tail = entry.text.rstrip().rsplit("\n", 1)[-1][-EXCERPT:]
            flags.append(QualityFlag(seq=seq, kind="cut_mid_sentence", excerpt=tail))
    return flags


def _cut(original: str, m: re.Match[str]) -> str:
    # plain() maps one character to one, so the match's offsets hold in the original.
    return original[m.start() : m.end()].strip()[:EXCERPT]


def _stops_short(text: str) -> bool:
    core = text.rstrip().rstrip(_CLOSERS)
    return not core or core[-1] not in ".!?…"
