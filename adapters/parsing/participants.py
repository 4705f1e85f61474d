"""Who a format A or B header names: the client, the professional, and anyone else.

A header names one client and one professional. A second ``Client:`` line naming
someone else, or a ``Client 2:`` / ``Clients:`` line, is refused at its line: a
record is one client's. A value that names nobody — empty, a lone title, or a
template's placeholder such as ``[Client Name]`` or ``N/A`` — leaves that
participant unnamed: ``--client`` may name the client; otherwise the name is
read from their own introduction in the dialogue and recorded as inferred, or
the file is refused at the header's line (see ``name_unnamed``).

People the header names besides them (``Also present: Tom Byrne (brother)``,
``Interpreter: Marta Silva``) are kept, so that a label naming one of them, or
naming a participant only by a surname they share, is refused rather than read
as the participant's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from caselog.domain.errors import TranscriptError
from caselog.domain.identity import is_honorific
from caselog.domain.transcript import Entry, Inference, Utterance

from .header import Field
from .labels import ROLE_WORDS, is_name_word, is_particle
from .names import introduced_name, professional_name
from .speakers import Person, names_two_people, person

PROFESSIONAL_KEYS = frozenset(k for k, role in ROLE_WORDS.items() if role == "professional")
CLIENT_KEYS = frozenset(k for k, role in ROLE_WORDS.items() if role == "client")
_NAME_SUFFIX = re.compile(r"\s+(?:full\s+)?name$")


def _participant_key(key: str) -> str | None:
    """The role, "client" or "professional", of a header key naming one: a role word ("Patient",
    "Therapist"), alone or with "name" after it ("Client Name", "Therapist full name")."""
    word = _NAME_SUFFIX.sub("", " ".join(key.casefold().split()))
    if word in CLIENT_KEYS:
        return "client"
    return "professional" if word in PROFESSIONAL_KEYS else None


# "Client 2:", "Second client:", "Clients:", "Co-client:": a session of two clients.
_MORE_CLIENTS = re.compile(
    r"(?:(?:second|2nd|other|additional|co-?)\s*(?:client|patient)|(?:client|patient)s"
    r"|(?:client|patient)\s*(?:\d+|[a-z]|#\s*\d+))",
    re.IGNORECASE,
)
# Keys of a header line that names someone else present or involved.
_OTHER_PERSON_KEY = re.compile(
    r"also|present|attend|participant|family|relative|partner|spouse|husband|wife|parent"
    r"|mother|father|mum|mom|dad|brother|sister|sibling|son\b|daughter|child|guardian|carer"
    r"|caregiver|interpreter|translator|observer|supervisor|trainee|student|co-?|guest"
    r"|member|referr",
    re.IGNORECASE,
)
_PLACEHOLDERS = frozenset(
    (
        *("n/a", "na", "none", "unknown", "tbd", "tba", "tbc", "redacted", "anonymous"),
        *("anon", "withheld", "name", "client", "patient", "-", "?", "x", "xx", "xxx"),
    )
)


@dataclass
class Participants:
    client: Person
    professional: Person
    client_line: int
    professional_line: int
    client_named: bool
    """Whether the header (or ``--client``) names the client."""
    professional_named: bool
    professional_key: str
    """As the header writes it: "Therapist", "Counsellor"."""
    others: list[Person] = field(default_factory=list)


def read_participants(
    fields: Sequence[Field], name: str, header_end: int, stated_client: str | None
) -> tuple[Participants, list[Inference]]:
    """The header's participants; refuses a header that names two clients or none."""
    client: tuple[Person, Field] | None = None
    professional: tuple[Person, Field] | None = None
    others: list[Person] = []
    inferred: list[Inference] = []
    for f in fields:
        key = f.key.casefold().strip()
        kind = _participant_key(key)
        if kind is not None and names_two_people(f.value):
            raise TranscriptError(
                name,
                f.line,
                f"expected one person after '{f.key}:', not {f.value.strip()!r}; "
                "a record is one client's: record each person's session on its own",
            )
        if kind is not None:
            found = (person(f.value), f)
            earlier = client if kind == "client" else professional
            if (
                earlier is not None
                and _names_someone(earlier[0])
                and _names_someone(found[0])
                and earlier[0].name.casefold() != found[0].name.casefold()
            ):
                raise TranscriptError(
                    name,
                    f.line,
                    f"expected one '{f.key}:' line, but line {earlier[1].line} names "
                    f"{earlier[0].full!r} and this one {found[0].full!r}; a record is one "
                    "client's with one professional: record each session on its own",
                )
            if earlier is None or not _names_someone(earlier[0]):
                if kind == "client":
                    client = found
                else:
                    professional = found
        elif _MORE_CLIENTS.fullmatch(key) and f.value.strip():
            raise TranscriptError(
                name,
                f.line,
                f"expected one client, but '{f.key}: {f.value.strip()}' names another; "
                "a record is one client's: record each person's session on its own",
            )
        elif _OTHER_PERSON_KEY.search(key):
            others.extend(_people_in(f.value))
    for who, given in (("Client", client), ("Professional", professional)):
        if given is None:
            raise TranscriptError(name, header_end, f"expected a '{who}: Name' line in the header")
    assert client is not None and professional is not None
    client_person, client_field = client
    client_named = _names_someone(client_person)
    if not client_named and stated_client:
        client_person, client_named = person(stated_client), True
    elif client_person.reordered:
        inferred.append(
            Inference(
                fact="client",
                value=client_person.name,
                source="surname_first",
                line=client_field.line,
                evidence=f"read given name first from {client_field.value.strip()!r}",
            )
        )
    if not client_named:
        client_person = Person("")
    professional_person, professional_field = professional
    professional_named = _names_someone(professional_person)
    if not professional_named:
        professional_person = Person("")
    return (
        Participants(
            client_person,
            professional_person,
            client_field.line,
            professional_field.line,
            client_named,
            professional_named,
            professional_field.key,
            others,
        ),
        inferred,
    )


def _names_someone(p: Person) -> bool:
    """False for a header value that names nobody: empty, a lone title, a placeholder."""
    bare = p.name.strip()
    if not bare or not any(c.isalpha() for c in bare) or is_honorific(bare):
        return False
    if bare[0] in "([{<" or bare.casefold().strip("[]<>{}() ") in _PLACEHOLDERS:
        return False
    return not (bare.isupper() and set(bare.casefold()) <= {"x", " "})


def _people_in(value: str) -> list[Person]:
    """The people a header value lists: "Ada Byrne, Tom Byrne (brother)", "Tom and Mia"."""
    found: list[Person] = []
    for part in re.split(r"\s*(?:[,;&/]|\band\b)\s*", value):
        someone = person(part)
        words = someone.name.split()
        if words and all(is_name_word(w) or is_particle(w) for w in words):
            found.append(someone)
    return found


def name_unnamed(
    participants: Participants, entries: Sequence[Entry], name: str
) -> tuple[Person | None, str | None, list[Inference]]:
    """Names for the participants the header leaves unnamed, from the dialogue.

    The client's from their own introduction in their first turns, the
    professional's from theirs or from how the client addresses them, each
    recorded as inferred. A client who does not introduce themselves is left
    unknown (noted at the header's line), and the file is refused there unless
    ``--client`` names them.
    """

    def said(role: str) -> list[tuple[str, int]]:
        return [
            (e.text, e.lines.first) for e in entries if isinstance(e, Utterance) and e.role == role
        ]

    client_said, professional_said = said("client"), said("professional")
    inferred: list[Inference] = []
    client = participants.client if participants.client_named else None
    professional = participants.professional.full if participants.professional_named else None
    if client is None:
        found = introduced_name(client_said[:3], corroborating=(t for t, _ in professional_said))
        if found is None:
            inferred.append(
                Inference(
                    fact="client",
                    value=None,
                    source="not_found",
                    line=participants.client_line,
                    evidence="the header's 'Client:' line names nobody, and the client does "
                    "not introduce themselves in their first turns",
                )
            )
        else:
            client = Person(found.name, found.title)
            inferred.append(
                Inference(
                    fact="client",
                    value=found.name,
                    source="self_introduction",
                    line=found.line,
                    evidence=found.evidence,
                )
            )
    if professional is None:
        own = [client.name] if client else []
        addressed = professional_name(professional_said, client_said, exclude=own)
        professional = addressed.name
        inferred.append(
            Inference(
                fact="professional",
                value=addressed.name,
                source=addressed.source if addressed.name else "not_found",
                line=addressed.line if addressed.name else participants.professional_line,
                evidence=(addressed.evidence if addressed.name else addressed.why_not or ""),
            )
        )
    return client, professional, inferred
