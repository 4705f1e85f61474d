"""Formats C and D: turns labelled by role, names only in the dialogue.

C opens with ``Session Number: 8``; D (a continuation) opens with the
previous session's ``Session Summary:`` block instead. Both may end with a
trailer — ``Termination Details:`` with ``Reason:``/``Details:`` lines, then
the session's own ``Session Summary:`` block. The trailer starts only after
the last labelled turn, so a summary the client quotes inside a turn never
cuts the dialogue short.

Labels are role words in any case, plain or bold: ``Patient``, ``Client``,
``Therapist``, ``Professional`` and the synonyms ``Clinician``,
``Counselor``/``Counsellor``, ``Psychologist``, ``Psychotherapist``,
``Psychiatrist`` (a synonym is noted as an inferred role).

Where turns start: a file that separates its turns with blank lines (most
label lines follow a blank line) starts a turn only at a label that opens a
paragraph, so a line beginning "Professional:" inside a paragraph — a client
reading out a note — stays in the turn. A file that writes one turn per line
starts a turn at every label at a line's start. A label quoted inside a line
never starts a turn. A person-like label where a turn starts ("Nova:",
"Mother:") that is no role word is refused at its line, unless ``--role``
gives its role.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from caselog.domain.errors import TranscriptError
from caselog.domain.identity import split_title
from caselog.domain.transcript import Ending, Inference, QuotedSummary, Role, Utterance

from .dates import DateReading, read_date_and_time
from .detect import SESSION_NUMBER, SUMMARY_HEADING
from .draft import Draft
from .header import KEY_VALUE, Field, incomplete, read_fields, require_turns, stops_at
from .labels import (
    ROLE_WORDS,
    SynonymNotes,
    is_name_word,
    is_particle,
    is_speaker_shaped,
    label_key,
    read_label,
)
from .names import (
    FoundName,
    addresses,
    introduced_name,
    introductions,
    is_bare_name,
    professional_name,
)
from .speakers import person
from .summary import parse_summary
from .text import first_nonblank, is_blank, numbered
from .turns import Mark, TurnStart, build

TERMINATION = re.compile(
    r"(?:#+\s*)?(?:\*\*|__)?\s*Termination Details\s*(?:\*\*|__)?\s*:?\s*(?:\*\*|__)?\s*",
    re.IGNORECASE,
)
END_PHRASE = re.compile(r"Detected end phrase:\s*'(.*)'\s*", re.IGNORECASE)
_HINT = "expected a speaker label like 'Patient: …' or 'Therapist: …' before this text"


class _RoleLabels:
    """Whether a line opens with a role word or a label given a role: (label, role, rest).

    Each line is asked about by several passes (header, trailer, separation, turns),
    so what it says is kept.
    """

    def __init__(self, roles: dict[str, Role]) -> None:
        self.roles = roles
        self._read: dict[str, tuple[str, Role, str] | None] = {}

    def __call__(self, text: str) -> tuple[str, Role, str] | None:
        if text in self._read:
            return self._read[text]
        found = None
        read = read_label(text)
        if read is not None:
            label, rest = read
            key = label_key(label)
            role = self.roles.get(key) or ROLE_WORDS.get(key) or _named_role(label)
            found = (label, role, rest) if role else None
        self._read[text] = found
        return found

    def is_label(self, text: str) -> bool:
        return self(text) is not None


_NAMED_ROLE = re.compile(r"(?P<role>[^()]+?)\s*\((?P<name>[^()]+)\)")


def _named_role(label: str) -> Role | None:
    """The role of a role word with a name in brackets ("Therapist (Dr. Chen)", "Client
    (Jamal)"), as generators label turns; a file must give each role one name (see
    ``_Classifier``). Not a voice ("Client (as Dad)") or a descriptor in lower case."""
    m = _NAMED_ROLE.fullmatch(label)
    if m is None:
        return None
    role = ROLE_WORDS.get(label_key(m.group("role")))
    bare = split_title(m.group("name").strip())[1]
    words = bare.split()
    if role is None or not words or len(words) > 4:
        return None
    return role if all(is_name_word(w) or is_particle(w) for w in words) else None


def parse_labelled(
    lines: Sequence[str],
    name: str,
    fmt: Literal["C", "D"],
    roles: dict[str, Role] | None = None,
    dates: DateReading | None = None,
) -> Draft:
    role_labels = _RoleLabels(roles or {})
    is_label = role_labels.is_label

    start = first_nonblank(lines)
    assert start is not None  # decode() refuses blank files
    draft = Draft(entries=[], ending=incomplete("", 1))
    first = lines[start].strip()
    if fmt == "C":
        m = SESSION_NUMBER.fullmatch(first)
        if m is None:
            raise TranscriptError(name, start + 1, "expected a first line like 'Session Number: 8'")
        draft.session_number = int(m.group(1))
        draft.header.append(("Session Number", m.group(1)))
        fields, body_start = read_fields(
            lines,
            start + 1,
            name,
            lambda text: is_label(text) and not _names_a_role(text, role_labels),
            "expected a header line such as 'Key: value', or a blank line before the turns",
        )
        _stated_names(fields, role_labels, draft)
        draft.header.extend((f.key, f.value) for f in fields)
        read_date_and_time(fields, name, draft, dates)
        require_turns(lines, body_start, name, "the header")
    else:
        if not SUMMARY_HEADING.fullmatch(first):
            raise TranscriptError(
                name, start + 1, "expected a continuation to open with 'Session Summary:'"
            )
        body_start = next((i for i in range(start, len(lines)) if is_label(lines[i])), -1)
        if body_start < 0:
            raise TranscriptError(
                name,
                len(lines),
                "expected turns like 'Patient: …' after the opening 'Session Summary:' block",
            )
        block = parse_summary(numbered(lines, start + 1, body_start))
        if block.summary is None:
            raise TranscriptError(
                name, start + 1, "expected summary sections such as 'Main topics discussed:'"
            )
        draft.quoted_summary = QuotedSummary(summary=block.summary, in_utterance=None)
        draft.header.extend(("Opening summary note", n) for n in block.notes)

    trailer = _trailer_start(lines, body_start, is_label)
    body_lines = numbered(lines, body_start, trailer)
    _refuse_a_second_session(body_lines, name)
    classify = _Classifier(role_labels, name, _paragraph_turns(body_lines, is_label))
    body = build(body_lines, classify, name, _HINT)
    if not any(e.kind == "utterance" for e in body.entries):
        raise TranscriptError(name, min(body_start + 1, len(lines)), "expected at least one turn")
    draft.entries = body.entries
    draft.flags = body.flags
    draft.inferred.extend(classify.synonyms.inferred)
    last = stops_at(lines, body_start, trailer)
    draft.ending = body.ending or incomplete("no termination details", last)
    _read_trailer(lines, trailer, name, draft)
    _names(draft, fmt, name)
    return draft


def _names_a_role(text: str, role_labels: _RoleLabels) -> bool:
    """A header line naming who has a role ("Client: Hannah Brooks", "Therapist: Dr. Omar
    Haddad"): a field of the header, not the first turn."""
    found = role_labels(text)
    return found is not None and is_bare_name(found[2])


def _stated_names(fields: Sequence[Field], role_labels: _RoleLabels, draft: Draft) -> None:
    """The client and professional a C header names, stated rather than inferred."""
    for f in fields:
        found = role_labels(f"{f.key}: {f.value}")
        if found is None or not is_bare_name(f.value):
            continue
        who = person(f.value)
        if found[1] == "client":
            draft.client_name, draft.client_title = who.name, who.title
        else:
            draft.professional_name = who.full


def _refuse_a_second_session(lines: Sequence[tuple[int, str]], name: str) -> None:
    """Turns after a session's termination details or a second session header are
    another session's: refused, never recorded as more of the first."""
    for number, text in lines:
        stripped = text.strip()
        if SESSION_NUMBER.fullmatch(stripped) or TERMINATION.fullmatch(stripped):
            raise TranscriptError(
                name,
                number,
                f"expected one session per file, but turns follow {stripped!r}: "
                "split the file into one file per session",
            )


def _paragraph_turns(lines: Sequence[tuple[int, str]], is_label: Callable[[str], bool]) -> bool:
    """True when the file separates turns by blank lines, so turns open paragraphs.

    The first turn is not evidence either way: a blank line after the header precedes it.
    """
    labelled = [i for i in range(len(lines)) if is_label(lines[i][1])][1:]
    after_blank = sum(1 for i in labelled if not lines[i - 1][1].strip())
    return after_blank > len(labelled) - after_blank


class _Classifier:
    def __init__(self, role_labels: _RoleLabels, name: str, paragraph_turns: bool) -> None:
        self.role_labels = role_labels
        self.name = name
        self.paragraph_turns = paragraph_turns
        self.synonyms = SynonymNotes()
        self._previous = ""
        self._named: dict[Role, tuple[str, str, int]] = {}

    def __call__(self, number: int, text: str, opens: bool) -> Mark | None:
        previous, self._previous = self._previous, text
        turn_position = opens or not self.paragraph_turns
        found = self.role_labels(text)
        if found is None:
            read = read_label(text)
            placed = read is not None and (
                turn_position or not _quoted(read[1], previous, self.role_labels)
            )
            if read is not None and placed and is_speaker_shaped(read[0]):
                label = read[0]
                raise TranscriptError(
                    self.name,
                    number,
                    f"expected a role label such as 'Patient:' or 'Therapist:', not '{label}:'; "
                    f'give --role "{label}=client" or --role "{label}=professional"',
                )
            return None
        if not turn_position and _quoted(found[2], previous, self.role_labels):
            return None
        if is_bare_name(found[2]):
            return None  # "Clinician: Dr. Mara Levin" in a quoted summary: a field, not a turn
        label, role, rest = found
        self._one_name_per_role(label, role, number)
        self.synonyms.note(label, role, number)
        return TurnStart(number, role, label, rest)

    def _one_name_per_role(self, label: str, role: Role, number: int) -> None:
        """ "Client (Ana):" and later "Client (Ben):" are two people under one role: refused."""
        m = _NAMED_ROLE.fullmatch(label)
        if m is None:
            return
        named = label_key(m.group("name"))
        first = self._named.setdefault(role, (named, label, number))
        if first[0] != named:
            raise TranscriptError(
                self.name,
                number,
                f"expected one {role}, but '{first[1]}:' (line {first[2]}) and '{label}:' name "
                f"two people as the {role}: a record is one client's with one professional; "
                "record each person's words on their own",
            )


def _quoted(rest: str, previous: str, role_labels: _RoleLabels) -> bool:
    """Whether a label inside a paragraph is words of the turn rather than a new turn.

    It is a quote when the line before introduces it (ends with ':', "she wrote:")
    or its words go on in lower case ("Professional: needs to speak up"); a label
    after a label with no words, or opening a capitalised sentence, is a turn
    whose blank line the writer left out.
    """
    before = role_labels(previous)
    if before is not None and not before[2].strip():
        return False
    first = rest.lstrip()[:1]
    return previous.rstrip().endswith(":") or first.islower() or (first != "" and first in "\"'“‘")


def _trailer_start(lines: Sequence[str], body_start: int, is_label: Callable[[str], bool]) -> int:
    last_label = body_start
    for i in range(body_start, len(lines)):
        if is_label(lines[i]):
            last_label = i
    for i in range(last_label + 1, len(lines)):
        text = lines[i].strip()
        if TERMINATION.fullmatch(text) or SUMMARY_HEADING.fullmatch(text):
            return i
    return len(lines)


def _read_trailer(lines: Sequence[str], start: int, name: str, draft: Draft) -> None:
    i = start
    if i < len(lines) and TERMINATION.fullmatch(lines[i].strip()):
        ended_at = i + 1
        i += 1
        fields: dict[str, str] = {}
        while i < len(lines) and not SUMMARY_HEADING.fullmatch(lines[i].strip()):
            if not is_blank(lines[i]):
                # Generators write these lines in Markdown too: "- **Reason:** …".
                m = KEY_VALUE.fullmatch(lines[i].strip().lstrip("-*• ").replace("**", ""))
                if m is None:
                    raise TranscriptError(
                        name,
                        i + 1,
                        "expected 'Reason: …' or 'Details: …' under 'Termination Details:'",
                    )
                draft.header.append((m.group(1), m.group(2)))
                fields[m.group(1).casefold()] = m.group(2).strip()
            i += 1
        draft.ending = _termination(fields, ended_at)
    if i < len(lines):
        block = parse_summary(numbered(lines, i + 1))
        draft.summary = block.summary
        draft.header.extend(("Session summary note", n) for n in block.notes)


def _termination(fields: dict[str, str], line: int) -> Ending:
    reason = fields.get("reason", "")
    details = fields.get("details", "")
    phrase = END_PHRASE.fullmatch(details)
    detail = phrase.group(1) if phrase else details
    if "natural" in reason.casefold():
        return Ending(reason="natural_end", detail=detail or reason, line=line)
    stated = "; ".join(x for x in (reason, details) if x) or "no reason given"
    return Ending(reason="incomplete", detail=f"termination details: {stated}", line=line)


def _refuse_a_second_client(
    found: FoundName,
    client: list[tuple[str, int]],
    professional: list[tuple[str, int]],
    name: str,
) -> None:
    """Two people under the client's label ("I'm Ana Costa" … "I'm Ben") are refused:
    the record would hold one person's words as another's."""
    others = introductions(
        [(text[:200], line) for text, line in client], (t for t, _ in professional)
    )
    for other in others:
        if other.line <= found.line or other.another_name:
            continue  # a second name of the same person: "My name is 王小明 … call me Xiaoming"
        if not _one_person(found.name, other.name):
            raise TranscriptError(
                name,
                other.line,
                f"expected one client under the client's label, but '{found.name}' "
                f"(line {found.line}) and '{other.name}' (line {other.line}) both introduce "
                "themselves; record each person's words on their own",
            )


def _refuse_another_client(stated: str, found: FoundName | None, name: str) -> None:
    """A client who introduces themselves as someone other than the header's client."""
    if found is not None and not _one_person(stated, found.name):
        raise TranscriptError(
            name,
            found.line,
            f"expected the header's client, {stated!r}, but the client introduces themselves "
            f"as {found.name!r}: record each person's words on their own",
        )


def _one_person(name: str, other: str) -> bool:
    """Whether two introductions can be one person's: one name holds the other ("Zoë",
    "Zoë Brontë-Hale"), or they share the given name. A shared surname alone does not
    make one person: "Ana Costa" and "Ben Costa" are a couple."""
    a, b = name.casefold().split(), other.casefold().split()
    return set(a) <= set(b) or set(b) <= set(a) or a[0] == b[0]


def _refuse_swapped_labels(draft: Draft, name: str) -> None:
    """A turn that greets or thanks its own speaker by name ("Therapist: … Thanks, Nova"
    when Nova is the professional) has the other speaker's label: refused."""
    for entry in draft.entries:
        if not isinstance(entry, Utterance):
            continue
        own = draft.client_name if entry.role == "client" else draft.professional_name
        if own and addresses(entry.text, own):
            raise TranscriptError(
                name,
                entry.lines.first,
                f"expected the {entry.role}'s turn to address someone else, but it addresses "
                f"{own!r}, the {entry.role}: are the labels swapped from here?",
            )


def _names(draft: Draft, fmt: Literal["C", "D"], name: str) -> None:
    def said(role: str) -> list[tuple[str, int]]:
        return [
            (e.text, e.lines.first)
            for e in draft.entries
            if isinstance(e, Utterance) and e.role == role
        ]

    client, professional = said("client"), said("professional")
    # D's client is matched by the service against recorded summaries, not guessed here.
    stated_client = draft.client_name
    if fmt == "C":
        found = introduced_name(client[:3], corroborating=(t for t, _ in professional))
        if found is not None:
            _refuse_a_second_client(found, client, professional, name)
        if stated_client is not None:
            _refuse_another_client(stated_client, found, name)
            found = None
        if found is None and client and stated_client is None:
            draft.inferred.append(
                Inference(
                    fact="client",
                    value=None,
                    source="not_found",
                    line=client[0][1],
                    evidence="the client does not introduce themselves in their first turns",
                )
            )
        if found is not None:
            draft.client_name, draft.client_title = found.name, found.title
            draft.inferred.append(
                Inference(
                    fact="client",
                    value=found.name,
                    source="self_introduction",
                    line=found.line,
                    evidence=found.evidence,
                )
            )
    if draft.professional_name is not None:  # stated in the header
        _refuse_swapped_labels(draft, name)
        return
    own = [draft.client_name] if draft.client_name else []
    addressed = professional_name(professional, client, exclude=own)
    draft.professional_name = addressed.name
    _refuse_swapped_labels(draft, name)
    if addressed.name is None:
        draft.inferred.append(
            Inference(
                fact="professional",
                value=None,
                source="not_found",
                evidence=addressed.why_not or "",
            )
        )
    else:
        draft.inferred.append(
            Inference(
                fact="professional",
                value=addressed.name,
                source=addressed.source,
                line=addressed.line,
                evidence=addressed.evidence
                + (f" ({addressed.count}×)" if addressed.count > 1 else ""),
            )
        )
